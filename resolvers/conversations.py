"""Text conversations with an agent (POST /respond, the widget's typed fallback): opened
under the plan's sessions quota, answered by the same brain as a voice call (the process's
``TextBrain``, which the realtime layer provides), their turns and tool calls recorded.

A conversation's turns are answered one at a time: a message that arrives while another of
the same conversation is being answered waits for it in this process, and one answered
meanwhile by another process is refused ``conflict`` (its tools' effects stay; the client
sends it again).
"""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from models.agent import Agent
from models.base import new_id
from models.booking import Lead
from models.conversation import Conversation
from models.tenant import Tenant
from resolvers import agents, conversation_events, services, usage, validation
from resolvers.errors import DomainError, ErrorCode, conflict, invalid
from resolvers.plans import plan_of
from resolvers.principals import Principal, get_owned, get_tenant, require_authenticated

MAX_MESSAGE = 2000  # characters of one message
MAX_TURNS = 200  # turns of one conversation; then a new one
MAX_TOOL_CALLS = 500
LANGUAGES = ("fr", "en", "es", "ar", "ary")
WARM, HOT = 40, 70  # lead score thresholds of the status /respond reports


@dataclass
class BrainReply:
    text: str
    language: str
    state: dict[str, Any]
    # [{id, name, arguments, result}] in order: what the agent did this turn.
    actions: list[dict[str, Any]] = field(default_factory=list)
    end: bool = False


class TextBrain(Protocol):
    """The agent answering text turns (realtime.text_agent: the voice engine's brain)."""

    def detect_language(self, text: str, fallback: str) -> str:
        """fr, en, es, ar or ary from the words; ``fallback`` when nothing tells."""
        ...

    async def reply(
        self, conversation: Conversation, agent: Agent, tenant: Tenant, text: str
    ) -> BrainReply:
        """Answer ``text`` in ``conversation.language``, running the agent's tools for the
        conversation. Raises DomainError (internal_error when the model failed)."""
        ...


@dataclass(frozen=True)
class TurnResult:
    conversation: Conversation
    reply: BrainReply
    lead_score: int
    lead_status: str
    created: bool


# Per conversation: the lock its turns take, and how many requests hold or wait for it.
_locks: dict[str, asyncio.Lock] = {}
_users: dict[str, int] = {}


def lead_status(score: int) -> str:
    return "hot" if score >= HOT else "warm" if score >= WARM else "cold"


def _caller(principal: Principal | None) -> Principal:
    p = require_authenticated(principal)
    if p.kind == "user":
        # Contract §1: /respond takes a key, as the stream does.
        raise DomainError(
            ErrorCode.INVALID_API_KEY,
            "/respond takes an API key, not a dashboard token: a secret key (server side) or"
            " a publishable key from one of the tenant's allowed origins (a widget)",
        )
    return p


async def _agent(tenant: Tenant, agent_id: object) -> Agent:
    """The named agent, or the tenant's only (or first enabled) one when none is named."""
    if agent_id is not None:
        return await agents.agent_for_call(tenant.id, agent_id)
    agent = await Agent.filter(tenant_id=tenant.id, enabled=True).order_by("created_at").first()
    if agent is None:
        raise DomainError(
            ErrorCode.AGENT_NOT_CONFIGURED,
            "this tenant has no enabled agent: create one with POST /v1/agents (or GraphQL"
            " createAgent), or name one with agentId",
            param="agentId",
        )
    return agent


async def _open(
    p: Principal, tenant: Tenant, session_id: object, agent_id: object, language: str | None
) -> tuple[Conversation, Agent, bool]:
    if session_id is not None:
        conv = await get_owned(
            Conversation, tenant.id, "conversation", session_id, param="session_id"
        )
        if conv.ended_at is not None:
            raise conflict(
                "the conversation has ended: send the message without session_id to start a new one"
            )
        if agent_id is not None and agent_id != conv.agent_id:
            raise invalid("agentId differs from the conversation's agent", param="agentId")
        return conv, await agents.agent_for_call(tenant.id, conv.agent_id), False
    agent = await _agent(tenant, agent_id)
    if p.mode == "live":
        limit = plan_of(tenant.plan).sessions_per_month
        if not await usage.try_consume(tenant.id, "sessions", limit):
            raise DomainError(
                ErrorCode.QUOTA_EXCEEDED,
                f"the {tenant.plan} plan's {limit} sessions this month are used up",
            )
    conv = await Conversation.create(
        id=new_id("conv"),
        tenant=tenant,
        agent_id=agent.agent_id,
        channel="text",
        mode=p.mode,
        language=language or agent.language,
    )
    return conv, agent, True


