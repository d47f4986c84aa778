"""The OpenAI-compatible providers (transcription, speech, chat with tools) against a fake
OpenAI on a loopback port that speaks the real wire protocols (multipart, PCM/WAV, SSE)."""

import io
import json
import wave
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np
import pytest

from realtime.dialogue import TOOLS, AgentTurn, Conversation, ModelError, ToolCall
from realtime.dialogue.openai_chat import MAX_ROUNDS, OpenAIChatModel
from realtime.speech import Audio, SpeechError
from realtime.speech.openai_audio import OpenAISpeaker, OpenAITranscriber
from resolvers.settings import Settings
from tests.realtime.fake_openai import (
    API_KEY,
    CutOff,
    Fail,
    FakeOpenAI,
    Malformed,
    Say,
    Slow,
    ToolCalls,
    speech_seconds,
    tone,
)

WRONG_KEY = "sk-wrong-" + "w" * 30


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


Provider = TypeVar("Provider", OpenAITranscriber, OpenAISpeaker, OpenAIChatModel)


class Providers:
    """Builds providers pointed at the fake (settings overridable) and closes them all."""

    def __init__(self, fake: FakeOpenAI) -> None:
        self.fake = fake
        self.made: list[OpenAITranscriber | OpenAISpeaker | OpenAIChatModel] = []

    def __call__(self, kind: type[Provider], **overrides: Any) -> Provider:
        values = {"openai_base_url": self.fake.base_url, "openai_api_key": API_KEY, **overrides}
        provider = kind(Settings(**values))
        self.made.append(provider)
        return provider


@pytest.fixture
async def make(fake: FakeOpenAI) -> AsyncIterator[Providers]:
    providers = Providers(fake)
    yield providers
    for provider in providers.made:
        await provider.aclose()


@pytest.fixture
def transcriber(make: Providers) -> OpenAITranscriber:
    return make(OpenAITranscriber)


@pytest.fixture
def speaker(make: Providers) -> OpenAISpeaker:
    return make(OpenAISpeaker)


@pytest.fixture
def chat(make: Providers) -> OpenAIChatModel:
    return make(OpenAIChatModel)


class Tools:
    """A ToolRunner that records its calls and answers from a table."""

    def __init__(self, **results: dict[str, Any]) -> None:
        self.calls: list[ToolCall] = []
        self.results = results

    async def __call__(self, call: ToolCall) -> dict[str, Any]:
        self.calls.append(call)
        return self.results.get(call.name, {"ok": True})


def conversation(**overrides: Any) -> Conversation:
    values: dict[str, Any] = {
        "agent_name": "Salma",
        "language": "fr",
        "timezone": "Europe/Paris",
        # 23:30 UTC on Monday is 00:30 on Tuesday in Paris: "tomorrow" is the 5th there.
        "now": datetime(2025, 3, 3, 23, 30, tzinfo=UTC),
        "instructions": "Cabinet dentaire du Dr Alami. Ouvert du lundi au vendredi.",
        "faq": [{"question": "Où êtes-vous ?", "answer": "12 rue de la Paix, Rabat."}],
        "history": [
            {"role": "assistant", "content": "Bonjour, cabinet du Dr Alami."},
            {"role": "user", "content": "Bonjour."},
        ],
    }
    values.update(overrides)
    return Conversation(**values)


def secret_free(exc: BaseException, *keys: str) -> str:
    message = str(exc)
    for key in keys:
        assert key not in message
    return message


# --- transcription ------------------------------------------------------------------------------


async def test_transcriber_uploads_a_wav_with_the_fields(
    fake: FakeOpenAI, transcriber: OpenAITranscriber
) -> None:
    fake.transcripts.append(" Bonjour, je voudrais un rendez-vous. ")
    pcm = tone(0.5, rate=8000)

    text = await transcriber.transcribe(Audio(pcm, 8000), "ary")

    assert text == "Bonjour, je voudrais un rendez-vous."
    [request] = fake.requests("/v1/audio/transcriptions")
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.form == {"model": "whisper-1", "language": "ar", "response_format": "json"}
    filename, content_type, data = request.files["file"]
    assert (filename, content_type) == ("speech.wav", "audio/wav")
    with wave.open(io.BytesIO(data), "rb") as wav:
        shape = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
        assert shape == (1, 2, 8000)
        assert wav.readframes(wav.getnframes()) == pcm

    fake.transcripts.append("Hola")
    assert await transcriber.transcribe(Audio(pcm, 8000), "es-MX") == "Hola"
    assert fake.requests()[1].form["language"] == "es"


