"""The voice sessions this process drives, by call id, and the ``web`` carrier: API hang-ups
and transfers of a web call (routed to the owning process by the call engine) reach its
session here."""

import asyncio
from collections.abc import Coroutine
from typing import Any

from models.agent import Agent
from models.call import Call
from realtime.session import VoiceSession

_sessions: dict[str, VoiceSession] = {}


def add(session: VoiceSession) -> None:
    _sessions[session.call.id] = session


def remove(session: VoiceSession) -> None:
    if _sessions.get(session.call.id) is session:
        del _sessions[session.call.id]


def get(call_id: str) -> VoiceSession | None:
    return _sessions.get(call_id)


def stop(call_id: str) -> None:
    """The call already ended in the database: end its session without another transition."""
    session = _sessions.get(call_id)
    if session is not None:
        session.stop(None)


def hand_over(call_id: str, message: str | None) -> None:
    """The call was transferred (already ended in the database): its session says
    ``message`` to the caller, if any, then ends."""
    session = _sessions.get(call_id)
    if session is None:
        return
    if message and message.strip():
        session.hand_over(message)
    else:
        session.stop(None)


async def drive(session: VoiceSession, reader: Coroutine[Any, Any, None]) -> None:
    """Run ``session`` while ``reader`` feeds it from its transport, until the session ends
    (the reader stops it when the client ends or leaves). The session is reachable by its
    call id meanwhile, for API hang-ups and transfers."""
    add(session)
    runner = asyncio.create_task(session.run(), name=f"session-{session.call.id}")
    reading = asyncio.create_task(reader, name=f"reader-{session.call.id}")
    try:
        await asyncio.wait({runner})
    finally:
        remove(session)
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)
        if not runner.done():
            session.stop("customer-hangup")
            await asyncio.gather(runner, return_exceptions=True)


def count() -> int:
    return len(_sessions)


class WebCarrier:
    """Web calls are opened by their stream; the engine only ever stops them."""

    name = "web"

    async def start(self, call: Call, agent: Agent) -> None:
        raise RuntimeError("web calls start from WS /v1/stream")

    async def transfer(self, call: Call, to: str, message: str | None) -> None:
        hand_over(call.id, message)

    async def hangup(self, call: Call) -> None:
        stop(call.id)

    async def close(self) -> None:
        """Shutting down: every session ends (its call fails with server-restart)."""
        sessions = list(_sessions.values())
        for session in sessions:
            session.stop("server-restart", failed=True)
        for _ in range(100):
            if not _sessions:
                return
            await asyncio.sleep(0.05)

    def running(self) -> dict[str, Any]:
        return {"calls": sorted(_sessions)}
