"""Text-to-speech with eSpeak NG 1.52 (the espeakng-loader wheel), offline, through ctypes.

The library keeps global state and is not thread-safe: one process-wide engine behind one lock,
driven from the voice pool (``realtime.workers``). A sentence takes a few milliseconds.
"""

import ctypes
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from realtime.speech import Audio, SpeechError
from realtime.workers import run_blocking

RATE = 22050
MAX_CHARS = 2000
VOICES = {"fr": "fr", "en": "en-us", "es": "es", "ar": "ar", "ary": "ar"}
# Words per minute. eSpeak's French and Spanish are much easier for Whisper (and people) slowed.
WORDS_PER_MINUTE = {"fr": 130, "en": 170, "es": 130, "ar": 140, "ary": 140}
DEFAULT_WPM = 160

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE = 1
_EE_OK = 0
_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)


class _Engine:
    """The loaded library, its callback and the current voice; every call holds ``lock``."""

    lock = threading.Lock()

    def __init__(self) -> None:
        try:
            import espeakng_loader

            lib = ctypes.CDLL(espeakng_loader.get_library_path())
            data = Path(espeakng_loader.get_data_path())
            # Voice names are the files under lang/, variants those under voices/!v/. Only
            # these reach the library: it would otherwise try a name as a file path.
            self._voices = {p.name.lower() for p in (data / "lang").rglob("*") if p.is_file()}
            self._variants = {p.name.lower() for p in (data / "voices" / "!v").glob("*")}
        except (ImportError, OSError) as exc:
            raise SpeechError(f"eSpeak NG is not available: {exc}") from exc
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.POINTER(ctypes.c_uint),
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.argtypes = []
        lib.espeak_Synchronize.restype = ctypes.c_int
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, str(data).encode(), 0)
        if rate != RATE:
            raise SpeechError(f"eSpeak NG failed to initialize (returned {rate})")
        self._lib = lib
        self._chunks: list[bytes] = []
        # ctypes does not keep the callback alive: losing this reference means a segfault.
        self._callback = _SynthCallback(self._collect)
        lib.espeak_SetSynthCallback(self._callback)
        self._voice: bytes | None = None
        self._wpm = 0

    def _collect(self, wav: int | None, count: int, events: int | None) -> int:
        if wav and count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0

    def knows(self, name: str) -> bool:
        """Whether ``name`` is a voice file name, with an optional ``+variant``."""
        base, plus, variant = name.lower().partition("+")
        return base in self._voices and (not plus or variant in self._variants)

    def _set_voice(self, name: str) -> bool:
        if not self.knows(name):
            return False
        encoded = name.encode()
        if encoded == self._voice:
            return True
        if self._lib.espeak_SetVoiceByName(encoded) != _EE_OK:
            self._voice = None
            return False
        self._voice, self._wpm = encoded, 0
        return True

    def speak(self, text: str, voices: tuple[str, ...], wpm: int) -> bytes:
        """PCM16 at 22050 Hz for ``text`` in the first voice of ``voices`` that loads."""
        with self.lock:
            if not any(self._set_voice(name) for name in voices):
                raise SpeechError(f"no eSpeak NG voice among {voices}")
            if wpm != self._wpm:
                if self._lib.espeak_SetParameter(_PARAM_RATE, wpm, 0) != _EE_OK:
                    raise SpeechError(f"eSpeak NG refused a rate of {wpm} words/min")
                self._wpm = wpm
            buf = text.encode() + b"\0"
            self._chunks = []
            try:
                status = self._lib.espeak_Synth(
                    buf, len(buf), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
                )
                self._lib.espeak_Synchronize()
                pcm = b"".join(self._chunks)
            finally:
                self._chunks = []
            if status != _EE_OK:
                raise SpeechError(f"eSpeak NG synthesis failed (error {status})")
            return pcm


class EspeakSpeaker:
    """The ``espeak`` TextToSpeech: 22050 Hz PCM16, one voice and speaking rate per language.

    ``voice`` (an eSpeak NG voice file name such as ``"en-GB-x-rp"`` or ``"fr-BE"``, optionally
    with a variant: ``"en-us+f3"``) overrides the language's voice when it exists; otherwise the
    language's voice is used. Unknown languages try their own code as a voice name, then
    English. ``words_per_minute`` overrides the per-language speaking rates.
    """

    name = "espeak"
    _engine: ClassVar[_Engine | None] = None
    _engine_lock = threading.Lock()
    _shared: ClassVar["EspeakSpeaker | None"] = None

    def __init__(self, words_per_minute: Mapping[str, int] | None = None) -> None:
        self.words_per_minute = {**WORDS_PER_MINUTE, **(words_per_minute or {})}

    @property
    def loaded(self) -> bool:
        """Whether eSpeak NG's library is initialised (the admin health report)."""
        return EspeakSpeaker._engine is not None

    @classmethod
    def shared(cls) -> "EspeakSpeaker":
        """The process-wide speaker with the default rates."""
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    async def synthesize(self, text: str, language: str, voice: str | None = None) -> Audio:
        """``text`` (at most ``MAX_CHARS`` are spoken) in ``language``; empty text gives empty
        audio. Raises SpeechError when the engine or every candidate voice fails."""
        job = self._job(text, language, voice)
        return Audio(await run_blocking(self._speak, *job) if job else b"", RATE)

    def synthesize_blocking(self, text: str, language: str, voice: str | None = None) -> Audio:
        """:meth:`synthesize` on the calling thread, for scripts; never call it on the loop."""
        job = self._job(text, language, voice)
        return Audio(self._speak(*job) if job else b"", RATE)

    def _job(
        self, text: str, language: str, voice: str | None
    ) -> tuple[str, tuple[str, ...], int] | None:
        text = _clip(text.replace("\0", " ").strip())
        if not text:
            return None
        lang = _language(language)
        voices = tuple(dict.fromkeys(_voices(lang, voice)))
        return text, voices, self.words_per_minute.get(lang, DEFAULT_WPM)

    @classmethod
    def _speak(cls, text: str, voices: tuple[str, ...], wpm: int) -> bytes:
        with cls._engine_lock:
            if cls._engine is None:
                cls._engine = _Engine()
            engine = cls._engine
        return engine.speak(text, voices, wpm)


def _language(language: str) -> str:
    tag = language.strip().lower().replace("_", "-")
    return tag if tag in VOICES else tag.split("-", 1)[0]


def _voices(lang: str, voice: str | None) -> list[str]:
    candidates = []
    if voice and len(voice) <= 60:
        candidates.append(voice)
    if lang in VOICES:
        candidates.append(VOICES[lang])
    elif lang:
        candidates.append(lang)
    candidates.append(VOICES["en"])
    return candidates


def _clip(text: str) -> str:
    if len(text) <= MAX_CHARS:
        return text
    cut = text[:MAX_CHARS]
    space = cut.rfind(" ")
    return cut[:space] if space > MAX_CHARS // 2 else cut
