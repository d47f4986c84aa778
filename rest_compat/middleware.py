"""The HTTP gate in front of every route (REST and GraphQL alike): request id, body limit,
authentication, the per-plan request limit with its headers, and CORS."""

import re
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.base import new_id
from resolvers.errors import DomainError, ErrorCode
from resolvers.limits import RateResult, get_limiter
from resolvers.origins import origin_known
from resolvers.plans import plan_of
from resolvers.principals import Principal, authenticate_bearer, origin_allowed, rate_limited
from resolvers.settings import get_settings
from rest_compat.errors import error_response

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Knowledge-base imports (uploaded files) have their own, bigger limit (contract: 413).
_IMPORT_PATH = re.compile(r"^/api/tenants/[^/]+/kb/import$")
_CORS_ALLOW_HEADERS = "Authorization, Content-Type, X-Request-Id"
_CORS_EXPOSE_HEADERS = (
    "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"
)
RATE_WINDOW = 60.0
# The routes a tenant's website calls from the browser (the Voice Widget): a tenant's allowed
# origins get CORS there only. The dashboard routes answer CORS to the platform's own
# dashboard origins (VOCALIA_CORS_ORIGINS) and to nobody else, so a script on a tenant's
# site cannot drive the dashboard API with a user's token.
_WIDGET_ROUTES = re.compile(r"^/(respond|api/tenants/[^/]+/widget-config|v1/widget(/.*)?)$")


def widget_route(path: str) -> bool:
    return _WIDGET_ROUTES.match(path) is not None


class _BodyTooLarge(Exception):
    pass


class GateMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            ws_state: dict[str, Any] = scope.setdefault("state", {})
            ws_state["request_id"] = new_id("req", 16)
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        state: dict[str, Any] = scope.setdefault("state", {})
        incoming = headers.get("x-request-id", "")
        state["request_id"] = incoming if _REQUEST_ID.match(incoming) else new_id("req", 16)
        origin = headers.get("origin")
        extra: dict[str, str] = {"X-Request-Id": state["request_id"]}

        if scope["method"] == "OPTIONS" and origin and "access-control-request-method" in headers:
            await self._preflight(scope, send, origin, extra, scope["path"])
            return

        settings = get_settings()
        if scope["method"] in _BODY_METHODS:
            limit = (
                settings.max_import_bytes
                if _IMPORT_PATH.match(scope["path"])
                else settings.max_body_bytes
            )
            try:
                receive = await self._buffer_body(receive, headers, limit)
            except _BodyTooLarge:
                error = DomainError(ErrorCode.PAYLOAD_TOO_LARGE, f"the body exceeds {limit} bytes")
                await error_response(error, scope, self._cors(origin, None, settings))(
                    scope, receive, send
                )
                return

        principal = await self._authenticate(headers, state, origin, scope.get("client"))
        if principal is not None:
            result = await get_limiter().hit(
                principal.rate_key, plan_of(principal.plan).requests_per_minute, RATE_WINDOW
            )
            extra.update(_rate_headers(result))
            if not result.allowed:
                extra.update(await self._cors_for(origin, principal, scope["path"]))
                await error_response(rate_limited(result.retry_after), scope, extra)(
                    scope, receive, send
                )
                return
        extra.update(await self._cors_for(origin, principal, scope["path"]))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                mutable = MutableHeaders(scope=message)
                for key, value in extra.items():
                    if key not in mutable:
                        mutable[key] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _authenticate(
        self, headers: Headers, state: dict[str, Any], origin: str | None, client: Any
    ) -> Principal | None:
        value = headers.get("authorization")
        if value is None:
            return None
        try:
            # The socket peer, as rest_compat.http.client_ip: failures are limited per IP.
            principal = await authenticate_bearer(
                value, origin=origin, client_ip=client[0] if client else None
            )
        except DomainError as exc:
            state["auth_error"] = exc
            return None
        state["principal"] = principal
        return principal

    @staticmethod
    async def _buffer_body(receive: Receive, headers: Headers, limit: int) -> Receive:
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _BodyTooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay

    async def _preflight(
        self, scope: Scope, send: Send, origin: str, extra: dict[str, str], path: str
    ) -> None:
        settings = get_settings()
        normalized = origin.rstrip("/").lower()
        allowed = normalized in settings.cors_origins or (
            widget_route(path) and await origin_known(normalized)
        )
        headers = {**extra, "Vary": "Origin"}
        if allowed:
            headers.update(
                {
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
                    "Access-Control-Allow-Headers": _CORS_ALLOW_HEADERS,
                    "Access-Control-Max-Age": "600",
                }
            )
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    @staticmethod
    def _cors(origin: str | None, principal: Principal | None, settings: Any) -> dict[str, str]:
        if origin and origin.rstrip("/").lower() in settings.cors_origins:
            return {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Expose-Headers": _CORS_EXPOSE_HEADERS,
                "Vary": "Origin",
            }
        return {"Vary": "Origin"} if origin else {}

    async def _cors_for(
        self, origin: str | None, principal: Principal | None, path: str
    ) -> dict[str, str]:
        settings = get_settings()
        headers = self._cors(origin, principal, settings)
        if (
            origin
            and widget_route(path)
            and "Access-Control-Allow-Origin" not in headers
            and principal is not None
            and principal.tenant_id
            and await origin_allowed(principal.tenant_id, origin)
        ):
            headers.update(
                {
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Expose-Headers": _CORS_EXPOSE_HEADERS,
                }
            )
        return headers


def _rate_headers(result: RateResult) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(result.limit),
        "X-RateLimit-Remaining": str(result.remaining),
        "X-RateLimit-Reset": str(result.reset),
    }
