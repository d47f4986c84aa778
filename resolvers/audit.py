"""The audit log: who did what to a tenant, written in the same transaction as the change."""

from typing import Any

from models.audit import AuditLog
from models.base import new_id
from resolvers.principals import Principal


async def record(
    tenant_id: str | None,
    action: str,
    *,
    principal: Principal | None = None,
    actor_id: str | None = None,
    target: str | None = None,
    data: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditLog:
    return await AuditLog.create(
        id=new_id("aud"),
        tenant_id=tenant_id,
        actor_id=actor_id or (principal.actor_id if principal else None),
        actor_kind=principal.kind if principal else "user",
        action=action,
        target=target,
        data=data or {},
        ip=ip,
    )
