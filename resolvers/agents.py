"""Voice agents (/v1/agents and GraphQL) and the tenant's phone numbers."""

import re
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.agent import Agent, PhoneNumber
from models.base import new_id
from resolvers import audit, validation
from resolvers.carriers import CarrierName
from resolvers.errors import DomainError, ErrorCode, conflict, invalid
from resolvers.pagination import Page, paginate
from resolvers.personas import PERSONA_NAMES, PERSONAS
from resolvers.principals import (
    Principal,
    get_owned,
    get_tenant,
    require_secret,
    require_writer,
)

TOOLS = (
    "transfer_call",
    "create_booking",
    "qualify_lead",
    "search_knowledge_base",
    "schedule_callback",
    "end_call",
)
_AGENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
CARRIERS: tuple[CarrierName, ...] = ("simulated", "twilio")  # a phone number's


def _fields(data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if creating or "name" in data:
        out["name"] = validation.text(data.get("name"), "name", max_len=200, required=True)
    if "language" in data or creating:
        out["language"] = validation.language(data.get("language", "fr"))
    if "persona" in data or creating:
        out["persona"] = validation.choice(
            data.get("persona", "small_business"), "persona", PERSONA_NAMES
        )
    if "instructions" in data:
        out["instructions"] = (
            validation.text(data["instructions"], "instructions", max_len=20_000) or ""
        )
    if "greeting" in data:
        out["greeting"] = validation.text(data["greeting"], "greeting", max_len=500) or ""
    if "voice" in data:
        out["voice"] = validation.text(data["voice"], "voice", max_len=64) or ""
    if "tools" in data:
        tools = data["tools"]
        if not isinstance(tools, list) or any(t not in TOOLS for t in tools):
            raise invalid(f"tools must be a list of: {', '.join(TOOLS)}", param="tools")
        out["tools"] = list(dict.fromkeys(tools))
    elif creating:
        out["tools"] = list(TOOLS)
    if "transferNumber" in data:
        value = data["transferNumber"]
        out["transfer_number"] = None if value is None else validation.e164(value, "transferNumber")
    if "maxDuration" in data:
        value = data["maxDuration"]
        if not isinstance(value, int) or isinstance(value, bool) or not 10 <= value <= 7200:
            raise invalid(
                "maxDuration must be an integer number of seconds from 10 to 7200",
                param="maxDuration",
            )
        out["max_duration"] = value
    if "enabled" in data:
        out["enabled"] = validation.boolean(data["enabled"], "enabled")
    if "faq" in data:
        out["faq"] = _faq(data["faq"])
    return out


def _faq(value: object) -> list[dict[str, str]]:
    if not isinstance(value, list) or len(value) > 200:
        raise invalid("faq must be a list of at most 200 {question, answer} objects", param="faq")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise invalid("each faq entry must be an object", param=f"faq[{i}]")
        q = validation.text(item.get("question"), f"faq[{i}].question", max_len=500, required=True)
        a = validation.text(item.get("answer"), f"faq[{i}].answer", max_len=2000, required=True)
        out.append({"question": q or "", "answer": a or ""})
    return out


def default_greeting(agent: Agent) -> str:
    persona = PERSONAS.get(agent.persona) or PERSONAS["small_business"]
    return agent.greeting or persona.greeting.get(agent.language, persona.greeting["fr"])


def default_instructions(agent: Agent) -> str:
    persona = PERSONAS.get(agent.persona) or PERSONAS["small_business"]
    return agent.instructions or persona.instructions.get(
        agent.language, persona.instructions["fr"]
    )


async def create_agent(
    principal: Principal | None, data: dict[str, Any], tenant_id: str | None = None
) -> Agent:
    """Raises invalid_request, conflict (duplicate id), insufficient_permissions."""
    p = require_writer(principal, "agents")
    tenant = await get_tenant(p, tenant_id)
    agent_id = data.get("id")
    if agent_id is None:
        agent_id = new_id("agent")
    elif not isinstance(agent_id, str) or not _AGENT_ID.match(agent_id):
        raise invalid("id must be 1-64 letters, digits, _ or -, e.g. agent_support_fr", param="id")
    values = _fields(data, creating=True)
    if await Agent.filter(tenant_id=tenant.id, agent_id=agent_id).exists():
        raise conflict(f"an agent {agent_id!r} already exists", param="id")
    try:
        async with in_transaction():
            agent = await Agent.create(tenant=tenant, agent_id=agent_id, **values)
            await audit.record(tenant.id, "agent.created", principal=p, target=agent_id)
    except IntegrityError as exc:
        raise conflict(f"an agent {agent_id!r} already exists", param="id") from exc
    return agent


async def get_agent(
    principal: Principal | None, agent_id: object, tenant_id: str | None = None
) -> Agent:
    """Raises resource_not_found for an unknown agent or another tenant's."""
    tenant = await get_tenant(require_secret(principal), tenant_id)
    return await get_owned(Agent, tenant.id, "agent", agent_id, field="agent_id")


async def list_agents(
    principal: Principal | None, *, limit: int = 20, offset: int = 0, tenant_id: str | None = None
) -> Page[Agent]:
    """Oldest first. Raises invalid_request (limit 1-100, offset >= 0), resource_not_found."""
    tenant = await get_tenant(require_secret(principal), tenant_id)
    return await paginate(Agent.filter(tenant_id=tenant.id), limit, offset, "created_at", "pk_id")


async def update_agent(
    principal: Principal | None,
    agent_id: object,
    data: dict[str, Any],
    tenant_id: str | None = None,
) -> Agent:
    p = require_writer(principal, "agents")
    agent = await get_agent(p, agent_id, tenant_id)
    if "id" in data and data["id"] != agent.agent_id:
        raise invalid("an agent's id cannot change", param="id")
    values = _fields(data, creating=False)
    async with in_transaction():
        for key, value in values.items():
            setattr(agent, key, value)
        await agent.save()
        await audit.record(
            agent.tenant_id,
            "agent.updated",
            principal=p,
            target=agent.agent_id,
            data={"fields": sorted(values)},
        )
    return agent


async def delete_agent(
    principal: Principal | None, agent_id: object, tenant_id: str | None = None
) -> None:
    p = require_writer(principal, "agents")
    agent = await get_agent(p, agent_id, tenant_id)
    async with in_transaction():
        await agent.delete()
        await audit.record(agent.tenant_id, "agent.deleted", principal=p, target=agent.agent_id)


async def agent_for_call(tenant_id: str, agent_id: object) -> Agent:
    """The agent a call or stream will use. Raises agent_not_configured (unknown or disabled)."""
    if not isinstance(agent_id, str) or not agent_id:
        raise DomainError(ErrorCode.INVALID_REQUEST, "agentId is required", param="agentId")
    agent = await Agent.get_or_none(
        tenant_id=tenant_id, agent_id=validation.storable(agent_id, "agentId")
    )
    # Another tenant's agent gets the same answer as one that exists nowhere.
    if agent is None:
        raise DomainError(
            ErrorCode.AGENT_NOT_CONFIGURED,
            f"agent {agent_id!r} does not exist for this tenant: create it with POST /v1/agents"
            " (or GraphQL createAgent); GET /v1/agents lists the tenant's agents",
            param="agentId",
        )
    if not agent.enabled:
        raise DomainError(
            ErrorCode.AGENT_NOT_CONFIGURED,
            f"agent {agent_id!r} is disabled: enable it with PATCH /v1/agents/{agent.agent_id}"
            ' {"enabled": true} (or GraphQL updateAgent)',
            param="agentId",
        )
    return agent


# --- phone numbers --------------------------------------------------------------------


async def add_phone_number(
    principal: Principal | None, data: dict[str, Any], tenant_id: str | None = None
) -> PhoneNumber:
    """Raises invalid_phone_number, conflict (the tenant already has this number),
    invalid_request. Another tenant's numbers are never looked at."""
    p = require_writer(principal, "agents")
    tenant = await get_tenant(p, tenant_id)
    number = validation.e164(data.get("number"), "number")
    label = validation.text(data.get("label"), "label", max_len=100) or ""
    carrier = validation.choice(data.get("carrier", "simulated"), "carrier", CARRIERS)
    is_default = validation.boolean(data.get("isDefault", False), "isDefault")
    if await PhoneNumber.filter(tenant_id=tenant.id, number=number).exists():
        raise conflict("this tenant already has this number", param="number")
    try:
        async with in_transaction():
            if is_default:
                await PhoneNumber.filter(tenant_id=tenant.id).update(is_default=False)
            elif not await PhoneNumber.filter(tenant_id=tenant.id).exists():
                is_default = True
            row = await PhoneNumber.create(
                id=new_id("pn"),
                tenant=tenant,
                number=number,
                label=label,
                carrier=carrier,
                is_default=is_default,
            )
            await audit.record(tenant.id, "phone_number.added", principal=p, target=number)
    except IntegrityError as exc:
        raise conflict("this tenant already has this number", param="number") from exc
    return row


async def list_phone_numbers(
    principal: Principal | None, tenant_id: str | None = None
) -> list[PhoneNumber]:
    tenant = await get_tenant(require_secret(principal), tenant_id)
    return list(await PhoneNumber.filter(tenant_id=tenant.id).order_by("created_at", "id"))


async def page_phone_numbers(
    principal: Principal | None,
    *,
    limit: int = validation.MAX_PAGE,
    offset: int = 0,
    tenant_id: str | None = None,
) -> Page[PhoneNumber]:
    """Oldest first. Raises invalid_request (limit 1-100, offset >= 0), resource_not_found."""
    tenant = await get_tenant(require_secret(principal), tenant_id)
    return await paginate(
        PhoneNumber.filter(tenant_id=tenant.id), limit, offset, "created_at", "id"
    )


async def remove_phone_number(
    principal: Principal | None, number_id: object, tenant_id: str | None = None
) -> None:
    p = require_writer(principal, "agents")
    tenant = await get_tenant(p, tenant_id)
    row = await get_owned(PhoneNumber, tenant.id, "phone number", number_id)
    async with in_transaction():
        await row.delete()
        if row.is_default:
            first = await PhoneNumber.filter(tenant_id=tenant.id).order_by("created_at").first()
            if first is not None:
                first.is_default = True
                await first.save(update_fields=["is_default", "updated_at"])
        await audit.record(tenant.id, "phone_number.removed", principal=p, target=row.number)


async def caller_id_for(tenant_id: str, requested: object) -> PhoneNumber | None:
    """`from` must be one of the tenant's numbers; without it, the tenant's default."""
    if requested is None:
        return await PhoneNumber.filter(tenant_id=tenant_id, is_default=True).first()
    number = validation.e164(requested, "from")
    row = await PhoneNumber.get_or_none(tenant_id=tenant_id, number=number)
    if row is None:
        raise invalid("from must be one of the tenant's phone numbers", param="from")
    return row
