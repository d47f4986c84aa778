"""The GraphQL ASGI endpoint: context from the HTTP gate or from connection_init."""

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from resolvers.errors import DomainError
from resolvers.principals import authenticate
from schema import build_schema
from schema.context import Context


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(self, *, development: bool) -> None:
        super().__init__(
            build_schema(development=development),
            graphql_ide="graphiql" if development else None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
        )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:  # type: ignore[override]
        state = request.scope.get("state", {})
        error = state.get("auth_error")
        return Context(
            request=request,
            principal=state.get("principal"),
            auth_error=error if isinstance(error, DomainError) else None,
            client_ip=request.client.host if request.client else None,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params: dict[str, Any] = context.connection_params or {}
        value = params.get("authorization") or params.get("Authorization")
        if not isinstance(value, str) or not value.lower().startswith("bearer "):
            raise ConnectionRejectionError({"code": "invalid_api_key"})
        try:
            origin = context.request.headers.get("origin")
            context.principal = await authenticate(value[7:], origin=origin)
        except DomainError as exc:
            raise ConnectionRejectionError({"code": exc.code.value}) from exc
        return UNSET
