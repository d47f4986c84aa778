"""Typed errors: one class per error code of the API (contract §3), all `VocalIAError`.

Every REST error body is ``{"error": {"code", "message", "status", "param"?, "request_id"}}``;
`error_from_response` turns it into the matching class, so callers can write
``except vocalia.NotFoundError`` or ``except vocalia.VocalIAError as e: e.code``.
"""

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any


class VocalIAError(Exception):
    """Base of every error this SDK raises.

    ``code`` is the API's error code (``resource_not_found``...) or, for failures that never
    got an answer, ``connection_error`` / ``timeout``; ``status`` is the HTTP status (None when
    there was no answer); ``param`` names the one field at fault, when the API says so;
    ``request_id`` is the server's ``X-Request-Id`` to quote to support.
    """

    default_code = "api_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        param: str | None = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.status = status
        self.param = param
        self.request_id = request_id
        self.headers: Mapping[str, str] = headers or {}
        self.body = body

    def __str__(self) -> str:
        parts = [f"{self.code}"]
        if self.status is not None:
            parts.append(str(self.status))
        text = f"[{' '.join(parts)}] {self.message}"
        if self.param:
            text += f" (param: {self.param})"
        if self.request_id:
            text += f" (request id: {self.request_id})"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, status={self.status!r}, "
            f"message={self.message!r}, param={self.param!r}, request_id={self.request_id!r})"
        )


class APIConnectionError(VocalIAError):
    """The request got no HTTP answer (DNS, refused connection, reset...)."""

    default_code = "connection_error"


class APITimeoutError(APIConnectionError):
    """The request timed out."""

    default_code = "timeout"


class AuthenticationError(VocalIAError):
    """401 ``invalid_api_key``: missing, malformed, revoked or expired key."""

    default_code = "invalid_api_key"


class PermissionDeniedError(VocalIAError):
    """403 ``insufficient_permissions``: authenticated but not allowed (plan, key kind, Origin)."""

    default_code = "insufficient_permissions"


class NotFoundError(VocalIAError):
    """404 ``resource_not_found``: unknown id, or an id of another tenant."""

    default_code = "resource_not_found"


class InvalidRequestError(VocalIAError):
    """400 ``invalid_request``: malformed JSON, wrong types, missing fields, out of range."""

    default_code = "invalid_request"


class InvalidPhoneNumberError(InvalidRequestError):
    """400 ``invalid_phone_number``: not E.164."""

    default_code = "invalid_phone_number"


class AgentNotConfiguredError(InvalidRequestError):
    """400 ``agent_not_configured``: unknown or disabled agent for a call or stream."""

    default_code = "agent_not_configured"


class PaymentRequiredError(VocalIAError):
    """402: the plan or the balance cannot cover the operation."""

    default_code = "payment_required"


class InsufficientCreditsError(PaymentRequiredError):
    """402 ``insufficient_credits``: prepaid balance too low."""

    default_code = "insufficient_credits"


class QuotaExceededError(PaymentRequiredError):
    """402 ``quota_exceeded``: the plan's monthly quota is used up."""

    default_code = "quota_exceeded"


class MethodNotAllowedError(VocalIAError):
    """405 ``method_not_allowed``: a known path with another method."""

    default_code = "method_not_allowed"


class ConflictError(VocalIAError):
    """409 ``conflict``: duplicate id, invalid state transition, Idempotency-Key reuse."""

    default_code = "conflict"


class PayloadTooLargeError(VocalIAError):
    """413 ``payload_too_large``: body over the limit."""

    default_code = "payload_too_large"


class RateLimitError(VocalIAError):
    """429 ``rate_limit_exceeded``; ``retry_after`` is the server's ``Retry-After`` in seconds."""

    default_code = "rate_limit_exceeded"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ConcurrencyLimitError(RateLimitError):
    """429 ``concurrency_limit_exceeded``: the plan's simultaneous calls are in progress."""

    default_code = "concurrency_limit_exceeded"


class InternalServerError(VocalIAError):
    """5xx (``internal_error``): retry later."""

    default_code = "internal_error"


class WebhookVerificationError(VocalIAError):
    """A webhook delivery whose signature or timestamp does not verify."""

    default_code = "invalid_signature"


BY_CODE: dict[str, type[VocalIAError]] = {
    cls.default_code: cls
    for cls in (
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        InvalidRequestError,
        InvalidPhoneNumberError,
        AgentNotConfiguredError,
        InsufficientCreditsError,
        QuotaExceededError,
        MethodNotAllowedError,
        ConflictError,
        PayloadTooLargeError,
        RateLimitError,
        ConcurrencyLimitError,
        InternalServerError,
    )
}
BY_STATUS: dict[int, type[VocalIAError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: ConflictError,
    413: PayloadTooLargeError,
    429: RateLimitError,
}


def error_class(code: str | None, status: int | None) -> type[VocalIAError]:
    """The class for a code; an unknown code falls back on its status."""
    if code and code in BY_CODE:
        return BY_CODE[code]
    if status is not None:
        if status >= 500:
            return InternalServerError
        return BY_STATUS.get(status, VocalIAError)
    return VocalIAError


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date); None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, seconds)


def make_error(
    *,
    status: int | None,
    code: str | None,
    message: str,
    param: str | None = None,
    request_id: str | None = None,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
) -> VocalIAError:
    cls = error_class(code, status)
    kw: dict[str, Any] = {
        "code": code,
        "status": status,
        "param": param,
        "request_id": request_id,
        "headers": headers,
        "body": body,
    }
    if issubclass(cls, RateLimitError):
        kw["retry_after"] = parse_retry_after((headers or {}).get("retry-after"))
    return cls(message, **kw)


def error_from_response(
    status: int, headers: Mapping[str, str], body: bytes | str | None
) -> VocalIAError:
    """The error an HTTP answer with a non-2xx status stands for."""
    parsed: Any = None
    if body:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
    err = parsed.get("error") if isinstance(parsed, dict) else None
    request_id = headers.get("x-request-id")
    if isinstance(err, dict):
        return make_error(
            status=status,
            code=_str(err.get("code")),
            message=_str(err.get("message")) or f"HTTP {status}",
            param=_str(err.get("param")),
            request_id=_str(err.get("request_id")) or request_id,
            headers=headers,
            body=parsed,
        )
    text = body.decode(errors="replace") if isinstance(body, bytes) else (body or "")
    return make_error(
        status=status,
        code=None,
        message=f"HTTP {status}" + (f": {text[:200]}" if text else ""),
        request_id=request_id,
        headers=headers,
        body=parsed if parsed is not None else text,
    )


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None
