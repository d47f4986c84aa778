"""The tenant's allowed browser origins (CORS, widget and publishable keys)."""

from tortoise.transactions import in_transaction

from models.tenant import AllowedOrigin
from resolvers import audit
from resolvers.errors import invalid
from resolvers.plans import plan_of
from resolvers.principals import Principal, get_tenant, require_manager, require_secret
from resolvers.urls import normalize_origin


async def list_origins(principal: Principal | None, tenant_id: str | None = None) -> list[str]:
    """Raises resource_not_found, invalid_api_key, insufficient_permissions."""
    tenant = await get_tenant(require_secret(principal), tenant_id)
    rows = (
        await AllowedOrigin.filter(tenant_id=tenant.id)
        .order_by("position", "id")
        .values_list("origin", flat=True)
    )
    return [str(r) for r in rows]


async def set_origins(
    principal: Principal | None, origins: object, tenant_id: str | None = None
) -> list[str]:
    """Replace the list: each a valid scheme://host[:port], duplicates removed, at most the
    plan's maximum. Raises invalid_request, resource_not_found, insufficient_permissions."""
    p = require_manager(principal)
    tenant = await get_tenant(p, tenant_id)
    if not isinstance(origins, list):
        raise invalid("origins must be a list of origins", param="origins")
    normalized: list[str] = []
    for value in origins:
        origin = normalize_origin(value)
        if origin not in normalized:
            normalized.append(origin)
    plan = plan_of(tenant.plan)
    if len(normalized) > plan.allowed_origins:
        raise invalid(
            f"the {plan.name} plan allows at most {plan.allowed_origins} origins", param="origins"
        )
    async with in_transaction():
        await AllowedOrigin.filter(tenant_id=tenant.id).delete()
        for i, origin in enumerate(normalized):
            await AllowedOrigin.create(tenant=tenant, origin=origin, position=i)
        await audit.record(
            tenant.id, "tenant.origins_updated", principal=p, data={"origins": normalized}
        )
    return normalized


async def origin_known(origin: str) -> bool:
    """Whether any tenant allows this origin (answers CORS preflights, which carry no credentials)."""
    return await AllowedOrigin.filter(origin=origin.rstrip("/").lower()).exists()
