"""GraphQL for voice agents and the tenant's phone numbers: the same operations as /v1/agents
and /v1/phone-numbers."""

from datetime import datetime
from typing import Annotated, Any

import strawberry

from models.agent import Agent as AgentModel
from models.agent import PhoneNumber as PhoneNumberModel
from resolvers import agents
from schema.context import Info
from schema.pagination import page_of
from schema.tenants import TenantIdArg

LimitArg = Annotated[int, strawberry.argument(description="Page size, 1 to 100.")]
OffsetArg = Annotated[int, strawberry.argument(description="Items to skip.")]
AgentIdArg = Annotated[
    strawberry.ID,
    strawberry.argument(
        description="The agent's id (its slug, e.g. agent_support_fr). Another tenant's is resource_not_found."
    ),
]


@strawberry.type(description="A question the agent answers with a fixed answer.")
class FaqEntry:
    question: str = strawberry.field(description="The question.")
    answer: str = strawberry.field(description="The answer the agent gives.")


@strawberry.type(description="A voice agent: persona, language, instructions and tools.")
class Agent:
    id: strawberry.ID = strawberry.field(
        description="The agent's id, a slug unique within the tenant (agent_support_fr)."
    )
    name: str = strawberry.field(description="Display name.")
    language: str = strawberry.field(description="fr, en, es, ar or ary.")
    persona: str = strawberry.field(description="Persona template name.")
    instructions: str = strawberry.field(
        description="System instructions (the persona's default when none were set)."
    )
    greeting: str = strawberry.field(
        description="First sentence (the persona's default when none was set)."
    )
    voice: str = strawberry.field(description="TTS voice name; empty for the language default.")
    tools: list[str] = strawberry.field(description="Functions the agent may call.")
    faq: list[FaqEntry] = strawberry.field(description="Fixed questions and answers.")
    transfer_number: str | None = strawberry.field(
        description="E.164 number transfer_call hands callers to."
    )
    max_duration: int = strawberry.field(description="Longest call, in seconds (10-7200).")
    enabled: bool = strawberry.field(description="Disabled agents take no calls.")
    created_at: datetime = strawberry.field(description="Creation time (UTC).")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")

    @classmethod
    def from_model(cls, a: AgentModel) -> "Agent":
        return cls(
            id=strawberry.ID(a.agent_id),
            name=a.name,
            language=a.language,
            persona=a.persona,
            instructions=agents.default_instructions(a),
            greeting=agents.default_greeting(a),
            voice=a.voice,
            tools=list(a.tools),
            faq=[FaqEntry(question=f["question"], answer=f["answer"]) for f in a.faq],
            transfer_number=a.transfer_number,
            max_duration=a.max_duration,
            enabled=a.enabled,
            created_at=a.created_at,
            updated_at=a.updated_at,
        )


@strawberry.type(description="A page of agents, oldest first.")
class AgentPage:
    items: list[Agent] = strawberry.field(description="The agents of this page.")
    total: int = strawberry.field(description="All of the tenant's agents.")
    limit: int = strawberry.field(description="Page size (1-100).")
    offset: int = strawberry.field(description="Agents skipped.")


@strawberry.type(
    description="A phone number of the tenant, used as caller id and for inbound calls."
)
class PhoneNumber:
    id: strawberry.ID = strawberry.field(description="The number's id (pn_...).")
    number: str = strawberry.field(description="E.164 number.")
    label: str = strawberry.field(description="A label.")
    is_default: bool = strawberry.field(description="The caller id when a call names none.")
    carrier: str = strawberry.field(description="simulated or twilio.")
    created_at: datetime = strawberry.field(description="When it was added (UTC).")

    @classmethod
    def from_model(cls, n: PhoneNumberModel) -> "PhoneNumber":
        return cls(
            id=strawberry.ID(n.id),
            number=n.number,
            label=n.label,
            is_default=n.is_default,
            carrier=n.carrier,
            created_at=n.created_at,
        )


@strawberry.type(description="A page of phone numbers, oldest first.")
class PhoneNumberPage:
    items: list[PhoneNumber] = strawberry.field(description="The numbers of this page.")
    total: int = strawberry.field(description="All of the tenant's numbers.")
    limit: int = strawberry.field(description="Page size (1-100).")
    offset: int = strawberry.field(description="Numbers skipped.")


