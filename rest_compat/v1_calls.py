"""/v1/calls: the documented telephony API (secret keys)."""

from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from models.call import Call
from resolvers import calls, idempotency
from resolvers.errors import forbidden, invalid
from resolvers.principals import Principal, require_authenticated
from rest_compat.http import iso, json_body, json_response, only_query, principal_of


def v1_principal(conn: HTTPConnection) -> Principal:
    """/v1 takes a secret API key (vk_ or voc_sk_); a publishable key or a user token is refused."""
    p = require_authenticated(principal_of(conn))
    if p.kind not in ("tenant_key", "secret_key"):
        raise forbidden("the /v1 API needs a secret API key (voc_sk_... or vk_...)")
    return p


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


def _int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise invalid(f"{name} must be an integer", param=name) from exc


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


async def list_(request: Request) -> Response:
    principal = v1_principal(request)
    only_query(request, ("limit", "offset", "status", "from", "to"))
    q = request.query_params
    page = await calls.list_calls(
        principal,
        limit=_int(request, "limit", 20),
        offset=_int(request, "offset", 0),
        status=q.get("status"),
        date_from=q.get("from"),
        date_to=q.get("to"),
    )
    return json_response(
        {
            "data": [call_json(c) for c in page.items],
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
        }
    )


async def get(request: Request) -> Response:
    call = await calls.get_call(v1_principal(request), request.path_params["call_id"])
    return json_response(call_json(call))


async def transfer(request: Request) -> Response:
    principal = v1_principal(request)
    body = await json_body(request)
    call = await calls.transfer_call(
        principal, request.path_params["call_id"], to=body.get("to"), message=body.get("message")
    )
    return json_response(call_json(call))


async def hangup(request: Request) -> Response:
    principal = v1_principal(request)
    await json_body(request, required=False)
    call = await calls.hangup_call(principal, request.path_params["call_id"])
    return json_response(call_json(call))


routes: list[BaseRoute] = [
    Route("/calls", create, methods=["POST"]),
    Route("/calls", list_, methods=["GET"]),
    Route("/calls/{call_id}", get, methods=["GET"]),
    Route("/calls/{call_id}/transfer", transfer, methods=["POST"]),
    Route("/calls/{call_id}/hangup", hangup, methods=["POST"]),
]
