"""Batch functions for GraphQL dataloaders: one query for N keys, results in key order."""

from collections.abc import Sequence

from models.tenant import Tenant


async def tenants_by_id(ids: Sequence[str]) -> list[Tenant | None]:
    rows = {t.id: t for t in await Tenant.filter(id__in=list(set(ids)))}
    return [rows.get(i) for i in ids]
