"""The audit log: who did what to a tenant, written in the same transaction as the change."""

from typing import Any

from models.audit import AuditLog
from models.base import new_id
from resolvers import validation
from resolvers.errors import invalid
from resolvers.pagination import Page, paginate
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


async def list_audit_log(
    principal: Principal | None,
    *,
    tenant_id: str | None = None,
    limit: int = 20,
    offset: int = 0,
    action: str | None = None,
) -> Page[AuditLog]:
    """Owner/admin only. Raises resource_not_found, insufficient_permissions, invalid_request."""
    p = require_manager(principal)
    tenant = await get_tenant(p, tenant_id)
    # Bounds first: a bad limit is reported before a bad filter.
    validation.page_bounds(limit, offset)
    qs = AuditLog.filter(tenant_id=tenant.id)
    if action:
        if len(action) > 80:
            raise invalid("action must be at most 80 characters", param="action")
        qs = qs.filter(action=validation.storable(action, "action"))
    return await paginate(qs, limit, offset, "-created_at", "-id")
