"""The outbound side of a voice session: one writer task sends everything to the client.

Control messages (events, interrupt, marks) overtake audio. Audio is paced no faster than
real time plus a small lead, so that on barge-in the client holds little unplayed audio and we
know how much of the agent's speech was actually heard.
"""

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol


class Sink(Protocol):
    """A transport's wire format for what the session says."""

    async def send_audio(self, pcm: bytes) -> None:
        """One frame of PCM16 LE mono at the session's output rate."""
        ...

    async def send_event(self, message: dict[str, Any]) -> None: ...

    async def send_interrupt(self) -> None:
        """Tell the client to drop the agent audio it still holds (Twilio: ``clear``)."""
        ...

    async def send_mark(self, name: str) -> None:
        """Ask the client to report when the audio sent so far has played (Twilio only)."""
        ...


@dataclass
class Speech:
    """One agent utterance: what was queued, sent and (by the clock) heard."""

    text: str = ""
    total_ms: int = 0
    sent_ms: int = 0
    first_sent_at: float | None = None
    queued_all: bool = False
    interrupted: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def played_ms(self, now: float) -> int:
        if self.first_sent_at is None:
            return 0
        return min(self.sent_ms, int((now - self.first_sent_at) * 1000))

    def heard_text(self, now: float) -> str:
        """The words the caller heard: the text cut in proportion to the audio played."""
        if not self.interrupted or self.total_ms <= 0:
            return self.text
        share = self.played_ms(now) / self.total_ms
        words = self.text.split()
        kept = words[: int(len(words) * share)]
        return " ".join(kept)


class Playout:
    """Queues and paces the session's output. ``realtime=False`` sends as fast as the sink
    takes it (the simulated caller listens without a clock)."""

    def __init__(
        self, sink: Sink, frame_ms: int = 20, *, realtime: bool = True, lead_ms: int = 120
    ) -> None:
        self.sink = sink
        self.frame_ms = frame_ms
        self.realtime = realtime
        self.lead_ms = lead_ms
        self._control: deque[tuple[str, Any]] = deque()
        self._audio: deque[tuple[Speech, bytes]] = deque()
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self.max_audio_frames = 50  # one second queued; producers wait for room
        self.current: Speech | None = None
        self.first_audio_at: float | None = None  # the latest turn's first frame, for latency
        self._burst_start: float | None = None
        self._burst_ms = 0
        self._closed = False
        self._marks = 0

    # --- producers ---------------------------------------------------------------------------

    def event(self, message: dict[str, Any]) -> None:
        self._control.append(("event", message))
        self._wake.set()

    def start_speech(self, text: str) -> Speech:
        speech = Speech(text=text)
        self.current = speech
        return speech

    async def audio(self, speech: Speech, frames: list[bytes]) -> None:
        """Queue frames of ``speech``; waits while a second of audio is already queued."""
        for frame in frames:
            while len(self._audio) >= self.max_audio_frames and not speech.interrupted:
                self._room.clear()
                await self._room.wait()
            if speech.interrupted or self._closed:
                return
            speech.total_ms += self.frame_ms
            self._audio.append((speech, frame))
            self._wake.set()

    def finish_speech(self, speech: Speech) -> None:
        """All of ``speech`` is queued; a mark follows its audio (Twilio echoes it once played)."""
        speech.queued_all = True
        if not speech.interrupted and not self._closed and speech.total_ms:
            self._audio.append((speech, b""))
        self._wake.set()
        self._maybe_done(speech, time.monotonic())

    def interrupt(self) -> Speech | None:
        """Barge-in: drop queued audio, tell the client, and return the speech cut short."""
        speech = self.current
        self._audio.clear()
        self._room.set()
        self._control.appendleft(("interrupt", None))
        self._wake.set()
        self._burst_start, self._burst_ms = None, 0
        if speech is not None and not speech.done.is_set():
            speech.interrupted = True
            speech.done.set()
        return speech

    def speaking(self, now: float) -> bool:
        """Agent audio is queued or still playing at the client."""
        speech = self.current
        if speech is None or speech.done.is_set():
            return bool(self._audio)
        return True

    def drop(self) -> None:
        """The call is ending: queued audio goes, the current speech counts as cut short."""
        self._audio.clear()
        self._room.set()
        speech = self.current
        if speech is not None and not speech.done.is_set():
            speech.interrupted = True
            speech.done.set()
        self._wake.set()

    def close(self) -> None:
        self._closed = True
        self.drop()

    # --- the writer ---------------------------------------------------------------------------

    def _maybe_done(self, speech: Speech, now: float) -> None:
        if speech.done.is_set() or not speech.queued_all:
            return
        if any(s is speech for s, _ in self._audio):
            return
        playing = speech.first_sent_at is not None and (
            (now - speech.first_sent_at) * 1000 < speech.sent_ms
        )
        if self.realtime and playing:
            return  # still playing at the client
        speech.done.set()

    def _wait_for(self, now: float) -> float | None:
        """Seconds until the next frame may be sent; None = now."""
        if not self.realtime or self._burst_start is None:
            return None
        ahead = self._burst_ms - (now - self._burst_start) * 1000
        if ahead <= self.lead_ms:
            return None
        return (ahead - self.lead_ms) / 1000

    async def run(self) -> None:
        """The writer task: runs until ``close()``, then flushes control messages."""
        while True:
            now = time.monotonic()
            if self._control:
                kind, value = self._control.popleft()
                if kind == "event":
                    await self.sink.send_event(value)
                else:
                    await self.sink.send_interrupt()
                continue
            if self._closed:
                return
            timeout: float | None = None
            if self._audio:
                delay = self._wait_for(now)
                if delay is None:
                    await self._send_frame(now)
                    continue
                timeout = delay
            elif self.current is not None and not self.current.done.is_set():
                # Wake when the current speech finishes playing at the client.
                speech = self.current
                self._maybe_done(speech, now)
                if speech.queued_all and speech.first_sent_at is not None:
                    left = speech.sent_ms / 1000 - (now - speech.first_sent_at)
                    timeout = max(0.005, left)
            self._wake.clear()
            try:
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def _send_frame(self, now: float) -> None:
        speech, frame = self._audio.popleft()
        if len(self._audio) < self.max_audio_frames:
            self._room.set()
        if not frame:
            self._marks += 1
            await self.sink.send_mark(f"speech-{self._marks}")
            self._maybe_done(speech, now)
            return
        if self._burst_start is None or (
            (now - self._burst_start) * 1000 > self._burst_ms + self.frame_ms
        ):
            # Nothing left playing at the client: a new burst starts its clock now.
            self._burst_start, self._burst_ms = now, 0
        if speech.first_sent_at is None:
            speech.first_sent_at = now
            self.first_audio_at = now
        await self.sink.send_audio(frame)
        speech.sent_ms += self.frame_ms
        self._burst_ms += self.frame_ms
        self._maybe_done(speech, time.monotonic())
