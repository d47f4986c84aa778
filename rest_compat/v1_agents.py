"""/v1/agents and /v1/phone-numbers (secret keys)."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from models.agent import Agent, PhoneNumber
from resolvers import agents
from resolvers.validation import LANGUAGES
from rest_compat.http import iso, json_body, json_response, only_query, page_json, page_query
from rest_compat.schemas import (
    BOOL,
    DT,
    INT,
    LIMIT,
    NSTR,
    OFFSET,
    STR,
    Doc,
    DocRoute,
    array,
    component,
    enum,
    inp,
    out,
    page,
)
from rest_compat.v1_calls import v1_principal

AGENT = component(
    "Agent",
    out(
        {
            "id": STR,
            "name": STR,
            "language": enum(LANGUAGES),
            "persona": STR,
            "instructions": STR,
            "greeting": STR,
            "voice": STR,
            "tools": array(STR),
            "faq": array(inp({"question": STR, "answer": STR})),
            "transferNumber": NSTR,
            "maxDuration": INT,
            "enabled": BOOL,
            "createdAt": DT,
            "updatedAt": DT,
        }
    ),
)
PHONE_NUMBER = component(
    "PhoneNumber",
    out(
        {
            "id": STR,
            "number": STR,
            "label": STR,
            "isDefault": BOOL,
            "carrier": STR,
            "createdAt": DT,
        }
    ),
)
AGENT_INPUT = inp(
    {
        "id": STR,
        "name": STR,
        "language": enum(LANGUAGES),
        "persona": STR,
        "instructions": STR,
        "greeting": STR,
        "voice": STR,
        "tools": array(STR),
        "faq": array(inp({"question": STR, "answer": STR}, ("question", "answer"))),
        "transferNumber": NSTR,
        "maxDuration": {"type": "integer", "minimum": 10, "maximum": 7200},
        "enabled": BOOL,
    }
)
DELETED = out({"id": STR, "deleted": BOOL})


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


LIST_AGENTS = Doc(
    "List agents",
    {200: page(AGENT)},
    errors=(400,),
    query={"limit": LIMIT, "offset": OFFSET},
    auth="key",
)
CREATE_AGENT = Doc("Create an agent", {201: AGENT}, errors=(400, 409), body=AGENT_INPUT, auth="key")


async def agents_collection(request: Request) -> Response:
    principal = v1_principal(request)
    if request.method == "POST":
        agent = await agents.create_agent(principal, await json_body(request))
        return json_response(agent_json(agent), status=201)
    only_query(request, ("limit", "offset"))
    page = await agents.list_agents(principal, **page_query(request))
    return json_response(page_json(page, agent_json))


GET_AGENT = Doc("An agent", {200: AGENT}, auth="key")
UPDATE_AGENT = Doc("Change an agent", {200: AGENT}, errors=(400,), body=AGENT_INPUT, auth="key")
DELETE_AGENT = Doc("Delete an agent", {200: DELETED}, auth="key")


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


LIST_NUMBERS = Doc(
    "The tenant's phone numbers",
    {200: out({"data": array(PHONE_NUMBER), "total": INT})},
    errors=(400,),
    auth="key",
)
ADD_NUMBER = Doc(
    "Add a phone number",
    {201: PHONE_NUMBER},
    errors=(400, 409),
    body=inp(
        {
            "number": STR,
            "label": STR,
            "carrier": enum(agents.CARRIERS),
            "isDefault": BOOL,
        },
        ("number",),
    ),
    auth="key",
)


async def numbers_collection(request: Request) -> Response:
    principal = v1_principal(request)
    if request.method == "POST":
        row = await agents.add_phone_number(principal, await json_body(request))
        return json_response(number_json(row), status=201)
    only_query(request, ())
    rows = await agents.list_phone_numbers(principal)
    return json_response({"data": [number_json(r) for r in rows], "total": len(rows)})


REMOVE_NUMBER = Doc("Remove a phone number", {200: DELETED}, auth="key")


async def number_item(request: Request) -> Response:
    principal = v1_principal(request)
    number_id = request.path_params["number_id"]
    await agents.remove_phone_number(principal, number_id)
    return json_response({"id": number_id, "deleted": True})


routes: list[BaseRoute] = [
    DocRoute("/agents", agents_collection, get=LIST_AGENTS, post=CREATE_AGENT),
    DocRoute(
        "/agents/{agent_id}", agent_item, get=GET_AGENT, patch=UPDATE_AGENT, delete=DELETE_AGENT
    ),
    DocRoute("/phone-numbers", numbers_collection, get=LIST_NUMBERS, post=ADD_NUMBER),
    DocRoute("/phone-numbers/{number_id}", number_item, delete=REMOVE_NUMBER),
]
