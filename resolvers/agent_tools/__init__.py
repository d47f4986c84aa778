"""The agent's tools (contract §9) that touch the tenant's data: bookings, BANT leads,
callbacks and the knowledge base, for a call (voice, phone) or a text conversation.

``run_tool`` is what the voice session calls with the arguments a language model produced, so
nothing about them is trusted: every failure is a result ``{"error": "..."}`` worded so that
the model can correct itself or tell the caller, never an exception. Dates and times are local
to the tenant's time zone. Webhook events are written to the outbox in the transaction of the
row they announce and published on the bus after the commit, as call transitions are.
"""

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.agent import Agent
from models.base import new_id
from models.booking import Booking, Callback, Lead
from models.call import Call
from models.conversation import Conversation
from models.tenant import Tenant
from resolvers import calls, conversation_events, outbox, validation
from resolvers.agent_tools import arguments as check
from resolvers.agent_tools import knowledge
from resolvers.agent_tools.arguments import MAX_NOTES
from resolvers.errors import DomainError, invalid

log = logging.getLogger("vocalia.agent_tools")

MAX_QUERY = 200
# BANT points (contract §9); a lead at QUALIFIED or above emits lead.qualified, once.
BANT = {"need": 30, "timeline": 30, "budget": 20, "authority": 20}
QUALIFIED = 70
LEAD_FIELDS = (*BANT, "name", "email", "phone", "notes", "score", "qualified")


class ToolRefused(Exception):
    """A tool cannot run for this call (unknown, ended, not one of the agent's tools)."""


@dataclass(frozen=True)
class ToolContext:
    """What the tools act for: a call, or a text conversation (exactly one of them)."""

    tenant: Tenant
    agent: Agent | None
    zone: ZoneInfo
    now: datetime  # aware, UTC
    call: Call | None = None
    conversation: Conversation | None = None

    @property
    def subject(self) -> Call | Conversation:
        subject = self.call or self.conversation
        if subject is None:
            raise RuntimeError("a tool context needs a call or a conversation")
        return subject

    @property
    def links(self) -> dict[str, str | None]:
        """The columns that tie a booking, lead or callback to what made it."""
        return {"call_id": self.call_id, "conversation_id": self.conversation_id}

    @property
    def call_id(self) -> str | None:
        return self.call.id if self.call is not None else None

    @property
    def conversation_id(self) -> str | None:
        return self.conversation.id if self.conversation is not None else None

    @property
    def webhook_url(self) -> str | None:
        return self.call.webhook_url if self.call is not None else None

    def event_data(self, data: dict[str, Any]) -> dict[str, Any]:
        """A text conversation's events name it (calls' keep their documented shape)."""
        if self.conversation is not None:
            return {**data, "conversationId": self.conversation.id}
        return data

    async def publish(self, event_type: str, event_id: str, data: dict[str, Any]) -> None:
        if self.call is not None:
            await calls.publish(self.call, calls.bus_event(self.call, event_type, event_id, data))
            return
        conv = self.subject
        await conversation_events.publish(conv.tenant_id, conv.id, event_type, data, event_id)


async def run_tool(call_id: str, name: str, arguments: dict[str, object]) -> dict[str, object]:
    """Run one of the agent's data tools for the call's tenant. Never raises for bad input:
    the result is then ``{"error": message}``."""
    return await _run(call_id, name, arguments, _context)


async def run_conversation_tool(
    conversation_id: str, name: str, arguments: dict[str, object]
) -> dict[str, object]:
    """run_tool for a text conversation (POST /respond)."""
    return await _run(conversation_id, name, arguments, _conversation_context)


async def _run(
    subject_id: str,
    name: str,
    arguments: dict[str, object],
    context: Callable[[object, str], Awaitable["ToolContext"]],
) -> dict[str, object]:
    call_id = subject_id
    try:
        handler = HANDLERS.get(name) if isinstance(name, str) else None
        if handler is None:
            return {"error": f"unknown tool; this runner executes: {', '.join(HANDLERS)}"}
        args = _arguments(arguments)
        ctx = await context(subject_id, name)
        return await handler(ctx, args)
    except (DomainError, ToolRefused) as exc:
        return {"error": str(exc)}
    except Exception:
        log.exception("tool %r failed on call %r", name, call_id)
        return {"error": "the tool failed; tell the caller it could not be done right now"}


def _arguments(value: object) -> dict[str, Any]:
    # Some model adapters hand over the raw JSON text of the check.
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ToolRefused("arguments must be a JSON object") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ToolRefused("arguments must be a JSON object")
    return value


