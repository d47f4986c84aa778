"""/v1/agents and /v1/phone-numbers (secret keys)."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from models.agent import Agent, PhoneNumber
from resolvers import agents
from rest_compat.http import iso, json_body, json_response, only_query
from rest_compat.v1_calls import _int, v1_principal


def agent_json(agent: Agent) -> dict[str, Any]:
    return {
        "id": agent.agent_id,
        "name": agent.name,
        "language": agent.language,
        "persona": agent.persona,
        "instructions": agents.default_instructions(agent),
        "greeting": agents.default_greeting(agent),
        "voice": agent.voice,
        "tools": list(agent.tools),
        "faq": list(agent.faq),
        "transferNumber": agent.transfer_number,
        "maxDuration": agent.max_duration,
        "enabled": agent.enabled,
        "createdAt": iso(agent.created_at),
        "updatedAt": iso(agent.updated_at),
    }


def number_json(row: PhoneNumber) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "label": row.label,
        "isDefault": row.is_default,
        "carrier": row.carrier,
        "createdAt": iso(row.created_at),
    }


async def agents_collection(request: Request) -> Response:
    principal = v1_principal(request)
    if request.method == "POST":
        agent = await agents.create_agent(principal, await json_body(request))
        return json_response(agent_json(agent), status=201)
    only_query(request, ("limit", "offset"))
    page = await agents.list_agents(
        principal, limit=_int(request, "limit", 20), offset=_int(request, "offset", 0)
    )
    return json_response(
        {
            "data": [agent_json(a) for a in page.items],
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
        }
    )


async def agent_item(request: Request) -> Response:
    principal = v1_principal(request)
    agent_id = request.path_params["agent_id"]
    if request.method == "GET":
        return json_response(agent_json(await agents.get_agent(principal, agent_id)))
    if request.method == "PATCH":
        return json_response(
            agent_json(await agents.update_agent(principal, agent_id, await json_body(request)))
        )
    await agents.delete_agent(principal, agent_id)
    return json_response({"id": agent_id, "deleted": True})


async def numbers_collection(request: Request) -> Response:
    principal = v1_principal(request)
    if request.method == "POST":
        row = await agents.add_phone_number(principal, await json_body(request))
        return json_response(number_json(row), status=201)
    only_query(request, ())
    rows = await agents.list_phone_numbers(principal)
    return json_response({"data": [number_json(r) for r in rows], "total": len(rows)})


async def number_item(request: Request) -> Response:
    principal = v1_principal(request)
    number_id = request.path_params["number_id"]
    await agents.remove_phone_number(principal, number_id)
    return json_response({"id": number_id, "deleted": True})


routes: list[BaseRoute] = [
    Route("/agents", agents_collection, methods=["GET", "POST"]),
    Route("/agents/{agent_id}", agent_item, methods=["GET", "PATCH", "DELETE"]),
    Route("/phone-numbers", numbers_collection, methods=["GET", "POST"]),
    Route("/phone-numbers/{number_id}", number_item, methods=["DELETE"]),
]
