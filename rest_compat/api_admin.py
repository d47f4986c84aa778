"""/api/admin/health: every dependency, queue and process in detail (resolvers/admin.py)."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from resolvers import admin
from rest_compat.http import dashboard_principal, json_response
from rest_compat.schemas import (
    BOOL,
    INT,
    NNUM,
    NSTR,
    OBJECT,
    STR,
    Doc,
    DocRoute,
    Param,
    component,
    enum,
    out,
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
    errors=(404,),
    auth="user",
    query={"tenantId": Param(STR, "A tenant's part only (superadmin); others get their own")},
)


async def get_admin_health(request: Request) -> Response:
    tenant_id = request.query_params.get("tenantId") or None
    return json_response(await admin.health_report(dashboard_principal(request), tenant_id))


routes: list[BaseRoute] = [DocRoute("/admin/health", get_admin_health, get=HEALTH)]
