"""A voice session: one call's conversation between a caller and an agent.

The listener turns caller audio into turns; they queue for the "brain" task, which awaits
their transcript, runs the language model and its tools, then speech synthesis into the
playout queue. A watcher re-prompts after silence and ends the call on the silence timeout
or the maximum duration. One TaskGroup per session: a failure ends that session with an
error frame, never the process.
"""

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from models.agent import Agent
from models.call import Call
from realtime import metrics
from realtime.audio import resample
from realtime.dialogue import TOOLS, Conversation, ModelError
from realtime.metrics import TurnTiming
from realtime.playout import Playout, Sink, Speech
from realtime.session.listener import FRAME_MS, RATE, Listener, Turn
from realtime.session.options import Providers, SessionOptions, end_frame
from realtime.session.tools import SessionTools
from realtime.speech import Audio, SpeechError
from resolvers import calls, personas, web_calls
from resolvers.agents import default_greeting, default_instructions

log = logging.getLogger("vocalia.voice")

MAX_TURNS_QUEUED = 8
STOP_GRACE = 10.0
_SENTENCE = re.compile(r"(?<=[.!?؟。])\s+")


@dataclass
class _Stop:
    reason: str | None  # None: the call already ended elsewhere (API hang-up, transfer)
    failed: bool = False
    error: tuple[str, str] | None = None