async def _context(call_id: object, name: str) -> ToolContext:
    if not isinstance(call_id, str) or not call_id or len(call_id) > 40 or "\x00" in call_id:
        raise ToolRefused("unknown call")
    call = await Call.get_or_none(id=call_id)
    if call is None:
        raise ToolRefused("unknown call")
    if call.status in calls.FINAL:
        raise ToolRefused("the call has ended; nothing was done")
    tenant = await Tenant.get(id=call.tenant_id)
    agent = await Agent.get_or_none(tenant_id=call.tenant_id, agent_id=call.agent_id)
    if agent is not None and name not in agent.tools:
        raise ToolRefused(f"this agent may not use {name}")
    return ToolContext(tenant, agent, check.tenant_zone(tenant), datetime.now(UTC), call=call)


async def _conversation_context(conversation_id: object, name: str) -> ToolContext:
    if not isinstance(conversation_id, str) or not conversation_id or len(conversation_id) > 40:
        raise ToolRefused("unknown conversation")
    conv = await Conversation.get_or_none(id=conversation_id)
    if conv is None:
        raise ToolRefused("unknown conversation")
    if conv.ended_at is not None:
        raise ToolRefused("the conversation has ended; nothing was done")
    tenant = await Tenant.get(id=conv.tenant_id)
    agent = await Agent.get_or_none(tenant_id=conv.tenant_id, agent_id=conv.agent_id)
    if agent is not None and name not in agent.tools:
        raise ToolRefused(f"this agent may not use {name}")
    zone = check.tenant_zone(tenant)
    return ToolContext(tenant, agent, zone, datetime.now(UTC), conversation=conv)


# --- the tools ----------------------------------------------------------------------------


async def create_booking(ctx: ToolContext, args: dict[str, Any]) -> dict[str, object]:
    """{date, time, name?, service?, notes?, phone?} → {bookingId, startsAt, timezone}."""
    starts_at = check.local_moment(args, ctx.zone, ctx.now).astimezone(UTC)
    name = check.text(args, "name")
    service = check.text(args, "service")
    notes = check.text(args, "notes", MAX_NOTES)
    phone = check.phone(args.get("phone"), ctx.call)
    subject, zone = ctx.subject, ctx.zone.key
    # A model that repeats itself does not book the same slot twice on one call.
    booking = await Booking.filter(
        tenant_id=subject.tenant_id, starts_at=starts_at, **ctx.links
    ).first()
    if booking is None:
        async with in_transaction():
            booking = await Booking.create(
                id=new_id("bkg"),
                tenant_id=subject.tenant_id,
                agent_id=subject.agent_id,
                call_id=ctx.call_id,
                conversation_id=ctx.conversation_id,
                starts_at=starts_at,
                timezone=zone,
                name=name,
                phone=phone,
                service=service,
                notes=notes,
            )
            data = ctx.event_data(booking_data(booking))
            event = await outbox.enqueue(
                subject.tenant_id,
                "booking.created",
                data,
                call_id=booking.call_id,
                call_webhook_url=ctx.webhook_url,
            )
        await ctx.publish("booking.created", event.id, data)
        outbox.wake()
    return {
        "bookingId": booking.id,
        "startsAt": check.local_iso(booking.starts_at, ctx.zone),
        "timezone": booking.timezone,
    }


def booking_data(booking: Booking) -> dict[str, Any]:
    """The ``data`` of booking.created."""
    return {
        "bookingId": booking.id,
        "callId": booking.call_id,
        "agentId": booking.agent_id,
        "startsAt": check.local_iso(booking.starts_at, ZoneInfo(booking.timezone)),
        "timezone": booking.timezone,
        "name": booking.name,
        "phone": booking.phone,
        "service": booking.service,
        "notes": booking.notes,
    }


def bant_score(need: bool, timeline: bool, budget: bool, authority: bool) -> int:
    flags = {"need": need, "timeline": timeline, "budget": budget, "authority": authority}
    return sum(points for key, points in BANT.items() if flags[key])


async def qualify_lead(ctx: ToolContext, args: dict[str, Any]) -> dict[str, object]:
    """{need, timeline, budget, authority (booleans; an omitted one keeps its value), name?,
    email?, phone?, notes?} → {leadId, score, qualified}. One lead per call."""
    email, phone = args.get("email"), args.get("phone")
    # Only what was given: a later call that leaves a field out keeps what the lead has.
    fields: dict[str, Any] = {
        "name": check.text(args, "name"),
        "email": validation.email(email) if email not in (None, "") else None,
        "phone": check.phone(phone, ctx.call) if phone not in (None, "") else None,
        "notes": check.text(args, "notes", MAX_NOTES),
    }
    for key in BANT:
        check.flag(args, key, False)  # type errors before any write
    try:
        return await _save_lead(ctx, args, fields)
    except IntegrityError:
        # Another qualify_lead of the same call created the lead first: update that one.
        return await _save_lead(ctx, args, fields)


