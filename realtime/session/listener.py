"""The caller's side of a voice session: audio in, turns out.

Audio of any length and rate becomes 20 ms frames at 16 kHz for the turn detector (a few
microseconds a frame, on the transport's reader task). Speech recognition starts
speculatively once the caller has paused ``SPECULATE_MS``, so the transcript is usually ready
when the end of turn is confirmed; speech resuming drops the guess. Caller speech over the
agent's (``barge_in_ms``) interrupts it.
"""

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from realtime import workers
from realtime.audio import FrameSplitter, StreamResampler
from realtime.metrics import TurnTiming
from realtime.vad import TurnDetector, TurnEvent

RATE = 16000  # the pipeline's internal rate (VAD and speech recognition)
FRAME_MS = 20
SPECULATE_MS = 120  # silence after which recognition starts before the end of turn
# Partial transcripts cost the final one nothing when they come from work already done: a
# speculative recognition that speech resuming made stale (its thread runs to the end anyway)
# is what was said up to that pause. Speech without such a pause gets a partial after
# PARTIAL_EVERY_MS more of it (from PARTIAL_MIN_MS on), only when two voice workers are idle;
# the wait is long because a recognition still running when the caller stops shares the CPU
# with the final one (bench/voice.py measures what partials cost).
PARTIAL_EVERY_MS = 1500
PARTIAL_MIN_MS = 1500


@dataclass
class Turn:
    """One caller turn: typed ``text``, or ``audio`` with its ``transcript`` under way."""

    timing: TurnTiming
    text: str | None = None
    audio: bytes | None = None
    transcript: "asyncio.Task[str] | None" = None


class Listener:
    def __init__(
        self,
        in_rate: int,
        *,
        end_of_turn_ms: int,
        barge_in_ms: int,
        transcribe: Callable[[bytes], Coroutine[Any, Any, str]],
        on_turn: Callable[[Turn], None],
        on_barge_in: Callable[[float], None],
        agent_speaking: Callable[[float], bool],
        on_partial: Callable[[str], None] | None = None,
    ) -> None:
        self._resampler = StreamResampler(in_rate, RATE) if in_rate != RATE else None
        self._splitter = FrameSplitter(RATE, FRAME_MS)
        self._detector = TurnDetector(RATE, end_of_turn_ms=end_of_turn_ms, barge_in_ms=barge_in_ms)
        self._transcribe = transcribe
        self._on_turn = on_turn
        self._on_barge_in = on_barge_in
        self._agent_speaking = agent_speaking
        self._barged = False
        self._paused_end_ms: int | None = None
        self._speculation: asyncio.Task[str] | None = None
        self._on_partial = on_partial
        self._partial: asyncio.Task[None] | None = None
        self._partial_ms = 0  # the utterance's length at the last partial
        self._turns = 0  # ended turns: a partial of an earlier turn is dropped

    @property
    def in_turn(self) -> bool:
        return self._detector.in_turn

    def push(self, pcm: bytes) -> None:
        """Caller audio (PCM16 LE mono at the input rate), any length."""
        if self._resampler is not None:
            pcm = self._resampler.process(pcm)
        for frame in self._splitter.push(pcm):
            self._frame(frame)

    def close(self) -> None:
        self._drop_speculation()
        self._drop_partial()

    def _frame(self, frame: bytes) -> None:
        now = time.monotonic()
        detector = self._detector
        for event in detector.push(frame):
            if event.kind == "speech_start":
                self._paused_end_ms = None
                self._partial_ms = 0
            elif event.kind == "speech_pause":
                self._paused_end_ms = event.end_ms
            elif event.kind == "speech_resume":
                self._paused_end_ms = None
                self._speculation_to_partial()
            elif event.kind == "end_of_turn":
                self._paused_end_ms = None
                self._end_of_turn(event, now)
        if not detector.in_turn:
            return
        if (
            self._paused_end_ms is not None
            and self._speculation is None
            and detector.now_ms - self._paused_end_ms >= SPECULATE_MS
        ):
            audio = detector.utterance()
            if audio:
                self._speculation = asyncio.create_task(self._transcribe(audio))
        if self._paused_end_ms is None and self._speculation is None:
            self._maybe_partial()
        if not self._barged and detector.barge_in and self._agent_speaking(now):
            self._barged = True
            self._on_barge_in(now)

    def _maybe_partial(self) -> None:
        if self._on_partial is None or self._partial is not None:
            return
        spoken_ms = self._detector.utterance_ms
        if spoken_ms < max(PARTIAL_MIN_MS, self._partial_ms + PARTIAL_EVERY_MS):
            return
        if workers.free_slots() < 2:
            return
        self._partial_ms = spoken_ms
        self._partial = asyncio.create_task(self._run_partial(self._detector.utterance()))

    async def _run_partial(self, audio: bytes) -> None:
        await self._emit_partial(asyncio.create_task(self._transcribe(audio)))

    def _speculation_to_partial(self) -> None:
        """Speech resumed: the guess is no final transcript, but it is what was said so far."""
        task, self._speculation = self._speculation, None
        if task is None:
            return
        if self._on_partial is None or self._partial is not None:
            task.cancel()
            return
        self._partial_ms = self._detector.utterance_ms
        self._partial = asyncio.create_task(self._emit_partial(task))

    async def _emit_partial(self, recognition: "asyncio.Task[str]") -> None:
        turn = self._turns
        try:
            text = await recognition
        except Exception:  # a partial is a courtesy: the final recognition reports failures
            return
        finally:
            self._partial = None
        if text and turn == self._turns and self._on_partial is not None:
            self._on_partial(text)

    def _drop_partial(self) -> None:
        if self._partial is not None:
            self._partial.cancel()
            self._partial = None

    def _drop_speculation(self) -> None:
        if self._speculation is not None:
            self._speculation.cancel()
            self._speculation = None

    def _end_of_turn(self, event: TurnEvent, now: float) -> None:
        self._barged = False
        self._turns += 1
        self._drop_partial()  # its worker slot is released at once for the final
        timing = TurnTiming(eot_ms=event.at_ms - event.end_ms, decided_at=now)
        task = self._speculation
        if task is None or event.forced:
            self._drop_speculation()
            task = asyncio.create_task(self._transcribe(event.pcm))
        self._speculation = None
        self._on_turn(Turn(timing, audio=event.pcm, transcript=task))
