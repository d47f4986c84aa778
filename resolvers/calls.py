"""Calls: the /v1 telephony API, the status machine, and the hooks carriers report through.

Statuses move initiating → ringing → in-progress → completed | failed. Every transition is
persisted with its time, writes its webhook events to the outbox in the same transaction,
and is published on the bus after the commit.
"""

import asyncio
import json
import logging
import math
import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from models.agent import Agent
from models.base import new_id
from models.call import Call, CallTransition
from models.tenant import Tenant, WebhookEndpoint
from resolvers import (
    agents,
    call_analysis,
    carriers,
    concurrency,
    events,
    instance,
    outbox,
    usage,
    validation,
)
from resolvers.errors import DomainError, ErrorCode, conflict, forbidden, invalid, not_found
from resolvers.plans import plan_of
from resolvers.principals import Principal, get_tenant, require_secret
from resolvers.settings import get_settings
from resolvers.urls import check_outbound_url

log = logging.getLogger("vocalia.calls")

STATUSES = ("initiating", "ringing", "in-progress", "completed", "failed")
ACTIVE = ("initiating", "ringing", "in-progress")
FINAL = ("completed", "failed")
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "ringing": ("initiating",),
    "in-progress": ("initiating", "ringing"),
    "completed": ACTIVE,
    "failed": ACTIVE,
}
EVENT_FOR_STATUS = {
    "initiating": "call.initiated",
    "ringing": "call.ringing",
    "in-progress": "call.answered",
    "completed": "call.completed",
    "failed": "call.failed",
}
MAX_METADATA_BYTES = 16 * 1024
SLOT_MARGIN = 120.0


def webhook_data(call: Call) -> dict[str, Any]:
    """The ``data`` of call webhooks: the seed's fields plus what a receiver needs to route."""
    data: dict[str, Any] = {
        "callId": call.id,
        "status": call.status,
        "direction": call.direction,
        "to": call.to_number,
        "from": call.from_number,
        "agentId": call.agent_id,
        "duration": call.duration,
        "sentiment": call.sentiment,
        "leadScore": call.lead_score,
        "endedReason": call.ended_reason,
        "metadata": call.metadata,
    }
    if call.transferred_to:
        data["transferredTo"] = call.transferred_to
    if call.cost is not None:
        data["cost"] = float(call.cost)
    return data


def bus_event(
    call: Call, event_type: str, event_id: str | None, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": event_id or new_id("evt"),
        "type": event_type,
        "callId": call.id,
        "tenantId": call.tenant_id,
        "timestamp": outbox.iso_now(),
        "data": data,
    }


async def publish(call: Call, event: dict[str, Any]) -> None:
    """Live events are best effort (webhooks are the durable channel): a bus failure is logged."""
    try:
        bus = events.get_bus()
        message = event
        await bus.publish(events.tenant_channel(call.tenant_id, "events"), message)
        await bus.publish(events.tenant_channel(call.tenant_id, f"call:{call.id}"), message)
    except Exception:
        log.warning("could not publish %s for %s", event.get("type"), call.id, exc_info=True)


# --- the status machine ------------------------------------------------------------------


async def transition(
    call_id: str,
    status: str,
    *,
    reason: str | None = None,
    updates: dict[str, Any] | None = None,
    extra_events: tuple[str, ...] = (),
    explicit_lead_score: int | None = None,
) -> Call | None:
    """Move a call to ``status`` if its current status allows it; None when it does not
    (another actor got there first). Side effects leave only after the commit."""
    now = datetime.now(UTC)
    fields: dict[str, Any] = {"status": status, "updated_at": now, **(updates or {})}
    if status == "in-progress":
        fields["answered_at"] = now
    if status in FINAL:
        fields["ended_at"] = now
        fields["ended_reason"] = reason
    async with in_transaction():
        changed = await Call.filter(id=call_id, status__in=ALLOWED_FROM[status]).update(**fields)
        if not changed:
            return None
        call = await Call.get(id=call_id)
        if status in FINAL:
            await _finalize(call, now, explicit_lead_score)
        await CallTransition.create(call_id=call.id, status=status, at=now, reason=reason)
        published = []
        for i, event_type in enumerate((*extra_events, EVENT_FOR_STATUS[status])):
            event = await outbox.enqueue(
                call.tenant_id,
                event_type,
                webhook_data(call),
                call_id=call.id,
                call_webhook_url=call.webhook_url,
                # Distinct creation times keep several events of one transition in order.
                now=now + timedelta(microseconds=i),
            )
            published.append(bus_event(call, event_type, event.id, webhook_data(call)))
    for message in published:
        await publish(call, message)
    outbox.wake()
    if status in FINAL:
        await concurrency.get_slots().release(call.tenant_id, call.id)
    return call


