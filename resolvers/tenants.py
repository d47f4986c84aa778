"""The Tenant domain: widget configuration, plan changes and GDPR erasure."""

from typing import Any

from tortoise import Tortoise
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models.audit import AuditLog
from models.tenant import Tenant
from resolvers import audit, revocation, validation
from resolvers.errors import forbidden, invalid
from resolvers.plans import PLAN_NAMES
from resolvers.principals import (
    Principal,
    forget_tenant_plan,
    get_tenant,
    require_manager,
    require_owner,
    require_secret,
    require_user,
)

WIDGET_POSITIONS = ("bottom-right", "bottom-left", "top-right", "top-left")
THEME_KEYS = ("primaryColor", "secondaryColor", "backgroundColor", "textColor")
WIDGET_DEFAULTS: dict[str, Any] = {
    "position": "bottom-right",
    "theme": {"primaryColor": "#4f46e5"},
    "greeting": "",
    "persona": "",
    "agentId": None,
}


def widget_config_of(tenant: Tenant) -> dict[str, Any]:
    merged = {**WIDGET_DEFAULTS, "language": tenant.language, **tenant.widget_config}
    merged["theme"] = {**WIDGET_DEFAULTS["theme"], **dict(tenant.widget_config.get("theme") or {})}  # type: ignore[call-overload]
    return merged


async def get_widget_config(
    principal: Principal | None, tenant_id: str | None = None
) -> dict[str, Any]:
    tenant = await get_tenant(require_secret(principal), tenant_id)
    return widget_config_of(tenant)


def _validate_widget(changes: object) -> dict[str, Any]:
    if not isinstance(changes, dict):
        raise invalid("widget_config must be an object", param="widget_config")
    unknown = set(changes) - {"position", "theme", "language", "greeting", "persona", "agentId"}
    if unknown:
        raise invalid(
            f"unknown widget settings: {', '.join(sorted(unknown))}", param=sorted(unknown)[0]
        )
    out: dict[str, Any] = {}
    if "position" in changes:
        out["position"] = validation.choice(changes["position"], "position", WIDGET_POSITIONS)
    if "language" in changes:
        out["language"] = validation.language(changes["language"])
    if "greeting" in changes:
        out["greeting"] = validation.text(changes["greeting"], "greeting", max_len=500) or ""
    if "persona" in changes:
        out["persona"] = validation.text(changes["persona"], "persona", max_len=50) or ""
    if "agentId" in changes:
        out["agentId"] = validation.text(changes["agentId"], "agentId", max_len=64)
    if "theme" in changes:
        theme = changes["theme"]
        if not isinstance(theme, dict):
            raise invalid("theme must be an object of colours", param="theme")
        bad = set(theme) - set(THEME_KEYS)
        if bad:
            raise invalid(
                f"unknown theme keys: {', '.join(sorted(bad))}; use {', '.join(THEME_KEYS)}",
                param="theme",
            )
        out["theme"] = {k: validation.colour(v, f"theme.{k}") for k, v in theme.items()}
    return out


async def update_widget_config(
    principal: Principal | None, changes: object, tenant_id: str | None = None
) -> dict[str, Any]:
    """Merge validated settings into the widget configuration. Raises invalid_request,
    resource_not_found, insufficient_permissions."""
    p = require_manager(principal)
    tenant = await get_tenant(p, tenant_id)
    valid = _validate_widget(changes)
    async with in_transaction():
        tenant = await Tenant.select_for_update().get(id=tenant.id)
        current = dict(tenant.widget_config)
        if "theme" in valid:
            valid["theme"] = {**dict(current.get("theme") or {}), **valid["theme"]}  # type: ignore[call-overload]
        current.update(valid)
        tenant.widget_config = current
        await tenant.save(update_fields=["widget_config", "updated_at"])
        await audit.record(
            tenant.id, "tenant.widget_config_updated", principal=p, data={"changed": sorted(valid)}
        )
    return widget_config_of(tenant)


