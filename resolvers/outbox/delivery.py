"""The delivery worker: at least once, on the retry schedule, never following redirects;
410 disables an endpoint, as does failing for the configured window."""

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from secrets import randbelow
from typing import Any

import httpx
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from models.tenant import WebhookEndpoint
from models.webhook import WebhookAttempt, WebhookDelivery
from resolvers import outbound
from resolvers.errors import DomainError
from resolvers.outbox.signing import _secrets_for, signed_headers
from resolvers.settings import Settings, get_settings
from resolvers.urls import vet_outbound_url

log = logging.getLogger("vocalia.webhooks")


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: int = 0


class DeliveryWorker:
    """Claims due deliveries (a lease in the row, so several processes can share the
    outbox), posts them and schedules retries. Owned by the app's lifespan.

    At most ``concurrency`` deliveries are leased by this worker at a time; places are
    refilled as soon as half of them are free, so a slow receiver holds one place, never the
    whole worker. Without explicit ``settings`` it reads the process settings at each round,
    so the retry schedule, timeout and lease can be retuned without a restart (tests do)."""

    def __init__(self, settings: Settings | None = None, *, concurrency: int = 16) -> None:
        self._settings = settings
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._limit = concurrency
        self._refill = max(1, concurrency // 2)
        # Deliveries claimed by this worker and not yet settled. A lease shorter than a slow
        # request must not let this worker claim its own in-flight delivery a second time.
        self._leased: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._successes = SuccessLog()
        self._client = outbound.client(
            timeout=self.settings.webhook_timeout,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )
        self._task: asyncio.Task[None] | None = None

    @property
    def settings(self) -> Settings:
        return self._settings or get_settings()

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
        try:
            while True:
                self._wake.clear()
                room = self._limit - len(self._leased)
                if room < self._refill:
                    await self._wait_for_room()
                    continue
                try:
                    claimed = await self._claim(room)
                except Exception:  # the worker outlives a failed round (database restart)
                    log.exception("claiming webhook deliveries failed")
                    claimed = -1
                if claimed == room:
                    continue  # more may be due: claim again once places free up
                await self._idle(1.0 if claimed < 0 else None)
        finally:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _wait_for_room(self) -> None:
        self._room.clear()
        if self._limit - len(self._leased) >= self._refill:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                await self._room.wait()

    async def _idle(self, wait: float | None) -> None:
        """Until wake() (new events committed, a retry rescheduled) or the next due time."""
        if wait is None:
            try:
                wait = await self._idle_wait()
            except Exception:
                log.exception("reading the webhook outbox failed")
                wait = 1.0
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await self._wake.wait()

    async def _idle_wait(self) -> float:
        """Until the next delivery falls due: its next attempt, or the end of the lease a
        stopped process left on it (waking earlier would only poll)."""
        now = datetime.now(UTC)
        free = Q(locked_until=None) | Q(locked_until__lt=now)
        pending = WebhookDelivery.filter(free, status="pending")
        if self._leased:
            pending = pending.exclude(id__in=list(self._leased))
        due = (
            await pending.order_by("next_attempt_at")
            .limit(1)
            .values_list("next_attempt_at", flat=True)
        )
        leased = (
            await WebhookDelivery.filter(status="pending", locked_until__gte=now)
            .order_by("locked_until")
            .limit(1)
            .values_list("locked_until", flat=True)
        )
        values: list[object] = [*due, *leased]
        times = [t for t in values if isinstance(t, datetime)]
        if not times:
            return 1.0
        return max(0.005, min(1.0, (min(times) - now).total_seconds()))

    async def _claim(self, limit: int) -> int:
        """Lease up to ``limit`` due deliveries and start posting them; returns how many.

        One conditional UPDATE leases them all; the lease's random microseconds tell this
        claim's rows from those a concurrent process leased at the same moment. The rows come
        back with their event and endpoint in one query. Deliveries of one call to one
        destination are posted in order, one after the other; the rest run concurrently."""
        now = datetime.now(UTC)
        free = Q(locked_until=None) | Q(locked_until__lt=now)
        due = WebhookDelivery.filter(free, status="pending", next_attempt_at__lte=now)
        if self._leased:
            due = due.exclude(id__in=list(self._leased))
        ids = list(
            await due.order_by("next_attempt_at", "created_at")
            .limit(limit)
            .values_list("id", flat=True)
        )
        if not ids:
            return 0
        lease = now + timedelta(
            seconds=self.settings.webhook_lock_seconds, microseconds=randbelow(1000)
        )
        await WebhookDelivery.filter(free, id__in=ids, status="pending").update(locked_until=lease)
        rows = await WebhookDelivery.filter(id__in=ids, locked_until=lease).select_related(
            "event", "endpoint"
        )
        queues: dict[object, list[WebhookDelivery]] = {}
        for row in rows:
            key = (row.url, row.event.call_id) if row.event.call_id else row.id
            queues.setdefault(key, []).append(row)
        for queue in queues.values():
            queue.sort(key=lambda d: (d.event.created_at, d.created_at))
            self._leased.update(d.id for d in queue)
            task = asyncio.create_task(self._deliver_in_order(queue))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(rows)

    async def _deliver_in_order(self, queue: list[WebhookDelivery]) -> None:
        for delivery in queue:
            try:
                settled = await send(
                    delivery, self._client, self.settings, successes=self._successes
                )
                if settled.status == "pending":
                    self.wake()  # a retry is scheduled: the idle wait must know its time
            except Exception:
                log.exception("delivery %s failed unexpectedly", delivery.id)
            finally:
                self._leased.discard(delivery.id)
                if self._limit - len(self._leased) >= self._refill:
                    self._room.set()


async def deliver(
    delivery_id: str, client: httpx.AsyncClient, settings: Settings
) -> WebhookDelivery:
    """Post one delivery now (the caller holds its lease) and record the outcome."""
    delivery = await WebhookDelivery.get(id=delivery_id).select_related("event", "endpoint")
    return await send(delivery, client, settings)


async def send(
    delivery: WebhookDelivery,
    client: httpx.AsyncClient,
    settings: Settings,
    *,
    successes: "SuccessLog | None" = None,
) -> WebhookDelivery:
    """Post a delivery loaded with its event and endpoint; returns it as settled (a success
    through ``successes`` when given: committed together with its neighbours')."""
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
    outcome = await _post(delivery, secrets, client, settings.webhook_timeout)
    if (
        successes is not None
        and outcome.status_code is not None
        and 200 <= outcome.status_code < 300
    ):
        await successes.add(delivery, outcome, datetime.now(UTC))
        return delivery
    return await _settle(delivery, outcome, settings)


async def _post(
    delivery: WebhookDelivery, secrets: list[str], client: httpx.AsyncClient, request_timeout: float
) -> Outcome:
    try:
        # Again at each delivery: DNS may have changed. The connection is pinned to the
        # addresses checked here when ``client`` is an outbound.client (rebinding).
        target = await vet_outbound_url(delivery.url)
    except DomainError as exc:
        return Outcome(None, f"refused: {exc.message}"[:500])
    started = time.monotonic()
    try:
        response = await outbound.post(
            client,
            target,
            content=delivery.event.body.encode(),
            headers=signed_headers(delivery.event, secrets),
            timeout=request_timeout,
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
    if code == 410:
        # Gone: never retried; an endpoint is disabled (a call's own URL has no endpoint).
        if endpoint is not None:
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
                enabled=False,
                disabled_reason=f"failing for {_span(settings.webhook_disable_after)}",
            )
            return await _finish(delivery, "failed", outcome, now)
    attempts = delivery.attempts + 1
    schedule = settings.webhook_retry_schedule
    if attempts >= len(schedule):
        return await _finish(delivery, "failed", outcome, now)
    delay = schedule[attempts] * random.uniform(0.9, 1.1)  # noqa: S311 (jitter, not security)
    return await _record(
        delivery,
        outcome,
        now,
        attempts=attempts,
        next_attempt_at=now + timedelta(seconds=delay),
        locked_until=None,
        last_status_code=code,
        last_error=outcome.error,
    )


def _span(seconds: float) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)} {unit}"
    return f"{seconds:g} seconds"


