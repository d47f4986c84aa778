"""The two signatures every delivery carries: X-VocalIA-Signature (HMAC-SHA256 of the body)
and Standard Webhooks (HMAC of id.timestamp.body, several during a secret rotation)."""

import base64
import hashlib
import hmac
import time
from datetime import datetime

from models.tenant import WebhookEndpoint
from models.webhook import WebhookDelivery, WebhookEvent
from resolvers.outbox.events import USER_AGENT


def vocalia_signature(secret: str, body: str) -> str:
    """``sha256=<hex>``: HMAC-SHA256 keyed with the whole secret string, as the reference's
    Node.js verifyWebhook computes it."""
    return "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def standard_signature(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """Standard Webhooks ``v1,<base64>``: the key is the base64 part of ``whsec_...``."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    event: WebhookEvent, secrets: list[str], timestamp: int | None = None
) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-VocalIA-Signature": vocalia_signature(secrets[0], event.body),
        "X-VocalIA-Event": event.type,
        "X-VocalIA-Delivery": event.id,
        "webhook-id": event.id,
        "webhook-timestamp": str(ts),
        "webhook-signature": " ".join(
            standard_signature(s, event.id, ts, event.body) for s in secrets
        ),
    }


async def _secrets_for(delivery: WebhookDelivery, now: datetime) -> list[str] | None:
    endpoint = delivery.endpoint
    if endpoint is None:
        # A call's own webhookUrl is signed with the tenant's first endpoint's secret.
        endpoint = (
            await WebhookEndpoint.filter(tenant_id=delivery.tenant_id)
            .order_by("created_at", "id")
            .first()
        )
        if endpoint is None:
            return None
    secrets = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > now
    ):
        secrets.append(endpoint.previous_secret)
    return secrets
