"""The audit log: who did what to a tenant, written in the same transaction as the change."""

from dataclasses import dataclass
from typing import Any

from models.audit import AuditLog
from models.base import new_id
from resolvers import validation
from resolvers.errors import invalid
from resolvers.principals import Principal, get_tenant, require_manager


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


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditLog]
    total: int
    limit: int
    offset: int


async def list_audit_log(
    principal: Principal | None,
    *,
    tenant_id: str | None = None,
    limit: int = 20,
    offset: int = 0,
    action: str | None = None,
) -> AuditPage:
    """Owner/admin only. Raises resource_not_found, insufficient_permissions, invalid_request."""
    p = require_manager(principal)
    tenant = await get_tenant(p, tenant_id)
    limit, offset = validation.page_bounds(limit, offset)
    qs = AuditLog.filter(tenant_id=tenant.id)
    if action:
        if len(action) > 80:
            raise invalid("action must be at most 80 characters", param="action")
        qs = qs.filter(action=validation.storable(action, "action"))
    total = await qs.count()
    items = await qs.order_by("-created_at", "-id").offset(offset).limit(limit)
    return AuditPage(items=list(items), total=total, limit=limit, offset=offset)