@strawberry.type(description="What a delete removed.")
class Deletion:
    id: strawberry.ID = strawberry.field(description="The id of the deleted object.")
    deleted: bool = strawberry.field(description="Always true.")


@strawberry.input(description="A fixed question and its answer.")
class FaqEntryInput:
    question: str = strawberry.field(description="The question (at most 500 characters).")
    answer: str = strawberry.field(description="The answer (at most 2,000 characters).")


# GraphQL name -> the resolver's (and REST's) field name.
_AGENT_FIELDS = {
    "id": "id",
    "name": "name",
    "language": "language",
    "persona": "persona",
    "instructions": "instructions",
    "greeting": "greeting",
    "voice": "voice",
    "tools": "tools",
    "faq": "faq",
    "transfer_number": "transferNumber",
    "max_duration": "maxDuration",
    "enabled": "enabled",
}


def _given(obj: object) -> dict[str, Any]:
    """The fields a client sent (null included), under the resolver's names."""
    out: dict[str, Any] = {}
    for attr, api in _AGENT_FIELDS.items():
        value = getattr(obj, attr, strawberry.UNSET)
        if value is strawberry.UNSET:
            continue
        if attr == "faq" and value is not None:
            value = [{"question": f.question, "answer": f.answer} for f in value]
        out[api] = value
    return out


@strawberry.input(description="A new agent; omitted fields take their defaults.")
class CreateAgentInput:
    name: str = strawberry.field(description="Display name (required).")
    id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="1-64 letters, digits, _ or -; generated (agent_...) when omitted.",
    )
    language: str | None = strawberry.field(
        default=strawberry.UNSET, description="fr (default), en, es, ar or ary."
    )
    persona: str | None = strawberry.field(
        default=strawberry.UNSET, description="Persona template; small_business by default."
    )
    instructions: str | None = strawberry.field(
        default=strawberry.UNSET, description="System instructions (at most 20,000 characters)."
    )
    greeting: str | None = strawberry.field(
        default=strawberry.UNSET, description="First sentence (at most 500 characters)."
    )
    voice: str | None = strawberry.field(default=strawberry.UNSET, description="TTS voice name.")
    tools: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Functions the agent may call; all by default."
    )
    faq: list[FaqEntryInput] | None = strawberry.field(
        default=strawberry.UNSET, description="At most 200 fixed questions and answers."
    )
    transfer_number: str | None = strawberry.field(
        default=strawberry.UNSET, description="E.164 number for transfer_call."
    )
    max_duration: int | None = strawberry.field(
        default=strawberry.UNSET, description="Longest call in seconds, 10 to 7200 (600)."
    )
    enabled: bool | None = strawberry.field(
        default=strawberry.UNSET, description="False to refuse calls (true by default)."
    )


@strawberry.input(description="Agent settings to change; omitted fields keep their value.")
class UpdateAgentInput:
    name: str | None = strawberry.field(default=strawberry.UNSET, description="Display name.")
    language: str | None = strawberry.field(
        default=strawberry.UNSET, description="fr, en, es, ar or ary."
    )
    persona: str | None = strawberry.field(
        default=strawberry.UNSET, description="Persona template name."
    )
    instructions: str | None = strawberry.field(
        default=strawberry.UNSET, description="System instructions; null for the persona's."
    )
    greeting: str | None = strawberry.field(
        default=strawberry.UNSET, description="First sentence; null for the persona's."
    )
    voice: str | None = strawberry.field(default=strawberry.UNSET, description="TTS voice name.")
    tools: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Functions the agent may call."
    )
    faq: list[FaqEntryInput] | None = strawberry.field(
        default=strawberry.UNSET, description="The complete new FAQ."
    )
    transfer_number: str | None = strawberry.field(
        default=strawberry.UNSET, description="E.164 number for transfer_call; null for none."
    )
    max_duration: int | None = strawberry.field(
        default=strawberry.UNSET, description="Longest call in seconds, 10 to 7200."
    )
    enabled: bool | None = strawberry.field(
        default=strawberry.UNSET, description="False to refuse calls."
    )


