"""The event bus: broadcaster on memory:// by default, Redis when VOCALIA_REDIS_URL is set.

This is the only module that imports broadcaster. Messages are JSON strings so every
backend carries them; channels always embed the tenant id.

A process subscribes to a channel once, however many local subscribers it has: one pump task
reads the channel, decodes each message once and appends the (shared, read-only) event to
every local subscriber's queue, in order. A queue may be bounded (max_pending): a subscriber
that falls that far behind is dropped (its queue is emptied, its reader raises
SubscriberOverflow, the on_overflow hook of its context is called) rather than slowing the
others or growing without bound.
"""

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import Context, ContextVar
from typing import Any

import redis.asyncio as aioredis
from broadcaster import Broadcast, BroadcastBackend, Event
from broadcaster._base import Unsubscribed

from models.base import new_id
from resolvers import services

log = logging.getLogger("vocalia.events")


def tenant_channel(tenant_id: str, topic: str) -> str:
    return f"t:{tenant_id}:{topic}"


class RedisPubSubBackend(BroadcastBackend):
    """Redis PUB/SUB for broadcaster. Its own redis backend can start listening before the
    first SUBSCRIBE completes and then wait forever (seen with redis-py 8); this one reads
    with get_message and only once a subscription exists."""

    def __init__(self, url: str) -> None:
        self._conn = aioredis.Redis.from_url(url)
        self._pubsub = self._conn.pubsub(ignore_subscribe_messages=True)
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._has_channels = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        await self._pubsub.connect()
        self._listener = asyncio.create_task(self._listen())

    async def disconnect(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._pubsub.aclose()
        await self._conn.aclose()

    async def subscribe(self, channel: str) -> None:
        await self._pubsub.subscribe(channel)
        self._has_channels.set()

    async def unsubscribe(self, channel: str) -> None:
        await self._pubsub.unsubscribe(channel)

    async def publish(self, channel: str, message: Any) -> None:
        await self._conn.publish(channel, message)

    async def next_published(self) -> Event:
        return await self._queue.get()

    async def _listen(self) -> None:
        while True:
            await self._has_channels.wait()
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is None:
                if not self._pubsub.subscribed:
                    self._has_channels.clear()
                    # A SUBSCRIBE may have landed between the check and the clear.
                    if self._pubsub.subscribed:
                        self._has_channels.set()
                continue
            if message.get("type") == "message":
                channel, data = message["channel"], message["data"]
                await self._queue.put(
                    Event(
                        channel=channel.decode() if isinstance(channel, bytes) else str(channel),
                        message=data.decode() if isinstance(data, bytes) else str(data),
                    )
                )


class SubscriberOverflow(Exception):
    """A subscriber fell more than its max_pending events behind; it was dropped."""

    def __init__(self, channel: str, max_pending: int) -> None:
        super().__init__(f"subscriber of {channel} fell {max_pending} events behind")
        self.channel = channel
        self.max_pending = max_pending


# Set by a transport around the code that subscribes (a contextvar, so the domain never sees
# the transport): called, synchronously and once, when one of those subscribers overflows, so
# the transport can drop the slow client at once instead of at its next read.
on_overflow: ContextVar[Callable[[SubscriberOverflow], None] | None] = ContextVar(
    "vocalia_bus_on_overflow", default=None
)


class _Local(AsyncIterator[dict[str, Any]]):
    """One subscriber's queue: the events of its channel, in order, not yet read. Events are
    decoded once per process and shared by every local subscriber: read-only."""

    __slots__ = ("_hook", "_pending", "_waiter", "channel", "error", "max_pending", "open")

    def __init__(self, channel: str, max_pending: int | None) -> None:
        self.channel = channel
        self.max_pending = max_pending
        self._pending: deque[dict[str, Any]] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._hook = on_overflow.get()
        self.open = True
        self.error: SubscriberOverflow | None = None

    def push(self, event: dict[str, Any]) -> bool:
        """Queue an event; False when this subscriber overflowed (it is then closed)."""
        limit = self.max_pending
        if limit is not None and len(self._pending) >= limit:
            self._overflow(limit)
            return False
        self._pending.append(event)
        self._wake()
        return True

    def close(self) -> None:
        """No more events: the reader ends once it has read what is queued."""
        self.open = False
        self._wake()

    def _overflow(self, limit: int) -> None:
        self.error = SubscriberOverflow(self.channel, limit)
        self._pending.clear()  # the backlog goes now, not when the reader wakes up
        self.close()
        hook, self._hook = self._hook, None
        if hook is not None:
            try:
                hook(self.error)
            except Exception:
                log.exception("overflow hook failed for %s", self.channel)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def __aiter__(self) -> "_Local":
        return self

    async def __anext__(self) -> dict[str, Any]:
        while not self._pending:
            if not self.open:
                if self.error is not None:
                    raise self.error
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._pending.popleft()


class _Channel:
    """This process's one subscription to a channel, fanned out to its local subscribers."""

    def __init__(self, name: str, registration: AbstractAsyncContextManager[Any]) -> None:
        self.name = name
        self.registration = registration
        self.locals: dict[_Local, None] = {}  # insertion-ordered set
        self.pump: asyncio.Task[None] | None = None

    async def run(self, subscriber: Any) -> None:
        try:
            while True:
                try:
                    message = await subscriber.get()
                except Unsubscribed:
                    return
                try:
                    event = json.loads(message.message)
                except ValueError:
                    log.warning("dropped a message on %s that is not JSON", self.name)
                    continue
                for local in tuple(self.locals):
                    if not local.push(event):
                        self.locals.pop(local, None)
        finally:
            for local in self.locals:
                local.close()


class Bus:
    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        if url.startswith(("redis://", "rediss://")):
            self._broadcast = Broadcast(backend=RedisPubSubBackend(url))
        else:
            self._broadcast = Broadcast(url)
        self._connected = False
        self._registering = asyncio.Lock()
        self._channels: dict[str, _Channel] = {}

    async def connect(self) -> None:
        await self._broadcast.connect()
        self._connected = True

    async def disconnect(self) -> None:
        """Ends every local subscriber's iteration (after what it has queued), then the
        backend connection."""
        if self._connected:
            self._connected = False
            async with self._registering:
                channels, self._channels = list(self._channels.values()), {}
                for shared in channels:
                    with contextlib.suppress(Exception):
                        await self._close_channel(shared)
            await self._broadcast.disconnect()

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        await self._broadcast.publish(
            channel=channel, message=json.dumps(event, separators=(",", ":"))
        )

    @asynccontextmanager
    async def subscribe(
        self, channel: str, max_pending: int | None = None
    ) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """The channel's events from now on, in order, until the bus disconnects. The dicts
        are shared with the channel's other local subscribers: never mutate them. With
        max_pending, falling that many events behind drops this subscriber: the iterator
        raises SubscriberOverflow (and the context's on_overflow hook is called at once)."""
        local = _Local(channel, max_pending)
        # broadcaster registers a channel's first subscriber only after the backend's
        # SUBSCRIBE returns (and drops its last one before UNSUBSCRIBE returns): on Redis,
        # where those await the network, two entering or leaving together would overwrite
        # each other. The process's one registration per channel changes under a lock.
        async with self._registering:
            if not self._connected:
                raise ConnectionError("the event bus is not connected")
            shared = self._channels.get(channel)
            if shared is None:
                registration = self._broadcast.subscribe(channel=channel)
                subscriber = await registration.__aenter__()
                shared = _Channel(channel, registration)
                # A context of its own: not the first subscriber's (its hooks, its request).
                shared.pump = asyncio.create_task(
                    shared.run(subscriber), name=f"bus:{channel}", context=Context()
                )
                self._channels[channel] = shared
            shared.locals[local] = None
        try:
            yield local
        finally:
            # Shielded: a subscriber cancelled again while it waits must still unregister.
            await asyncio.shield(self._leave(shared, local))

    async def _leave(self, shared: _Channel, local: _Local) -> None:
        local.close()
        shared.locals.pop(local, None)
        if shared.locals:
            return
        async with self._registering:
            if shared.locals or self._channels.get(shared.name) is not shared:
                return
            del self._channels[shared.name]
            await self._close_channel(shared)

    async def _close_channel(self, shared: _Channel) -> None:
        try:
            await shared.registration.__aexit__(None, None, None)
        finally:
            if shared.pump is not None:
                shared.pump.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await shared.pump

    def local_subscribers(self, channel: str) -> int:
        """Subscribers of a channel in this process (tests and benchmarks wait on it)."""
        shared = self._channels.get(channel)
        return len(shared.locals) if shared is not None else 0

    async def ping(self, wait: float = 2.0) -> bool:
        """A round trip through the backend: publish on a private channel and read it back."""
        if not self._connected:
            return False
        channel = new_id("health", 12)
        try:
            async with self.subscribe(channel) as events:
                # Redis subscriptions become active asynchronously; publish until one arrives.
                async def first() -> dict[str, Any]:
                    async for ev in events:
                        return ev
                    raise ConnectionError("bus closed")

                reader = asyncio.ensure_future(first())
                try:
                    async with asyncio.timeout(wait):
                        while not reader.done():
                            await self.publish(channel, {"ping": channel})
                            await asyncio.wait({reader}, timeout=0.05)
                    return reader.result().get("ping") == channel
                finally:
                    reader.cancel()
        except (TimeoutError, OSError, ConnectionError):
            return False


def get_bus() -> Bus:
    bus = services.current().bus
    if bus is None:
        raise RuntimeError("the event bus is not connected (app lifespan not started)")
    return bus


def bus_url(redis_url: str | None) -> str:
    return redis_url if redis_url else "memory://"
