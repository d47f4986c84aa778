"""GraphQL audit log: a paginated, newest-first list."""

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from models.audit import AuditLog
from resolvers import platform
from schema.context import Info
from schema.pagination import page_of
from schema.tenants import TenantIdArg


@strawberry.type(description="One audited change.")
class AuditEntry:
    id: strawberry.ID = strawberry.field(description="aud_...")
    action: str = strawberry.field(description="What happened, e.g. tenant.api_key_rotated.")
    tenant_id: str | None = strawberry.field(description="The tenant (null: the platform's).")
    actor_id: str | None = strawberry.field(description="The user or key that did it.")
    actor_kind: str = strawberry.field(description="user, tenant_key, secret_key...")
    target: str | None = strawberry.field(description="What it was done to.")
    data: JSON = strawberry.field(description="Details.")
    ip: str | None = strawberry.field(description="Client address.")
    created_at: datetime = strawberry.field(description="When (UTC).")

    @classmethod
    def from_model(cls, a: AuditLog) -> "AuditEntry":
        return cls(
            id=strawberry.ID(a.id),
            action=a.action,
            tenant_id=a.tenant_id,
            actor_id=a.actor_id,
            actor_kind=a.actor_kind,
            target=a.target,
            data=JSON(a.data),
            ip=a.ip,
            created_at=a.created_at,
        )


@strawberry.type(description="A page of the audit log.")
class AuditPage:
    items: list[AuditEntry] = strawberry.field(description="Newest first.")
    total: int = strawberry.field(description="All matching entries.")
    limit: int = strawberry.field(description="Page size (1-100).")
    offset: int = strawberry.field(description="Entries skipped.")


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="The tenant's audit log (owner or admin); every tenant's for a platform"
        " superadmin naming none. Errors: invalid_request, resource_not_found."
    )
    async def audit_log(
        self,
        info: Info,
        tenant_id: TenantIdArg = None,
        limit: Annotated[int, strawberry.argument(description="1 to 100.")] = 20,
        offset: Annotated[int, strawberry.argument(description="Entries to skip.")] = 0,
        action: Annotated[str | None, strawberry.argument(description="Only this action.")] = None,
    ) -> AuditPage:
        page = await platform.list_logs(
            info.context.caller(), tenant_id=tenant_id, limit=limit, offset=offset, action=action
        )
        return page_of(AuditPage, page, AuditEntry.from_model)
