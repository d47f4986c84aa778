"""Live events of a tenant's text conversations (channel ``conversations``): each answered
turn, and the bookings and leads their agents made. Calls have their own (call_events)."""

import logging
from collections.abc import AsyncGenerator
from typing import Any

from models.base import new_id
from resolvers import events, outbox
from resolvers.call_events import MAX_PENDING
from resolvers.principals import Principal, get_tenant, require_secret

log = logging.getLogger("vocalia.conversations")

CHANNEL = "conversations"


async def publish(
    tenant_id: str,
    conversation_id: str,
    event_type: str,
    data: dict[str, Any],
    event_id: str | None = None,
) -> None:
    """Best effort, as call events: webhooks are the durable channel."""
    event = {
        "id": event_id or new_id("evt"),
        "type": event_type,
        "conversationId": conversation_id,
        "tenantId": tenant_id,
        "timestamp": outbox.iso_now(),
        "data": data,
    }
    try:
        await events.get_bus().publish(events.tenant_channel(tenant_id, CHANNEL), event)
    except Exception:
        log.warning("could not publish %s for %s", event_type, conversation_id, exc_info=True)


async def conversation_events(
    principal: Principal | None, tenant_id: str | None = None
) -> AsyncGenerator[dict[str, Any], None]:
    """Every live event of the tenant's text conversations; never ends on its own. Raises
    resource_not_found (another tenant), insufficient_permissions."""
    tenant = await get_tenant(require_secret(principal), tenant_id)
    channel = events.tenant_channel(tenant.id, CHANNEL)
    async with events.get_bus().subscribe(channel, MAX_PENDING) as live:
        async for event in live:
            if event.get("tenantId") == tenant.id:
                yield event
