"""Operations: the platform's health in detail (resolvers/admin.py) and telephony statistics
(resolvers/call_stats.py), as GET /api/admin/health and /api/telephony/stats give them."""

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from resolvers import admin, call_stats
from schema.context import Info
from schema.tenants import TenantIdArg


@strawberry.type
class AdminQuery:
    @strawberry.field(
        description="Each dependency with its latency, the queues' backlog and oldest entry,"
        " live processes, calls in progress, voice workers and loaded speech models (platform"
        " superadmin), or a tenant's part (its owner or admin; a superadmin with tenantId). The"
        " same JSON as GET /api/admin/health. Errors: insufficient_permissions,"
        " resource_not_found."
    )
    async def admin_health(self, info: Info, tenant_id: TenantIdArg = None) -> JSON:
        return JSON(await admin.health_report(info.context.caller(), tenant_id))

    @strawberry.field(
        description="Phone calls of a period (from/to ISO dates; default this month): totals,"
        " by status and ended reason, answer rate, average duration, cost, voice latency"
        " p50/p95, per agent and per day. The same JSON as GET /api/telephony/stats. Errors:"
        " invalid_request, resource_not_found."
    )
    async def telephony_stats(
        self,
        info: Info,
        tenant_id: TenantIdArg = None,
        date_from: Annotated[str | None, strawberry.argument(name="from")] = None,
        date_to: Annotated[str | None, strawberry.argument(name="to")] = None,
        agent_id: str | None = None,
    ) -> JSON:
        return JSON(
            await call_stats.stats(
                info.context.caller(),
                tenant_id,
                date_from=date_from,
                date_to=date_to,
                agent_id=agent_id,
            )
        )