def _tenant_scoped_models() -> tuple[list[tuple[type[Model], str, type[Model]]], list[type[Model]]]:
    """Every model that belongs to a tenant: directly (a ``tenant`` FK) or through a parent
    that does (e.g. a refresh token through its user). New models are covered by construction."""
    apps = Tortoise.apps or {}
    all_models = [m for app in apps.values() for m in app.values()]
    direct = [m for m in all_models if "tenant" in m._meta.fk_fields and m is not Tenant]
    indirect = []
    for m in all_models:
        if m in direct or m is Tenant or m is AuditLog:
            continue
        for fk in m._meta.fk_fields:
            parent = m._meta.fields_map[fk].related_model
            if parent in direct:
                indirect.append((m, fk, parent))
    return indirect, direct


async def erase_tenant(
    principal: Principal | None,
    confirm: object,
    tenant_id: str | None = None,
    client_ip: str | None = None,
) -> dict[str, int]:
    """GDPR erasure: every row of the tenant, in every table, is deleted; one audit record
    of the erasure remains. Owner only. Raises invalid_request (confirmation), resource_not_found."""
    p = require_owner(principal)
    tenant = await get_tenant(p, tenant_id)
    expected = f"DELETE_ALL_DATA_{tenant.id}"
    if confirm != expected:
        raise invalid(f'confirm must be exactly "{expected}"', param="confirm")
    indirect, direct = _tenant_scoped_models()
    counts: dict[str, int] = {}
    async with in_transaction():
        for model, fk, parent in indirect:
            # values_list() knows field names only, not the "pk" alias (Tortoise 1.1 FieldError).
            parent_ids = await parent.filter(tenant_id=tenant.id).values_list(
                parent._meta.pk_attr, flat=True
            )
            if parent_ids:
                counts[model._meta.db_table] = await model.filter(
                    **{f"{fk}_id__in": list(parent_ids)}
                ).delete()
        for model in direct:
            counts[model._meta.db_table] = await model.filter(tenant_id=tenant.id).delete()
        counts["audit_logs"] = await AuditLog.filter(tenant_id=tenant.id).delete()
        await Tenant.filter(id=tenant.id).delete()
        counts["tenants"] = 1
        await audit.record(
            tenant.id, "tenant.erased", principal=p, ip=client_ip, data={"deleted": counts}
        )
    forget_tenant_plan(tenant.id)
    await revocation.end_tenant(tenant.id, revocation.CREDENTIAL_GONE, "tenant erased")
    return counts


async def change_plan(
    principal: Principal | None, plan: object, tenant_id: str | None = None
) -> Tenant:
    """Move a tenant to another plan (platform superadmin: billing acts through it). Every
    process forgets the cached plan; a downgrade also ends the tenant's sockets (4403), whose
    limits were those of the old plan. Raises invalid_request, resource_not_found,
    insufficient_permissions."""
    p = require_user(principal)
    if not tenant_id:
        raise invalid("tenantId is required", param="tenantId")
    # The tenant first: a tenant's own user naming another tenant learns nothing (404).
    tenant = await get_tenant(p, tenant_id)
    if not p.is_superadmin:
        raise forbidden("only a platform superadmin can change a tenant's plan")
    plan_v = validation.choice(plan, "plan", PLAN_NAMES)
    await apply_plan(tenant, plan_v, principal=p)
    return tenant


async def apply_plan(
    tenant: Tenant,
    plan: str,
    *,
    principal: Principal | None = None,
    source: str | None = None,
    data: dict[str, object] | None = None,
) -> bool:
    """Move ``tenant`` to ``plan`` (a name of PLAN_NAMES) at once on every process, audited
    with the principal or the ``source`` (billing: "stripe"). Returns whether it changed."""
    previous = tenant.plan
    if plan == previous:
        return False
    async with in_transaction():
        tenant.plan = plan
        await tenant.save(update_fields=["plan", "updated_at"])
        await audit.record(
            tenant.id,
            "tenant.plan_changed",
            principal=principal,
            actor_id=source,
            data={"from": previous, "to": plan, **(data or {})},
        )
    forget_tenant_plan(tenant.id)
    if PLAN_NAMES.index(plan) < PLAN_NAMES.index(previous):
        await revocation.end_tenant(tenant.id, revocation.PLAN_DOWNGRADED, "plan downgraded")
    else:
        await revocation.tenant_updated(tenant.id)
    return True
