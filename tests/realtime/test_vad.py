"""Voice activity and turn-taking on the rendered speech fixtures and digital silence."""

from pathlib import Path

import numpy as np
import pytest

from realtime.audio import frames, read_wav, resample, samples, silence
from realtime.vad import TurnDetector, TurnEvent, VoiceActivity

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "audio"
RATE = 16000
ENGLISH = ("en_booking", "en_hours", "en_goodbye", "en_transfer")


def fixture(name: str) -> bytes:
    audio = read_wav(FIXTURES / f"{name}.wav")
    assert audio.rate == RATE
    return audio.pcm


def speech_bounds_ms(pcm: bytes) -> tuple[float, float]:
    """Where the fixture's speech really starts and ends (first and last audible sample)."""
    loud = np.flatnonzero(np.abs(samples(pcm).astype(np.int32)) >= 64)
    return loud[0] * 1000 / RATE, (loud[-1] + 1) * 1000 / RATE


def feed(detector: TurnDetector, pcm: bytes) -> list[TurnEvent]:
    events: list[TurnEvent] = []
    for frame in frames(pcm, detector.rate, pad=True):
        events += detector.push(frame)
    return events


def kinds(events: list[TurnEvent]) -> list[str]:
    return [e.kind for e in events]


def test_silence_is_not_speech() -> None:
    vad = VoiceActivity(RATE)
    assert not any(vad.is_speech(f) for f in frames(silence(RATE, 1000), RATE))
    assert not any(vad.is_speech(f) for f in frames(silence(RATE, 300), RATE, 30))


def test_vad_finds_the_speech_in_a_fixture() -> None:
    pcm = fixture("en_hours")
    start, end = speech_bounds_ms(pcm)
    vad = VoiceActivity(RATE)
    flags = [vad.is_speech(f) for f in frames(pcm, RATE)]
    speech = [i for i, f in enumerate(flags) if f]
    assert abs(speech[0] * 20 - start) <= 20
    # webrtcvad's overhang (100 ms at aggressiveness 2) follows the real end.
    assert 80 <= (speech[-1] + 1) * 20 - end <= 140
    assert sum(flags) * 20 >= 0.9 * (end - start)


@pytest.mark.parametrize("rate", [8000, 32000, 48000])
def test_vad_works_at_every_supported_rate(rate: int) -> None:
    pcm = resample(fixture("en_goodbye"), RATE, rate)
    vad = VoiceActivity(rate, aggressiveness=3)
    assert sum(vad.is_speech(f) for f in frames(pcm, rate)) >= 40


def test_vad_refuses_unsupported_rates_and_frame_sizes() -> None:
    with pytest.raises(ValueError, match="resample first"):
        VoiceActivity(24000)
    with pytest.raises(ValueError, match="aggressiveness"):
        VoiceActivity(RATE, aggressiveness=4)
    vad = VoiceActivity(RATE)
    with pytest.raises(ValueError, match="got 800 bytes"):
        vad.is_speech(silence(RATE, 25))
    with pytest.raises(ValueError, match="expected a 20 ms frame"):
        TurnDetector(RATE).push(silence(RATE, 10))


@pytest.mark.parametrize("name", ENGLISH)
def test_a_spoken_sentence_is_one_turn_ending_at_the_real_speech_end(name: str) -> None:
    pcm = fixture(name)
    start, end = speech_bounds_ms(pcm)
    detector = TurnDetector(RATE)
    events = feed(detector, pcm + silence(RATE, 1000))
    assert kinds(events)[0] == "speech_start"
    assert kinds(events).count("speech_start") == 1
    assert kinds(events)[-1] == "end_of_turn"
    assert kinds(events).count("end_of_turn") == 1
    first, last = events[0], events[-1]
    assert abs(first.start_ms - start) <= 20
    assert first.speech_ms == 60
    assert first.at_ms - first.start_ms == 140  # start_ms of speech beyond the VAD's overhang
    assert abs(last.end_ms - end) <= 60
    assert last.at_ms - last.end_ms == 400
    assert not last.forced
    assert last.start_ms == first.start_ms
    # The utterance: 200 ms of pre-roll, the speech, a 100 ms tail.
    assert last.pcm_start_ms == first.start_ms - 200
    assert len(last.pcm) == (last.end_ms + 100 - last.pcm_start_ms) * RATE // 1000 * 2
    assert last.pcm == pcm[last.pcm_start_ms * 32 : last.pcm_start_ms * 32 + len(last.pcm)]
    assert last.speech_ms >= 0.8 * (end - start)
    assert not detector.in_turn
    assert detector.speech_ms == 0
    assert detector.now_ms == len(frames(pcm + silence(RATE, 1000), RATE, pad=True)) * 20


