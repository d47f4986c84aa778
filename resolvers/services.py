"""The process's services in one object: rate limiter, call and socket slots, session store,
event bus, webhook worker, carriers, the knowledge base's embedder, and the small caches that
go with them.

`open_services(settings)` builds them in order on an AsyncExitStack and makes them current; on
exit, or as soon as any step of start-up fails, what was opened is closed in reverse order and
the previous services come back. The transports (app.py) add their own parts (carriers, voice
engine, background tasks) to the same stack, so one `async with` owns the whole lifecycle.

The domain reads them through the usual accessors (`limits.get_limiter()`, `events.get_bus()`,
`carriers.get()`, ...), which read `current()`. Outside an app (CLI commands, unit tests) the
current services are in-memory ones with no bus. Tests start every case from `reset()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from resolvers.settings import Settings, configure

if TYPE_CHECKING:
    from resolvers.carriers import Carrier
    from resolvers.concurrency import CallSlots
    from resolvers.conversations import TextBrain
    from resolvers.events import Bus
    from resolvers.knowledge.embedding import Embedder
    from resolvers.knowledge.jobs import JobRunner
    from resolvers.limits import RateLimiter, SocketSlots
    from resolvers.outbox import DeliveryWorker
    from resolvers.revocation import SessionStore


@dataclass
class Services:
    limiter: RateLimiter
    call_slots: CallSlots
    socket_slots: SocketSlots
    sessions: SessionStore
    bus: Bus | None = None
    worker: DeliveryWorker | None = None
    kb_jobs: JobRunner | None = None  # this process's knowledge-base crawls
    # The agent answering POST /respond: the voice engine's brain (the app installs it).
    text_brain: TextBrain | None = None
    # The voice engine's state for the admin health report (the app installs it).
    voice_status: Callable[[], dict[str, Any]] | None = None
    carriers: dict[str, Carrier] = field(default_factory=dict)
    # tenant id -> (expires at, plan, suspended): what the gate reads, kept a few seconds.
    plan_cache: dict[str, tuple[float, str, bool]] = field(default_factory=dict)
    # client IP -> until when it is refused (epoch seconds) after too many failed logins.
    blocked_ips: dict[str, float] = field(default_factory=dict)
    stack: AsyncExitStack | None = None
    started_at: float = field(default_factory=time.time)
    _embedder: Embedder | None = None

    @property
    def embedder(self) -> Embedder:
        """The knowledge base's embedder: the settings' in opened services, else the offline
        default, made on first use."""
        if self._embedder is None:
            from resolvers.knowledge.embedding import NgramEmbedder

            self._embedder = NgramEmbedder()
        return self._embedder

    @embedder.setter
    def embedder(self, embedder: Embedder) -> None:
        self._embedder = embedder

    @property
    def exit_stack(self) -> AsyncExitStack:
        """The stack that closes these services (only those open_services opened have one)."""
        if self.stack is None:
            raise RuntimeError("these services were not opened by open_services")
        return self.stack

    def add_carrier(self, carrier: Carrier) -> None:
        """Register a carrier, closed with the services (before what was opened earlier)."""
        self.carriers[carrier.name] = carrier
        if self.stack is not None:
            self.stack.push_async_callback(carrier.close)

    async def reset(self) -> None:
        """Forget rate windows, blocked IPs and cached plans (tests start every case here)."""
        await self.limiter.reset()
        self.blocked_ips.clear()
        self.plan_cache.clear()


def in_memory() -> Services:
    """Services with nothing to open: memory limiter, slots and sessions, no bus, no carrier."""
    from resolvers.concurrency import MemoryCallSlots
    from resolvers.limits import MemoryRateLimiter, MemorySocketSlots
    from resolvers.revocation import MemorySessionStore

    return Services(
        limiter=MemoryRateLimiter(),
        call_slots=MemoryCallSlots(),
        socket_slots=MemorySocketSlots(),
        sessions=MemorySessionStore(),
    )


async def cancel_task(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


_current: Services | None = None


def current() -> Services:
    global _current
    if _current is None:
        _current = in_memory()
    return _current


def _make_current(services: Services | None) -> None:
    global _current
    _current = services


@asynccontextmanager
async def open_services(
    settings: Settings, *, run_migrations: bool = True
) -> AsyncIterator[Services]:
    """Open the database and the shared services for ``settings``, in dependency order."""
    from resolvers import concurrency, db, events, limits, outbox, revocation
    from resolvers.knowledge.embedding import make_embedder
    from resolvers.knowledge.jobs import JobRunner

    async with AsyncExitStack() as stack:
        configure(settings)
        stack.callback(_make_current, _current)  # restored last, once everything is closed
        services = in_memory()
        services.stack = stack
        _make_current(services)

        if run_migrations:
            await db.migrate(settings.database_url)
        await db.open_db(settings.database_url)
        stack.push_async_callback(db.close_db)

        url, prefix = settings.redis_url, settings.redis_prefix
        services.limiter = limits.make_limiter(url, prefix)
        stack.push_async_callback(services.limiter.close)
        services.call_slots = concurrency.make_slots(url, prefix)
        stack.push_async_callback(services.call_slots.close)
        services.socket_slots = limits.make_socket_slots(url, prefix, settings.socket_slot_ttl)
        await services.socket_slots.start()
        stack.push_async_callback(services.socket_slots.close)
        services.sessions = revocation.make_store(url, prefix)
        stack.push_async_callback(services.sessions.close)

        bus = events.Bus(events.bus_url(url))
        await bus.connect()
        stack.push_async_callback(bus.disconnect)
        services.bus = bus
        listener = await revocation.start_listener(bus)
        stack.push_async_callback(cancel_task, listener)

        worker = outbox.DeliveryWorker()
        await worker.start()
        stack.push_async_callback(worker.stop)
        services.worker = worker

        # Closed after everything that searches or writes the knowledge base.
        services.embedder = make_embedder(settings)
        stack.push_async_callback(services.embedder.aclose)

        # Crawls stop before the bus and the database they write to close; their rows
        # keep the frontier for whichever process resumes them.
        services.kb_jobs = JobRunner()
        stack.push_async_callback(services.kb_jobs.close)
        yield services
