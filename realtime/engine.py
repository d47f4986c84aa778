"""The voice engine's process-wide parts: the providers chosen by settings (one instance
each, shared by every session) and their warm-up at start."""

import logging

from realtime.dialogue import LanguageModel, model_for
from realtime.session import Providers
from realtime.speech import SpeechToText, TextToSpeech, stt_for, tts_for
from resolvers.settings import Settings

log = logging.getLogger("vocalia.voice")

_cache: dict[tuple[object, ...], Providers] = {}


def _key(settings: Settings) -> tuple[object, ...]:
    return (
        settings.stt_provider,
        settings.llm_provider,
        settings.tts_provider,
        settings.stt_model,
        settings.stt_beam_size,
        settings.var_dir,
        settings.openai_base_url,
        settings.openai_api_key,
        settings.openai_stt_model,
        settings.openai_llm_model,
        settings.openai_tts_model,
        settings.openai_tts_voice,
        settings.openai_timeout,
    )


def providers(settings: Settings) -> Providers:
    """The providers these settings choose, built once and shared by every session."""
    key = _key(settings)
    found = _cache.get(key)
    if found is None:
        stt: SpeechToText = stt_for(settings)
        model: LanguageModel = model_for(settings)
        tts: TextToSpeech = tts_for(settings)
        found = _cache[key] = Providers(stt=stt, model=model, tts=tts)
    return found


async def warm_up(settings: Settings) -> None:
    """Load models before the first caller waits for them (best effort: a failure is logged
    and the first session will report it)."""
    chosen = providers(settings)
    for part in (chosen.stt, chosen.model, chosen.tts):
        warm = getattr(part, "warm_up", None)
        if warm is None:
            continue
        try:
            result = warm()
            if hasattr(result, "__await__"):
                await result
        except Exception:
            log.warning("could not warm up %s", getattr(part, "name", part), exc_info=True)


async def close() -> None:
    """Close the remote providers' HTTP clients (the app's shutdown)."""
    for chosen in list(_cache.values()):
        for part in (chosen.stt, chosen.model, chosen.tts):
            aclose = getattr(part, "aclose", None)
            if aclose is not None:
                try:
                    await aclose()
                except Exception:
                    log.warning("could not close %s", getattr(part, "name", part), exc_info=True)
    _cache.clear()
