"""Batch functions for GraphQL dataloaders: one query for N keys, results in key order."""

from collections.abc import Sequence

from models.agent import Agent
from models.tenant import Tenant


async def tenants_by_id(ids: Sequence[str]) -> list[Tenant | None]:
    rows = {t.id: t for t in await Tenant.filter(id__in=list(set(ids)))}
    return [rows.get(i) for i in ids]


async def agents_by_key(keys: Sequence[tuple[str, str]]) -> list[Agent | None]:
    """Agents by (tenant_id, agent_id): agent ids are slugs unique only within a tenant."""
    wanted = set(keys)
    rows = await Agent.filter(
        tenant_id__in=list({t for t, _ in wanted}), agent_id__in=list({a for _, a in wanted})
    )
    found = {(a.tenant_id, a.agent_id): a for a in rows}
    return [found.get(k) for k in keys]
