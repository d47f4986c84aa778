"""The typed GraphQL context: the caller, per-request dataloaders."""

from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader

from models.tenant import Tenant
from resolvers.errors import DomainError
from resolvers.loaders import tenants_by_id
from resolvers.principals import Principal


@dataclass
class Loaders:
    tenant_by_id: DataLoader[str, Tenant | None]

    @classmethod
    def build(cls, cache: bool = True) -> "Loaders":
        return cls(tenant_by_id=DataLoader(load_fn=tenants_by_id, cache=cache))


@dataclass
class Context:
    request: Request | WebSocket
    principal: Principal | None
    auth_error: DomainError | None
    client_ip: str | None
    loaders: Loaders = field(default_factory=Loaders.build)
    connection_params: dict[str, object] | None = None

    def caller(self) -> Principal | None:
        """The authenticated caller; an invalid credential that was sent raises its error."""
        if self.auth_error is not None:
            raise self.auth_error
        return self.principal


Info = strawberry.Info[Context, None]
