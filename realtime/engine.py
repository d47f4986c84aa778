"""The voice engine's process-wide parts: the providers chosen by settings (one instance
each, shared by every session) and their warm-up at start."""

import logging
from typing import Any

from realtime import workers
from realtime.dialogue import LanguageModel, model_for
from realtime.session import Providers
from realtime.speech import SpeechToText, TextToSpeech, stt_for, tts_for
from resolvers.plans import plan_of
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


# What a tenant without the plan's cloud_voice feature is served by, whatever the server's
# providers: the OpenAI-compatible services are a paid feature (contract section 4).
OFFLINE = {"stt_provider": "whisper", "llm_provider": "builtin", "tts_provider": "espeak"}


def providers(settings: Settings, plan: str | None = None) -> Providers:
    """The providers these settings choose, built once and shared by every session. With a
    tenant's ``plan`` that lacks ``cloud_voice``, the offline ones instead."""
    if plan is not None and "cloud_voice" not in plan_of(plan).features:
        settings = settings.with_overrides(**OFFLINE)
    key = _key(settings)
    found = _cache.get(key)
    if found is None:
        stt: SpeechToText = stt_for(settings)
        model: LanguageModel = model_for(settings)
        tts: TextToSpeech = tts_for(settings)
        found = _cache[key] = Providers(stt=stt, model=model, tts=tts)
    return found


def status(settings: Settings) -> dict[str, Any]:
    """The engine as the admin health report shows it: the providers the settings choose, the
    voice workers, and which of the providers built so far have their models in memory."""
    loaded: dict[str, bool] = {}
    for chosen in _cache.values():
        for role, part in (("stt", chosen.stt), ("llm", chosen.model), ("tts", chosen.tts)):
            name = f"{role}:{getattr(part, 'name', type(part).__name__)}"
            loaded[name] = loaded.get(name, False) or bool(getattr(part, "loaded", True))
    return {
        "providers": {
            "stt": settings.stt_provider,
            "llm": settings.llm_provider,
            "tts": settings.tts_provider,
        },
        "workers": {"size": workers.size(), "free": workers.free_slots()},
        "modelsLoaded": loaded,
    }


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
