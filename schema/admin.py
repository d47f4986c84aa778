"""The platform's health in detail (resolvers/admin.py), as GET /api/admin/health gives it."""

import strawberry
from strawberry.scalars import JSON

from resolvers import admin
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
