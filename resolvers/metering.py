"""Usage reported to Stripe Billing Meters: connected call seconds and web sessions.

A subscribed (postpaid) tenant's live call queues its usage in the transaction that ends it
(``queue_call``): a ``meter_events`` row per meter, unique per call, so nothing is queued twice
and a crash loses nothing. Each heartbeat, ``send_pending`` leases a batch of due rows and
posts them to ``/v1/billing/meter_events``; the row id is the event's ``identifier`` (and the
request's idempotency key), so Stripe counts a resent row once. A refused or failed send is
retried with back-off; after ``MAX_ATTEMPTS`` the row keeps its error and is no longer sent.
"""

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from secrets import randbelow
from typing import Any, cast

import stripe

from models.base import new_id
from models.billing import BillingAccount, MeterEvent
from models.call import Call
from resolvers.settings import get_settings

log = logging.getLogger("vocalia.metering")
# One batch at a time in a process: a sweep called while another is sending waits for it.
_sending = asyncio.Lock()

BATCH = 100
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8


async def queue_call(call: Call) -> int:
    """Queue a finished call's usage (inside the transaction that ends it); returns the rows
    queued. Sandbox calls, prepaid tenants and tenants without a Stripe customer queue none."""
    settings = get_settings()
    if call.mode != "live" or not settings.billing_configured:
        return 0
    account = await BillingAccount.filter(
        tenant_id=call.tenant_id, customer_id__isnull=False, tenant__prepaid=False
    ).first()
    if account is None or account.customer_id is None:
        return 0
    usage: list[tuple[str, int]] = []
    if settings.stripe_meter_call_seconds and call.duration:
        usage.append((settings.stripe_meter_call_seconds, int(call.duration)))
    if settings.stripe_meter_sessions and call.direction == "web":
        usage.append((settings.stripe_meter_sessions, 1))
    when = call.ended_at or datetime.now(UTC)
    await MeterEvent.bulk_create(
        [
            MeterEvent(
                id=new_id("mev"),
                tenant_id=call.tenant_id,
                call_id=call.id,
                event_name=name,
                customer_id=account.customer_id,
                value=value,
                occurred_at=when,
                next_attempt_at=when,
            )
            for name, value in usage
        ],
        ignore_conflicts=True,
    )
    return len(usage)


async def _lease(now: datetime) -> list[MeterEvent]:
    """Due rows, leased to this process (a concurrent process leases others, or none)."""
    ids = (
        await MeterEvent.filter(sent_at=None, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS)
        .order_by("next_attempt_at")
        .limit(BATCH)
        .values_list("id", flat=True)
    )
    if not ids:
        return []
    lease = now + LEASE + timedelta(microseconds=randbelow(1_000_000))
    await MeterEvent.filter(id__in=list(ids), sent_at=None, next_attempt_at__lte=now).update(
        next_attempt_at=lease
    )
    return await MeterEvent.filter(id__in=list(ids), next_attempt_at=lease).order_by("occurred_at")


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 4 ** max(0, attempts - 1)))


async def send_pending(client: stripe.StripeClient, now: datetime | None = None) -> int:
    """Send one leased batch of due meter events; returns how many Stripe accepted."""
    async with _sending:
        return await _send_batch(client, now or datetime.now(UTC))


async def _send_batch(client: stripe.StripeClient, now: datetime) -> int:
    sent = 0
    for row in await _lease(now):
        params = {
            "event_name": row.event_name,
            "identifier": row.id,
            "timestamp": int(row.occurred_at.timestamp()),
            "payload": {"stripe_customer_id": row.customer_id, "value": str(row.value)},
        }
        try:
            await client.v1.billing.meter_events.create_async(
                cast(Any, params), {"idempotency_key": row.id}
            )
        except stripe.StripeError as exc:
            attempts = row.attempts + 1
            log.warning("meter event %s not accepted (attempt %d): %s", row.id, attempts, exc)
            await MeterEvent.filter(id=row.id).update(
                attempts=attempts,
                error=str(exc.user_message or exc)[:1000],
                next_attempt_at=datetime.now(UTC) + _backoff(attempts),
            )
            continue
        await MeterEvent.filter(id=row.id).update(
            sent_at=datetime.now(UTC), attempts=row.attempts + 1, error=None
        )
        sent += 1
    return sent
