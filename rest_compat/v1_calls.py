"""/v1/calls: the documented telephony API (secret keys)."""

from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from models.call import Call
from resolvers import calls, idempotency
from resolvers.calls.machine import DIRECTIONS, STATUSES
from resolvers.errors import forbidden
from resolvers.principals import Principal, require_authenticated
from rest_compat.http import (
    iso,
    json_body,
    json_response,
    only_query,
    page_json,
    page_query,
    principal_of,
)
from rest_compat.schemas import (
    DT,
    INT,
    LIMIT,
    NDT,
    NINT,
    NNUM,
    NSTR,
    OBJECT,
    OFFSET,
    STR,
    Doc,
    DocRoute,
    Param,
    S,
    array,
    component,
    enum,
    inp,
    out,
    page,
)


def v1_principal(conn: HTTPConnection) -> Principal:
    """/v1 takes a secret API key (vk_ or voc_sk_); a publishable key or a user token is refused."""
    p = require_authenticated(principal_of(conn))
    if p.kind not in ("tenant_key", "secret_key"):
        raise forbidden("the /v1 API needs a secret API key (voc_sk_... or vk_...)")
    return p


CALL_STATUS = enum(STATUSES)
DIRECTION = enum(DIRECTIONS)
SENTIMENT = enum(("positive", "neutral", "negative"), nullable=True)
# A call's transcript lines and tool calls are stored as the voice engine wrote them (a line
# may also carry its latencyMs): their known fields are described, others are allowed.
TRANSCRIPT_LINE = inp(
    {"role": enum(("agent", "user")), "content": STR, "startMs": INT}, ("role", "content")
)
TOOL_CALL = inp(
    {"id": STR, "name": STR, "arguments": OBJECT, "result": {}, "at": DT},
    ("id", "name", "arguments", "at"),
)
CALL = component(
    "Call",
    out(
        {
            "id": STR,
            "status": CALL_STATUS,
            "direction": DIRECTION,
            "to": NSTR,
            "from": NSTR,
            "agentId": STR,
            "createdAt": DT,
            "answeredAt": NDT,
            "endedAt": NDT,
            "duration": NINT,
            "transcript": array(TRANSCRIPT_LINE),
            "sentiment": SENTIMENT,
            "summary": NSTR,
            "leadScore": NINT,
            "cost": NNUM,
            "endedReason": NSTR,
            "metadata": OBJECT,
            "recordingUrl": NSTR,
            "latency": {"type": ["object", "null"]},
            "toolCalls": {
                **array(TOOL_CALL),
                "description": "The tools the agent called, in order, with their results.",
            },
        }
    ),
)
ISO_DATE: S = {
    "type": "string",
    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})?)?$",
}
# The filters of a call list, shared with /api/tenants/{id}/calls.
CALL_QUERY: dict[str, S | Param] = {
    "limit": LIMIT,
    "offset": OFFSET,
    "status": CALL_STATUS,
    "from": Param(ISO_DATE, "ISO 8601 date or date-time, on createdAt"),
    "to": Param(ISO_DATE, "ISO 8601 date (inclusive) or date-time"),
}


def call_json(call: Call) -> dict[str, Any]:
    return {
        "id": call.id,
        "status": call.status,
        "direction": call.direction,
        "to": call.to_number,
        "from": call.from_number,
        "agentId": call.agent_id,
        "createdAt": iso(call.created_at),
        "answeredAt": iso(call.answered_at),
        "endedAt": iso(call.ended_at),
        "duration": call.duration,
        "transcript": call.transcript,
        "sentiment": call.sentiment,
        "summary": call.summary,
        "leadScore": call.lead_score,
        "cost": float(call.cost) if call.cost is not None else None,
        "endedReason": call.ended_reason,
        "metadata": call.metadata,
        "recordingUrl": call.recording_url,
        "latency": call.latency or None,
        "toolCalls": call.tool_calls,
    }


CREATE = Doc(
    "Place an outbound call",
    {201: CALL},
    errors=(400, 402, 409),
    body=inp(
        {"to": STR, "agentId": STR, "from": STR, "metadata": OBJECT, "webhookUrl": STR},
        ("to", "agentId"),
    ),
    headers={
        "Idempotency-Key": Param(
            {"type": "string", "minLength": 1, "maxLength": 255},
            "A retry within 24 h with the same key gets the first answer; another body is 409",
        )
    },
    response_headers={
        "Idempotent-Replayed": Param(enum(("true",)), "Present when the answer is a replay")
    },
    auth="key",
)


async def create(request: Request) -> Response:
    principal = v1_principal(request)
    body = await json_body(request)

    async def run() -> tuple[int, Any]:
        call = await calls.create_call(
            principal,
            to=body.get("to"),
            agent_id=body.get("agentId"),
            from_number=body.get("from"),
            metadata=body.get("metadata"),
            webhook_url=body.get("webhookUrl"),
        )
        return 201, call_json(call)

    answer = await idempotency.once(
        principal, request.headers.get("idempotency-key"), "POST /v1/calls", body, run
    )
    response = json_response(answer.body, status=answer.status)
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


LIST = Doc(
    "List calls, newest first", {200: page(CALL)}, errors=(400,), query=CALL_QUERY, auth="key"
)


async def list_(request: Request) -> Response:
    principal = v1_principal(request)
    only_query(request, ("limit", "offset", "status", "from", "to"))
    q = request.query_params
    page = await calls.list_calls(
        principal,
        **page_query(request),
        status=q.get("status"),
        date_from=q.get("from"),
        date_to=q.get("to"),
    )
    return json_response(page_json(page, call_json))


GET = Doc("A call", {200: CALL}, auth="key")


async def get(request: Request) -> Response:
    call = await calls.get_call(v1_principal(request), request.path_params["call_id"])
    return json_response(call_json(call))


TRANSFER = Doc(
    "Transfer an in-progress call to a human",
    {200: CALL},
    errors=(400, 409),
    body=inp({"to": STR, "message": STR}, ("to",)),
    auth="key",
)


async def transfer(request: Request) -> Response:
    principal = v1_principal(request)
    body = await json_body(request)
    call = await calls.transfer_call(
        principal, request.path_params["call_id"], to=body.get("to"), message=body.get("message")
    )
    return json_response(call_json(call))


HANGUP = Doc("End a call", {200: CALL}, errors=(400, 409), auth="key")


async def hangup(request: Request) -> Response:
    principal = v1_principal(request)
    await json_body(request, required=False)
    call = await calls.hangup_call(principal, request.path_params["call_id"])
    return json_response(call_json(call))


routes: list[BaseRoute] = [
    DocRoute("/calls", create, post=CREATE),
    DocRoute("/calls", list_, get=LIST),
    DocRoute("/calls/{call_id}", get, get=GET),
    DocRoute("/calls/{call_id}/transfer", transfer, post=TRANSFER),
    DocRoute("/calls/{call_id}/hangup", hangup, post=HANGUP),
]
