"""The webhook outbox and its delivery worker (contract section 7).

Events are written in the same transaction as the state change that causes them; the
worker delivers them at least once, signed twice (X-VocalIA-Signature and Standard
Webhooks), on the retry schedule, never following redirects.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tortoise.expressions import Q

from models.base import new_id
from models.tenant import WebhookEndpoint
from models.webhook import WebhookAttempt, WebhookDelivery, WebhookEvent
from resolvers.errors import DomainError
from resolvers.settings import Settings
from resolvers.urls import check_outbound_url

log = logging.getLogger("vocalia.webhooks")
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


# --- signing --------------------------------------------------------------------------


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


# --- delivery -------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: int = 0


class DeliveryWorker:
    """Claims due deliveries (a lease in the row, so several processes can share the
    outbox), posts them and schedules retries. Owned by the app's lifespan."""

    def __init__(self, settings: Settings, *, concurrency: int = 16, batch: int = 64) -> None:
        self.settings = settings
        self._wake = asyncio.Event()
        self._concurrency = asyncio.Semaphore(concurrency)
        self._batch = batch
        self._client = httpx.AsyncClient(
            timeout=settings.webhook_timeout, follow_redirects=False, trust_env=False
        )
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="webhook-delivery")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._client.aclose()

    async def _run(self) -> None:
        while True:
            try:
                claimed = await self._claim()
                if claimed:
                    await asyncio.gather(*(self._deliver_one(d) for d in claimed))
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:  # the worker must outlive a failed round (e.g. database restart)
                log.exception("webhook delivery round failed")
            self._wake.clear()
            try:
                async with asyncio.timeout(await self._idle_wait()):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def _idle_wait(self) -> float:
        rows = (
            await WebhookDelivery.filter(status="pending")
            .order_by("next_attempt_at")
            .limit(1)
            .values_list("next_attempt_at", flat=True)
        )
        if not rows or not isinstance(rows[0], datetime):
            return 1.0
        return max(0.01, min(1.0, (rows[0] - datetime.now(UTC)).total_seconds()))

    async def _claim(self) -> list[str]:
        now = datetime.now(UTC)
        free = Q(locked_until=None) | Q(locked_until__lt=now)
        ids = (
            await WebhookDelivery.filter(free, status="pending", next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .limit(self._batch)
            .values_list("id", flat=True)
        )
        claimed = []
        lease = now + timedelta(seconds=self.settings.webhook_lock_seconds)
        for delivery_id in ids:
            if await WebhookDelivery.filter(free, id=delivery_id, status="pending").update(
                locked_until=lease
            ):
                claimed.append(str(delivery_id))
        return claimed

    async def _deliver_one(self, delivery_id: str) -> None:
        async with self._concurrency:
            try:
                await deliver(delivery_id, self._client, self.settings)
            except Exception:
                log.exception("delivery %s failed unexpectedly", delivery_id)


async def deliver(
    delivery_id: str, client: httpx.AsyncClient, settings: Settings
) -> WebhookDelivery:
    delivery = await WebhookDelivery.get(id=delivery_id).prefetch_related("event", "endpoint")
    now = datetime.now(UTC)
    if delivery.endpoint is not None and not delivery.endpoint.enabled:
        return await _finish(
            delivery, "failed", Outcome(None, "endpoint disabled"), now, record=False
        )
    secrets = await _secrets_for(delivery, now)
    if secrets is None:
        return await _finish(
            delivery, "failed", Outcome(None, "no webhook secret to sign with"), now, record=False
        )
    outcome = await _post(delivery, secrets, client)
    return await _settle(delivery, outcome, settings)


async def _post(
    delivery: WebhookDelivery, secrets: list[str], client: httpx.AsyncClient
) -> Outcome:
    try:
        await check_outbound_url(delivery.url)  # again at each delivery: DNS may have changed
    except DomainError as exc:
        return Outcome(None, f"refused: {exc.message}"[:500])
    started = time.monotonic()
    try:
        response = await client.post(
            delivery.url,
            content=delivery.event.body.encode(),
            headers=signed_headers(delivery.event, secrets),
        )
    except httpx.HTTPError as exc:
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(None, (f"{type(exc).__name__}: {exc}")[:500], elapsed)
    elapsed = int((time.monotonic() - started) * 1000)
    error = None if response.is_success else f"HTTP {response.status_code}"
    return Outcome(response.status_code, error, elapsed)


async def _settle(
    delivery: WebhookDelivery, outcome: Outcome, settings: Settings
) -> WebhookDelivery:
    now = datetime.now(UTC)
    endpoint = delivery.endpoint
    code = outcome.status_code
    if code is not None and 200 <= code < 300:
        if endpoint is not None and endpoint.failing_since is not None:
            await WebhookEndpoint.filter(id=endpoint.id).update(failing_since=None)
        return await _finish(delivery, "succeeded", outcome, now)
    if code == 410 and endpoint is not None:
        await WebhookEndpoint.filter(id=endpoint.id).update(
            enabled=False, disabled_reason="the receiver answered 410 Gone"
        )
        return await _finish(delivery, "failed", outcome, now)
    if endpoint is not None:
        if endpoint.failing_since is None:
            await WebhookEndpoint.filter(id=endpoint.id, failing_since=None).update(
                failing_since=now
            )
        elif (now - endpoint.failing_since).total_seconds() >= settings.webhook_disable_after:
            await WebhookEndpoint.filter(id=endpoint.id).update(
                enabled=False, disabled_reason="failing for 5 days"
            )
            return await _finish(delivery, "failed", outcome, now)
    attempts = delivery.attempts + 1
    schedule = settings.webhook_retry_schedule
    if attempts >= len(schedule):
        return await _finish(delivery, "failed", outcome, now)
    delay = schedule[attempts] * random.uniform(0.9, 1.1)  # noqa: S311 (jitter, not security)
    await WebhookAttempt.create(
        delivery_id=delivery.id,
        at=now,
        status_code=code,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
    )
    await WebhookDelivery.filter(id=delivery.id).update(
        attempts=attempts,
        next_attempt_at=now + timedelta(seconds=delay),
        locked_until=None,
        last_status_code=code,
        last_error=outcome.error,
    )
    return await WebhookDelivery.get(id=delivery.id)


async def _finish(
    delivery: WebhookDelivery, status: str, outcome: Outcome, now: datetime, *, record: bool = True
) -> WebhookDelivery:
    if record:
        await WebhookAttempt.create(
            delivery_id=delivery.id,
            at=now,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
    await WebhookDelivery.filter(id=delivery.id).update(
        status=status,
        attempts=delivery.attempts + (1 if record else 0),
        locked_until=None,
        next_attempt_at=None,
        completed_at=now,
        last_status_code=outcome.status_code,
        last_error=outcome.error,
    )
    return await WebhookDelivery.get(id=delivery.id)


_worker: DeliveryWorker | None = None


def install(worker: DeliveryWorker | None) -> None:
    global _worker
    _worker = worker


def wake() -> None:
    if _worker is not None:
        _worker.wake()
