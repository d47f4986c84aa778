/**
 * One error class per error code of the API (contract §3). Every REST error body is
 * `{"error": {code, message, status, param?, request_id}}`; GraphQL errors carry the same
 * `code` and `status` in `errors[].extensions`, and the audio socket sends `{type: "error", code,
 * message}` before closing with `4000 + status % 1000`. All of them become a `VocalIAError`.
 */
export interface VocalIAErrorInit {
    code: string;
    status: number;
    param?: string | undefined;
    requestId?: string | undefined;
    headers?: Headers | undefined;
    body?: unknown;
    retryAfter?: number | undefined;
    cause?: unknown;
}
export declare class VocalIAError extends Error {
    /** The contract's error code (`invalid_api_key`, `resource_not_found`, …). */
    readonly code: string;
    /** The HTTP status (0 when no response arrived). */
    readonly status: number;
    /** The field at fault, when one field is. */
    readonly param: string | undefined;
    /** The server's request id (`req_…`): quote it to support. */
    readonly requestId: string | undefined;
    /** The response headers, when there was a response. */
    readonly headers: Headers | undefined;
    /** The parsed response body, when there was one. */
    readonly body: unknown;
    constructor(message: string, init: VocalIAErrorInit);
}
/** 401 `invalid_api_key`: missing, malformed, revoked or expired key or token. */
export declare class AuthenticationError extends VocalIAError {
}
/** 403 `insufficient_permissions`: role, plan feature, publishable key, Origin. */
export declare class PermissionDeniedError extends VocalIAError {
}
/** 404 `resource_not_found`: an unknown id, or another tenant's. */
export declare class NotFoundError extends VocalIAError {
}
/** 400 `invalid_request`: malformed JSON, wrong types, missing fields, values out of range. */
export declare class InvalidRequestError extends VocalIAError {
}
/** 400 `invalid_phone_number`: not E.164. */
export declare class InvalidPhoneNumberError extends InvalidRequestError {
}
/** 400 `agent_not_configured`: unknown or disabled agent for a call or stream. */
export declare class AgentNotConfiguredError extends InvalidRequestError {
}
/** 402 `insufficient_credits`. */
export declare class InsufficientCreditsError extends VocalIAError {
}
/** 402 `quota_exceeded`: the plan's monthly quota (calls, sessions, KB entries) is used up. */
export declare class QuotaExceededError extends VocalIAError {
}
/** 409 `conflict`: duplicate id, invalid state transition (transfer of an ended call), … */
export declare class ConflictError extends VocalIAError {
}
/** 413 `payload_too_large`. */
export declare class PayloadTooLargeError extends VocalIAError {
}
/** 405 `method_not_allowed`. */
export declare class MethodNotAllowedError extends VocalIAError {
}
/** 500 `internal_error` (and any other 5xx). */
export declare class InternalServerError extends VocalIAError {
}
/** 429 `rate_limit_exceeded`: `retryAfter` (seconds) says when to try again, when known. */
export declare class RateLimitError extends VocalIAError {
    readonly retryAfter: number | undefined;
    constructor(message: string, init: VocalIAErrorInit);
}
/** 429 `concurrency_limit_exceeded`: the plan's simultaneous calls are all in progress. */
export declare class ConcurrencyLimitError extends RateLimitError {
}
/** No response: the connection failed (`code: "connection_error"`, `status: 0`). */
export declare class APIConnectionError extends VocalIAError {
}
/** No response within the timeout (`code: "timeout"`, `status: 0`). */
export declare class APITimeoutError extends APIConnectionError {
}
/** A webhook whose signature, timestamp or headers do not verify. */
export declare class WebhookVerificationError extends Error {
    constructor(message: string);
}
/** The code a status stands for when the body did not say (a proxy's page, an empty body). */
export declare function codeForStatus(status: number): string;
/** The error class of a code; an unknown code falls back on its status. */
export declare function errorFor(message: string, init: VocalIAErrorInit): VocalIAError;
