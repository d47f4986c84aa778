"""Reading what the agent's tools recorded: bookings, leads and callbacks of a tenant."""

from typing import TypeVar

from tortoise.models import Model

from models.booking import Booking, Callback, Lead
from resolvers.pagination import Page, paginate
from resolvers.principals import Principal, get_tenant, require_secret

M = TypeVar("M", bound=Model)


async def _page(
    model: type[M],
    principal: Principal | None,
    limit: object,
    offset: object,
    tenant_id: str | None,
) -> Page[M]:
    # The same rule as list_calls: any credential but a publishable key reads its tenant's.
    p = require_secret(principal)
    tenant = await get_tenant(p, tenant_id)
    return await paginate(model.filter(tenant_id=tenant.id), limit, offset, "-created_at", "-id")


async def list_bookings(
    principal: Principal | None,
    *,
    limit: object = 20,
    offset: object = 0,
    tenant_id: str | None = None,
) -> Page[Booking]:
    """Newest first. Raises invalid_request (limit 1-100, offset), resource_not_found."""
    return await _page(Booking, principal, limit, offset, tenant_id)


async def list_leads(
    principal: Principal | None,
    *,
    limit: object = 20,
    offset: object = 0,
    tenant_id: str | None = None,
) -> Page[Lead]:
    """Newest first. Raises invalid_request (limit 1-100, offset), resource_not_found."""
    return await _page(Lead, principal, limit, offset, tenant_id)


async def list_callbacks(
    principal: Principal | None,
    *,
    limit: object = 20,
    offset: object = 0,
    tenant_id: str | None = None,
) -> Page[Callback]:
    """Newest first. Raises invalid_request (limit 1-100, offset), resource_not_found."""
    return await _page(Callback, principal, limit, offset, tenant_id)
