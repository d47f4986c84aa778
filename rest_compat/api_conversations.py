"""/api/tenants/:id/conversations: every call and text conversation, one by one, and their
export as CSV or JSON Lines, streamed."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute

from resolvers import history
from resolvers.validation import LANGUAGES
from rest_compat.http import (
    client_ip,
    dashboard_principal,
    iso,
    json_response,
    only_query,
    page_json,
    page_query,
    path_tenant,
    query_flag,
)
from rest_compat.schemas import (
    DT,
    INT,
    LIMIT,
    NDT,
    NINT,
    NSTR,
    OBJECT,
    STR,
    Doc,
    DocRoute,
    S,
    array,
    component,
    enum,
    out,
    page,
)

CHANNEL = enum(history.CHANNELS)
_FIELDS: S = {
    "id": STR,
    "channel": CHANNEL,
    "agent_id": STR,
    "language": enum(LANGUAGES),
    "status": STR,
    "started_at": DT,
    "ended_at": NDT,
    "messages": INT,
    "lead_score": NINT,
    "phone": NSTR,
}
SUMMARY = component("ConversationSummary", out(_FIELDS))
DETAIL = component(
    "Conversation",
    out({**_FIELDS, "transcript": array(OBJECT), "tool_calls": array(OBJECT)}),
)
_BOOL = enum(("true", "false"))
FILTERS: dict[str, S] = {
    "channel": CHANNEL,
    "language": enum(LANGUAGES),
    "from": {"type": "string", "format": "date"},
    "to": {"type": "string", "format": "date"},
    "has_booking": _BOOL,
    "has_lead": _BOOL,
}


def _filters(request: Request) -> history.Filters:
    q = request.query_params
    return history.filters(
        channel=q.get("channel"),
        language=q.get("language"),
        date_from=q.get("from"),
        date_to=q.get("to"),
        has_booking=query_flag(request, "has_booking"),
        has_lead=query_flag(request, "has_lead"),
    )


def summary_json(view: history.ConversationView) -> dict[str, Any]:
    return {
        "id": view.id,
        "channel": view.channel,
        "agent_id": view.agent_id,
        "language": view.language,
        "status": view.status,
        "started_at": iso(view.started_at),
        "ended_at": iso(view.ended_at),
        "messages": view.messages,
        "lead_score": view.lead_score,
        "phone": view.phone,
    }


LIST = Doc(
    "Calls, voice sessions and text conversations, newest first",
    {200: page(SUMMARY)},
    errors=(400,),
    query={
        "limit": LIMIT,
        "offset": {"type": "integer", "minimum": 0, "maximum": history.MAX_LIST_OFFSET},
        **FILTERS,
    },
)


async def list_conversations(request: Request) -> Response:
    principal = dashboard_principal(request)
    only_query(request, ("limit", "offset", *FILTERS))
    found = await history.list_conversations(
        principal, _filters(request), tenant_id=path_tenant(request), **page_query(request)
    )
    return json_response(page_json(found, summary_json))


GET = Doc("One conversation (call_… or conv_…) with its transcript and tool calls", {200: DETAIL})


async def get_conversation(request: Request) -> Response:
    view = await history.get_conversation(
        dashboard_principal(request), request.path_params["conversation_id"], path_tenant(request)
    )
    return json_response(
        {**summary_json(view), "transcript": view.transcript, "tool_calls": view.tool_calls}
    )


MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
EXPORT = Doc(
    "Every matching conversation as CSV or JSON Lines, streamed (Pro plan and up; audit-logged)",
    {200: {"type": "string"}},
    errors=(400,),
    query={"format": enum(history.FORMATS), **FILTERS},
    media_types=tuple(MEDIA.values()),
)


async def export_conversations(request: Request) -> Response:
    principal = dashboard_principal(request)
    only_query(request, ("format", *FILTERS))
    fmt = request.query_params.get("format", "jsonl")
    lines = await history.export_conversations(
        principal, _filters(request), fmt=fmt, tenant_id=path_tenant(request), ip=client_ip(request)
    )
    extension = "csv" if fmt == "csv" else "jsonl"
    return StreamingResponse(
        lines,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="conversations.{extension}"'},
    )


C = "/tenants/{tenant_id}/conversations"
routes: list[BaseRoute] = [
    DocRoute(C, list_conversations, get=LIST),
    DocRoute(f"{C}/export", export_conversations, get=EXPORT),
    DocRoute(f"{C}/{{conversation_id}}", get_conversation, get=GET),
]
