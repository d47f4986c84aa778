"""Reading what the agent's tools recorded: bookings, leads and callbacks of a tenant."""

from dataclasses import dataclass
from typing import Generic, TypeVar

from tortoise.models import Model

from models.booking import Booking, Callback, Lead
from resolvers import validation
from resolvers.principals import Principal, get_tenant, require_secret

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    total: int
    limit: int
    offset: int


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
    limit, offset = validation.page_bounds(limit, offset)
    qs = model.filter(tenant_id=tenant.id)
    total = await qs.count()
    items = await qs.order_by("-created_at", "-id").offset(offset).limit(limit)
    return Page(list(items), total, limit, offset)


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
