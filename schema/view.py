"""The GraphQL ASGI endpoint: context from the HTTP gate or from connection_init; websocket
subscriptions through schema.ws, sharing each event's execution (schema.subscriptions)."""

import json
from datetime import timedelta
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from resolvers.errors import DomainError, ErrorCode, code_for_http_status
from resolvers.json_input import parse_json_object
from resolvers.principals import authenticate_bearer
from schema import build_schema, graphiql
from schema.context import Context, Loaders
from schema.subscriptions import share_subscription_events
from schema.ws import TextWebSocketAdapter, TransportWSHandler


class GraphQLEndpoint(GraphQL[Context, None]):
    websocket_adapter_class = TextWebSocketAdapter
    graphql_transport_ws_handler_class = TransportWSHandler

    def __init__(self, *, development: bool) -> None:
        super().__init__(
            share_subscription_events(build_schema(development=development)),
            graphql_ide="graphiql" if development else None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        # Strawberry's page, its scripts served by schema.graphiql: it works offline.
        return HTMLResponse(graphiql.page_html())

    def parse_json(self, data: str | bytes) -> Any:
        """HTTP bodies: the one parser every transport uses; anything but a JSON object is a
        400 (Strawberry would answer 500 for a string, null, a big integer or deep nesting)."""
        try:
            return parse_json_object(data, what="a GraphQL request")
        except DomainError as exc:
            raise HTTPException(400, exc.message) from exc

    def decode_json(self, data: str | bytes) -> object:
        """WebSocket messages: a message that is not a JSON object is not JSON to the protocol
        (graphql-transport-ws closes 4400)."""
        try:
            return parse_json_object(data, what="a message")
        except DomainError as exc:
            raise json.JSONDecodeError(exc.message, "", 0) from exc

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            # Strawberry answers transport errors in plain text; the contract wants its body.
            code = code_for_http_status(exc.status_code)
            error = DomainError(code, exc.reason or "invalid GraphQL request")
            rid = (scope.get("state") or {}).get("request_id")
            headers = {"Allow": "POST"} if code is ErrorCode.METHOD_NOT_ALLOWED else None
            response = JSONResponse(error.body(rid), status_code=error.status, headers=headers)
        await response(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        state = request.scope.get("state", {})
        error = state.get("auth_error")
        return Context(
            request=request,
            principal=state.get("principal"),
            auth_error=error if isinstance(error, DomainError) else None,
            client_ip=request.client.host if request.client else None,
            loaders=Loaders.build(cache=not isinstance(request, WebSocket)),
            response=response if isinstance(response, Response) else None,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params: dict[str, Any] = context.connection_params or {}
        value = params.get("authorization") or params.get("Authorization")
        try:
            context.principal = await authenticate_bearer(
                value if isinstance(value, str) else None,
                origin=context.request.headers.get("origin"),
                client_ip=context.client_ip,
            )
        except DomainError as exc:
            # schema.ws closes 4429 for rate_limit_exceeded, 4403 otherwise.
            raise ConnectionRejectionError(
                {"code": exc.code.value, "message": exc.message}
            ) from exc
        return UNSET
