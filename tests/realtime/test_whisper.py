"""The offline transcriber on the real Whisper base model and the committed speech fixtures.

The model is assembled and loaded once for the module (about 2-3 s); each transcription of a
short fixture then costs about half a second on two CPU threads.
"""

import asyncio
import hashlib
import os
import threading
from pathlib import Path

import pytest

from realtime.audio import read_wav, resample, silence
from realtime.speech import Audio, SpeechError, whisper
from realtime.speech.whisper import WhisperTranscriber, bundled_model_dir, whisper_language
from resolvers.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "audio"


def fixture(name: str) -> Audio:
    return read_wav(FIXTURES / f"{name}.wav")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("whisper-var")


@pytest.fixture(scope="module")
async def transcriber(var_dir: Path) -> WhisperTranscriber:
    shared = WhisperTranscriber.shared(Settings(var_dir=var_dir))
    await shared.warm_up()
    return shared


async def test_english_booking(transcriber: WhisperTranscriber) -> None:
    text = (await transcriber.transcribe(fixture("en_booking"), "en")).lower()

    for word in ("book", "appointment", "tomorrow", "morning"):
        assert word in text, text


async def test_phone_rate_audio_is_resampled(transcriber: WhisperTranscriber) -> None:
    audio = fixture("en_booking")
    phone = Audio(resample(audio.pcm, audio.rate, 8000), 8000)

    text = (await transcriber.transcribe(phone, "en")).lower()

    assert "appointment" in text, text


async def test_french_booking(transcriber: WhisperTranscriber) -> None:
    # Whisper base hears eSpeak's French imperfectly ("Je vous présente et vous demain à 15
    # heures"): the words that carry the intent are checked, and that it stayed French. This
    # fixture gives them at any cut and on oneDNN and MKL alike; fr_booking's did not (its
    # transcript flipped between backends and between cuts of its silences).
    text = (await transcriber.transcribe(fixture("fr_appointment"), "fr")).lower()

    assert text.startswith("bonjour"), text
    assert "demain" in text, text
    assert "15 heures" in text or "15h" in text, text


async def test_silence_and_scraps_are_nothing(transcriber: WhisperTranscriber) -> None:
    speech = fixture("en_hours")
    scrap = Audio(speech.pcm[: int(0.09 * speech.rate) * 2], speech.rate)  # under 0.1 s
    for audio in (Audio(silence(16000, 1500), 16000), Audio(b"", 8000), scrap):
        assert await transcriber.transcribe(audio, "en") == ""


async def test_concurrent_transcriptions_share_one_model(
    var_dir: Path, transcriber: WhisperTranscriber
) -> None:
    beam5 = WhisperTranscriber.shared(Settings(var_dir=var_dir, stt_beam_size=5))
    assert WhisperTranscriber.shared(Settings(var_dir=var_dir)) is transcriber
    assert beam5 is not transcriber

    texts = await asyncio.gather(
        transcriber.transcribe(fixture("en_hours"), "en"),
        beam5.transcribe(fixture("en_transfer"), "en"),
        transcriber.transcribe(fixture("en_goodbye"), "en"),
        transcriber.transcribe(fixture("en_hours"), "en"),
    )

    hours, transfer, goodbye, hours_again = (t.lower() for t in texts)
    assert "opening hours" in hours, hours
    assert hours_again == hours
    assert "advisor" in transfer, transfer
    assert "thank you" in goodbye, goodbye
    assert beam5._model is transcriber._model


def test_languages() -> None:
    supported = ("en", "fr", "es", "ar")
    assert [whisper_language(c, supported) for c in ("fr", "EN", "es-MX", "ary", "ar")] == [
        "fr",
        "en",
        "es",
        "ar",
        "ar",
    ]
    with pytest.raises(SpeechError, match="cannot transcribe language 'de'"):
        whisper_language("de", supported)


async def test_unknown_language_is_refused(transcriber: WhisperTranscriber) -> None:
    with pytest.raises(SpeechError, match="cannot transcribe language 'xx'"):
        await transcriber.transcribe(fixture("en_hours"), "xx")


async def test_bad_model_directories(tmp_path: Path) -> None:
    missing = WhisperTranscriber(Settings(var_dir=tmp_path, stt_model=str(tmp_path / "nope")))
    with pytest.raises(SpeechError, match="is not a faster-whisper model directory"):
        await missing.transcribe(fixture("en_hours"), "en")
    with pytest.raises(SpeechError, match="is not a faster-whisper model directory"):
        await missing.warm_up()

    broken_dir = tmp_path / "broken"
    broken_dir.mkdir()
    (broken_dir / "model.bin").write_bytes(b"not a model")
    (broken_dir / "config.json").write_text("{}")
    broken = WhisperTranscriber(Settings(var_dir=tmp_path, stt_model=str(broken_dir)))
    with pytest.raises(SpeechError, match="cannot load the Whisper model in"):
        await broken.transcribe(fixture("en_hours"), "en")


async def test_bundled_model_is_assembled_once(
    var_dir: Path, transcriber: WhisperTranscriber
) -> None:
    model_dir = var_dir / "models" / "whisper-base"
    model = model_dir / "model.bin"
    assert sha256(model) == whisper.BASE_SHA256
    assert model.stat().st_size == whisper.BASE_SIZE
    assert (model_dir / whisper.MARKER).read_text() == whisper.BASE_SHA256
    assert sorted(p.name for p in model_dir.iterdir()) == [
        "config.json",
        "model.bin",
        "model.bin.sha256",
        "tokenizer.json",
        "vocabulary.txt",
    ]
    before = model.stat()

    assert bundled_model_dir(var_dir) == model_dir
    # Without the marker the file is hashed again, found right, and kept.
    (model_dir / whisper.MARKER).unlink()
    assert bundled_model_dir(var_dir) == model_dir

    after = model.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (model_dir / whisper.MARKER).read_text() == whisper.BASE_SHA256


def test_concurrent_assembly_and_repair(tmp_path: Path) -> None:
    results: list[Path | BaseException] = []

    def assemble() -> None:
        try:
            results.append(bundled_model_dir(tmp_path))
        except BaseException as exc:
            results.append(exc)

    threads = [threading.Thread(target=assemble) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    model_dir = tmp_path / "models" / "whisper-base"
    assert results == [model_dir, model_dir]
    assert sha256(model_dir / "model.bin") == whisper.BASE_SHA256
    assert not [p.name for p in model_dir.iterdir() if p.name.startswith(".")]  # no temp files

    # A truncated model.bin (a disk filled up, a killed copy) is rebuilt.
    os.truncate(model_dir / "model.bin", 1000)
    bundled_model_dir(tmp_path)
    assert sha256(model_dir / "model.bin") == whisper.BASE_SHA256
