"""The event bus: broadcaster on memory:// by default, Redis when VOCALIA_REDIS_URL is set.

This is the only module that imports broadcaster. Messages are JSON strings so every
backend carries them; channels always embed the tenant id.
"""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from broadcaster import Broadcast, BroadcastBackend, Event
from broadcaster._base import Unsubscribed

from models.base import new_id


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


class Bus:
    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        if url.startswith(("redis://", "rediss://")):
            self._broadcast = Broadcast(backend=RedisPubSubBackend(url))
        else:
            self._broadcast = Broadcast(url)
        self._connected = False
        self._registering = asyncio.Lock()

    async def connect(self) -> None:
        await self._broadcast.connect()
        self._connected = True

    async def disconnect(self) -> None:
        if self._connected:
            self._connected = False
            await self._broadcast.disconnect()

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        await self._broadcast.publish(
            channel=channel, message=json.dumps(event, separators=(",", ":"))
        )

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        # broadcaster registers a channel's first subscriber only after the backend's
        # SUBSCRIBE returns (and drops its last one before UNSUBSCRIBE returns): on Redis,
        # where those await the network, two subscribers entering or leaving together
        # overwrite each other and one never hears a thing. One at a time, then.
        registration = self._broadcast.subscribe(channel=channel)
        async with self._registering:
            subscriber = await registration.__aenter__()
        try:

            async def events() -> AsyncIterator[dict[str, Any]]:
                while True:
                    try:
                        ev = await subscriber.get()
                    except Unsubscribed:
                        return
                    yield json.loads(ev.message)

            yield events()
        finally:
            # Shielded: a subscriber cancelled again while it waits must still unregister.
            await asyncio.shield(self._leave(registration))

    async def _leave(self, registration: AbstractAsyncContextManager[Any]) -> None:
        async with self._registering:
            await registration.__aexit__(None, None, None)

    def local_subscribers(self, channel: str) -> int:
        """Subscribers of a channel in this process (tests and benchmarks wait on it)."""
        return len(self._broadcast._subscribers.get(channel, ()))

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


_bus: Bus | None = None


def install(bus: Bus | None) -> None:
    global _bus
    _bus = bus


def get_bus() -> Bus:
    if _bus is None:
        raise RuntimeError("the event bus is not connected (app lifespan not started)")
    return _bus


def bus_url(redis_url: str | None) -> str:
    return redis_url if redis_url else "memory://"
