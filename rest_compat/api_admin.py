"""/api/admin/health (resolvers/admin.py), the platform superadmin's tenant management and
the audit log /api/logs (resolvers/platform.py)."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from models.audit import AuditLog
from models.tenant import Tenant
from resolvers import admin, platform, tenants
from resolvers.plans import PLAN_NAMES
from rest_compat.http import (
    dashboard_principal,
    iso,
    json_body,
    json_response,
    only_query,
    page_json,
    page_query,
    path_tenant,
    query_flag,
)
from rest_compat.schemas import (
    BOOL,
    DT,
    INT,
    LIMIT,
    NDT,
    NNUM,
    NSTR,
    OBJECT,
    OFFSET,
    STR,
    Doc,
    DocRoute,
    Param,
    S,
    component,
    enum,
    inp,
    out,
    page,
)

NUM = {"type": "number"}
STATUS = enum(("ok", "degraded"))
CHECK = out({"ok": BOOL, "latencyMs": NUM, "error": STR}, optional=("error",))
OUTBOX = component(
    "OutboxBacklog",
    out({"pending": INT, "due": INT, "oldestPendingAt": NSTR, "oldestPendingAgeSeconds": NNUM}),
)
METERING = component(
    "MeteringBacklog", out({"pending": INT, "failed": INT, "oldestPendingAgeSeconds": NNUM})
)
PLATFORM = out(
    {
        "status": STATUS,
        "scope": enum(("platform",)),
        "instance": STR,
        "uptimeSeconds": NUM,
        "database": out(
            {"backend": enum(("sqlite", "postgres")), "ok": BOOL, "latencyMs": NUM, "error": STR},
            optional=("error",),
        ),
        "redis": out(
            {"configured": BOOL, "ok": BOOL, "latencyMs": NUM, "error": STR},
            optional=("latencyMs", "error"),
        ),
        "bus": out(
            {"backend": enum(("memory", "redis")), "ok": BOOL, "lagMs": NUM, "error": STR},
            optional=("lagMs", "error"),
        ),
        "outbox": OUTBOX,
        "stripe": out({"configured": BOOL, "eventsPending": INT, "metering": METERING}),
        "processes": out({"alive": INT}),
        "calls": out({"active": INT}),
        "voice": {"anyOf": [OBJECT, {"type": "null"}]},
    }
)
TENANT = out(
    {
        "status": STATUS,
        "scope": enum(("tenant",)),
        "tenantId": STR,
        "outbox": OUTBOX,
        "metering": METERING,
        "calls": out({"active": INT}),
    }
)
HEALTH = Doc(
    "The platform's health in detail, for platform superadmins: database and Redis latency,"
    " bus lag, webhook outbox backlog and oldest pending delivery, Stripe events and meter"
    " queue, live processes, calls in progress, voice workers and loaded speech models. A"
    " tenant's owner or admin (or a superadmin with tenantId) gets that tenant's part.",
    {200: {"anyOf": [PLATFORM, TENANT]}},
    errors=(400, 404),
    auth="user",
    query={"tenantId": Param(STR, "A tenant's part only (superadmin); others get their own")},
)


async def get_admin_health(request: Request) -> Response:
    only_query(request, ("tenantId",))
    tenant_id = request.query_params.get("tenantId") or None
    return json_response(await admin.health_report(dashboard_principal(request), tenant_id))


routes: list[BaseRoute] = [DocRoute("/admin/health", get_admin_health, get=HEALTH)]


# --- tenants (platform superadmin) and the audit log ----------------------------------------

TENANT_JSON = component(
    "PlatformTenant",
    out(
        {
            "id": STR,
            "name": STR,
            "plan": enum(PLAN_NAMES),
            "language": STR,
            "timezone": STR,
            "prepaid": BOOL,
            "creditBalance": NUM,
            "createdAt": DT,
            "suspendedAt": NDT,
            "suspendedReason": NSTR,
        }
    ),
)
AUDIT_JSON = component(
    "AuditEntry",
    out(
        {
            "id": STR,
            "tenantId": NSTR,
            "actorId": NSTR,
            "actorKind": STR,
            "action": STR,
            "target": NSTR,
            "data": OBJECT,
            "ip": NSTR,
            "createdAt": DT,
        }
    ),
)


def tenant_json(t: Tenant) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "plan": t.plan,
        "language": t.language,
        "timezone": t.timezone,
        "prepaid": t.prepaid,
        "creditBalance": float(t.credit_balance),
        "createdAt": iso(t.created_at),
        "suspendedAt": iso(t.suspended_at),
        "suspendedReason": t.suspended_reason,
    }


def audit_json(a: AuditLog) -> dict[str, Any]:
    return {
        "id": a.id,
        "tenantId": a.tenant_id,
        "actorId": a.actor_id,
        "actorKind": a.actor_kind,
        "action": a.action,
        "target": a.target,
        "data": a.data,
        "ip": a.ip,
        "createdAt": iso(a.created_at),
    }


TENANTS_QUERY: dict[str, S | Param] = {
    "q": Param(STR, "Part of the tenant's id or name, or of a user's email"),
    "plan": enum(PLAN_NAMES),
    "suspended": enum(("true", "false")),
    "limit": LIMIT,
    "offset": OFFSET,
}
LIST_TENANTS = Doc(
    "Tenants, newest first (platform superadmin)",
    {200: page(TENANT_JSON)},
    errors=(400,),
    query=TENANTS_QUERY,
)
CHANGE_PLAN = Doc(
    "Move the tenant to another plan: limits and features change at once on every process;"
    " a downgrade closes its sockets (platform superadmin; audit-logged)",
    {200: TENANT_JSON},
    errors=(400,),
    body=inp({"plan": enum(PLAN_NAMES)}, required=("plan",)),
)
SUSPEND = Doc(
    "Suspend the tenant: its keys, tokens and sockets stop at once on every process (platform"
    " superadmin; audit-logged with the reason)",
    {200: TENANT_JSON},
    errors=(400, 409),
    body=inp({"reason": STR}, required=("reason",)),
)
REACTIVATE = Doc(
    "Lift the tenant's suspension (platform superadmin; audit-logged)",
    {200: TENANT_JSON},
    errors=(409,),
)
LOGS = Doc(
    "The audit log, newest first: every tenant's for a platform superadmin (or one with"
    " tenantId), the caller's own tenant's for its owner or admin",
    {200: page(AUDIT_JSON)},
    errors=(400, 404),
    query={
        "tenantId": Param(STR, "One tenant's entries (superadmin)"),
        "action": Param(STR, "Only this action, e.g. tenant.suspended"),
        "limit": LIMIT,
        "offset": OFFSET,
    },
)


async def list_tenants(request: Request) -> Response:
    only_query(request, tuple(TENANTS_QUERY))
    q = request.query_params
    result = await platform.list_tenants(
        dashboard_principal(request),
        q=q.get("q"),
        plan=q.get("plan"),
        suspended=query_flag(request, "suspended"),
        **page_query(request),
    )
    return json_response(page_json(result, tenant_json))


async def change_plan(request: Request) -> Response:
    principal = dashboard_principal(request)
    body = await json_body(request)
    tenant = await tenants.change_plan(principal, body.get("plan"), path_tenant(request))
    return json_response(tenant_json(tenant))


async def suspend(request: Request) -> Response:
    principal = dashboard_principal(request)
    body = await json_body(request)
    tenant = await platform.suspend_tenant(principal, path_tenant(request), body.get("reason"))
    return json_response(tenant_json(tenant))


async def reactivate(request: Request) -> Response:
    tenant = await platform.reactivate_tenant(dashboard_principal(request), path_tenant(request))
    return json_response(tenant_json(tenant))


async def list_logs(request: Request) -> Response:
    only_query(request, tuple(LOGS.query))
    q = request.query_params
    result = await platform.list_logs(
        dashboard_principal(request),
        tenant_id=q.get("tenantId") or None,
        action=q.get("action"),
        **page_query(request),
    )
    return json_response(page_json(result, audit_json))


T = "/admin/tenants/{tenant_id}"
routes += [
    DocRoute("/admin/tenants", list_tenants, get=LIST_TENANTS),
    DocRoute(f"{T}/plan", change_plan, put=CHANGE_PLAN),
    DocRoute(f"{T}/suspend", suspend, post=SUSPEND),
    DocRoute(f"{T}/reactivate", reactivate, post=REACTIVATE),
    DocRoute("/logs", list_logs, get=LOGS),
]