async def _finalize(call: Call, now: datetime, explicit_lead_score: int | None) -> None:
    duration = 0
    if call.answered_at is not None:
        duration = max(0, round((now - call.answered_at).total_seconds()))
    price = Decimal(get_settings().call_price_per_minute)
    call.duration = duration
    call.cost = Decimal(0) if call.mode == "test" else call_analysis.call_cost(duration, price)
    call.sentiment = call_analysis.sentiment(call.transcript)
    # A lead score on the call before it ends is the qualify_lead tool's: it wins.
    call.lead_score = call_analysis.lead_score(
        call.transcript, call.lead_score if call.lead_score is not None else explicit_lead_score
    )
    call.summary = call_analysis.summary(call.transcript, call.ended_reason)
    await call.save(update_fields=["duration", "cost", "sentiment", "lead_score", "summary"])
    if call.cost and call.mode == "live":
        await Tenant.filter(id=call.tenant_id, prepaid=True).update(
            credit_balance=F("credit_balance") - call.cost
        )


# --- the API -------------------------------------------------------------------------------


def _metadata(value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid("metadata must be an object", param="metadata")
    if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_METADATA_BYTES:
        raise invalid(
            f"metadata must be at most {MAX_METADATA_BYTES} bytes of JSON", param="metadata"
        )
    return value


async def _webhook_url(tenant: Tenant, value: object) -> str | None:
    if value is None:
        return None
    if "webhooks" not in plan_of(tenant.plan).features:
        raise forbidden("webhooks need the Pro or Enterprise plan")
    url = await check_outbound_url(value, param="webhookUrl")
    if not await WebhookEndpoint.filter(tenant_id=tenant.id).exists():
        raise invalid(
            "configure a webhook endpoint first: its secret signs per-call deliveries",
            param="webhookUrl",
        )
    return url


async def create_call(
    principal: Principal | None,
    *,
    to: object,
    agent_id: object,
    from_number: object = None,
    metadata: object = None,
    webhook_url: object = None,
) -> Call:
    """Place an outbound call. Raises invalid_phone_number, invalid_request,
    agent_not_configured, insufficient_permissions, concurrency_limit_exceeded,
    quota_exceeded, insufficient_credits."""
    p = require_secret(principal)
    tenant = await get_tenant(p)
    to_number = validation.e164(to, "to")
    agent = await agents.agent_for_call(tenant.id, agent_id)
    caller = await agents.caller_id_for(tenant.id, from_number)
    meta = _metadata(metadata)
    hook = await _webhook_url(tenant, webhook_url)
    mode = p.mode
    carrier_name = "simulated" if mode == "test" or caller is None else caller.carrier
    carrier = carriers.get(carrier_name)
    if carrier is None:
        raise invalid(f"the {carrier_name} carrier is not configured on this server", param="from")
    plan = plan_of(tenant.plan)
    if carrier_name != "simulated" and "telephony" not in plan.features:
        raise forbidden("phone calls through a carrier need the Pro or Enterprise plan")
    price = Decimal(get_settings().call_price_per_minute)
    if mode == "live" and tenant.prepaid and tenant.credit_balance < price:
        raise DomainError(
            ErrorCode.INSUFFICIENT_CREDITS,
            "the prepaid balance cannot cover a call; top up your credits",
        )
    call_id = new_id("call")
    slots = concurrency.get_slots()
    if not await slots.acquire(
        tenant.id, call_id, plan.simultaneous_calls, agent.max_duration + SLOT_MARGIN
    ):
        raise DomainError(
            ErrorCode.CONCURRENCY_LIMIT_EXCEEDED,
            f"the {plan.name} plan allows {plan.simultaneous_calls} simultaneous calls",
        )
    try:
        if mode == "live" and not await usage.try_consume(tenant.id, "calls", plan.calls_per_month):
            raise DomainError(
                ErrorCode.QUOTA_EXCEEDED,
                f"the {plan.name} plan's {plan.calls_per_month} calls this month are used up",
            )
        call = await insert_call(
            tenant,
            agent,
            call_id,
            "outbound",
            to_number,
            caller.number if caller else None,
            carrier_name,
            mode,
            meta,
            hook,
        )
    except BaseException:
        await slots.release(tenant.id, call_id)
        raise
    await _start_carrier(call, agent)
    return call


async def insert_call(
    tenant: Tenant,
    agent: Agent,
    call_id: str,
    direction: str,
    to_number: str | None,
    from_number: str | None,
    carrier_name: str,
    mode: str,
    meta: dict[str, Any],
    hook: str | None,
    language: str | None = None,
) -> Call:
    """A new call row in ``initiating`` with its first transition and call.initiated event
    (the caller holds the concurrency slot and has consumed the quota)."""
    now = datetime.now(UTC)
    async with in_transaction():
        call = await Call.create(
            id=call_id,
            tenant=tenant,
            agent_id=agent.agent_id,
            direction=direction,
            status="initiating",
            to_number=to_number,
            from_number=from_number,
            carrier=carrier_name,
            mode=mode,
            language=language or agent.language,
            metadata=meta,
            webhook_url=hook,
            owner=instance.INSTANCE_ID,
        )
        await CallTransition.create(call_id=call.id, status="initiating", at=now)
        event = await outbox.enqueue(
            tenant.id,
            "call.initiated",
            webhook_data(call),
            call_id=call.id,
            call_webhook_url=hook,
            now=now,
        )
    await publish(call, bus_event(call, "call.initiated", event.id, webhook_data(call)))
    outbox.wake()
    return call


async def _start_carrier(call: Call, agent: Agent) -> None:
    carrier = carriers.get(call.carrier)
    try:
        if carrier is None:
            raise RuntimeError(f"carrier {call.carrier} vanished")
        await carrier.start(call, agent)
    except Exception:
        log.exception("carrier %s could not start %s", call.carrier, call.id)
        await transition(call.id, "failed", reason="carrier-error")


async def get_call(principal: Principal | None, call_id: object) -> Call:
    """Raises resource_not_found for an unknown call or another tenant's."""
    p = require_secret(principal)
    if not isinstance(call_id, str) or len(call_id) > 40:
        raise not_found("call", param="id")
    qs = Call.filter(id=validation.storable(call_id, "id"))
    if not p.is_superadmin:
        qs = qs.filter(tenant_id=p.tenant_id)
    call = await qs.first()
    if call is None:
        raise not_found("call", param="id")
    return call


@dataclass(frozen=True)
class CallPage:
    items: list[Call]
    total: int
    limit: int
    offset: int


def _date(value: object, param: str, *, end: bool) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise invalid(f"{param} must be an ISO 8601 date", param=param)
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            return datetime.combine(d + timedelta(days=1) if end else d, time.min, tzinfo=UTC)
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise invalid(f"{param} must be an ISO 8601 date such as 2026-01-01", param=param) from exc
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


async def list_calls(
    principal: Principal | None,
    *,
    limit: object = 20,
    offset: object = 0,
    status: object = None,
    date_from: object = None,
    date_to: object = None,
    tenant_id: str | None = None,
) -> CallPage:
    """Newest first. Raises invalid_request (limit 1-100, offset ≥ 0, status, dates)."""
    p = require_secret(principal)
    tenant = await get_tenant(p, tenant_id)
    limit, offset = validation.page_bounds(limit, offset)
    qs = Call.filter(tenant_id=tenant.id)
    if status is not None:
        qs = qs.filter(status=validation.choice(status, "status", STATUSES))
    start = _date(date_from, "from", end=False)
    stop = _date(date_to, "to", end=True)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if stop is not None:
        qs = (
            qs.filter(created_at__lt=stop)
            if len(str(date_to)) == 10
            else qs.filter(created_at__lte=stop)
        )
    total = await qs.count()
    items = await qs.order_by("-created_at", "-id").offset(offset).limit(limit)
    return CallPage(list(items), total, limit, offset)


async def transfer_call(
    principal: Principal | None, call_id: object, *, to: object, message: object = None
) -> Call:
    """Hand an in-progress call to a human: the AI leg ends completed/transferred, then the
    owning process bridges the caller. Raises resource_not_found, invalid_phone_number, conflict."""
    call = await get_call(principal, call_id)
    target = validation.e164(to, "to")
    text = validation.text(message, "message", max_len=500)
    if call.status != "in-progress":
        raise conflict(f"only an in-progress call can be transferred; this one is {call.status}")
    ended = await transition(
        call.id,
        "completed",
        reason="transferred",
        updates={"transferred_to": target},
        extra_events=("call.transferred",),
    )
    if ended is None:
        raise conflict("the call ended before it could be transferred")
    await instance.send_control(
        call.owner,
        {"op": "transfer", "callId": call.id, "to": target, "message": text},
        handle_control,
    )
    return ended


async def hangup_call(principal: Principal | None, call_id: object) -> Call:
    """End a call from the API. Raises resource_not_found, conflict (already ended)."""
    call = await get_call(principal, call_id)
    if call.status in FINAL:
        raise conflict(f"the call already ended ({call.status})")
    answered = call.status == "in-progress"
    ended = await transition(
        call.id,
        "completed" if answered else "failed",
        reason="agent-hangup" if answered else "canceled",
    )
    if ended is None:
        raise conflict("the call already ended")
    await instance.send_control(call.owner, {"op": "hangup", "callId": call.id}, handle_control)
    return ended


async def handle_control(message: dict[str, Any]) -> None:
    """Executed by the process that drives the call."""
    call = await Call.get_or_none(id=str(message.get("callId")))
    if call is None:
        return
    carrier = carriers.get(call.carrier)
    if carrier is None:
        return
    if message.get("op") == "transfer":
        await carrier.transfer(call, str(message["to"]), message.get("message"))
    elif message.get("op") == "hangup":
        await carrier.hangup(call)


# --- what carriers and the voice engine report ---------------------------------------------


async def mark_ringing(call_id: str) -> Call | None:
    return await transition(call_id, "ringing")


async def mark_answered(call_id: str) -> Call | None:
    return await transition(call_id, "in-progress")


async def end_call(
    call_id: str, *, reason: str, failed: bool = False, lead_score: int | None = None
) -> Call | None:
    return await transition(
        call_id, "failed" if failed else "completed", reason=reason, explicit_lead_score=lead_score
    )


async def add_transcript(
    call_id: str, role: str, content: str, start_ms: int | None = None
) -> None:
    """Append a line (only the owning process writes a call's transcript) and publish it."""
    call = await Call.get_or_none(id=call_id)
    if call is None or call.status in FINAL:
        return
    line: dict[str, Any] = {"role": role, "content": content}
    if start_ms is not None:
        line["startMs"] = start_ms
    call.transcript = [*call.transcript, line]
    # Conditional: a line racing the call's end (a transfer, a hang-up) is not added after it.
    if not await Call.filter(id=call_id, status__in=ACTIVE).update(transcript=call.transcript):
        return
    await publish(
        call, bus_event(call, "transcript", None, {"role": role, "text": content, "final": True})
    )


MAX_TOOL_CALLS = 200
MAX_TOOL_CALL_BYTES = 16 * 1024
_tool_call_locks: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()


def _storable_json(value: Any, depth: int = 0) -> Any:
    """What a model produced, as JSON every backend stores: PostgreSQL's jsonb refuses NUL,
    lone surrogates and NaN."""
    if depth > 10:
        return None
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode()
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_storable_json(str(k)): _storable_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable_json(v, depth + 1) for v in value]
    return _storable_json(str(value))