async def _finish(
    delivery: WebhookDelivery, status: str, outcome: Outcome, now: datetime, *, record: bool = True
) -> WebhookDelivery:
    return await _record(
        delivery,
        outcome if record else None,
        now,
        status=status,
        attempts=delivery.attempts + (1 if record else 0),
        locked_until=None,
        next_attempt_at=None,
        completed_at=now,
        last_status_code=outcome.status_code,
        last_error=outcome.error,
    )


async def _record(
    delivery: WebhookDelivery, attempt: Outcome | None, now: datetime, **changes: Any
) -> WebhookDelivery:
    """The attempt's row and the delivery's new state, in one transaction (one commit)."""
    async with in_transaction():
        if attempt is not None:
            await WebhookAttempt.create(
                delivery_id=delivery.id,
                at=now,
                status_code=attempt.status_code,
                error=attempt.error,
                duration_ms=attempt.duration_ms,
            )
        await WebhookDelivery.filter(id=delivery.id).update(**changes)
    for name, value in changes.items():
        setattr(delivery, name, value)
    return delivery


class SuccessLog:
    """Group commit for successful deliveries: the first waiter writes every success queued
    so far in one transaction (attempt rows in one INSERT, one UPDATE per status code) and
    keeps writing while more arrive; the others wait for their batch. Under load this turns
    two statements and a commit per delivery into a few per batch; idle, it adds no delay."""

    def __init__(self) -> None:
        self._queue: list[tuple[WebhookDelivery, Outcome, datetime, asyncio.Future[None]]] = []
        self._writing = False

    async def add(self, delivery: WebhookDelivery, outcome: Outcome, now: datetime) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((delivery, outcome, now, done))
        if not self._writing:
            self._writing = True
            try:
                while self._queue:
                    batch, self._queue = self._queue, []
                    try:
                        await self._write([(d, o, t) for d, o, t, _ in batch])
                    except BaseException as exc:
                        failure = exc if isinstance(exc, Exception) else RuntimeError("stopped")
                        for *_, waiter in batch:
                            if waiter is not done:
                                waiter.set_exception(failure)
                        raise
                    for *_, waiter in batch:
                        if waiter is not done:
                            waiter.set_result(None)
            finally:
                self._writing = False
                # Cancelled while writing: the waiters left behind must not wait forever.
                for *_, waiter in self._queue:
                    waiter.set_exception(RuntimeError("the writer of this batch stopped"))
                self._queue = []
            return
        await done

    @staticmethod
    async def _write(batch: list[tuple[WebhookDelivery, Outcome, datetime]]) -> None:
        by_code: dict[int | None, list[WebhookDelivery]] = {}
        completed: dict[int | None, datetime] = {}
        for delivery, outcome, now in batch:
            by_code.setdefault(outcome.status_code, []).append(delivery)
            completed[outcome.status_code] = max(now, completed.get(outcome.status_code, now))
        recovered = {d.endpoint.id for d, _, _ in batch if d.endpoint and d.endpoint.failing_since}
        async with in_transaction():
            await WebhookAttempt.bulk_create(
                [
                    WebhookAttempt(
                        delivery_id=d.id,
                        at=now,
                        status_code=o.status_code,
                        error=None,
                        duration_ms=o.duration_ms,
                    )
                    for d, o, now in batch
                ]
            )
            for code, deliveries in by_code.items():
                await WebhookDelivery.filter(id__in=[d.id for d in deliveries]).update(
                    status="succeeded",
                    attempts=F("attempts") + 1,
                    locked_until=None,
                    next_attempt_at=None,
                    completed_at=completed[code],
                    last_status_code=code,
                    last_error=None,
                )
            if recovered:
                await WebhookEndpoint.filter(id__in=list(recovered)).update(failing_since=None)
        for delivery, outcome, _ in batch:
            delivery.status = "succeeded"
            delivery.attempts += 1
            delivery.locked_until = None
            delivery.next_attempt_at = None
            delivery.completed_at = completed[outcome.status_code]
            delivery.last_status_code = outcome.status_code
            delivery.last_error = None
