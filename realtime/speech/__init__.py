"""Speech providers behind two small interfaces.

Audio is PCM16 little-endian mono at ``rate`` Hz. Implementations: ``whisper`` (faster-whisper,
offline) and ``openai`` (any OpenAI-compatible ``/v1/audio/transcriptions``) for speech-to-text;
``espeak`` (eSpeak NG through espeakng-loader, offline) and ``openai``
(``/v1/audio/speech``) for text-to-speech. Blocking work runs in ``realtime.workers``.
"""

from dataclasses import dataclass
from typing import Protocol

from resolvers.settings import Settings


class SpeechError(Exception):
    """A provider could not do its work (model missing, remote error, bad audio)."""


@dataclass(frozen=True)
class Audio:
    pcm: bytes  # PCM16 LE mono
    rate: int

    @property
    def duration(self) -> float:
        return len(self.pcm) / 2 / self.rate


class SpeechToText(Protocol):
    name: str

    async def transcribe(self, audio: Audio, language: str) -> str:
        """The words spoken in ``audio`` (any rate), in ``language`` (fr, en, es, ar, ary).
        Raises SpeechError."""
        ...


class TextToSpeech(Protocol):
    name: str

    async def synthesize(self, text: str, language: str, voice: str | None = None) -> Audio:
        """``text`` spoken in ``language`` (ary falls back to an Arabic voice). Raises
        SpeechError."""
        ...


def stt_for(settings: Settings, provider: str | None = None) -> SpeechToText:
    name = provider or settings.stt_provider
    if name == "openai":
        from realtime.speech.openai_audio import OpenAITranscriber

        return OpenAITranscriber(settings)
    from realtime.speech.whisper import WhisperTranscriber

    return WhisperTranscriber.shared(settings)


def tts_for(settings: Settings, provider: str | None = None) -> TextToSpeech:
    name = provider or settings.tts_provider
    if name == "openai":
        from realtime.speech.openai_audio import OpenAISpeaker

        return OpenAISpeaker(settings)
    from realtime.speech.espeak import EspeakSpeaker

    return EspeakSpeaker.shared()
