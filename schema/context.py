"""The typed GraphQL context: the caller, per-request dataloaders."""

from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader

from models.agent import Agent
from models.tenant import Tenant
from resolvers.errors import DomainError
from resolvers.loaders import agents_by_key, tenants_by_id
from resolvers.principals import Principal


@dataclass
class Loaders:
    tenant_by_id: DataLoader[str, Tenant | None]
    agent_by_key: DataLoader[tuple[str, str], Agent | None]

    @classmethod
    def build(cls, cache: bool = True) -> "Loaders":
        """One set per HTTP request; a websocket gets uncached loaders (its context lives as
        long as the connection, so a cache would serve stale rows to later events)."""
        return cls(
            tenant_by_id=DataLoader(load_fn=tenants_by_id, cache=cache),
            agent_by_key=DataLoader(load_fn=agents_by_key, cache=cache),
        )


@dataclass
class Context:
    request: Request | WebSocket
    principal: Principal | None
    auth_error: DomainError | None
    client_ip: str | None
    loaders: Loaders = field(default_factory=Loaders.build)
    connection_params: dict[str, object] | None = None
    # Strawberry's sub-response of an HTTP request (status and headers it may set); None on
    # a websocket.
    response: Response | None = None

    def caller(self) -> Principal | None:
        """The authenticated caller; an invalid credential that was sent raises its error."""
        if self.auth_error is not None:
            raise self.auth_error
        return self.principal


Info = strawberry.Info[Context, None]
