"""The event bus (memory, or Redis on the postgres backend): subscribers that arrive or leave
together all keep hearing their channel."""

import asyncio
from typing import Any

from models.base import new_id
from resolvers import events


async def _first(bus: events.Bus, channel: str, ready: asyncio.Event) -> dict[str, Any]:
    async with bus.subscribe(channel) as stream:
        ready.set()
        async for event in stream:
            return event
    raise AssertionError("the stream ended")


async def test_concurrent_subscribers_of_one_channel_all_receive(app: object) -> None:
    bus = events.get_bus()
    channel = events.tenant_channel("bus_test", new_id("chan", 8))
    readies = [asyncio.Event() for _ in range(5)]
    # Started in the same loop iteration: on Redis each awaits its SUBSCRIBE together.
    readers = [asyncio.ensure_future(_first(bus, channel, r)) for r in readies]
    async with asyncio.timeout(5):
        for ready in readies:
            await ready.wait()
        assert bus.local_subscribers(channel) == 5
        # Redis subscriptions become active asynchronously: publish until all have heard.
        while not all(r.done() for r in readers):
            await bus.publish(channel, {"n": 1})
            await asyncio.wait(readers, timeout=0.05)
    assert [r.result() for r in readers] == [{"n": 1}] * 5
    assert bus.local_subscribers(channel) == 0


async def test_a_subscriber_leaving_does_not_silence_one_arriving(app: object) -> None:
    bus = events.get_bus()
    channel = events.tenant_channel("bus_test", new_id("chan", 8))
    leaving_ready = asyncio.Event()
    leaving = asyncio.ensure_future(_first(bus, channel, leaving_ready))
    await leaving_ready.wait()
    arriving_ready = asyncio.Event()
    leaving.cancel()  # unsubscribes while the next one subscribes
    arriving = asyncio.ensure_future(_first(bus, channel, arriving_ready))
    async with asyncio.timeout(5):
        await arriving_ready.wait()
        await asyncio.gather(leaving, return_exceptions=True)
        while not arriving.done():
            await bus.publish(channel, {"n": 2})
            await asyncio.wait({arriving}, timeout=0.05)
    assert arriving.result() == {"n": 2}
    assert bus.local_subscribers(channel) == 0
