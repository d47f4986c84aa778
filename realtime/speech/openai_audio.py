"""Speech through any OpenAI-compatible audio API: ``/audio/transcriptions`` (multipart upload
of a WAV) and ``/audio/speech`` (raw 24 kHz PCM16, or a WAV when the server prefers).

Each instance owns one ``httpx.AsyncClient``, created on first use; ``aclose()`` releases it.
Errors become ``SpeechError`` with the status and the server's own message, never the key.
"""

import io
import wave
from typing import Any

import httpx
import numpy as np

from realtime.speech import Audio, SpeechError
from resolvers.settings import Settings

SPEECH_RATE = 24_000  # OpenAI's "pcm" format: 24 kHz, 16-bit, mono
_LANGUAGES = {"ary": "ar"}  # ISO 639-1 for the transcription hint; Darija is written as Arabic


class OpenAIClient:
    """The HTTP side shared by the transcriber and the speaker."""

    what = "openai"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.base_url = settings.openai_base_url.rstrip("/")
        self._client: httpx.AsyncClient | None = None

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            headers = {"User-Agent": "VocalIA"}
            if self.settings.openai_api_key:
                headers["Authorization"] = f"Bearer {self.settings.openai_api_key}"
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.openai_timeout), headers=headers
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self.client().post(self.base_url + path, **kwargs)
        except httpx.TimeoutException as exc:
            raise SpeechError(
                f"{self.what}: no answer from {path} within {self.settings.openai_timeout:g}s"
            ) from exc
        except httpx.HTTPError as exc:
            raise SpeechError(f"{self.what}: {path} failed ({type(exc).__name__})") from exc
        if not response.is_success:
            message = error_message(response, self.settings.openai_api_key)
            raise SpeechError(f"{self.what}: {path} answered {response.status_code}: {message}")
        return response


def error_message(response: httpx.Response, api_key: str) -> str:
    """The server's explanation of a failed request (OpenAI's ``{"error": {"message"}}``), with
    the API key masked: some servers echo it back."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message: object = None
    if isinstance(body, dict):
        error = body.get("error")
        message = (
            error.get("message") if isinstance(error, dict) else (error or body.get("message"))
        )
    text = str(message) if message else response.reason_phrase or "no details"
    if api_key:
        text = text.replace(api_key, "***")
    return text[:300]


class OpenAITranscriber(OpenAIClient):
    """SpeechToText on ``POST {base}/audio/transcriptions``."""

    name = "openai"
    what = "openai transcription"

    async def transcribe(self, audio: Audio, language: str) -> str:
        if not audio.pcm:
            return ""
        data = {
            "model": self.settings.openai_stt_model,
            "language": iso_language(language),
            "response_format": "json",
        }
        files = {"file": ("speech.wav", wav_bytes(audio), "audio/wav")}
        response = await self.post("/audio/transcriptions", data=data, files=files)
        try:
            text = response.json()["text"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SpeechError(f"{self.what}: the answer has no text") from exc
        if not isinstance(text, str):
            raise SpeechError(f"{self.what}: the answer has no text")
        return text.strip()


class OpenAISpeaker(OpenAIClient):
    """TextToSpeech on ``POST {base}/audio/speech``. The voices are multilingual: the language
    of the text picks the accent."""

    name = "openai"
    what = "openai speech"

    async def synthesize(self, text: str, language: str, voice: str | None = None) -> Audio:
        if not text.strip():
            return Audio(b"", SPEECH_RATE)
        body = {
            "model": self.settings.openai_tts_model,
            "voice": voice or self.settings.openai_tts_voice,
            "input": text,
            "response_format": "pcm",
        }
        response = await self.post("/audio/speech", json=body)
        content_type = response.headers.get("content-type", "").lower()
        if "wav" in content_type or response.content[:4] == b"RIFF":
            return read_wav(response.content)
        if "json" in content_type or "text" in content_type:
            raise SpeechError(f"{self.what}: expected audio, got {content_type}")
        pcm = response.content
        return Audio(pcm[: len(pcm) // 2 * 2], SPEECH_RATE)


def iso_language(language: str) -> str:
    """The ISO 639-1 code the API expects: ``fr-FR`` -> ``fr``, ``ary`` -> ``ar``."""
    code = language.strip().lower().replace("_", "-").split("-", 1)[0]
    return _LANGUAGES.get(code, code)


def wav_bytes(audio: Audio) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(audio.rate)
        wav.writeframes(audio.pcm)
    return out.getvalue()


def read_wav(data: bytes) -> Audio:
    """A PCM16 WAV as mono Audio (stereo is mixed down)."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise SpeechError(f"openai speech: unreadable WAV ({exc})") from exc
    if width != 2:
        raise SpeechError(f"openai speech: {8 * width}-bit WAV, PCM16 expected")
    if channels > 1:
        samples = np.frombuffer(frames[: len(frames) // (2 * channels) * 2 * channels], "<i2")
        mixed = samples.reshape(-1, channels).astype(np.int32).mean(axis=1)
        frames = mixed.astype("<i2").tobytes()
    return Audio(frames, rate)
