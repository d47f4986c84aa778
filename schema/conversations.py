"""GraphQL for conversations: every call, voice session and text conversation of a tenant,
a text turn with an agent (what POST /respond does), and the live events of text
conversations."""

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from resolvers import conversation_events, conversations, history
from schema.agents import LimitArg, OffsetArg
from schema.context import Info
from schema.pagination import page_of
from schema.subscriptions import context_free, deliver, shared_root
from schema.tenants import TenantIdArg


@strawberry.type(description="A call, a voice session or a text conversation.")
class ConversationSummary:
    id: strawberry.ID = strawberry.field(description="call_... or conv_...")
    channel: str = strawberry.field(
        description="phone (a phone call), voice (the widget or /v1/stream) or text (/respond)."
    )
    agent_id: str = strawberry.field(description="The agent that answered.")
    language: str = strawberry.field(description="fr, en, es, ar or ary.")
    status: str = strawberry.field(
        description="A call's status; a text conversation is active or ended."
    )
    started_at: datetime = strawberry.field(description="When it began.")
    ended_at: datetime | None = strawberry.field(description="When it ended, if it has.")
    messages: int = strawberry.field(description="Lines of its transcript.")
    lead_score: int | None = strawberry.field(description="The lead's BANT score, 0-100.")
    phone: str | None = strawberry.field(description="The other party's number (phone calls).")


@strawberry.type(description="A conversation with its transcript and the agent's tool calls.")
class ConversationDetail(ConversationSummary):
    transcript: JSON = strawberry.field(description="[{role, content, ...}] in order.")
    tool_calls: JSON = strawberry.field(description="[{id, name, arguments, result, at}].")


def _summary(v: history.ConversationView) -> ConversationSummary:
    return ConversationSummary(
        id=strawberry.ID(v.id),
        channel=v.channel,
        agent_id=v.agent_id,
        language=v.language,
        status=v.status,
        started_at=v.started_at,
        ended_at=v.ended_at,
        messages=v.messages,
        lead_score=v.lead_score,
        phone=v.phone,
    )


@strawberry.type(description="A page of conversations, newest first.")
class ConversationPage:
    items: list[ConversationSummary] = strawberry.field(description="This page's.")
    total: int = strawberry.field(description="All conversations matching the filters.")
    limit: int = strawberry.field(description="Page size (1-100).")
    offset: int = strawberry.field(description="Conversations skipped (at most 10,000).")


@strawberry.type(description="What the agent did in a turn.")
class AgentAction:
    id: strawberry.ID = strawberry.field(description="fc_...")
    type: str = strawberry.field(description="The tool: create_booking, qualify_lead, ...")
    arguments: JSON = strawberry.field(description="What the agent passed.")
    result: JSON = strawberry.field(description="What the tool answered.")


@strawberry.type(description="The lead of a conversation as it stands.")
class LeadState:
    score: int = strawberry.field(description="BANT score, 0-100.")
    status: str = strawberry.field(description="cold (< 40), warm (< 70) or hot.")


@strawberry.type(description="The agent's answer to a text turn.")
class AgentReply:
    response: str = strawberry.field(description="What the agent says.")
    session_id: strawberry.ID = strawberry.field(description="conv_...: send it with the next.")
    language: str = strawberry.field(description="The language it answered in.")
    agent_id: str = strawberry.field(description="The agent that answered.")
    lead: LeadState = strawberry.field(description="The conversation's lead.")
    actions: list[AgentAction] = strawberry.field(description="Tools it ran this turn.")
    ended: bool = strawberry.field(description="Whether the agent ended the conversation.")


@strawberry.type(description="A live event of a text conversation.")
class ConversationEvent:
    id: strawberry.ID = strawberry.field(description="evt_...")
    type: str = strawberry.field(
        description="conversation.message (an answered turn), booking.created or lead.qualified."
    )
    conversation_id: strawberry.ID = strawberry.field(description="conv_...")
    timestamp: str = strawberry.field(description="When it happened (ISO 8601, UTC).")
    data: JSON = strawberry.field(description="The turn, or the webhook's data.")

    @classmethod
    def from_event(cls, e: dict[str, Any]) -> "ConversationEvent":
        return cls(
            id=strawberry.ID(str(e["id"])),
            type=str(e["type"]),
            conversation_id=strawberry.ID(str(e["conversationId"])),
            timestamp=str(e["timestamp"]),
            data=e.get("data", {}),
        )


