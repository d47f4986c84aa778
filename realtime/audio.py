"""PCM16 little-endian mono helpers: resampling, G.711 μ-law, 20 ms framing, levels and WAV files.

Everything here is numpy or a C library (soxr) and safe to call on the event loop for the small
sizes a realtime stream handles (a 20 ms frame, one synthesized sentence).
"""

import math
import wave
from os import PathLike

import numpy as np
import numpy.typing as npt
import soxr

from realtime.speech import Audio

_ULAW_BIAS = 0x84
_ULAW_CLIP = 32635


def samples(pcm: bytes) -> npt.NDArray[np.int16]:
    """A read-only int16 view of ``pcm`` (a trailing odd byte is ignored)."""
    return np.frombuffer(pcm, dtype="<i2", count=len(pcm) // 2)


def resample(pcm: bytes, src_rate: int, dst_rate: int) -> bytes:
    """``pcm`` converted from ``src_rate`` to ``dst_rate`` Hz in one go (soxr HQ, about 0.3 ms per
    second of audio). Use :class:`StreamResampler` for a live stream of frames."""
    _check_rate(src_rate)
    _check_rate(dst_rate)
    if src_rate == dst_rate or len(pcm) < 2:
        return pcm
    out = soxr.resample(samples(pcm), src_rate, dst_rate, quality="HQ")
    return out.astype("<i2", copy=False).tobytes()


class StreamResampler:
    """Resample a stream chunk by chunk with no clicks at chunk boundaries.

    soxr keeps filter state between calls, so the output of one call is not a fixed size: the
    filters buffer input and release it in bursts (8 kHz → 16 kHz at the default "LQ" quality
    yields 940 samples every third 20 ms frame; "HQ" holds about 100 ms). Re-frame the output with
    :class:`FrameSplitter`. LQ still rejects aliases by more than 80 dB, plenty for speech.
    """

    def __init__(self, src_rate: int, dst_rate: int, quality: str = "LQ") -> None:
        _check_rate(src_rate)
        _check_rate(dst_rate)
        self.src_rate = src_rate
        self.dst_rate = dst_rate
        self._odd = b""
        self._done = False
        self._stream = (
            None
            if src_rate == dst_rate
            else soxr.ResampleStream(src_rate, dst_rate, 1, dtype="int16", quality=quality)
        )

    def process(self, chunk: bytes, last: bool = False) -> bytes:
        """Resampled audio for ``chunk``; ``last=True`` flushes what the filter still holds (the
        stream is then finished and further calls raise ValueError)."""
        if self._done:
            raise ValueError("the stream was already flushed with last=True")
        self._done = last
        data = self._odd + chunk
        even = len(data) - len(data) % 2
        self._odd = data[even:]
        if self._stream is None:
            return data[:even]
        out = self._stream.resample_chunk(samples(data[:even]), last=last)
        return out.astype("<i2", copy=False).tobytes()


def _ulaw_decode_table() -> npt.NDArray[np.int16]:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _ULAW_BIAS) << exponent) - _ULAW_BIAS
    return np.where(codes & 0x80, -magnitude, magnitude).astype(np.int16)


_ULAW_DECODE = _ulaw_decode_table()
# Segment (exponent) of a biased magnitude, looked up by its top byte as in the reference g711.c.
_ULAW_EXPONENT = np.array([0, 0] + [int(math.log2(i)) for i in range(2, 256)], dtype=np.int32)


def ulaw_encode(pcm: bytes) -> bytes:
    """G.711 μ-law bytes for PCM16 ``pcm`` (bias 0x84, clip 32635); one byte per sample."""
    x = samples(pcm).astype(np.int32)
    sign = np.where(x < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(x), _ULAW_CLIP) + _ULAW_BIAS
    exponent = _ULAW_EXPONENT[magnitude >> 7]
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


def ulaw_decode(data: bytes) -> bytes:
    """PCM16 for G.711 μ-law ``data`` (two bytes out per byte in)."""
    return _ULAW_DECODE[np.frombuffer(data, dtype=np.uint8)].astype("<i2", copy=False).tobytes()


def frame_bytes(rate: int, ms: int = 20) -> int:
    """The size in bytes of a ``ms`` millisecond PCM16 mono frame at ``rate`` Hz."""
    if rate <= 0 or ms <= 0 or rate * ms % 1000:
        raise ValueError(f"{ms} ms is not a whole number of samples at {rate} Hz")
    return rate * ms // 1000 * 2


def frames(pcm: bytes, rate: int, ms: int = 20, pad: bool = False) -> list[bytes]:
    """``pcm`` cut into ``ms`` millisecond frames; an incomplete tail is dropped, or padded with
    silence when ``pad`` is true."""
    size = frame_bytes(rate, ms)
    tail = len(pcm) % size
    if pad and tail:
        pcm += bytes(size - tail)
    return [pcm[i : i + size] for i in range(0, len(pcm) - size + 1, size)]


class FrameSplitter:
    """Turn chunks of any size into complete ``ms`` millisecond frames, keeping the remainder for
    the next chunk."""

    def __init__(self, rate: int, ms: int = 20) -> None:
        self.rate = rate
        self.ms = ms
        self.size = frame_bytes(rate, ms)
        self._pending = bytearray()

    def push(self, chunk: bytes) -> list[bytes]:
        """The frames completed by ``chunk`` (possibly none)."""
        self._pending += chunk
        whole = len(self._pending) - len(self._pending) % self.size
        if not whole:
            return []
        out = [bytes(self._pending[i : i + self.size]) for i in range(0, whole, self.size)]
        del self._pending[:whole]
        return out

    @property
    def pending(self) -> bytes:
        """Bytes waiting for the rest of their frame."""
        return bytes(self._pending)

    def flush(self) -> bytes | None:
        """The remainder padded with silence to a full frame, or None when nothing is pending."""
        if not self._pending:
            return None
        frame = bytes(self._pending) + bytes(self.size - len(self._pending))
        self._pending.clear()
        return frame


def rms_dbfs(pcm: bytes) -> float:
    """The level of ``pcm`` in dB relative to full scale (32768); ``-inf`` for digital silence."""
    x = samples(pcm)
    if not len(x):
        return -math.inf
    rms = math.sqrt(float(np.mean(np.square(x, dtype=np.float64))))
    return 20 * math.log10(rms / 32768) if rms else -math.inf


def silence(rate: int, ms: int) -> bytes:
    """``ms`` milliseconds of digital silence at ``rate`` Hz."""
    return bytes(rate * ms // 1000 * 2)


def read_wav(path: str | PathLike[str]) -> Audio:
    """The audio of a PCM16 mono WAV file. Raises ValueError for any other kind of WAV."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            if channels != 1 or width != 2:
                raise ValueError(
                    f"{path}: expected PCM16 mono, got {channels} channel(s) of {8 * width}-bit"
                )
            return Audio(wav.readframes(wav.getnframes()), rate)
    except wave.Error as exc:
        raise ValueError(f"{path}: not a PCM WAV file ({exc})") from exc


def write_wav(path: str | PathLike[str], audio: Audio) -> None:
    """Write ``audio`` as a PCM16 mono WAV file."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(audio.rate)
        wav.writeframes(audio.pcm)


def _check_rate(rate: int) -> None:
    if not 1000 <= rate <= 384_000:
        raise ValueError(f"unsupported sample rate {rate} Hz")
