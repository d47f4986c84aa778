"""eSpeak NG through ctypes: every language speaks, fallbacks never crash, concurrency is safe."""

import asyncio

import pytest

from realtime.audio import frames, rms_dbfs
from realtime.speech import tts_for
from realtime.speech.espeak import MAX_CHARS, RATE, EspeakSpeaker
from resolvers.settings import Settings

SENTENCES = {
    "en": "What are your opening hours?",
    "fr": "Quels sont vos horaires d'ouverture ?",
    "es": "Hola, quisiera reservar una cita mañana a las diez.",
    "ar": "مرحبا، كيف حالك اليوم؟",
    "ary": "السلام عليكم، بغيت نحجز موعد.",
}


def voiced_seconds(pcm: bytes) -> float:
    """How much of ``pcm`` is audible (20 ms frames above -45 dBFS)."""
    return sum(rms_dbfs(f) > -45 for f in frames(pcm, RATE)) * 0.02


@pytest.mark.parametrize(
    ("language", "low", "high"),
    [
        ("en", 1.0, 3.0),
        ("fr", 1.5, 4.5),
        ("es", 2.5, 6.0),
        ("ar", 1.0, 4.0),
        ("ary", 1.0, 5.0),
    ],
)
async def test_each_language_speaks_at_22050_hz(language: str, low: float, high: float) -> None:
    audio = await EspeakSpeaker.shared().synthesize(SENTENCES[language], language)
    assert audio.rate == RATE == 22050
    assert low < audio.duration < high
    assert voiced_seconds(audio.pcm) > 0.5 * audio.duration


async def test_the_settings_pick_the_shared_speaker() -> None:
    speaker = tts_for(Settings(tts_provider="espeak"))
    assert speaker is EspeakSpeaker.shared()
    assert speaker.name == "espeak"


async def test_darija_falls_back_to_the_arabic_voice() -> None:
    # Same voice, same rate: the same text comes out the same length (eSpeak varies ~10 ms).
    speaker = EspeakSpeaker()
    arabic = await speaker.synthesize(SENTENCES["ar"], "ar")
    darija = await speaker.synthesize(SENTENCES["ar"], "ary")
    english = await speaker.synthesize(SENTENCES["ar"], "en")
    assert abs(darija.duration - arabic.duration) < 0.05
    assert abs(english.duration - arabic.duration) > 0.2


async def test_an_unknown_voice_falls_back_to_the_languages_voice() -> None:
    speaker = EspeakSpeaker()
    plain = await speaker.synthesize("Bonjour, comment allez-vous ?", "fr")
    for voice in ("no-such-voice", "fr-FR", "", "../../etc/passwd", "x" * 100, "é"):
        audio = await speaker.synthesize("Bonjour, comment allez-vous ?", "fr", voice)
        assert abs(audio.duration - plain.duration) < 0.05, voice
    other = await speaker.synthesize("Bonjour, comment allez-vous ?", "fr", "fr-BE")
    assert other.duration > 0.5


async def test_regional_tags_and_unknown_languages_still_speak() -> None:
    speaker = EspeakSpeaker()
    english = await speaker.synthesize("Good morning", "en")
    tagged = await speaker.synthesize("Good morning", "en-US")
    assert abs(tagged.duration - english.duration) < 0.05
    german = await speaker.synthesize("Guten Morgen", "de")
    assert german.duration > 0.3
    unknown = await speaker.synthesize("Good morning", "zz")
    assert abs(unknown.duration - english.duration) < 0.05


async def test_the_rate_per_language_is_configurable() -> None:
    text = "Bonjour, je voudrais prendre rendez-vous demain à dix heures."
    slow = await EspeakSpeaker({"fr": 100}).synthesize(text, "fr")
    fast = await EspeakSpeaker({"fr": 200}).synthesize(text, "fr")
    assert slow.duration > 1.5 * fast.duration


async def test_empty_text_is_empty_audio() -> None:
    speaker = EspeakSpeaker.shared()
    for text in ("", "   ", "\n\t", "\0"):
        audio = await speaker.synthesize(text, "en")
        assert audio.pcm == b""
        assert audio.rate == RATE


async def test_very_long_text_is_capped() -> None:
    speaker = EspeakSpeaker.shared()
    sentence = "One two three four five six seven eight nine ten. "
    capped = await speaker.synthesize(sentence * 200, "en")
    at_cap = await speaker.synthesize(sentence * (MAX_CHARS // len(sentence)), "en")
    assert len(sentence * 200) > 4 * MAX_CHARS
    assert at_cap.duration * 0.9 < capped.duration < at_cap.duration * 1.1 + 1


async def test_concurrent_synthesis_is_safe() -> None:
    speaker = EspeakSpeaker.shared()
    jobs = [(SENTENCES[lang], lang) for lang in ("en", "fr", "es", "ar") * 4]
    alone = {lang: (await speaker.synthesize(text, lang)).duration for text, lang in jobs[:4]}
    results = await asyncio.gather(*(speaker.synthesize(text, lang) for text, lang in jobs))
    for (_, lang), audio in zip(jobs, results, strict=True):
        assert abs(audio.duration - alone[lang]) < 0.05, lang
        assert voiced_seconds(audio.pcm) > 0.5 * audio.duration