async def test_transcriber_skips_empty_audio(
    fake: FakeOpenAI, transcriber: OpenAITranscriber
) -> None:
    assert await transcriber.transcribe(Audio(b"", 16000), "en") == ""
    assert fake.requests() == []


async def test_transcriber_errors_name_the_status_and_hide_the_key(
    fake: FakeOpenAI, make: Providers
) -> None:
    wrong = make(OpenAITranscriber, openai_api_key=WRONG_KEY)
    with pytest.raises(SpeechError) as caught:
        await wrong.transcribe(Audio(tone(0.2, 16000), 16000), "en")
    message = secret_free(caught.value, WRONG_KEY, API_KEY)
    assert "401" in message
    assert "Incorrect API key provided: ***" in message
    # The fake echoed the key whole; only our masking kept it out.
    assert WRONG_KEY in fake.requests()[0].headers["authorization"]


async def test_transcriber_server_error(fake: FakeOpenAI, transcriber: OpenAITranscriber) -> None:
    fake.fail_next("/v1/audio/transcriptions", Fail(500, "The server had an error", "server_error"))
    with pytest.raises(SpeechError, match=r"answered 500: The server had an error$"):
        await transcriber.transcribe(Audio(tone(0.2, 16000), 16000), "en")


async def test_transcriber_timeout(fake: FakeOpenAI, make: Providers) -> None:
    fake.transcription_delay = 0.8
    slow = make(OpenAITranscriber, openai_timeout=0.3)
    with pytest.raises(SpeechError, match=r"no answer from /audio/transcriptions within 0.3s"):
        await slow.transcribe(Audio(tone(0.2, 16000), 16000), "en")


# --- speech -------------------------------------------------------------------------------------


async def test_speaker_returns_raw_pcm_at_24k(fake: FakeOpenAI, speaker: OpenAISpeaker) -> None:
    text = "Votre rendez-vous est confirmé pour demain à dix heures."

    audio = await speaker.synthesize(text, "fr")

    assert audio.rate == 24000
    assert audio.duration == pytest.approx(speech_seconds(text), abs=1e-4)
    assert audio.pcm == tone(speech_seconds(text))
    [request] = fake.requests("/v1/audio/speech")
    assert request.json == {
        "model": "tts-1",
        "voice": "alloy",
        "input": text,
        "response_format": "pcm",
    }
    assert request.headers["authorization"] == f"Bearer {API_KEY}"


async def test_speaker_reads_a_wav_answer_and_takes_a_voice(
    fake: FakeOpenAI, speaker: OpenAISpeaker
) -> None:
    fake.speech_as_wav = True

    audio = await speaker.synthesize("Hello there, see you tomorrow.", "en", voice="nova")

    assert audio == Audio(tone(speech_seconds("Hello there, see you tomorrow.")), 24000)
    assert fake.requests()[0].json["voice"] == "nova"
    samples = np.frombuffer(audio.pcm, "<i2")
    assert int(np.abs(samples).max()) > 7000


async def test_speaker_says_nothing_for_blank_text(
    fake: FakeOpenAI, speaker: OpenAISpeaker
) -> None:
    assert await speaker.synthesize("  ", "en") == Audio(b"", 24000)
    assert fake.requests() == []


async def test_speaker_errors(fake: FakeOpenAI, speaker: OpenAISpeaker, make: Providers) -> None:
    fake.fail_next(
        "/v1/audio/speech", Fail(400, "Input is too long", code="string_above_max_length")
    )
    with pytest.raises(
        SpeechError, match=r"openai speech: /audio/speech answered 400: Input is too"
    ):
        await speaker.synthesize("Bonjour", "fr")

    closed = make(OpenAISpeaker, openai_base_url="http://127.0.0.1:9/v1")
    with pytest.raises(SpeechError, match=r"/audio/speech failed \(ConnectError\)"):
        await closed.synthesize("Bonjour", "fr")


# --- chat ---------------------------------------------------------------------------------------


