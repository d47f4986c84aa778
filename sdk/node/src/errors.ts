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

export class VocalIAError extends Error {
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

  constructor(message: string, init: VocalIAErrorInit) {
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

/** 401 `invalid_api_key`: missing, malformed, revoked or expired key or token. */
export class AuthenticationError extends VocalIAError {}
/** 403 `insufficient_permissions`: role, plan feature, publishable key, Origin. */
export class PermissionDeniedError extends VocalIAError {}
/** 404 `resource_not_found`: an unknown id, or another tenant's. */
export class NotFoundError extends VocalIAError {}
/** 400 `invalid_request`: malformed JSON, wrong types, missing fields, values out of range. */
export class InvalidRequestError extends VocalIAError {}
/** 400 `invalid_phone_number`: not E.164. */
export class InvalidPhoneNumberError extends InvalidRequestError {}
/** 400 `agent_not_configured`: unknown or disabled agent for a call or stream. */
export class AgentNotConfiguredError extends InvalidRequestError {}
/** 402 `insufficient_credits`. */
export class InsufficientCreditsError extends VocalIAError {}
/** 402 `quota_exceeded`: the plan's monthly quota (calls, sessions, KB entries) is used up. */
export class QuotaExceededError extends VocalIAError {}
/** 409 `conflict`: duplicate id, invalid state transition (transfer of an ended call), … */
export class ConflictError extends VocalIAError {}
/** 413 `payload_too_large`. */
export class PayloadTooLargeError extends VocalIAError {}
/** 405 `method_not_allowed`. */
export class MethodNotAllowedError extends VocalIAError {}
/** 500 `internal_error` (and any other 5xx). */
export class InternalServerError extends VocalIAError {}

/** 429 `rate_limit_exceeded`: `retryAfter` (seconds) says when to try again, when known. */
export class RateLimitError extends VocalIAError {
  readonly retryAfter: number | undefined;

  constructor(message: string, init: VocalIAErrorInit) {
    super(message, init);
    this.retryAfter = init.retryAfter;
  }
}

/** 429 `concurrency_limit_exceeded`: the plan's simultaneous calls are all in progress. */
export class ConcurrencyLimitError extends RateLimitError {}

/** No response: the connection failed (`code: "connection_error"`, `status: 0`). */
export class APIConnectionError extends VocalIAError {}
/** No response within the timeout (`code: "timeout"`, `status: 0`). */
export class APITimeoutError extends APIConnectionError {}

/** A webhook whose signature, timestamp or headers do not verify. */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

type ErrorClass = new (message: string, init: VocalIAErrorInit) => VocalIAError;

const BY_CODE: Record<string, ErrorClass> = {
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

const CODE_BY_STATUS: Record<number, string> = {
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
export function codeForStatus(status: number): string {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? "internal_error" : "invalid_request");
}

/** The error class of a code; an unknown code falls back on its status. */
export function errorFor(message: string, init: VocalIAErrorInit): VocalIAError {
  const cls =
    BY_CODE[init.code] ??
    BY_CODE[codeForStatus(init.status)] ??
    (init.status >= 500 ? InternalServerError : VocalIAError);
  return new cls(message, init);
}
