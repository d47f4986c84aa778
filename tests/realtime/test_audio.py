"""PCM helpers: resampling keeps pitch and length, G.711 μ-law matches the standard, framing keeps
every byte, WAV files round-trip."""

import math
import wave
from pathlib import Path

import numpy as np
import pytest

from realtime.audio import (
    FrameSplitter,
    StreamResampler,
    frame_bytes,
    frames,
    read_wav,
    resample,
    rms_dbfs,
    samples,
    silence,
    ulaw_decode,
    ulaw_encode,
    write_wav,
)
from realtime.speech import Audio

RATES = (8000, 16000, 22050, 24000, 48000)


def tone(rate: int, seconds: float = 1.0, hz: float = 440.0, amplitude: int = 12000) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype("<i2").tobytes()


def peak_hz(pcm: bytes, rate: int) -> float:
    x = samples(pcm).astype(np.float64) * np.hanning(len(pcm) // 2)
    spectrum = np.abs(np.fft.rfft(x))
    return float(np.argmax(spectrum)) * rate / len(x)


def int16(values: list[int]) -> bytes:
    return np.array(values, dtype="<i2").tobytes()


@pytest.mark.parametrize("src", RATES)
@pytest.mark.parametrize("dst", RATES)
def test_resample_keeps_the_pitch_and_the_length(src: int, dst: int) -> None:
    out = resample(tone(src), src, dst)
    assert abs(len(out) // 2 - dst) <= 1
    assert peak_hz(out, dst) == pytest.approx(440, abs=2)
    back = resample(out, dst, src)
    assert abs(len(back) // 2 - src) <= 2
    assert peak_hz(back, src) == pytest.approx(440, abs=2)


def test_resample_to_the_same_rate_is_the_identity() -> None:
    pcm = tone(16000, 0.1)
    assert resample(pcm, 16000, 16000) is pcm
    assert resample(b"", 8000, 16000) == b""


def test_resample_rejects_a_nonsense_rate() -> None:
    with pytest.raises(ValueError, match="sample rate"):
        resample(tone(16000, 0.1), 16000, 0)


@pytest.mark.parametrize(("src", "dst"), [(8000, 16000), (48000, 16000), (22050, 8000)])
def test_stream_resampler_is_continuous_across_20ms_chunks(src: int, dst: int) -> None:
    stream = StreamResampler(src, dst)
    pcm = tone(src, 2.0)
    chunk = frame_bytes(src)
    out = b"".join(stream.process(pcm[i : i + chunk]) for i in range(0, len(pcm), chunk))
    out += stream.process(b"", last=True)
    assert abs(len(out) // 2 - 2 * dst) <= 4
    assert peak_hz(out, dst) == pytest.approx(440, abs=1)
    # A click is a jump far steeper than the tone's own steepest slope.
    x = samples(out).astype(np.float64)[dst // 50 : -dst // 50]
    steepest = 12000 * 2 * math.pi * 440 / dst
    assert np.max(np.abs(np.diff(x))) < 1.1 * steepest


def test_stream_resampler_carries_odd_bytes_and_refuses_input_after_the_end() -> None:
    pcm = tone(16000, 0.5)
    same = StreamResampler(16000, 16000)
    assert same.process(pcm[:101]) + same.process(pcm[101:]) == pcm
    stream = StreamResampler(16000, 8000)
    out = b"".join(stream.process(pcm[i : i + 333]) for i in range(0, len(pcm), 333))
    out += stream.process(b"", last=True)
    assert abs(len(out) // 2 - 4000) <= 2
    with pytest.raises(ValueError, match="flushed"):
        stream.process(pcm)


def test_ulaw_known_g711_vectors() -> None:
    assert ulaw_encode(int16([0, -1, 1, 32767, -32768, 32635, -32635])) == bytes(
        [0xFF, 0x7F, 0xFF, 0x80, 0x00, 0x80, 0x00]
    )
    decoded = samples(ulaw_decode(bytes([0xFF, 0x7F, 0x80, 0x00, 0xFE, 0x7E, 0xEF, 0x6F])))
    assert decoded.tolist() == [0, 0, 32124, -32124, 8, -8, 132, -132]
    assert len(ulaw_encode(b"")) == 0
    assert ulaw_decode(b"") == b""


def test_ulaw_codes_survive_a_round_trip() -> None:
    codes = bytes(range(256))
    again = ulaw_encode(ulaw_decode(codes))
    # 0x7F is "negative zero": it decodes to 0, which encodes as 0xFF.
    assert [c for c, d in zip(codes, again, strict=True) if c != d] == [0x7F]
    assert again[0x7F] == 0xFF


def test_ulaw_round_trip_error_is_within_half_a_step() -> None:
    x = np.arange(-32768, 32768, dtype=np.int32)
    y = samples(ulaw_decode(ulaw_encode(x.astype("<i2").tobytes()))).astype(np.int32)
    inside = np.abs(x) <= 32635
    # Segment e has a step of 2**(e + 3): the error is at most half of it, under 3.2 % + 8.
    assert np.all(np.abs(y - x)[inside] <= np.abs(x)[inside] / 31 + 8)
    assert np.max(np.abs(y - x)[~inside]) <= 32768 - 32124
    assert np.array_equal(np.sign(y[np.abs(x) > 8]), np.sign(x[np.abs(x) > 8]))


def test_ulaw_is_one_byte_per_sample() -> None:
    pcm = tone(8000, 0.02)
    assert len(ulaw_encode(pcm)) == 160
    assert len(ulaw_decode(ulaw_encode(pcm))) == 320


def test_frames_cut_whole_frames_and_drop_or_pad_the_tail() -> None:
    pcm = bytes(range(256)) * 5  # 1280 bytes = 40 ms at 16 kHz
    assert frame_bytes(16000) == 640
    assert frame_bytes(8000, 10) == 160
    assert frames(pcm, 16000) == [pcm[:640], pcm[640:]]
    assert frames(pcm + b"\1\2", 16000) == [pcm[:640], pcm[640:]]
    padded = frames(pcm + b"\1\2", 16000, pad=True)
    assert len(padded) == 3
    assert padded[2] == b"\1\2" + bytes(638)
    with pytest.raises(ValueError, match="whole number"):
        frame_bytes(22050, 10)


def test_frame_splitter_keeps_the_remainder_for_the_next_chunk() -> None:
    pcm = np.arange(16000, dtype="<i2").tobytes()  # 1 s at 16 kHz, every byte distinct enough
    splitter = FrameSplitter(16000)
    out: list[bytes] = []
    sizes = [1, 639, 641, 3, 5000, 7, 100, 10_000]
    position = 0
    for size in sizes:
        out += splitter.push(pcm[position : position + size])
        position += size
    assert all(len(f) == 640 for f in out)
    assert b"".join(out) + splitter.pending == pcm[:position]
    assert len(splitter.pending) == position % 640
    assert splitter.push(b"") == []
    tail = splitter.flush()
    assert tail == pcm[position - position % 640 : position] + bytes(640 - position % 640)
    assert splitter.flush() is None
    assert splitter.pending == b""


def test_levels_and_silence() -> None:
    assert silence(16000, 20) == bytes(640)
    assert silence(8000, 125) == bytes(2000)
    assert rms_dbfs(silence(16000, 20)) == -math.inf
    assert rms_dbfs(b"") == -math.inf
    assert rms_dbfs(int16([32767, -32767] * 100)) == pytest.approx(0, abs=0.01)
    assert rms_dbfs(tone(16000, 1.0, amplitude=16384)) == pytest.approx(-9.03, abs=0.05)


def test_wav_round_trip(tmp_path: Path) -> None:
    audio = Audio(tone(22050, 0.3), 22050)
    write_wav(tmp_path / "a.wav", audio)
    assert read_wav(tmp_path / "a.wav") == audio
    with wave.open(str(tmp_path / "a.wav"), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22050)


def test_read_wav_refuses_other_formats(tmp_path: Path) -> None:
    with wave.open(str(tmp_path / "stereo.wav"), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(bytes(640))
    with pytest.raises(ValueError, match="expected PCM16 mono, got 2 channel"):
        read_wav(tmp_path / "stereo.wav")
    with wave.open(str(tmp_path / "8bit.wav"), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(bytes(80))
    with pytest.raises(ValueError, match="8-bit"):
        read_wav(tmp_path / "8bit.wav")
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(ValueError, match="not a PCM WAV"):
        read_wav(tmp_path / "text.wav")
