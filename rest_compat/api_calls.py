"""/api/tenants/:id/calls: the dashboard's call list and call detail (the GraphQL `calls` and
`call` fields over REST, in the /api domain's snake_case)."""

from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from models.call import Call
from resolvers import calls
from rest_compat.http import (
    dashboard_principal,
    iso,
    json_response,
    only_query,
    page_json,
    page_query,
    path_tenant,
)
from rest_compat.schemas import (
    DT,
    NDT,
    NINT,
    NNUM,
    NSTR,
    OBJECT,
    STR,
    Doc,
    DocRoute,
    array,
    component,
    enum,
    out,
    page,
)
from rest_compat.v1_calls import CALL_QUERY, CALL_STATUS, DIRECTION, SENTIMENT

PARTS = ("eot", "stt", "agent", "tts")
DASHBOARD_CALL = component(
    "DashboardCall",
    out(
        {
            "id": STR,
            "status": CALL_STATUS,
            "direction": DIRECTION,
            "to": NSTR,
            "from": NSTR,
            "agent_id": STR,
            "created_at": DT,
            "answered_at": NDT,
            "ended_at": NDT,
            "duration": NINT,
            "transcript": array(
                out({"role": enum(("agent", "user")), "content": STR, "start_ms": NINT})
            ),
            "sentiment": SENTIMENT,
            "summary": NSTR,
            "lead_score": NINT,
            "cost": NNUM,
            "ended_reason": NSTR,
            "metadata": OBJECT,
            "recording_url": NSTR,
            "latency": {
                "oneOf": [
                    {"type": "null"},
                    out(
                        {
                            "p50_ms": NINT,
                            "p95_ms": NINT,
                            "turns": NINT,
                            "parts_p50_ms": {
                                "oneOf": [{"type": "null"}, out(dict.fromkeys(PARTS, NINT))]
                            },
                        }
                    ),
                ]
            },
            "tool_calls": array(
                out({"id": STR, "name": STR, "arguments": OBJECT, "result": {}, "at": STR})
            ),
        }
    ),
)


def _ms(value: object) -> int | None:
    return round(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _latency(latency: object) -> dict[str, Any] | None:
    if not isinstance(latency, dict) or not latency:
        return None
    parts = latency.get("partsP50Ms")
    return {
        "p50_ms": _ms(latency.get("p50Ms")),
        "p95_ms": _ms(latency.get("p95Ms")),
        "turns": _ms(latency.get("turns")),
        "parts_p50_ms": {k: _ms(parts.get(k)) for k in PARTS} if isinstance(parts, dict) else None,
    }


def call_json(call: Call) -> dict[str, Any]:
    """The fields of GraphQL's Call, named as the /api domain names them."""
    return {
        "id": call.id,
        "status": call.status,
        "direction": call.direction,
        "to": call.to_number,
        "from": call.from_number,
        "agent_id": call.agent_id,
        "created_at": iso(call.created_at),
        "answered_at": iso(call.answered_at),
        "ended_at": iso(call.ended_at),
        "duration": call.duration,
        "transcript": [
            {
                "role": str(line.get("role", "")),
                "content": str(line.get("content", "")),
                "start_ms": _ms(line.get("startMs")),
            }
            for line in call.transcript or []
            if isinstance(line, dict)
        ],
        "sentiment": call.sentiment,
        "summary": call.summary,
        "lead_score": call.lead_score,
        "cost": float(call.cost) if isinstance(call.cost, Decimal | int | float) else None,
        "ended_reason": call.ended_reason,
        "metadata": call.metadata,
        "recording_url": call.recording_url,
        "latency": _latency(call.latency),
        "tool_calls": [
            {
                "id": str(e.get("id", "")),
                "name": str(e.get("name", "")),
                "arguments": e.get("arguments") if isinstance(e.get("arguments"), dict) else {},
                "result": e.get("result"),
                "at": str(e.get("at", "")),
            }
            for e in call.tool_calls or []
            if isinstance(e, dict)
        ],
    }


LIST = Doc(
    "The tenant's calls, newest first (any member of the tenant)",
    {200: page(DASHBOARD_CALL)},
    errors=(400,),
    query=CALL_QUERY,
)


async def list_calls(request: Request) -> Response:
    principal = dashboard_principal(request)
    only_query(request, tuple(CALL_QUERY))
    q = request.query_params
    result = await calls.list_calls(
        principal,
        **page_query(request),
        status=q.get("status"),
        date_from=q.get("from"),
        date_to=q.get("to"),
        tenant_id=path_tenant(request),
    )
    return json_response(page_json(result, call_json))


GET = Doc(
    "One call, with its transcript and analysis (any member of the tenant)",
    {200: DASHBOARD_CALL},
    errors=(400,),
)


async def get_call(request: Request) -> Response:
    call = await calls.get_call(
        dashboard_principal(request),
        request.path_params["call_id"],
        tenant_id=path_tenant(request),
    )
    return json_response(call_json(call))


routes: list[BaseRoute] = [
    DocRoute("/tenants/{tenant_id}/calls", list_calls, get=LIST),
    DocRoute("/tenants/{tenant_id}/calls/{call_id}", get_call, get=GET),
]