async def test_chat_plain_answer(fake: FakeOpenAI, chat: OpenAIChatModel) -> None:
    fake.script_chat(Say("Bien sûr, pour quel jour souhaitez-vous venir ?", chunk=4))
    tools = Tools()

    turn = await chat.respond(conversation(), "Je voudrais un rendez-vous.", tools)

    assert turn == AgentTurn(text="Bien sûr, pour quel jour souhaitez-vous venir ?")
    assert tools.calls == []
    [body] = fake.chat_bodies()
    assert body["model"] == "gpt-4o-mini"
    assert body["stream"] is True
    assert body["tool_choice"] == "auto"
    system, *rest = body["messages"]
    assert rest == [
        {"role": "assistant", "content": "Bonjour, cabinet du Dr Alami."},
        {"role": "user", "content": "Bonjour."},
        {"role": "user", "content": "Je voudrais un rendez-vous."},
    ]
    prompt = system["content"]
    assert system["role"] == "system"
    for expected in (
        "You are Salma",
        "answer in French",
        "Europe/Paris",
        "Tuesday 2025-03-04 00:30",
        "Cabinet dentaire du Dr Alami",
        "Q: Où êtes-vous ?\nA: 12 rue de la Paix, Rabat.",
    ):
        assert expected in prompt
    # No transfer number: the model is not offered transfer_call.
    names = [t["function"]["name"] for t in body["tools"]]
    assert names == [t for t in TOOLS if t != "transfer_call"]
    booking = body["tools"][0]["function"]["parameters"]
    assert booking["required"] == ["date", "time"]
    assert set(booking["properties"]) == {"date", "time", "name", "service", "notes"}


async def test_chat_runs_a_streamed_tool_call_and_sends_the_result_back(
    fake: FakeOpenAI, chat: OpenAIChatModel
) -> None:
    arguments = '{"date": "2025-03-05", "time": "10:00", "name": "Sara Benali"}'
    fake.script_chat(
        ToolCalls([("create_booking", arguments)], fragment=3),
        Say("C'est noté : demain mercredi à 10 h."),
    )
    tools = Tools(create_booking={"booking_id": "bk_123", "status": "confirmed"})

    turn = await chat.respond(conversation(), "Demain à 10 h, au nom de Sara Benali.", tools)

    [call] = tools.calls
    assert call.name == "create_booking"
    assert call.arguments == {"date": "2025-03-05", "time": "10:00", "name": "Sara Benali"}
    assert call.id.startswith("call_")
    assert turn == AgentTurn(text="C'est noté : demain mercredi à 10 h.", tool_calls=[call])
    first, second = fake.chat_bodies()
    assert second["messages"][: len(first["messages"])] == first["messages"]
    assistant, result = second["messages"][len(first["messages"]) :]
    assert assistant == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": "create_booking", "arguments": arguments},
            }
        ],
    }
    assert result["role"] == "tool"
    assert result["tool_call_id"] == call.id
    assert json.loads(result["content"]) == {"booking_id": "bk_123", "status": "confirmed"}


