"""Voice activity and turn-taking on 20 ms PCM16 frames.

Time is counted in frames from the start of the stream, never read from a clock: frame ``n``
(0-based) covers ``[n * frame_ms, (n + 1) * frame_ms)`` milliseconds of stream time, so event
times are exact and reproducible whatever the network or the event loop did to the frames.
"""

from collections import deque
from dataclasses import dataclass
from typing import Literal

import webrtcvad

VAD_RATES = (8000, 16000, 32000, 48000)

TurnEventKind = Literal["speech_start", "speech_pause", "speech_resume", "end_of_turn"]

# webrtcvad keeps saying "speech" for a fixed overhang after speech stops (vad_core.c,
# kOverHangMax1/2 per mode, in frames for 10/20/30 ms frames); the long overhang applies once six
# frames in a row were speech. Measured on the fixtures: exactly these lags at natural speech ends.
_OVERHANG: dict[int, tuple[dict[int, int], dict[int, int]]] = {
    0: ({10: 8, 20: 4, 30: 3}, {10: 14, 20: 7, 30: 5}),
    1: ({10: 8, 20: 4, 30: 3}, {10: 14, 20: 7, 30: 5}),
    2: ({10: 6, 20: 3, 30: 2}, {10: 9, 20: 5, 30: 3}),
    3: ({10: 6, 20: 3, 30: 2}, {10: 9, 20: 5, 30: 3}),
}


