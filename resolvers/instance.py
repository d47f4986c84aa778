"""This server process: its id, its heartbeat, and the control channel through which
another process can reach the calls it drives (transfer, hangup)."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from models.base import new_id
from models.process import ProcessHeartbeat
from resolvers import events

log = logging.getLogger("vocalia.instance")

INSTANCE_ID = new_id("proc", 16)

ControlHandler = Callable[[dict[str, Any]], Awaitable[None]]


def control_channel(instance_id: str) -> str:
    return f"ctl:{instance_id}"


async def beat() -> None:
    now = datetime.now(UTC)
    updated = await ProcessHeartbeat.filter(id=INSTANCE_ID).update(last_seen=now)
    if not updated:
        await ProcessHeartbeat.create(id=INSTANCE_ID, last_seen=now, started_at=now)


async def live_instances(stale_after: float) -> set[str]:
    cutoff = datetime.now(UTC) - timedelta(seconds=stale_after)
    rows = await ProcessHeartbeat.filter(last_seen__gte=cutoff).values_list("id", flat=True)
    return {str(r) for r in rows} | {INSTANCE_ID}


async def forget_stale(stale_after: float) -> None:
    cutoff = datetime.now(UTC) - timedelta(seconds=stale_after * 10)
    await ProcessHeartbeat.filter(last_seen__lt=cutoff).delete()


async def send_control(owner: str | None, message: dict[str, Any], local: ControlHandler) -> None:
    """Run a control message on the process that owns the call: here directly, elsewhere
    through the bus (that process subscribes to its own channel)."""
    if owner is None or owner == INSTANCE_ID:
        await local(message)
        return
    await events.get_bus().publish(control_channel(owner), message)


async def listen_for_control(handler: ControlHandler, ready: asyncio.Event) -> None:
    bus = events.get_bus()
    async with bus.subscribe(control_channel(INSTANCE_ID)) as messages:
        ready.set()
        async for message in messages:
            try:
                await handler(message)
            except Exception:
                log.exception("control message failed: %s", message)


async def heartbeat_loop(
    every: float, stale_after: float, on_sweep: Callable[[], Awaitable[object]]
) -> None:
    """Heartbeat, then let the caller fail what dead processes left behind; repeat."""
    while True:
        try:
            await beat()
            await on_sweep()
            await forget_stale(stale_after)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("heartbeat round failed")
        await asyncio.sleep(every)