def test_a_pause_shorter_than_end_of_turn_keeps_the_turn_open() -> None:
    first, second = fixture("en_hours"), fixture("en_goodbye")
    _, end_first = speech_bounds_ms(first)
    start_second, end_second = speech_bounds_ms(second)
    # 300 ms without speech between the two sentences.
    first = first[: int(end_first) * 32]
    pcm = first + silence(RATE, 300) + second[int(start_second) * 32 :] + silence(RATE, 1000)
    events = feed(TurnDetector(RATE, end_of_turn_ms=400), pcm)
    assert kinds(events).count("speech_start") == 1
    assert kinds(events).count("end_of_turn") == 1
    pause = next(e for e in events if e.kind == "speech_pause" and e.end_ms > end_first - 60)
    assert abs(pause.end_ms - end_first) <= 60
    resume = events[events.index(pause) + 1]
    assert resume.kind == "speech_resume"
    turn = events[-1]
    assert turn.start_ms == events[0].start_ms
    true_end = int(end_first) + 300 + end_second - int(start_second)
    assert abs(turn.end_ms - true_end) <= 60
    assert turn.pcm_start_ms == turn.start_ms - 200
    assert len(turn.pcm) == (turn.end_ms + 100 - turn.pcm_start_ms) * 32


def test_the_utterance_so_far_is_what_end_of_turn_would_carry() -> None:
    pcm = fixture("en_hours") + silence(RATE, 1000)
    detector = TurnDetector(RATE)
    assert detector.utterance() == b""
    speculative = b""
    for frame in frames(pcm, RATE):
        for event in detector.push(frame):
            if event.kind == "speech_pause":
                speculative = b""
            if event.kind == "end_of_turn":
                assert speculative == event.pcm
                assert detector.utterance() == b""
                return
        if detector.in_turn and detector.now_ms % 100 == 0:
            speculative = detector.utterance()
            assert len(speculative) % 640 == 0
    pytest.fail("the turn never ended")


def test_a_pause_longer_than_end_of_turn_splits_the_turns() -> None:
    pcm = fixture("en_hours") + silence(RATE, 400) + fixture("en_goodbye") + silence(RATE, 1000)
    events = feed(TurnDetector(RATE, end_of_turn_ms=400), pcm)
    ends = [e for e in events if e.kind == "end_of_turn"]
    assert len(ends) == 2
    assert kinds(events).count("speech_start") == 2
    assert ends[0].at_ms < ends[1].start_ms


def test_noise_shorter_than_start_ms_never_opens_a_turn() -> None:
    rng = np.random.default_rng(7)
    detector = TurnDetector(RATE)
    for burst_ms in (20, 40):
        burst = (rng.standard_normal(RATE * burst_ms // 1000) * 3000).astype("<i2").tobytes()
        assert feed(detector, silence(RATE, 500) + burst + silence(RATE, 500)) == []
    assert not detector.in_turn
    # The VAD does hear those bursts, and reports more: its filters ring, then its overhang.
    vad = VoiceActivity(RATE)
    noisy = silence(RATE, 400) + burst + silence(RATE, 400)
    assert sum(vad.is_speech(f) for f in frames(noisy, RATE)) >= 5


def test_speech_ms_and_barge_in_grow_with_the_turn() -> None:
    pcm = fixture("en_booking")
    detector = TurnDetector(RATE, barge_in_ms=120)
    seen: list[tuple[int, bool]] = []
    for frame in frames(pcm, RATE)[:40]:
        detector.push(frame)
        seen.append((detector.speech_ms, detector.barge_in))
    assert seen[0] == (0, False)
    assert (60, False) in seen
    assert (100, False) in seen
    assert (120, True) in seen
    assert all(barge == (ms >= 120) for ms, barge in seen)


def test_the_utterance_is_capped_at_max_turn_ms() -> None:
    pcm = fixture("en_booking")
    start, end = speech_bounds_ms(pcm)
    speech = pcm[int(start) * 32 : int(end) * 32]
    speech = speech[: len(speech) - len(speech) % 640]
    detector = TurnDetector(RATE)
    assert detector.max_turn_ms == 30_000
    events = feed(detector, speech * (31_000 // (len(speech) // 32) + 1))
    forced = [e for e in events if e.kind == "end_of_turn"]
    assert len(forced) == 1
    assert forced[0].forced
    assert len(forced[0].pcm) == 30_000 * 32
    assert forced[0].end_ms == forced[0].at_ms
    # The caller is still talking: a new turn starts right away.
    assert events[events.index(forced[0]) + 1].kind == "speech_start"
    assert detector.in_turn


def test_turn_detection_works_at_8khz() -> None:
    pcm = resample(fixture("en_transfer") + silence(RATE, 800), RATE, 8000)
    _, end = speech_bounds_ms(fixture("en_transfer"))
    events = feed(TurnDetector(8000), pcm)
    assert kinds(events)[0] == "speech_start"
    assert kinds(events).count("end_of_turn") == 1
    assert abs(events[-1].end_ms - end) <= 60
    assert len(events[-1].pcm) % 320 == 0