async def record_tool_call(
    call_id: str, name: str, arguments: dict[str, Any], result: Any = None
) -> str:
    """Append the tool call to the call's record (only the owning process writes it; a lock
    keeps its concurrent tool calls apart) and publish it as a function_call event."""
    fc_id = new_id("fc", 16)
    entry = {
        "id": fc_id,
        "name": _storable_json(name),
        "arguments": _storable_json(arguments),
        "result": _storable_json(result),
        "at": outbox.iso_now(),
    }
    if len(json.dumps(entry, ensure_ascii=False).encode()) > MAX_TOOL_CALL_BYTES:
        entry["arguments"] = entry["result"] = {"truncated": True}
    lock = _tool_call_locks.setdefault(call_id, asyncio.Lock())
    async with lock:
        call = await Call.get_or_none(id=call_id)
        if call is None:
            return fc_id
        if len(call.tool_calls) < MAX_TOOL_CALLS:
            call.tool_calls = [*call.tool_calls, entry]
            await Call.filter(id=call_id).update(tool_calls=call.tool_calls)
    data = {k: entry[k] for k in ("id", "name", "arguments", "result")}
    await publish(call, bus_event(call, "function_call", None, data))
    return fc_id


# --- restart safety ---------------------------------------------------------------------------


async def fail_orphaned_calls(stale_after: float) -> list[str]:
    """Calls left initiating/ringing/in-progress by a process that stopped heartbeating end
    failed with endedReason server-restart (their events and webhooks go out)."""
    alive = await instance.live_instances(stale_after)
    orphans = (
        await Call.filter(status__in=ACTIVE)
        .exclude(owner__in=list(alive))
        .values_list("id", flat=True)
    )
    ended = []
    for call_id in orphans:
        if await transition(str(call_id), "failed", reason="server-restart") is not None:
            ended.append(str(call_id))
    return ended


# --- carrier identifiers -------------------------------------------------------------------


async def set_carrier_call_id(call_id: str, carrier_call_id: str) -> bool:
    """Record the carrier's id for the call (Twilio's CallSid) once it is known. True when the
    call now carries that id; False when the call is unknown or already carries another."""
    changed = (
        await Call.filter(id=call_id)
        .filter(Q(carrier_call_id__isnull=True) | Q(carrier_call_id=carrier_call_id))
        .update(carrier_call_id=carrier_call_id, updated_at=datetime.now(UTC))
    )
    return bool(changed)
