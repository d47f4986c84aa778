"""Rendering of the one error model as the contract's JSON body."""

import json
import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from resolvers.errors import DomainError, ErrorCode, code_for_http_status

log = logging.getLogger("vocalia.http")


def request_id_of(scope: Scope) -> str | None:
    state = scope.get("state") or {}
    rid = state.get("request_id")
    return rid if isinstance(rid, str) else None


def error_response(
    error: DomainError, scope: Scope, headers: dict[str, str] | None = None
) -> Response:
    rid = request_id_of(scope)
    out = dict(headers or {})
    if rid:
        out["X-Request-Id"] = rid
    if error.retry_after is not None:
        out["Retry-After"] = str(error.retry_after)
    body = json.dumps(error.body(rid), ensure_ascii=False, separators=(",", ":"))
    return Response(body, status_code=error.status, media_type="application/json", headers=out)


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, DomainError):
        return await unexpected_error_handler(request, exc)
    return error_response(exc, request.scope)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):
        return await unexpected_error_handler(request, exc)
    code = code_for_http_status(exc.status_code)
    messages = {
        ErrorCode.RESOURCE_NOT_FOUND: f"no route for {request.method} {request.url.path}",
        ErrorCode.METHOD_NOT_ALLOWED: f"method {request.method} is not allowed on {request.url.path}",
    }
    error = DomainError(code, messages.get(code, str(exc.detail)))
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() == "allow"}
    response = error_response(error, request.scope, headers)
    if exc.status_code != error.status:
        response.status_code = exc.status_code
    return response


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    log.error(
        "unhandled error on %s %s [%s]",
        request.method,
        request.url.path,
        request_id_of(request.scope),
        exc_info=exc,
    )
    return error_response(
        DomainError(ErrorCode.INTERNAL_ERROR, "internal error; retry later"), request.scope
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    Exception: unexpected_error_handler,
}