class VoiceSession:
    def __init__(
        self,
        call: Call,
        agent: Agent,
        timezone: str,
        providers: Providers,
        sink: Sink,
        options: SessionOptions,
    ) -> None:
        self.call = call
        self.agent = agent
        self.providers = providers
        self.options = options
        self.playout = Playout(sink, FRAME_MS, realtime=options.realtime)
        data = personas.call_values(call.metadata)
        self.conv = Conversation(
            agent_name=agent.name,
            language=call.language,
            timezone=timezone,
            now=datetime.now(UTC),
            instructions=personas.fill(agent.instructions or default_instructions(agent), data),
            greeting=personas.fill(agent.greeting or default_greeting(agent), data),
            faq=list(agent.faq or []),
            tools=tuple(agent.tools or TOOLS),
            transfer_available=bool(agent.transfer_number),
            call_data=data,
        )
        self.listener = Listener(
            options.in_rate,
            end_of_turn_ms=options.end_of_turn_ms,
            barge_in_ms=options.barge_in_ms,
            transcribe=self._transcribe,
            on_turn=self._enqueue,
            on_barge_in=self._barge_in,
            agent_speaking=self.playout.speaking,
            on_partial=self._partial if options.partials else None,
        )
        self._turns: asyncio.Queue[Turn] = asyncio.Queue(MAX_TURNS_QUEUED)
        self._stop: _Stop | None = None
        self._stopped = asyncio.Event()
        self._started = time.monotonic()
        self._last_activity = self._started
        self._reprompted = False
        # Busy from the start when it greets: a caller waiting for its turn (the simulated one)
        # must not find it idle before the brain task has even begun the greeting, speak over
        # it and cut it from the transcript.
        self._busy = options.greet
        # Turns enqueued and not yet answered. The queue alone cannot tell: its getter takes a
        # turn out before the brain resumes to answer it, and a caller waiting for the agent
        # (the simulated one) saw "idle" in between and spoke on, or hung up unanswered.
        self._unanswered = 0
        self._idle = asyncio.Event()
        self.tools = SessionTools(call, agent, self.conv, self.playout)
        self._handover: str | None = None  # an API transfer's message, said before the stop
        self._timings: list[TurnTiming] = []
        self._failures = 0
        self.ended: Call | None = None
        self.close_code = 1000  # what the transport closes with (4500 after an error)

    # --- what the transport feeds in ----------------------------------------------------------

    def push_audio(self, pcm: bytes) -> None:
        """Caller audio (PCM16 LE mono at the input rate), any length."""
        if self._stop is None:
            self.listener.push(pcm)

    def push_text(self, text: str) -> None:
        """A typed turn: same agent, no speech recognition."""
        now = time.monotonic()
        turn = Turn(TurnTiming(decided_at=now, stt_done_at=now), text=text)
        self._enqueue(turn)

    def stop(
        self, reason: str | None, *, failed: bool = False, error: tuple[str, str] | None = None
    ) -> None:
        """End the session (idempotent). ``reason`` None: the call ended elsewhere."""
        if self._stop is None:
            self._stop = _Stop(reason, failed, error)
            self._stopped.set()
            self._idle.set()
            if reason != "agent-hangup":
                self.playout.drop()  # hung up, transferred, timed out: stop talking now

    def hand_over(self, message: str) -> None:
        """The call was transferred elsewhere (the API): say ``message`` to the caller, then
        end the session. What the agent was saying is cut short; it answers nothing more."""
        if self._stop is None and self._handover is None:
            self._handover = message.strip()
            self.playout.interrupt()
            self._idle.clear()

    @property
    def stopping(self) -> bool:
        return self._stop is not None

    async def wait_idle(self) -> None:
        """Until nothing is queued, recognised, answered or played (the simulated caller)."""
        while not self.stopping:
            self._idle.clear()
            if self._is_idle():
                return
            await self._idle.wait()

    def _enqueue(self, turn: Turn) -> None:
        if self.stopping:
            return
        try:
            self._turns.put_nowait(turn)
        except asyncio.QueueFull:
            log.warning("call %s: caller turns queue full; turn dropped", self.call.id)
            return
        self._unanswered += 1
        self._reprompted = False
        self._idle.clear()

    def _partial(self, text: str) -> None:
        if not self.stopping:
            self.playout.event({"type": "transcript", "role": "user", "text": text, "final": False})

    def _barge_in(self, now: float) -> None:
        speech = self.playout.interrupt()
        metrics.INTERRUPTS.inc()
        if speech is not None:
            log.info("call %s: barge-in after %d ms", self.call.id, speech.played_ms(now))

    def _is_idle(self) -> bool:
        return (
            not self._busy
            and self._handover is None
            and self._unanswered == 0
            and not self.playout.speaking(time.monotonic())
            and not self.listener.in_turn
        )

    async def _transcribe(self, audio: bytes) -> str:
        text = await self.providers.stt.transcribe(Audio(audio, RATE), self.call.language)
        return text.strip()

    # --- the session --------------------------------------------------------------------------

    async def run(self) -> Call | None:
        """Drive the conversation until it ends; returns the ended call."""
        metrics.SESSIONS.inc()
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self.playout.run(), name=f"playout-{self.call.id}")
                brain = group.create_task(
                    self._guarded(self._brain()), name=f"brain-{self.call.id}"
                )
                watch = group.create_task(
                    self._guarded(self._watch()), name=f"watch-{self.call.id}"
                )
                await self._stopped.wait()
                # The brain notices the stop at its next step (a recognition or a tool call
                # in flight completes first); only a stuck one is cancelled.
                _, stuck = await asyncio.wait({brain, watch}, timeout=STOP_GRACE)
                for task in stuck:
                    log.warning("call %s: %s did not stop in time", self.call.id, task.get_name())
                    task.cancel()
                await self._finish()
        finally:
            metrics.SESSIONS.dec()
            self.listener.close()
            # Turns nobody will answer: stop their recognition (it holds a voice worker).
            while not self._turns.empty():
                left = self._turns.get_nowait()
                if left.transcript is not None:
                    left.transcript.cancel()
        return self.ended

    async def _guarded(self, work: "asyncio.Future[None] | Any") -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("voice session %s failed", self.call.id)
            metrics.SESSION_ERRORS.labels("internal_error").inc()
            self.close_code = 4500
            self.stop(
                "agent-error", failed=True, error=("internal_error", "the voice session failed")
            )

    async def _finish(self) -> None:
        stop = self._stop or _Stop("customer-hangup")
        if stop.error is not None:
            code, message = stop.error
            self.playout.event({"type": "error", "code": code, "message": message})
        summary = metrics.summary(self._timings)
        if summary:
            await web_calls.set_latency(self.call.id, summary)
        ended = None
        if stop.reason is not None:
            ended = await calls.end_call(self.call.id, reason=stop.reason, failed=stop.failed)
        self.ended = ended or await Call.get_or_none(id=self.call.id)
        if self.ended is not None:
            self.playout.event(end_frame(self.ended))
        self.playout.close()

    async def _watch(self) -> None:
        """Silence re-prompts, the silence timeout and the maximum duration."""
        while not self.stopping:
            try:
                async with asyncio.timeout(0.25):
                    await self._stopped.wait()
            except TimeoutError:
                pass
            if self._handover is not None:
                await self._say(self._handover, handover=True)
                self.stop(None)
                return
            now = time.monotonic()
            if now - self._started >= self.agent.max_duration:
                self.stop("max-duration")
                return
            if not self._is_idle():
                self._last_activity = now
                continue
            quiet = now - self._last_activity
            if quiet >= self.options.silence_timeout_s:
                self.stop("silence-timeout")
                return
            if quiet >= self.options.reprompt_s and not self._reprompted:
                self._reprompted = True
                self._busy = True
                try:
                    await self._say(self.providers.model.reprompt(self.conv))
                finally:
                    self._busy = False
                    self._last_activity = time.monotonic()

    async def _next_turn(self) -> Turn | None:
        get = asyncio.ensure_future(self._turns.get())
        stopped = asyncio.ensure_future(self._stopped.wait())
        done, _ = await asyncio.wait({get, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if get in done:
            stopped.cancel()
            return get.result()
        get.cancel()
        return None

    async def _brain(self) -> None:
        if self.options.greet:
            self._busy = True
            try:
                await self._say(self.conv.greeting)
            finally:
                self._busy = False
        while not self.stopping:
            if self._is_idle():
                self._idle.set()
            turn = await self._next_turn()
            if turn is None:
                return
            self._busy = True
            try:
                await self._answer(turn)
            finally:
                self._unanswered -= 1
                self._busy = False
                self._last_activity = time.monotonic()
                self._idle.set()
            if self.tools.pending_transfer is not None:
                target, self.tools.pending_transfer = self.tools.pending_transfer, None
                if self.tools.transfer_message:
                    # Said and recorded while the call is still in progress, before the bridge.
                    await self._say(self.tools.transfer_message)
                await web_calls.transfer_by_agent(self.call.id, target)
                self.stop(None)
            elif self.tools.pending_end:
                self.stop("agent-hangup")

    async def _answer(self, turn: Turn) -> None:
        text = turn.text
        if turn.transcript is not None:
            try:
                text = await turn.transcript
            except SpeechError as exc:
                self._fail_once("speech recognition failed", exc)
                return
            turn.timing.stt_done_at = time.monotonic()
        if not text or self.stopping:
            return
        await calls.add_transcript(self.call.id, "user", text, self._elapsed_ms())
        self.playout.event({"type": "transcript", "role": "user", "text": text, "final": True})
        self.conv.now = datetime.now(UTC)
        try:
            reply = await self.providers.model.respond(self.conv, text, self.tools.run)
        except ModelError as exc:
            self._fail_once("the language model failed", exc)
            return
        self._failures = 0
        turn.timing.agent_done_at = time.monotonic()
        self.conv.history.append({"role": "user", "content": text})
        self.tools.pending_end = self.tools.pending_end or reply.end
        voice = turn.audio is not None
        await self._say(reply.text, timing=turn.timing if voice else None)
        metrics.TURNS.labels("voice" if voice else "text").inc()

    def _fail_once(self, what: str, exc: Exception) -> None:
        self._failures += 1
        log.warning("call %s: %s: %s", self.call.id, what, exc)
        self.playout.event({"type": "error", "code": "internal_error", "message": what})
        if self._failures >= 3:
            self.close_code = 4500
            self.stop("agent-error", failed=True)

    async def _say(
        self, text: str, *, timing: TurnTiming | None = None, handover: bool = False
    ) -> Speech | None:
        """Speak ``text`` sentence by sentence; record what the caller heard. With the
        ``timing`` of a voice turn, the turn's latency is measured and sent with the line.
        Once an API transfer is handing the caller over, only its message is said."""
        text = text.strip()
        if not text or self.stopping or (self._handover is not None and not handover):
            return None
        speech = self.playout.start_speech(text)
        start_ms = self._elapsed_ms()
        for sentence in _SENTENCE.split(text):
            if speech.interrupted or self.stopping:
                break
            try:
                audio = await self.providers.tts.synthesize(
                    sentence, self.call.language, self.agent.voice or None
                )
            except SpeechError as exc:
                self._fail_once("speech synthesis failed", exc)
                break
            pcm = resample(audio.pcm, audio.rate, self.options.out_rate)
            await self.playout.audio(speech, _frames(pcm, self.options.out_rate))
        self.playout.finish_speech(speech)
        await speech.done.wait()
        heard = speech.heard_text(time.monotonic())
        self.conv.history.append({"role": "assistant", "content": heard or text})
        line: dict[str, Any] = {"type": "transcript", "role": "agent", "text": heard, "final": True}
        if timing is not None and speech.first_sent_at is not None:
            timing.first_audio_at = speech.first_sent_at
            self._timings.append(timing)
            metrics.observe(timing)
            parts = {k: round(v) for k, v in timing.parts_ms().items()}
            line["latencyMs"] = {"total": round(timing.total_ms()), **parts}
        if heard:
            await calls.add_transcript(self.call.id, "agent", heard, start_ms)
            self.playout.event(line)
        return speech

    def _elapsed_ms(self) -> int:
        return int((time.monotonic() - self._started) * 1000)


def _frames(pcm: bytes, rate: int) -> list[bytes]:
    size = rate * FRAME_MS // 1000 * 2
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]
