"""GraphQL key management: secret (voc_sk_live_, voc_sk_test_) and publishable (voc_pk_live_) keys."""

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from models.credential import ApiKey as ApiKeyModel
from resolvers import keys
from schema.context import Info
from schema.tenants import TenantIdArg


@strawberry.enum(description="What a key may reach.")
class ApiKeyKind(Enum):
    SECRET = "secret"  # noqa: S105 (a key kind, not a secret)
    PUBLISHABLE = "publishable"


@strawberry.enum(description="live, or test (sandbox: simulated carrier, no charges).")
class ApiKeyMode(Enum):
    LIVE = "live"
    TEST = "test"


@strawberry.type(description="An API key, masked.")
class ApiKey:
    id: strawberry.ID = strawberry.field(description="The key's id (key_...), used to revoke it.")
    kind: str = strawberry.field(description="tenant, secret or publishable.")
    mode: str = strawberry.field(description="live or test.")
    name: str = strawberry.field(description="A label.")
    masked: str = strawberry.field(description="Prefix, first four, …, last four.")
    created_at: datetime = strawberry.field(description="Creation time (UTC).")
    last_used_at: datetime | None = strawberry.field(
        description="Last authenticated use (to the minute)."
    )
    revoked_at: datetime | None = strawberry.field(description="When it was revoked.")

    @classmethod
    def from_model(cls, k: ApiKeyModel) -> "ApiKey":
        return cls(
            id=strawberry.ID(k.id),
            kind=k.kind,
            mode=k.mode,
            name=k.name,
            masked=k.masked,
            created_at=k.created_at,
            last_used_at=k.last_used_at,
            revoked_at=k.revoked_at,
        )


@strawberry.type(description="A new key: the secret is shown only in this response.")
class CreatedApiKey:
    key: ApiKey = strawberry.field(description="The stored, masked key.")
    secret: str = strawberry.field(description="The key in clear.")


@strawberry.type
class KeyQuery:
    @strawberry.field(description="The tenant's API keys, masked (owner or admin).")
    async def api_keys(
        self,
        info: Info,
        tenant_id: TenantIdArg = None,
        include_revoked: Annotated[
            bool, strawberry.argument(description="Also list revoked keys.")
        ] = False,
    ) -> list[ApiKey]:
        return [
            ApiKey.from_model(k)
            for k in await keys.list_keys(info.context.caller(), tenant_id, include_revoked)
        ]


@strawberry.type
class KeyMutation:
    @strawberry.mutation(
        description="Create a secret or publishable key. Errors: invalid_request, insufficient_permissions."
    )
    async def create_api_key(
        self,
        info: Info,
        kind: Annotated[ApiKeyKind, strawberry.argument(description="SECRET or PUBLISHABLE.")],
        mode: Annotated[
            ApiKeyMode,
            strawberry.argument(
                description="LIVE (default) or TEST; publishable keys are LIVE only."
            ),
        ] = ApiKeyMode.LIVE,
        name: Annotated[str | None, strawberry.argument(description="A label.")] = None,
        tenant_id: TenantIdArg = None,
    ) -> CreatedApiKey:
        issued = await keys.create_key(
            info.context.caller(), kind=kind.value, mode=mode.value, name=name, tenant_id=tenant_id
        )
        return CreatedApiKey(key=ApiKey.from_model(issued.key), secret=issued.secret)

    @strawberry.mutation(
        description="Revoke a key at once. Errors: resource_not_found (unknown or another tenant's)."
    )
    async def revoke_api_key(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The key's id (key_...).")],
    ) -> ApiKey:
        return ApiKey.from_model(await keys.revoke_key(info.context.caller(), str(id)))
