"""What a platform superadmin does to tenants: find them, change their plan, suspend and
reactivate them; and the audit log across tenants (``GET /api/logs``).

A suspended tenant stops at once on every process: its keys, access and refresh tokens and
widget tokens are refused ``insufficient_permissions`` (the plan cache every process keeps is
forgotten through the revocation bus), and its open sockets and voice streams close 4403.
Calls already connected on the phone are left to end. Every decision is audit-logged with
who, when and why.
"""

from datetime import UTC, datetime

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models.audit import AuditLog
from models.tenant import Tenant
from models.user import User
from resolvers import audit, revocation, validation
from resolvers.errors import conflict, forbidden, invalid
from resolvers.pagination import Page, paginate
from resolvers.plans import PLAN_NAMES
from resolvers.principals import (
    Principal,
    forget_tenant_plan,
    get_tenant,
    require_manager,
    require_user,
)

SUSPENDED = 4403


def _superadmin(principal: Principal | None) -> Principal:
    p = require_user(principal)
    if not p.is_superadmin:
        raise forbidden("only a platform superadmin manages tenants")
    return p


async def list_tenants(
    principal: Principal | None,
    *,
    q: object = None,
    plan: object = None,
    suspended: bool | None = None,
    limit: object = 20,
    offset: object = 0,
) -> Page[Tenant]:
    """Newest first; ``q`` matches the id, the name or a user's email. Raises
    insufficient_permissions, invalid_request."""
    _superadmin(principal)
    validation.page_bounds(limit, offset)
    qs = Tenant.all()
    if q is not None:
        text = validation.text(q, "q", max_len=200)
        if text:
            owners = User.filter(email__icontains=text.lower()).values_list("tenant_id", flat=True)
            qs = qs.filter(Q(id__icontains=text) | Q(name__icontains=text) | Q(id__in=await owners))
    if plan is not None:
        qs = qs.filter(plan=validation.choice(plan, "plan", PLAN_NAMES))
    if suspended is not None:
        qs = qs.filter(suspended_at__isnull=not suspended)
    return await paginate(qs, limit, offset, "-created_at", "id")


async def _target(principal: Principal | None, tenant_id: str | None) -> tuple[Principal, Tenant]:
    # The tenant first: a tenant's own user naming another tenant learns nothing (404).
    p = require_user(principal)
    if not tenant_id:
        raise invalid("tenantId is required", param="tenantId")
    tenant = await get_tenant(p, tenant_id)
    return _superadmin(p), tenant


async def suspend_tenant(
    principal: Principal | None, tenant_id: str | None, reason: object
) -> Tenant:
    """Raises insufficient_permissions, resource_not_found, invalid_request, conflict."""
    p, tenant = await _target(principal, tenant_id)
    why = validation.text(reason, "reason", max_len=500, required=True) or ""
    if tenant.suspended_at is not None:
        raise conflict("the tenant is already suspended")
    async with in_transaction():
        tenant.suspended_at = datetime.now(UTC)
        tenant.suspended_reason = why
        await tenant.save(update_fields=["suspended_at", "suspended_reason", "updated_at"])
        await audit.record(tenant.id, "tenant.suspended", principal=p, data={"reason": why})
    forget_tenant_plan(tenant.id)
    await revocation.end_tenant(tenant.id, SUSPENDED, "account suspended")
    return tenant


async def reactivate_tenant(principal: Principal | None, tenant_id: str | None) -> Tenant:
    """Raises insufficient_permissions, resource_not_found, conflict."""
    p, tenant = await _target(principal, tenant_id)
    if tenant.suspended_at is None:
        raise conflict("the tenant is not suspended")
    async with in_transaction():
        since = tenant.suspended_at
        tenant.suspended_at = None
        tenant.suspended_reason = None
        await tenant.save(update_fields=["suspended_at", "suspended_reason", "updated_at"])
        await audit.record(
            tenant.id, "tenant.reactivated", principal=p, data={"suspendedAt": since.isoformat()}
        )
    forget_tenant_plan(tenant.id)
    await revocation.tenant_updated(tenant.id)
    return tenant


async def list_logs(
    principal: Principal | None,
    *,
    tenant_id: str | None = None,
    action: object = None,
    limit: object = 20,
    offset: object = 0,
) -> Page[AuditLog]:
    """The audit log, newest first: every tenant's (and the platform's own rows) for a
    superadmin naming none, else one tenant's for its owner or admin. Raises
    insufficient_permissions, resource_not_found, invalid_request."""
    p = require_manager(principal)
    validation.page_bounds(limit, offset)
    if p.is_superadmin and not tenant_id:
        qs = AuditLog.all()
    else:
        qs = AuditLog.filter(tenant_id=(await get_tenant(p, tenant_id)).id)
    if action is not None and action != "":
        qs = qs.filter(action=validation.text(action, "action", max_len=80) or "")
    return await paginate(qs, limit, offset, "-created_at", "-id")
