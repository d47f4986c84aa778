"""Operations: the platform's health in detail (resolvers/admin.py) and telephony statistics
(resolvers/call_stats.py), as GET /api/admin/health and /api/telephony/stats give them."""

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from models.tenant import Tenant
from resolvers import admin, call_stats, platform, tenants
from schema.context import Info
from schema.pagination import page_of
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
        date_from: Annotated[
            str | None,
            strawberry.argument(name="from", description="ISO date; default: this month."),
        ] = None,
        date_to: Annotated[
            str | None, strawberry.argument(name="to", description="ISO date, included.")
        ] = None,
        agent_id: Annotated[
            str | None, strawberry.argument(description="One agent's calls only.")
        ] = None,
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


@strawberry.type(description="A tenant as a platform superadmin manages it.")
class PlatformTenant:
    id: strawberry.ID = strawberry.field(description="The tenant's id.")
    name: str = strawberry.field(description="Company name.")
    plan: str = strawberry.field(description="starter, pro or enterprise.")
    prepaid: bool = strawberry.field(description="Calls are paid from the credit balance.")
    credit_balance: float = strawberry.field(description="Prepaid credits left.")
    created_at: datetime = strawberry.field(description="Sign-up (UTC).")
    suspended_at: datetime | None = strawberry.field(description="Null unless suspended.")
    suspended_reason: str | None = strawberry.field(description="Why it was suspended.")

    @classmethod
    def of(cls, t: Tenant) -> "PlatformTenant":
        return cls(
            id=strawberry.ID(t.id),
            name=t.name,
            plan=t.plan,
            prepaid=t.prepaid,
            credit_balance=float(t.credit_balance),
            created_at=t.created_at,
            suspended_at=t.suspended_at,
            suspended_reason=t.suspended_reason,
        )


@strawberry.type(description="A page of tenants.")
class PlatformTenantPage:
    items: list[PlatformTenant] = strawberry.field(description="Newest first.")
    total: int = strawberry.field(description="All matching tenants.")
    limit: int = strawberry.field(description="Page size (1-100).")
    offset: int = strawberry.field(description="Tenants skipped.")


@strawberry.type
class PlatformQuery:
    @strawberry.field(
        description="Tenants, newest first; q matches the id, the name or a user's email"
        " (platform superadmin). Errors: insufficient_permissions, invalid_request."
    )
    async def platform_tenants(
        self,
        info: Info,
        q: Annotated[
            str | None,
            strawberry.argument(description="Part of the id, the name or a user's email."),
        ] = None,
        plan: Annotated[
            str | None, strawberry.argument(description="starter, pro or enterprise.")
        ] = None,
        suspended: Annotated[
            bool | None,
            strawberry.argument(description="Only suspended (true) or active (false) tenants."),
        ] = None,
        limit: Annotated[int, strawberry.argument(description="1 to 100.")] = 20,
        offset: Annotated[int, strawberry.argument(description="Tenants to skip.")] = 0,
    ) -> PlatformTenantPage:
        page = await platform.list_tenants(
            info.context.caller(), q=q, plan=plan, suspended=suspended, limit=limit, offset=offset
        )
        return page_of(PlatformTenantPage, page, PlatformTenant.of)


@strawberry.type
class PlatformMutation:
    @strawberry.mutation(
        description="Move a tenant to another plan, at once on every process (platform"
        " superadmin; audit-logged). Errors: insufficient_permissions, resource_not_found,"
        " invalid_request."
    )
    async def change_tenant_plan(
        self,
        info: Info,
        tenant_id: Annotated[strawberry.ID, strawberry.argument(description="The tenant.")],
        plan: Annotated[str, strawberry.argument(description="starter, pro or enterprise.")],
    ) -> PlatformTenant:
        return PlatformTenant.of(
            await tenants.change_plan(info.context.caller(), plan, str(tenant_id))
        )

    @strawberry.mutation(
        description="Suspend a tenant: its keys, tokens and sockets stop at once (platform"
        " superadmin; audit-logged). Errors: insufficient_permissions, resource_not_found,"
        " invalid_request, conflict."
    )
    async def suspend_tenant(
        self,
        info: Info,
        tenant_id: Annotated[strawberry.ID, strawberry.argument(description="The tenant.")],
        reason: Annotated[str, strawberry.argument(description="Why: kept in the audit log.")],
    ) -> PlatformTenant:
        return PlatformTenant.of(
            await platform.suspend_tenant(info.context.caller(), str(tenant_id), reason)
        )

    @strawberry.mutation(
        description="Lift a tenant's suspension (platform superadmin; audit-logged). Errors:"
        " insufficient_permissions, resource_not_found, conflict."
    )
    async def reactivate_tenant(
        self,
        info: Info,
        tenant_id: Annotated[strawberry.ID, strawberry.argument(description="The tenant.")],
    ) -> PlatformTenant:
        return PlatformTenant.of(
            await platform.reactivate_tenant(info.context.caller(), str(tenant_id))
        )
