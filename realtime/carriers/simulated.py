"""The simulated carrier: it rings, answers and plays a scripted caller against the agent.

Numbers ending 0001 are busy, 0002 do not answer, 0003 fail. The caller's lines come from
``metadata.simulate.script`` or a default script in the agent's language; they are synthesized
and streamed as audio through the same voice pipeline as a real caller's. The caller hangs up
after the agent has answered its last line (customer-hangup), unless the agent ended the call
first (agent-hangup, e.g. its end_call on a goodbye it recognised).
"""

import asyncio
import functools
import logging
from collections.abc import Awaitable
from typing import Any

from models.agent import Agent
from models.call import Call
from models.tenant import Tenant
from realtime import engine, registry
from realtime.audio import resample, silence
from realtime.session import SessionOptions, VoiceSession
from resolvers import calls
from resolvers.settings import Settings, get_settings

log = logging.getLogger("vocalia.carrier.simulated")

DEFAULT_SCRIPTS = {
    "fr": [
        "Bonjour, je voudrais des informations sur vos services.",
        "Quels sont vos horaires ?",
        "Merci, au revoir.",
    ],
    "en": [
        "Hello, I would like some information about your services.",
        "What are your opening hours?",
        "Thank you, goodbye.",
    ],
    "es": [
        "Hola, quisiera información sobre sus servicios.",
        "¿Cuál es su horario?",
        "Gracias, adiós.",
    ],
    "ar": ["مرحبا، أريد معلومات عن خدماتكم.", "ما هي أوقات العمل؟", "شكرا، مع السلامة."],
    "ary": ["السلام، بغيت شي معلومات على الخدمات ديالكم.", "فوقاش كتحلو؟", "شكرا، بسلامة."],
}
MAX_SCRIPT_LINES = 50
RATE = 16000


class _Ear:
    """The simulated caller's side of the line: it hears the agent without a clock."""

    async def send_audio(self, pcm: bytes) -> None:
        return None

    async def send_event(self, message: dict[str, Any]) -> None:
        return None

    async def send_interrupt(self) -> None:
        return None

    async def send_mark(self, name: str) -> None:
        return None


def script_for(call: Call) -> list[str]:
    simulate = call.metadata.get("simulate") if isinstance(call.metadata, dict) else None
    if isinstance(simulate, dict):
        script = simulate.get("script")
        if isinstance(script, list) and all(isinstance(line, str) for line in script):
            return [line[:1000] for line in script[:MAX_SCRIPT_LINES]]
    return DEFAULT_SCRIPTS.get(call.language, DEFAULT_SCRIPTS["fr"])


class _Stopped(Exception):
    """The call was transferred, hung up or the server is shutting down."""


class SimulatedCarrier:
    name = "simulated"

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stops: dict[str, asyncio.Event] = {}

    async def start(self, call: Call, agent: Agent) -> None:
        task = asyncio.create_task(self._run(call, agent), name=f"sim-{call.id}")
        self._tasks[call.id] = task
        self._stops[call.id] = asyncio.Event()
        task.add_done_callback(functools.partial(self._forget, call.id))

    def _forget(self, call_id: str, _task: object = None) -> None:
        self._tasks.pop(call_id, None)
        self._stops.pop(call_id, None)

    async def transfer(self, call: Call, to: str, message: str | None) -> None:
        if message and message.strip() and registry.get(call.id) is not None:
            registry.hand_over(call.id, message)  # the session ends once it is said
            return
        await self._stop(call.id)

    async def hangup(self, call: Call) -> None:
        await self._stop(call.id)

    async def _stop(self, call_id: str) -> None:
        # Cooperative: the call stops at its next pause, never in the middle of a database
        # write (cancelling inside a transaction could leave SQLite's connection locked).
        stop = self._stops.get(call_id)
        task = self._tasks.get(call_id)
        if stop is not None:
            stop.set()
        if task is not None and task is not asyncio.current_task():
            await asyncio.wait({task}, timeout=5)

    async def close(self) -> None:
        for stop in self._stops.values():
            stop.set()
        tasks = list(self._tasks.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=5)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _pause(self, call_id: str, seconds: float) -> None:
        stop = self._stops.get(call_id)
        if stop is None:
            await asyncio.sleep(seconds)
            return
        try:
            async with asyncio.timeout(seconds):
                await stop.wait()
        except TimeoutError:
            return
        raise _Stopped

    async def _run(self, call: Call, agent: Agent) -> None:
        try:
            await self._dial(call, agent)
        except _Stopped:
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("simulated call %s crashed", call.id)
            await calls.end_call(call.id, reason="agent-error", failed=True)

    @property
    def settings(self) -> Settings:
        # Read at each call, so an operator (or a test) can retune the pacing.
        return get_settings()

    async def _dial(self, call: Call, agent: Agent) -> None:
        s = self.settings
        suffix = (call.to_number or "")[-4:]
        await self._pause(call.id, s.sim_ring_seconds / 4)
        if suffix == "0003":
            await calls.end_call(call.id, reason="carrier-error", failed=True)
            return
        if await calls.mark_ringing(call.id) is None:
            return
        if suffix == "0001":
            await self._pause(call.id, s.sim_ring_seconds)
            await calls.end_call(call.id, reason="busy", failed=True)
            return
        if suffix == "0002":
            await self._pause(call.id, s.sim_no_answer_seconds)
            await calls.end_call(call.id, reason="no-answer", failed=True)
            return
        await self._pause(call.id, s.sim_answer_seconds)
        if await calls.mark_answered(call.id) is None:
            return
        await self._converse(call, agent)

    async def _until(self, call_id: str, work: Awaitable[None]) -> None:
        """Await ``work`` unless the call is stopped first (then raise _Stopped)."""
        stop = self._stops.get(call_id)
        task = asyncio.ensure_future(work)
        if stop is None:
            await task
            return
        halt = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({task, halt}, return_when=asyncio.FIRST_COMPLETED)
        for pending in (task, halt):
            if pending not in done:
                pending.cancel()
        if task not in done:
            raise _Stopped

    async def _converse(self, call: Call, agent: Agent) -> None:
        """The scripted caller speaks each line as audio into a real voice session and waits
        for the agent's answer, without a wall clock (the pipeline counts frames)."""
        settings = self.settings
        tenant = await Tenant.get(id=call.tenant_id)
        voice = engine.providers(settings, tenant.plan)
        options = SessionOptions.from_settings(settings, RATE, RATE)
        options.realtime = False
        session = VoiceSession(call, agent, tenant.timezone, voice, _Ear(), options)
        registry.add(session)
        runner = asyncio.create_task(session.run(), name=f"sim-session-{call.id}")
        try:
            for line in script_for(call):
                await self._until(call.id, session.wait_idle())
                if session.stopping:
                    break
                await self._pause(call.id, settings.sim_turn_seconds)
                spoken = await voice.tts.synthesize(line, call.language)
                pcm = resample(spoken.pcm, spoken.rate, RATE)
                tail = silence(RATE, settings.end_of_turn_ms + 300)
                session.push_audio(silence(RATE, 200) + pcm + tail)
            else:
                await self._until(call.id, session.wait_idle())
                await self._pause(call.id, settings.sim_turn_seconds / 2)
                session.stop("customer-hangup")
        except _Stopped:
            session.stop(None)
        finally:
            if not session.stopping:
                session.stop("agent-error", failed=True)
            await asyncio.gather(runner, return_exceptions=True)
            registry.remove(session)

    def running(self) -> dict[str, Any]:
        return {"calls": sorted(self._tasks)}
