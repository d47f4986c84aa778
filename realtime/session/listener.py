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

from realtime.audio import FrameSplitter, StreamResampler
from realtime.metrics import TurnTiming
from realtime.vad import TurnDetector, TurnEvent

RATE = 16000  # the pipeline's internal rate (VAD and speech recognition)
FRAME_MS = 20
SPECULATE_MS = 120  # silence after which recognition starts before the end of turn


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

    def _frame(self, frame: bytes) -> None:
        now = time.monotonic()
        detector = self._detector
        for event in detector.push(frame):
            if event.kind == "speech_start":
                self._paused_end_ms = None
            elif event.kind == "speech_pause":
                self._paused_end_ms = event.end_ms
            elif event.kind == "speech_resume":
                self._paused_end_ms = None
                self._drop_speculation()
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
        if not self._barged and detector.barge_in and self._agent_speaking(now):
            self._barged = True
            self._on_barge_in(now)

    def _drop_speculation(self) -> None:
        if self._speculation is not None:
            self._speculation.cancel()
            self._speculation = None

    def _end_of_turn(self, event: TurnEvent, now: float) -> None:
        self._barged = False
        timing = TurnTiming(eot_ms=event.at_ms - event.end_ms, decided_at=now)
        task = self._speculation
        if task is None or event.forced:
            self._drop_speculation()
            task = asyncio.create_task(self._transcribe(event.pcm))
        self._speculation = None
        self._on_turn(Turn(timing, audio=event.pcm, transcript=task))
