"""The one error model: a code from the contract, a status from one table."""

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    INVALID_API_KEY = "invalid_api_key"
    INSUFFICIENT_PERMISSIONS = "insufficient_permissions"
    RESOURCE_NOT_FOUND = "resource_not_found"
    INVALID_PHONE_NUMBER = "invalid_phone_number"
    RATE_LIMIT_EXCEEDED = "rate_limit_exceeded"
    INSUFFICIENT_CREDITS = "insufficient_credits"
    AGENT_NOT_CONFIGURED = "agent_not_configured"
    INTERNAL_ERROR = "internal_error"
    INVALID_REQUEST = "invalid_request"
    CONCURRENCY_LIMIT_EXCEEDED = "concurrency_limit_exceeded"
    QUOTA_EXCEEDED = "quota_exceeded"
    CONFLICT = "conflict"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    # Not in the contract's table: HTTP-level only, for a known path with the wrong method.
    METHOD_NOT_ALLOWED = "method_not_allowed"


STATUS_BY_CODE: dict[ErrorCode, int] = {
    ErrorCode.INVALID_API_KEY: 401,
    ErrorCode.INSUFFICIENT_PERMISSIONS: 403,
    ErrorCode.RESOURCE_NOT_FOUND: 404,
    ErrorCode.INVALID_PHONE_NUMBER: 400,
    ErrorCode.RATE_LIMIT_EXCEEDED: 429,
    ErrorCode.INSUFFICIENT_CREDITS: 402,
    ErrorCode.AGENT_NOT_CONFIGURED: 400,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.INVALID_REQUEST: 400,
    ErrorCode.CONCURRENCY_LIMIT_EXCEEDED: 429,
    ErrorCode.QUOTA_EXCEEDED: 402,
    ErrorCode.CONFLICT: 409,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
}

# The other way, for HTTP-level refusals a library raises (Starlette's routing, Strawberry's
# view): the contract's code for their status; any other status is invalid_request.
CODE_BY_HTTP_STATUS: dict[int, ErrorCode] = {
    400: ErrorCode.INVALID_REQUEST,
    401: ErrorCode.INVALID_API_KEY,
    403: ErrorCode.INSUFFICIENT_PERMISSIONS,
    404: ErrorCode.RESOURCE_NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    429: ErrorCode.RATE_LIMIT_EXCEEDED,
}


def code_for_http_status(status: int) -> ErrorCode:
    return CODE_BY_HTTP_STATUS.get(status, ErrorCode.INVALID_REQUEST)


class DomainError(Exception):
    """An expected failure, rendered by every transport with the same code and status.

    graphql-core copies an exception's ``extensions`` dict into ``errors[].extensions``,
    so the domain carries its GraphQL rendering without importing graphql.
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        param: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param
        self.retry_after = retry_after

    @property
    def status(self) -> int:
        return STATUS_BY_CODE[self.code]

    @property
    def extensions(self) -> dict[str, Any]:
        ext: dict[str, Any] = {"code": self.code.value, "status": self.status}
        if self.param is not None:
            ext["param"] = self.param
        if self.retry_after is not None:
            ext["retryAfter"] = self.retry_after
        return ext

    def body(self, request_id: str | None) -> dict[str, Any]:
        """The REST error body of the contract."""
        err: dict[str, Any] = {
            "code": self.code.value,
            "message": self.message,
            "status": self.status,
        }
        if self.param is not None:
            err["param"] = self.param
        if request_id is not None:
            err["request_id"] = request_id
        return {"error": err}


def invalid(message: str, param: str | None = None) -> DomainError:
    return DomainError(ErrorCode.INVALID_REQUEST, message, param=param)


def not_found(what: str = "resource", param: str | None = None) -> DomainError:
    return DomainError(ErrorCode.RESOURCE_NOT_FOUND, f"{what} not found", param=param)


def forbidden(message: str = "not allowed") -> DomainError:
    return DomainError(ErrorCode.INSUFFICIENT_PERMISSIONS, message)


def unauthenticated(message: str = "missing or invalid credentials") -> DomainError:
    return DomainError(ErrorCode.INVALID_API_KEY, message)


def conflict(message: str, param: str | None = None) -> DomainError:
    return DomainError(ErrorCode.CONFLICT, message, param=param)