class VoiceActivity:
    """webrtcvad's speech/non-speech decision for one frame (about 2 µs per 20 ms frame).

    ``rate`` must be 8, 16, 32 or 48 kHz (resample 24 kHz or 22.05 kHz input first) and frames
    exactly 10, 20 or 30 ms of PCM16 mono. ``aggressiveness`` 0-3: higher rejects more noise.
    """

    def __init__(self, rate: int, aggressiveness: int = 2) -> None:
        if rate not in VAD_RATES:
            raise ValueError(f"VAD needs {VAD_RATES} Hz audio, got {rate} Hz: resample first")
        if aggressiveness not in (0, 1, 2, 3):
            raise ValueError(f"aggressiveness must be 0-3, got {aggressiveness}")
        self.rate = rate
        self.aggressiveness = aggressiveness
        self._sizes = {rate * ms // 1000 * 2 for ms in (10, 20, 30)}
        self._vad = webrtcvad.Vad(aggressiveness)

    def is_speech(self, frame: bytes) -> bool:
        """Whether ``frame`` (10, 20 or 30 ms) holds speech. Raises ValueError on other sizes."""
        if len(frame) not in self._sizes:
            raise ValueError(
                f"a VAD frame is 10, 20 or 30 ms ({sorted(self._sizes)} bytes at {self.rate} Hz),"
                f" got {len(frame)} bytes"
            )
        return bool(self._vad.is_speech(frame, self.rate))


@dataclass(frozen=True, slots=True)
class TurnEvent:
    """Something the caller's turn did, detected at the end of the frame just pushed.

    Times are milliseconds of stream time. ``at_ms`` is when the event was detected (the end of
    the frame that caused it). ``start_ms`` is where the turn's speech began (the start of its
    first speech frame) and ``end_ms`` where it last stopped (on ``speech_start`` and
    ``speech_resume``: ``at_ms``, it is going on). ``end_ms`` is the end of the last speech frame
    less webrtcvad's overhang (the VAD reports speech for 100 ms after it really stops, at the
    default aggressiveness), so on ``end_of_turn`` it is the moment the caller really stopped
    talking, within a frame: the origin for the agent's response latency. ``at_ms - end_ms`` is
    the silence the detector waited for. ``speech_ms`` counts the turn's speech so far (blips
    taken as noise excluded). Only ``end_of_turn`` carries ``pcm``: the utterance from a little
    before ``start_ms`` (it begins at ``pcm_start_ms``) to shortly after ``end_ms``; ``forced``
    marks a turn cut at the length cap rather than ended by silence.
    """

    kind: TurnEventKind
    at_ms: int
    start_ms: int
    end_ms: int
    speech_ms: int
    pcm: bytes = b""
    pcm_start_ms: int = 0
    forced: bool = False


class TurnDetector:
    """A caller's turns, one 20 ms frame at a time: ``push(frame) -> [TurnEvent, ...]``.

    - ``speech_start`` once ``start_ms`` of speech has been heard beyond webrtcvad's short
      overhang (so it is detected about ``start_ms + 80`` ms after speech began, and a click or
      noise burst shorter than ``start_ms`` never opens a turn); its ``start_ms`` points back to
      the first speech frame. One non-speech frame inside that run is tolerated, two reset it.
    - ``speech_pause`` after ``hangover_ms`` of non-speech frames following speech (a moment to
      start a speculative transcription); ``end_ms`` says when the speech really stopped.
    - ``speech_resume`` when speech comes back, by the same rule as ``speech_start``, before the
      turn ended; shorter blips during a pause are noise and do not reset the silence.
    - ``end_of_turn`` when the silence since ``end_ms`` reaches ``end_of_turn_ms`` (detected at
      ``end_ms + end_of_turn_ms``), or when the buffered utterance reaches ``max_turn_ms``
      (``forced=True``; a caller still talking starts a new turn).

    ``speech_ms`` (the VAD's overhang excluded) and ``barge_in`` let the session interrupt the
    agent once the caller has spoken for ``barge_in_ms`` in the current turn; ``utterance()``
    gives the audio so far for a speculative transcription. A frame costs one webrtcvad call and
    a few comparisons (about 2 µs); memory is bounded by ``max_turn_ms`` of audio.
    """

    def __init__(
        self,
        rate: int,
        end_of_turn_ms: int = 400,
        start_ms: int = 60,
        barge_in_ms: int = 120,
        *,
        aggressiveness: int = 2,
        hangover_ms: int = 40,
        pre_roll_ms: int = 200,
        tail_ms: int = 100,
        max_turn_ms: int = 30_000,
        frame_ms: int = 20,
    ) -> None:
        if frame_ms not in (10, 20, 30):
            raise ValueError(f"frame_ms must be 10, 20 or 30, got {frame_ms}")
        self.rate = rate
        self.frame_ms = frame_ms
        self.end_of_turn_ms = end_of_turn_ms
        self.start_ms = start_ms
        self.barge_in_ms = barge_in_ms
        self.hangover_ms = hangover_ms
        self.pre_roll_ms = pre_roll_ms
        self.tail_ms = tail_ms
        self.max_turn_ms = max_turn_ms
        self.vad = VoiceActivity(rate, aggressiveness)
        short, long = _OVERHANG[aggressiveness]
        self._overhang = (short[frame_ms], long[frame_ms])
        self._frame_size = rate * frame_ms // 1000 * 2
        self._pre_roll_frames = -(-pre_roll_ms // frame_ms)
        # A 20 ms click comes out of webrtcvad as up to 40 ms (its filters ring) plus the short
        # overhang of "speech": count start_ms beyond that, so shorter noise never opens a turn.
        self._unconfirmed = self._overhang[0] + 1
        self._confirm_frames = max(1, -(-start_ms // frame_ms)) + self._unconfirmed
        self._ring: deque[bytes] = deque(
            maxlen=self._pre_roll_frames + 2 * self._confirm_frames + 1
        )
        self._max_bytes = max_turn_ms * rate // 1000 * 2
        self._frame_no = 0
        self.reset()

    def reset(self) -> None:
        """Forget the current turn (stream time keeps counting)."""
        self._ring.clear()
        self._in_turn = False
        self._paused = False
        self._run = 0  # speech frames in the candidate run (before start or resume)
        self._run_start = 0  # frame number where that run began
        self._gap = 0  # non-speech frames since the last speech frame
        self._start = 0  # frame number of the turn's first speech frame
        self._last_speech = 0  # frame number after the last confirmed speech frame
        self._last_run = 0  # length of the run of speech frames that ended there
        self._speech_frames = 0
        self._utterance = bytearray()
        self._utterance_start = 0

    @property
    def now_ms(self) -> int:
        """Stream time: the end of the last frame pushed."""
        return self._frame_no * self.frame_ms

    @property
    def in_turn(self) -> bool:
        """Whether a turn has started and not yet ended."""
        return self._in_turn

    @property
    def speech_ms(self) -> int:
        """Speech heard in the current turn, in ms (0 between turns)."""
        return self._speech_frames * self.frame_ms if self._in_turn else 0

    @property
    def barge_in(self) -> bool:
        """Whether the caller has spoken at least ``barge_in_ms`` in the current turn."""
        return self.speech_ms >= self.barge_in_ms

    def push(self, frame: bytes) -> list[TurnEvent]:
        """Feed the next frame (exactly ``frame_ms`` long); the events it caused, usually none."""
        if len(frame) != self._frame_size:
            raise ValueError(f"expected a {self.frame_ms} ms frame of {self._frame_size} bytes")
        speech = self.vad.is_speech(frame)
        n = self._frame_no
        self._frame_no = n + 1
        if not self._in_turn:
            self._ring.append(frame)
            return self._idle(speech, n)
        self._utterance += frame
        events = self._turn(speech, n)
        if self._in_turn and len(self._utterance) >= self._max_bytes:
            events.append(self._end(forced=True))
        return events

    def _candidate(self, speech: bool, n: int) -> bool:
        """Track a run of speech frames (one gap tolerated); true once it is ``start_ms`` long."""
        if speech:
            if not self._run:
                self._run_start = n
            self._run += 1
            self._gap = 0
        elif self._run:
            self._gap += 1
            if self._gap > 1:
                self._run = 0
        return self._run >= self._confirm_frames

    def _idle(self, speech: bool, n: int) -> list[TurnEvent]:
        if not self._candidate(speech, n):
            return []
        first = max(self._run_start - self._pre_roll_frames, n + 1 - len(self._ring))
        self._utterance = bytearray(b"".join(list(self._ring)[first - (n + 1) :]))
        self._utterance_start = first
        self._ring.clear()
        self._in_turn, self._paused = True, False
        self._start = self._run_start
        self._speech_frames = self._run - self._unconfirmed
        self._last_run = self._run
        self._last_speech, self._run, self._gap = n + 1, 0, 0
        return [self._event("speech_start", end=n + 1)]

    def _turn(self, speech: bool, n: int) -> list[TurnEvent]:
        if not self._paused:
            if speech:
                self._speech_frames += 1
                self._last_run = self._last_run + 1 if self._last_speech == n else 1
                self._last_speech, self._gap = n + 1, 0
                return []
            self._gap += 1
            if self._gap * self.frame_ms < self.hangover_ms:
                return []
            self._paused, self._run = True, 0
            return [self._event("speech_pause")]
        if self._candidate(speech, n):
            self._speech_frames += self._run - self._unconfirmed
            self._last_run = self._run
            self._paused, self._last_speech, self._run, self._gap = False, n + 1, 0, 0
            return [self._event("speech_resume", end=n + 1)]
        # Speech that may be resuming holds the turn open until it is confirmed or dismissed.
        if not self._run and (n + 1 - self._speech_end()) * self.frame_ms >= self.end_of_turn_ms:
            return [self._end(forced=False)]
        return []

    @property
    def utterance_ms(self) -> int:
        """How long ``utterance()`` is, without copying it (0 between turns)."""
        if not self._in_turn:
            return 0
        keep = self._speech_end() - self._utterance_start + -(-self.tail_ms // self.frame_ms)
        return max(0, keep) * self.frame_ms

    def utterance(self) -> bytes:
        """The turn's audio so far, cut as ``end_of_turn`` would cut it if the turn ended now
        (pre-roll, speech, tail); empty between turns. For speculative transcription."""
        if not self._in_turn:
            return b""
        keep = self._speech_end() - self._utterance_start + -(-self.tail_ms // self.frame_ms)
        return bytes(self._utterance[: keep * self._frame_size])

    def _end(self, forced: bool) -> TurnEvent:
        end = self._frame_no if forced else self._speech_end()
        event = self._event(
            "end_of_turn",
            pcm=bytes(self._utterance) if forced else self.utterance(),
            pcm_start_ms=self._utterance_start * self.frame_ms,
            end=end,
            forced=forced,
        )
        self.reset()
        return event

    def _speech_end(self) -> int:
        """The frame number where speech really stopped: the VAD's last speech frame less its
        overhang, keeping at least one frame of the last run."""
        short, long = self._overhang
        overhang = long if self._last_run >= 6 + long else short
        return self._last_speech - min(overhang, self._last_run - 1)

    def _event(
        self,
        kind: TurnEventKind,
        pcm: bytes = b"",
        pcm_start_ms: int = 0,
        end: int | None = None,
        forced: bool = False,
    ) -> TurnEvent:
        return TurnEvent(
            kind=kind,
            at_ms=self._frame_no * self.frame_ms,
            start_ms=self._start * self.frame_ms,
            end_ms=(self._speech_end() if end is None else end) * self.frame_ms,
            speech_ms=self._speech_frames * self.frame_ms,
            pcm=pcm,
            pcm_start_ms=pcm_start_ms,
            forced=forced,
        )
