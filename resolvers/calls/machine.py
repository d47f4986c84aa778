"""The call status machine: initiating → ringing → in-progress → completed | failed.

Every transition is persisted with its time, writes its webhook events to the outbox in the
same transaction, and is published on the bus after the commit.
"""

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, get_args

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models.base import new_id
from models.call import Call, CallTransition
from models.tenant import Tenant
from resolvers import (
    call_analysis,
    concurrency,
    events,
    metering,
    outbox,
)
from resolvers.settings import get_settings

log = logging.getLogger("vocalia.calls")

# The stored and wire values, exactly (Call.status, CallTransition.status, webhooks).
CallStatus = Literal["initiating", "ringing", "in-progress", "completed", "failed"]
# Call.direction: "web" for a /v1/stream or widget session.
CallDirection = Literal["outbound", "inbound", "web"]

STATUSES: tuple[CallStatus, ...] = get_args(CallStatus)
DIRECTIONS: tuple[CallDirection, ...] = get_args(CallDirection)
ACTIVE: tuple[CallStatus, ...] = ("initiating", "ringing", "in-progress")
FINAL: tuple[CallStatus, ...] = ("completed", "failed")
ALLOWED_FROM: dict[CallStatus, tuple[CallStatus, ...]] = {
    "ringing": ("initiating",),
    "in-progress": ("initiating", "ringing"),
    "completed": ACTIVE,
    "failed": ACTIVE,
}
EVENT_FOR_STATUS: dict[CallStatus, str] = {
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
    status: CallStatus,
    *,
    reason: str | None = None,
    updates: dict[str, Any] | None = None,
    extra_events: tuple[str, ...] = (),
    explicit_lead_score: int | None = None,
    closing_line: str | None = None,
) -> Call | None:
    """Move a call to ``status`` if its current status allows it; None when it does not
    (another actor got there first). Side effects leave only after the commit.

    ``closing_line``: what the agent says as the call ends (a transfer's message), appended
    to the transcript in the same transaction: the status update holds the row, so a line
    the owning process is writing either lands before it or, finding the call ended, not at
    all; nothing is overwritten, and the summary and webhooks include it."""
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
        published = []
        if closing_line:
            line: dict[str, Any] = {"role": "agent", "content": closing_line}
            if call.answered_at is not None:
                line["startMs"] = max(0, int((now - call.answered_at).total_seconds() * 1000))
            call.transcript = [*call.transcript, line]
            await call.save(update_fields=["transcript"])
            published.append(
                bus_event(
                    call, "transcript", None, {"role": "agent", "text": closing_line, "final": True}
                )
            )
        if status in FINAL:
            await _finalize(call, now, explicit_lead_score)
        await CallTransition.create(call_id=call.id, status=status, at=now, reason=reason)
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
    await metering.queue_call(call)
    if call.cost and call.mode == "live":
        await Tenant.filter(id=call.tenant_id, prepaid=True).update(
            credit_balance=F("credit_balance") - call.cost
        )