async def _save_lead(
    ctx: ToolContext, args: dict[str, Any], fields: dict[str, Any]
) -> dict[str, object]:
    subject = ctx.subject
    published: dict[str, Any] | None = None
    async with in_transaction():
        lead = await Lead.filter(**ctx.links).first()
        # qualified_at is only ever set by the conditional update below, never saved over.
        update_fields = None if lead is None else [*LEAD_FIELDS, "updated_at"]
        if lead is None:
            lead = Lead(
                id=new_id("lead"),
                tenant_id=subject.tenant_id,
                agent_id=subject.agent_id,
                phone=check.caller_number(ctx.call),
                call_id=ctx.call_id,
                conversation_id=ctx.conversation_id,
            )
        for key in BANT:
            setattr(lead, key, check.flag(args, key, bool(getattr(lead, key))))
        for key, value in fields.items():
            if value is not None:
                setattr(lead, key, value)
        lead.score = bant_score(lead.need, lead.timeline, lead.budget, lead.authority)
        lead.qualified = lead.score >= QUALIFIED
        await lead.save(update_fields=update_fields)
        # The tool's score is the call's lead score (it wins over the transcript's estimate).
        await type(subject).filter(id=subject.id).update(lead_score=lead.score)
        subject.lead_score = lead.score
        if lead.qualified and await Lead.filter(id=lead.id, qualified_at__isnull=True).update(
            qualified_at=ctx.now
        ):
            data = ctx.event_data(lead_data(lead))
            event = await outbox.enqueue(
                subject.tenant_id,
                "lead.qualified",
                data,
                call_id=lead.call_id,
                call_webhook_url=ctx.webhook_url,
            )
            published = {"id": event.id, "data": data}
    if published is not None:
        await ctx.publish("lead.qualified", published["id"], published["data"])
        outbox.wake()
    return {"leadId": lead.id, "score": lead.score, "qualified": lead.qualified}


def lead_data(lead: Lead) -> dict[str, Any]:
    """The ``data`` of lead.qualified."""
    return {
        "leadId": lead.id,
        "callId": lead.call_id,
        "agentId": lead.agent_id,
        "score": lead.score,
        "bant": {key: bool(getattr(lead, key)) for key in BANT},
        "name": lead.name,
        "email": lead.email,
        "phone": lead.phone,
    }


async def schedule_callback(ctx: ToolContext, args: dict[str, Any]) -> dict[str, object]:
    """{date, time, phone?, notes?} → {callbackId, at}."""
    at = check.local_moment(args, ctx.zone, ctx.now)
    phone = check.phone(args.get("phone"), ctx.call)
    notes = check.text(args, "notes", MAX_NOTES)
    if phone is None:
        raise invalid(
            "phone is required: ask the caller for the number to call back", param="phone"
        )
    callback = await Callback.create(
        id=new_id("cbk"),
        tenant_id=ctx.subject.tenant_id,
        agent_id=ctx.subject.agent_id,
        call_id=ctx.call_id,
        conversation_id=ctx.conversation_id,
        at=at.astimezone(UTC),
        timezone=ctx.zone.key,
        phone=phone,
        notes=notes,
    )
    return {"callbackId": callback.id, "at": check.local_iso(callback.at, ctx.zone)}


async def search_knowledge_base(ctx: ToolContext, args: dict[str, Any]) -> dict[str, object]:
    """{query} → {results: [{question, answer, id?, source?}, ...]}, the best matches
    first: the agent's FAQ, then the tenant's knowledge base in the call's language (its
    entries cited by id and source); an empty list when nothing matches."""
    query = validation.text(args.get("query"), "query", max_len=MAX_QUERY, required=True)
    results = await knowledge.search(
        ctx.subject.tenant_id,
        ctx.agent,
        query or "",
        ctx.subject.language,
        knowledge.SEARCH_LIMIT,
    )
    return {"results": results}


Handler = Callable[[ToolContext, dict[str, Any]], Awaitable[dict[str, object]]]
HANDLERS: dict[str, Handler] = {
    "create_booking": create_booking,
    "qualify_lead": qualify_lead,
    "schedule_callback": schedule_callback,
    "search_knowledge_base": search_knowledge_base,
}
