"""Writing webhook events to the outbox, in the caller's transaction."""

import json
from datetime import UTC, datetime
from typing import Any

from models.base import new_id
from models.tenant import WebhookEndpoint
from models.webhook import WebhookDelivery, WebhookEvent

USER_AGENT = "VocalIA-Webhooks/1.0"


def iso_now(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def enqueue(
    tenant_id: str,
    event_type: str,
    data: dict[str, Any],
    *,
    call_id: str | None = None,
    call_webhook_url: str | None = None,
    now: datetime | None = None,
) -> WebhookEvent:
    """Write the event and one pending delivery per subscribed endpoint (and the call's own
    webhookUrl). Call inside the transaction of the state change."""
    now = now or datetime.now(UTC)
    event_id = new_id("evt")
    body = json.dumps(
        {
            "id": event_id,
            "event": event_type,
            "timestamp": iso_now(now),
            "tenantId": tenant_id,
            "data": data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    event = await WebhookEvent.create(
        id=event_id,
        tenant_id=tenant_id,
        type=event_type,
        body=body,
        call_id=call_id,
        created_at=now,
    )
    for endpoint in await WebhookEndpoint.filter(tenant_id=tenant_id, enabled=True):
        if event_type in endpoint.events:
            await WebhookDelivery.create(
                id=new_id("dlv"),
                tenant_id=tenant_id,
                event=event,
                endpoint=endpoint,
                url=endpoint.url,
                next_attempt_at=now,
            )
    if call_webhook_url:
        await WebhookDelivery.create(
            id=new_id("dlv"),
            tenant_id=tenant_id,
            event=event,
            endpoint=None,
            url=call_webhook_url,
            next_attempt_at=now,
        )
    return event