def _brain() -> TextBrain:
    brain = services.current().text_brain
    if brain is None:
        raise DomainError(ErrorCode.INTERNAL_ERROR, "no agent brain is running in this process")
    return brain


async def respond(principal: Principal | None, body: Mapping[str, Any]) -> TurnResult:
    """One text turn: ``{message, language?, tenant_id?, session_id?, agentId?}``. Raises
    invalid_api_key, invalid_request, resource_not_found (session or tenant), conflict (an
    ended conversation), agent_not_configured, quota_exceeded."""
    p = _caller(principal)
    message = validation.text(body.get("message"), "message", max_len=MAX_MESSAGE, required=True)
    tenant_id = body.get("tenant_id", body.get("tenantId"))
    if tenant_id is not None and not isinstance(tenant_id, str):
        raise invalid("tenant_id must be a string", param="tenant_id")
    tenant = await get_tenant(p, tenant_id)
    language = body.get("language")
    if language is not None:
        language = validation.choice(language, "language", LANGUAGES)
    session_id = body.get("session_id", body.get("sessionId"))
    agent_id = body.get("agentId", body.get("agent_id"))
    brain = _brain()
    conv, agent, created = await _open(p, tenant, session_id, agent_id, language)
    lock = _locks.setdefault(conv.id, asyncio.Lock())
    _users[conv.id] = _users.get(conv.id, 0) + 1
    try:
        async with lock:
            return await _turn(brain, conv, agent, tenant, message or "", language, created)
    finally:
        _users[conv.id] -= 1
        if not _users[conv.id]:
            del _users[conv.id], _locks[conv.id]


async def _turn(
    brain: TextBrain,
    conv: Conversation,
    agent: Agent,
    tenant: Tenant,
    message: str,
    language: str | None,
    created: bool,
) -> TurnResult:
    await conv.refresh_from_db()
    if conv.ended_at is not None:  # ended by the turn this one waited for
        raise conflict("the conversation has ended: send the message without session_id")
    if conv.turns >= MAX_TURNS:
        raise conflict(f"a conversation holds {MAX_TURNS} turns: start a new one")
    detected = brain.detect_language(message, conv.language)
    # Named or not, a Darija message is answered in Darija (the original product did so too).
    conv.language = "ary" if detected == "ary" else (language or detected)
    turns = conv.turns
    said_at = datetime.now(UTC)
    reply = await brain.reply(conv, agent, tenant, message)
    now = datetime.now(UTC)
    transcript = [
        *conv.transcript,
        {"role": "user", "content": message, "at": said_at.isoformat()},
        {"role": "assistant", "content": reply.text, "at": now.isoformat()},
    ]
    lead = await Lead.filter(conversation_id=conv.id).first()
    score = lead.score if lead is not None else 0
    tool_calls = [*conv.tool_calls, *({**a, "at": now.isoformat()} for a in reply.actions)]
    saved = await Conversation.filter(id=conv.id, turns=turns).update(
        transcript=transcript,
        tool_calls=tool_calls[:MAX_TOOL_CALLS],
        state=reply.state,
        language=conv.language,
        turns=turns + 1,
        lead_score=lead.score if lead is not None else None,
        last_message_at=now,
        ended_at=now if reply.end else None,
        updated_at=now,
    )
    if not saved:
        raise conflict("another message of this conversation was answered meanwhile: send it again")
    await conv.refresh_from_db()
    await conversation_events.publish(
        conv.tenant_id,
        conv.id,
        "conversation.message",
        {
            "agentId": conv.agent_id,
            "language": conv.language,
            "turn": conv.turns,
            "user": message,
            "agent": reply.text,
            "actions": [a["name"] for a in reply.actions],
            "leadScore": score,
            "ended": conv.ended_at is not None,
        },
    )
    return TurnResult(conv, reply, score, lead_status(score), created)
