"use strict";
/**
 * One error class per error code of the API (contract §3). Every REST error body is
 * `{"error": {code, message, status, param?, request_id}}`; GraphQL errors carry the same
 * `code` and `status` in `errors[].extensions`, and the audio socket sends `{type: "error", code,
 * message}` before closing with `4000 + status % 1000`. All of them become a `VocalIAError`.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.WebhookVerificationError = exports.APITimeoutError = exports.APIConnectionError = exports.ConcurrencyLimitError = exports.RateLimitError = exports.InternalServerError = exports.MethodNotAllowedError = exports.PayloadTooLargeError = exports.ConflictError = exports.QuotaExceededError = exports.InsufficientCreditsError = exports.AgentNotConfiguredError = exports.InvalidPhoneNumberError = exports.InvalidRequestError = exports.NotFoundError = exports.PermissionDeniedError = exports.AuthenticationError = exports.VocalIAError = void 0;
exports.codeForStatus = codeForStatus;
exports.errorFor = errorFor;
class VocalIAError extends Error {
    /** The contract's error code (`invalid_api_key`, `resource_not_found`, …). */
    code;
    /** The HTTP status (0 when no response arrived). */
    status;
    /** The field at fault, when one field is. */
    param;
    /** The server's request id (`req_…`): quote it to support. */
    requestId;
    /** The response headers, when there was a response. */
    headers;
    /** The parsed response body, when there was one. */
    body;
    constructor(message, init) {
        super(message, init.cause === undefined ? undefined : { cause: init.cause });
        this.name = new.target.name;
        this.code = init.code;
        this.status = init.status;
        this.param = init.param;
        this.requestId = init.requestId;
        this.headers = init.headers;
        this.body = init.body;
    }
}
exports.VocalIAError = VocalIAError;
/** 401 `invalid_api_key`: missing, malformed, revoked or expired key or token. */
class AuthenticationError extends VocalIAError {
}
exports.AuthenticationError = AuthenticationError;
/** 403 `insufficient_permissions`: role, plan feature, publishable key, Origin. */
class PermissionDeniedError extends VocalIAError {
}
exports.PermissionDeniedError = PermissionDeniedError;
/** 404 `resource_not_found`: an unknown id, or another tenant's. */
class NotFoundError extends VocalIAError {
}
exports.NotFoundError = NotFoundError;
/** 400 `invalid_request`: malformed JSON, wrong types, missing fields, values out of range. */
class InvalidRequestError extends VocalIAError {
}
exports.InvalidRequestError = InvalidRequestError;
/** 400 `invalid_phone_number`: not E.164. */
class InvalidPhoneNumberError extends InvalidRequestError {
}
exports.InvalidPhoneNumberError = InvalidPhoneNumberError;
/** 400 `agent_not_configured`: unknown or disabled agent for a call or stream. */
class AgentNotConfiguredError extends InvalidRequestError {
}
exports.AgentNotConfiguredError = AgentNotConfiguredError;
/** 402 `insufficient_credits`. */
class InsufficientCreditsError extends VocalIAError {
}
exports.InsufficientCreditsError = InsufficientCreditsError;
/** 402 `quota_exceeded`: the plan's monthly quota (calls, sessions, KB entries) is used up. */
class QuotaExceededError extends VocalIAError {
}
exports.QuotaExceededError = QuotaExceededError;
/** 409 `conflict`: duplicate id, invalid state transition (transfer of an ended call), … */
class ConflictError extends VocalIAError {
}
exports.ConflictError = ConflictError;
/** 413 `payload_too_large`. */
class PayloadTooLargeError extends VocalIAError {
}
exports.PayloadTooLargeError = PayloadTooLargeError;
/** 405 `method_not_allowed`. */
class MethodNotAllowedError extends VocalIAError {
}
exports.MethodNotAllowedError = MethodNotAllowedError;
/** 500 `internal_error` (and any other 5xx). */
class InternalServerError extends VocalIAError {
}
exports.InternalServerError = InternalServerError;
/** 429 `rate_limit_exceeded`: `retryAfter` (seconds) says when to try again, when known. */
class RateLimitError extends VocalIAError {
    retryAfter;
    constructor(message, init) {
        super(message, init);
        this.retryAfter = init.retryAfter;
    }
}
exports.RateLimitError = RateLimitError;
/** 429 `concurrency_limit_exceeded`: the plan's simultaneous calls are all in progress. */
class ConcurrencyLimitError extends RateLimitError {
}
exports.ConcurrencyLimitError = ConcurrencyLimitError;
/** No response: the connection failed (`code: "connection_error"`, `status: 0`). */
class APIConnectionError extends VocalIAError {
}
exports.APIConnectionError = APIConnectionError;
/** No response within the timeout (`code: "timeout"`, `status: 0`). */
class APITimeoutError extends APIConnectionError {
}
exports.APITimeoutError = APITimeoutError;
/** A webhook whose signature, timestamp or headers do not verify. */
class WebhookVerificationError extends Error {
    constructor(message) {
        super(message);
        this.name = "WebhookVerificationError";
    }
}
exports.WebhookVerificationError = WebhookVerificationError;
const BY_CODE = {
    invalid_api_key: AuthenticationError,
    insufficient_permissions: PermissionDeniedError,
    resource_not_found: NotFoundError,
    invalid_phone_number: InvalidPhoneNumberError,
    rate_limit_exceeded: RateLimitError,
    insufficient_credits: InsufficientCreditsError,
    agent_not_configured: AgentNotConfiguredError,
    internal_error: InternalServerError,
    invalid_request: InvalidRequestError,
    concurrency_limit_exceeded: ConcurrencyLimitError,
    quota_exceeded: QuotaExceededError,
    conflict: ConflictError,
    payload_too_large: PayloadTooLargeError,
    method_not_allowed: MethodNotAllowedError,
};
const CODE_BY_STATUS = {
    400: "invalid_request",
    401: "invalid_api_key",
    402: "insufficient_credits",
    403: "insufficient_permissions",
    404: "resource_not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid_request",
    429: "rate_limit_exceeded",
};
/** The code a status stands for when the body did not say (a proxy's page, an empty body). */
function codeForStatus(status) {
    return CODE_BY_STATUS[status] ?? (status >= 500 ? "internal_error" : "invalid_request");
}
/** The error class of a code; an unknown code falls back on its status. */
function errorFor(message, init) {
    const cls = BY_CODE[init.code] ??
        BY_CODE[codeForStatus(init.status)] ??
        (init.status >= 500 ? InternalServerError : VocalIAError);
    return new cls(message, init);
}