async def test_chat_parallel_calls_interleaved(fake: FakeOpenAI, chat: OpenAIChatModel) -> None:
    fake.script_chat(
        ToolCalls(
            [
                ("search_knowledge_base", '{"query": "tarif détartrage"}'),
                (
                    "qualify_lead",
                    '{"need": true, "timeline": false, "budget": true, "authority": true}',
                ),
            ],
            interleave=True,
            fragment=4,
        ),
        Say("Le détartrage coûte 300 dirhams."),
    )
    tools = Tools(search_knowledge_base={"results": [{"text": "Détartrage : 300 MAD"}]})

    turn = await chat.respond(conversation(), "Combien coûte un détartrage ?", tools)

    assert [(c.name, c.arguments) for c in tools.calls] == [
        ("search_knowledge_base", {"query": "tarif détartrage"}),
        ("qualify_lead", {"need": True, "timeline": False, "budget": True, "authority": True}),
    ]
    assert turn.tool_calls == tools.calls
    assert turn.text == "Le détartrage coûte 300 dirhams."
    replies = [m for m in fake.chat_bodies()[1]["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in replies] == [c.id for c in tools.calls]


async def test_chat_end_call_with_goodbye_ends_in_one_round(
    fake: FakeOpenAI, chat: OpenAIChatModel
) -> None:
    fake.script_chat(ToolCalls([("end_call", '{"reason": "caller done"}')], text="Au revoir !"))
    tools = Tools()

    turn = await chat.respond(conversation(), "Merci, c'est tout.", tools)

    assert turn.text == "Au revoir !"
    assert turn.end is True
    assert tools.calls == [ToolCall("end_call", {"reason": "caller done"}, turn.tool_calls[0].id)]
    assert len(fake.chat_bodies()) == 1


async def test_chat_end_call_without_words_asks_for_the_goodbye(
    fake: FakeOpenAI, chat: OpenAIChatModel
) -> None:
    fake.script_chat(ToolCalls([("end_call", "{}")]), Say("Bonne journée, au revoir."))

    turn = await chat.respond(conversation(), "C'est tout.", Tools())

    assert (turn.text, turn.end, [c.name for c in turn.tool_calls]) == (
        "Bonne journée, au revoir.",
        True,
        ["end_call"],
    )
    assert len(fake.chat_bodies()) == 2


async def test_chat_stops_after_three_rounds(fake: FakeOpenAI, chat: OpenAIChatModel) -> None:
    # A model (or a server ignoring tool_choice) that asks for tools forever.
    search = ToolCalls([("search_knowledge_base", '{"query": "horaires"}')])
    fake.script_chat(search, search, search, search)
    tools = Tools()

    turn = await chat.respond(conversation(), "Vous êtes ouverts quand ?", tools)

    bodies = fake.chat_bodies()
    assert len(bodies) == MAX_ROUNDS == 3
    assert [b["tool_choice"] for b in bodies] == ["auto", "auto", "none"]
    assert len(tools.calls) == 2  # the third round's call was not run
    assert turn == AgentTurn(
        text="Désolé, je ne peux pas répondre pour le moment.", tool_calls=tools.calls
    )


async def test_chat_refuses_bad_arguments_and_unoffered_tools(
    fake: FakeOpenAI, chat: OpenAIChatModel
) -> None:
    fake.script_chat(
        ToolCalls(
            [
                ("create_booking", '{"date": "2025-03-05", "time": '),
                ("transfer_call", '{"reason": "wants a human"}'),
                ("create_booking", '["2025-03-05"]'),
            ]
        ),
        Say("Pouvez-vous répéter l'heure ?"),
    )
    tools = Tools()

    turn = await chat.respond(conversation(), "Demain à.", tools)

    assert tools.calls == []
    assert turn == AgentTurn(text="Pouvez-vous répéter l'heure ?")
    results = [
        json.loads(m["content"]) for m in fake.chat_bodies()[1]["messages"] if m["role"] == "tool"
    ]
    assert results == [
        {"error": "invalid arguments"},
        {"error": "unknown tool 'transfer_call'"},
        {"error": "invalid arguments"},
    ]


async def test_chat_offers_transfer_when_available(fake: FakeOpenAI, chat: OpenAIChatModel) -> None:
    fake.script_chat(ToolCalls([("transfer_call", '{"reason": "urgent"}')]), Say("Je vous passe."))
    tools = Tools()

    await chat.respond(conversation(transfer_available=True, language="en"), "Human!", tools)

    assert [c.name for c in tools.calls] == ["transfer_call"]
    assert "transfer_call" in [t["function"]["name"] for t in fake.chat_bodies()[0]["tools"]]
    assert "answer in English" in fake.chat_bodies()[0]["messages"][0]["content"]


@pytest.mark.parametrize(
    ("script", "match"),
    [
        (
            Fail(500, "The server had an error processing your request."),
            r"answered 500: The server had",
        ),
        (Fail(429, "Rate limit reached for gpt-4o-mini", "requests"), r"answered 429: Rate limit"),
        (Malformed(), r"malformed stream chunk"),
        (CutOff(), r"the stream ended before the answer did"),
        (Slow(2.0), r"no complete answer within 0.5s"),
    ],
)
async def test_chat_errors(fake: FakeOpenAI, make: Providers, script: Any, match: str) -> None:
    fake.script_chat(script)
    model = make(OpenAIChatModel, openai_timeout=0.5)
    with pytest.raises(ModelError, match=match) as caught:
        await model.respond(conversation(), "Bonjour", Tools())
    secret_free(caught.value, API_KEY)


async def test_chat_wrong_key(make: Providers) -> None:
    model = make(OpenAIChatModel, openai_api_key=WRONG_KEY)
    with pytest.raises(ModelError, match=r"answered 401: Incorrect API key provided: \*\*\*") as e:
        await model.respond(conversation(), "Bonjour", Tools())
    secret_free(e.value, WRONG_KEY)


def test_reprompt_is_localized() -> None:
    model = OpenAIChatModel(Settings())
    said = {
        lang: model.reprompt(conversation(language=lang))
        for lang in ("fr", "en", "es", "ar", "ary", "de")
    }
    assert said == {
        "fr": "Vous êtes toujours là ?",
        "en": "Are you still there?",
        "es": "¿Sigue ahí?",
        "ar": "هل ما زلت معي؟",
        "ary": "واش باقي معايا؟",
        "de": "Are you still there?",
    }