context_free(ConversationEvent)

Optional = Annotated[str | None, strawberry.argument(description="Only these; all when omitted.")]
Flag = Annotated[
    bool | None, strawberry.argument(description="true: only with one; false: only without.")
]


@strawberry.type
class ConversationQuery:
    @strawberry.field(
        description="Calls, voice sessions and text conversations, newest first. Errors: invalid_request, resource_not_found, insufficient_permissions."
    )
    async def conversations(
        self,
        info: Info,
        tenant_id: TenantIdArg = None,
        channel: Optional = None,
        language: Optional = None,
        date_from: Annotated[
            str | None, strawberry.argument(name="from", description="ISO 8601 date or time.")
        ] = None,
        date_to: Annotated[
            str | None, strawberry.argument(name="to", description="ISO 8601 date (included).")
        ] = None,
        has_booking: Flag = None,
        has_lead: Flag = None,
        limit: LimitArg = 20,
        offset: OffsetArg = 0,
    ) -> ConversationPage:
        f = history.filters(
            channel=channel,
            language=language,
            date_from=date_from,
            date_to=date_to,
            has_booking=has_booking,
            has_lead=has_lead,
        )
        found = await history.list_conversations(
            info.context.caller(), f, limit=limit, offset=offset, tenant_id=tenant_id
        )
        return page_of(ConversationPage, found, _summary)

    @strawberry.field(
        description="One conversation with its transcript and tool calls. Errors: resource_not_found, insufficient_permissions."
    )
    async def conversation(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="call_... or conv_...; another tenant's is not found."),
        ],
        tenant_id: TenantIdArg = None,
    ) -> ConversationDetail:
        v = await history.get_conversation(info.context.caller(), str(id), tenant_id)
        base = _summary(v)
        return ConversationDetail(
            **{k: getattr(base, k) for k in ConversationSummary.__annotations__},
            transcript=cast(JSON, v.transcript),
            tool_calls=cast(JSON, v.tool_calls),
        )


@strawberry.type
class ConversationMutation:
    @strawberry.mutation(
        description="A text turn with an agent, as POST /respond (API keys only). Errors: invalid_api_key, invalid_request, resource_not_found, conflict, agent_not_configured, quota_exceeded."
    )
    async def respond(
        self,
        info: Info,
        message: Annotated[str, strawberry.argument(description="What the visitor wrote.")],
        session_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="conv_... to go on; a new conversation without."),
        ] = None,
        language: Annotated[
            str | None, strawberry.argument(description="fr, en, es, ar or ary; detected if not.")
        ] = None,
        agent_id: Annotated[
            str | None, strawberry.argument(description="The agent; the tenant's first if not.")
        ] = None,
        tenant_id: TenantIdArg = None,
    ) -> AgentReply:
        body: dict[str, Any] = {"message": message}
        for key, value in (
            ("session_id", session_id),
            ("language", language),
            ("agentId", agent_id),
            ("tenant_id", tenant_id),
        ):
            if value is not None:
                body[key] = str(value)
        result = await conversations.respond(info.context.caller(), body)
        conv, reply = result.conversation, result.reply
        return AgentReply(
            response=reply.text,
            session_id=strawberry.ID(conv.id),
            language=conv.language,
            agent_id=conv.agent_id,
            lead=LeadState(score=result.lead_score, status=result.lead_status),
            actions=[
                AgentAction(
                    id=strawberry.ID(a["id"]),
                    type=a["name"],
                    arguments=a["arguments"],
                    result=a["result"],
                )
                for a in reply.actions
            ],
            ended=conv.ended_at is not None,
        )


@strawberry.type
class ConversationSubscription:
    @strawberry.subscription(
        description="Live events of the tenant's text conversations (never another's). Errors: resource_not_found, insufficient_permissions."
    )
    async def conversation_events(
        self, info: Info, tenant_id: TenantIdArg = None
    ) -> AsyncGenerator[ConversationEvent, None]:
        source = conversation_events.conversation_events(info.context.caller(), tenant_id)
        try:
            async for event in source:
                root = shared_root(event, ConversationEvent.from_event)
                if not await deliver(root):
                    yield root
        finally:
            await source.aclose()