@strawberry.input(description="A phone number to add to the tenant.")
class AddPhoneNumberInput:
    number: str = strawberry.field(description="E.164 number; a number belongs to one tenant.")
    label: str | None = strawberry.field(default=strawberry.UNSET, description="A label.")
    carrier: str | None = strawberry.field(
        default=strawberry.UNSET, description="simulated (default) or twilio."
    )
    is_default: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Make it the default caller id (the first number always is).",
    )

    def to_data(self) -> dict[str, Any]:
        names = {"number": "number", "label": "label", "carrier": "carrier"}
        out = {
            api: getattr(self, a)
            for a, api in names.items()
            if getattr(self, a) is not strawberry.UNSET
        }
        if self.is_default is not strawberry.UNSET:
            out["isDefault"] = self.is_default
        return out


@strawberry.type
class AgentQuery:
    @strawberry.field(
        description="The tenant's agents, oldest first. Errors: invalid_request, resource_not_found."
    )
    async def agents(
        self, info: Info, limit: LimitArg = 20, offset: OffsetArg = 0, tenant_id: TenantIdArg = None
    ) -> AgentPage:
        page = await agents.list_agents(
            info.context.caller(), limit=limit, offset=offset, tenant_id=tenant_id
        )
        return page_of(AgentPage, page, Agent.from_model)

    @strawberry.field(description="One agent. Errors: resource_not_found.")
    async def agent(self, info: Info, id: AgentIdArg, tenant_id: TenantIdArg = None) -> Agent:
        return Agent.from_model(await agents.get_agent(info.context.caller(), str(id), tenant_id))

    @strawberry.field(
        description="The tenant's phone numbers, oldest first. Errors: invalid_request, resource_not_found."
    )
    async def phone_numbers(
        self,
        info: Info,
        limit: LimitArg = 100,
        offset: OffsetArg = 0,
        tenant_id: TenantIdArg = None,
    ) -> PhoneNumberPage:
        page = await agents.page_phone_numbers(
            info.context.caller(), limit=limit, offset=offset, tenant_id=tenant_id
        )
        return page_of(PhoneNumberPage, page, PhoneNumber.from_model)


@strawberry.type
class AgentMutation:
    @strawberry.mutation(
        description="Create an agent. Errors: invalid_request, invalid_phone_number, conflict (duplicate id), insufficient_permissions."
    )
    async def create_agent(
        self,
        info: Info,
        input: Annotated[CreateAgentInput, strawberry.argument(description="The new agent.")],
        tenant_id: TenantIdArg = None,
    ) -> Agent:
        data = _given(input)
        if data.get("id") is not None:
            data["id"] = str(data["id"])
        return Agent.from_model(await agents.create_agent(info.context.caller(), data, tenant_id))

    @strawberry.mutation(
        description="Change an agent. Errors: resource_not_found, invalid_request, invalid_phone_number, insufficient_permissions."
    )
    async def update_agent(
        self,
        info: Info,
        id: AgentIdArg,
        input: Annotated[UpdateAgentInput, strawberry.argument(description="What to change.")],
        tenant_id: TenantIdArg = None,
    ) -> Agent:
        return Agent.from_model(
            await agents.update_agent(info.context.caller(), str(id), _given(input), tenant_id)
        )

    @strawberry.mutation(
        description="Delete an agent; its calls keep their agentId. Errors: resource_not_found, insufficient_permissions."
    )
    async def delete_agent(
        self, info: Info, id: AgentIdArg, tenant_id: TenantIdArg = None
    ) -> Deletion:
        await agents.delete_agent(info.context.caller(), str(id), tenant_id)
        return Deletion(id=id, deleted=True)

    @strawberry.mutation(
        description="Add a phone number. Errors: invalid_phone_number, conflict (already registered), invalid_request, insufficient_permissions."
    )
    async def add_phone_number(
        self,
        info: Info,
        input: Annotated[AddPhoneNumberInput, strawberry.argument(description="The number.")],
        tenant_id: TenantIdArg = None,
    ) -> PhoneNumber:
        row = await agents.add_phone_number(info.context.caller(), input.to_data(), tenant_id)
        return PhoneNumber.from_model(row)

    @strawberry.mutation(
        description="Remove a phone number; the oldest remaining one becomes the default. Errors: resource_not_found, insufficient_permissions."
    )
    async def remove_phone_number(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The number's id (pn_...).")],
        tenant_id: TenantIdArg = None,
    ) -> Deletion:
        await agents.remove_phone_number(info.context.caller(), str(id), tenant_id)
        return Deletion(id=id, deleted=True)
