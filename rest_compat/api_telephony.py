"""/api/telephony/stats and /api/telephony/cdrs (resolvers/call_stats.py)."""

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute

from resolvers import call_stats
from resolvers.errors import invalid
from rest_compat.http import (
    client_ip,
    dashboard_principal,
    json_response,
    only_query,
    page_json,
    page_query,
)
from rest_compat.schemas import (
    INT,
    LIMIT,
    NINT,
    NNUM,
    NSTR,
    OFFSET,
    STR,
    Doc,
    DocRoute,
    Param,
    S,
    component,
    enum,
    out,
    page,
)
from rest_compat.v1_calls import ISO_DATE

NUM = {"type": "number"}
COUNTS = {"type": "object", "additionalProperties": INT}
SUMMARY = {
    "calls": INT,
    "answered": INT,
    "answerRate": NNUM,
    "totalDuration": INT,
    "avgDuration": NNUM,
    "cost": NUM,
    "byStatus": COUNTS,
    "byEndedReason": COUNTS,
    "latency": out({"p50Ms": NNUM, "p95Ms": NNUM, "calls": INT}),
}
PERIOD: dict[str, S | Param] = {
    "tenantId": Param(STR, "A platform superadmin's choice of tenant (all when absent)"),
    "from": Param(ISO_DATE, "ISO 8601 date or date-time (default: start of this month)"),
    "to": Param(ISO_DATE, "ISO 8601 date (inclusive) or date-time (default: end of month)"),
}
STATS = Doc(
    "Phone calls of the period (outbound and inbound): totals, by status and ended reason,"
    " answer rate, average duration, cost and voice latency p50/p95, per agent and per day"
    " (UTC). Any user of the tenant; a platform superadmin sees one tenant or all.",
    {
        200: out(
            {
                "tenantId": NSTR,
                "from": STR,
                "to": STR,
                **SUMMARY,
                "byAgent": {"type": "array", "items": out({"agentId": STR, **SUMMARY})},
                "byDay": {"type": "array", "items": out({"date": STR, **SUMMARY})},
            }
        )
    },
    errors=(400, 404),
    query={**PERIOD, "agentId": Param(STR, "One agent's calls only")},
)
CDR = component(
    "CallDetailRecord",
    out(
        {
            "id": STR,
            "tenant_id": STR,
            "direction": enum(call_stats.PHONE),
            "from": NSTR,
            "to": NSTR,
            "agent_id": STR,
            "language": STR,
            "status": STR,
            "ended_reason": NSTR,
            "created_at": STR,
            "answered_at": NSTR,
            "ended_at": NSTR,
            "duration": NINT,
            "cost": NUM,
        }
    ),
)
CDRS = Doc(
    "Call detail records of the period, newest first; format=csv streams them all as CSV (the"
    " plan's export feature; audit-logged)",
    {200: page(CDR)},
    errors=(400, 404),
    query={**PERIOD, "limit": LIMIT, "offset": OFFSET, "format": enum(call_stats.FORMATS)},
    media_types=("application/json", "text/csv; charset=utf-8"),
)


async def get_stats(request: Request) -> Response:
    only_query(request, tuple(STATS.query))
    q = request.query_params
    return json_response(
        await call_stats.stats(
            dashboard_principal(request),
            q.get("tenantId") or None,
            date_from=q.get("from"),
            date_to=q.get("to"),
            agent_id=q.get("agentId"),
        )
    )


async def get_cdrs(request: Request) -> Response:
    only_query(request, tuple(CDRS.query))
    q = request.query_params
    principal = dashboard_principal(request)
    fmt = q.get("format", "json")
    if fmt not in call_stats.FORMATS:
        raise invalid("format must be one of: json, csv", param="format")
    period = {"date_from": q.get("from"), "date_to": q.get("to")}
    if fmt == "csv":
        lines = await call_stats.export_cdrs(
            principal, q.get("tenantId") or None, ip=client_ip(request), **period
        )
        return StreamingResponse(
            lines,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="cdrs.csv"'},
        )
    result = await call_stats.cdrs(
        principal, q.get("tenantId") or None, **page_query(request), **period
    )
    return json_response(page_json(result, lambda row: row))


routes: list[BaseRoute] = [
    DocRoute("/telephony/stats", get_stats, get=STATS),
    DocRoute("/telephony/cdrs", get_cdrs, get=CDRS),
]
