"""Live call events for subscribers: one call's events until it ends, or a tenant's stream.

Events are the messages resolvers.calls publishes on the bus, ``{id, type, callId, tenantId,
timestamp, data}``, the same dicts for every subscriber of the process: read-only. Tenant scope
comes from the principal, as everywhere: a subscriber only ever listens on its own tenant's
channels (channel names embed the tenant id).
"""

import json
from collections.abc import AsyncGenerator, Iterable
from typing import Any

from models.call import Call
from models.webhook import WebhookEvent
from resolvers import calls, events
from resolvers.errors import invalid
from resolvers.principals import Principal, get_tenant, require_secret

# The status events in the order the status machine can emit them (call.transferred comes
# just before the call.completed of the same transition).
STATUS_EVENTS = (
    "call.initiated",
    "call.ringing",
    "call.answered",
    "call.transferred",
    "call.completed",
    "call.failed",
)
FINAL_EVENTS = ("call.completed", "call.failed")
EVENT_TYPES = (*STATUS_EVENTS, "transcript", "function_call", "lead.qualified", "booking.created")
_RANK = {t: i for i, t in enumerate(STATUS_EVENTS)}
# How far a live subscriber may fall behind its channel before it is dropped (the bus then
# raises events.SubscriberOverflow to it and calls its context's on_overflow hook). Events are
# shared between subscribers, so a backlog costs a reference per event, not a copy.
MAX_PENDING = 1000


def _from_outbox(row: WebhookEvent) -> dict[str, Any]:
    body = json.loads(row.body)
    return {
        "id": row.id,
        "type": row.type,
        "callId": row.call_id,
        "tenantId": row.tenant_id,
        "timestamp": body.get("timestamp"),
        "data": body.get("data") or {},
    }


async def status_history(call: Call) -> list[dict[str, Any]]:
    """The call's status events so far, from the outbox (where they are written with each
    transition), with the ids they carried on the bus."""
    rows = await WebhookEvent.filter(
        call_id=call.id, tenant_id=call.tenant_id, type__in=list(STATUS_EVENTS)
    )
    rows.sort(key=lambda r: (_RANK[r.type], r.created_at))
    return [_from_outbox(r) for r in rows]


async def call_events(
    principal: Principal | None, call_id: object
) -> AsyncGenerator[dict[str, Any], None]:
    """One call's events in order until call.completed or call.failed. A late subscriber first
    gets the status events it missed (transcript lines are live only); a call that already
    ended yields its history and stops. Raises resource_not_found, insufficient_permissions."""
    call = await calls.get_call(principal, call_id)
    channel = events.tenant_channel(call.tenant_id, f"call:{call.id}")
    # Listen first, then read the history: an event committed in between is in both and is
    # recognised by its id.
    async with events.get_bus().subscribe(channel, MAX_PENDING) as live:
        seen: set[str] = set()
        for event in await status_history(call):
            seen.add(event["id"])
            yield event
            if event["type"] in FINAL_EVENTS:
                return
        async for event in live:
            if event.get("id") in seen or event.get("callId") != call.id:
                continue
            yield event
            if event.get("type") in FINAL_EVENTS:
                return


def event_types(value: Iterable[object] | None) -> frozenset[str] | None:
    """None (every type) or a non-empty list of known event types. Raises invalid_request."""
    if value is None:
        return None
    wanted = list(value)
    if not wanted or any(t not in EVENT_TYPES for t in wanted):
        raise invalid(f"types must be a non-empty list of: {', '.join(EVENT_TYPES)}", param="types")
    return frozenset(str(t) for t in wanted)


async def tenant_events(
    principal: Principal | None,
    types: Iterable[object] | None = None,
    tenant_id: str | None = None,
) -> AsyncGenerator[dict[str, Any], None]:
    """Every live event of the caller's tenant, optionally only some types; never ends on its
    own. Raises resource_not_found (another tenant), invalid_request, insufficient_permissions."""
    p = require_secret(principal)
    tenant = await get_tenant(p, tenant_id)
    wanted = event_types(types)
    channel = events.tenant_channel(tenant.id, "events")
    async with events.get_bus().subscribe(channel, MAX_PENDING) as live:
        async for event in live:
            if event.get("tenantId") != tenant.id:
                continue
            if wanted is None or event.get("type") in wanted:
                yield event
