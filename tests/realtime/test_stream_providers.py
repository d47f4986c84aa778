"""/v1/stream with the remote providers (OpenAI-compatible speech-to-text, chat completions with
tool calls, text-to-speech) served by a local fake that speaks OpenAI's protocol; and a session
whose provider keeps failing ends alone, with error frames, while the process goes on."""

import json

import httpx

from models.booking import Booking
from tests.realtime.fake_openai import API_KEY, Fail, FakeOpenAI, Say, ToolCalls
from tests.realtime.test_stream import make_shop, tomorrow
from tests.voice import open_stream


async def test_remote_providers_book_by_voice(
    client: httpx.AsyncClient, base: str, openai: FakeOpenAI
) -> None:
    shop = await make_shop(client)
    openai.default_transcript = "I would like to book an appointment tomorrow at ten."
    arguments = json.dumps({"date": tomorrow(), "time": "10:00"})
    openai.script_chat(ToolCalls([("create_booking", arguments)]), Say("Booked for tomorrow."))
    async with open_stream(base, shop.key) as voice:
        ready = await voice.config("agent_en", "en")
        await voice.agent_line()  # the greeting, spoken by the remote voice
        await voice.say("en_booking.wav")
        heard = await voice.expect("transcript", role="user")
        assert heard["text"] == openai.default_transcript
        called = await voice.expect("function_call", name="create_booking")
        assert called["arguments"] == {"date": tomorrow(), "time": "10:00"}
        assert await voice.agent_line() == "Booked for tomorrow."
        await voice.send({"type": "end"})
        await voice.expect("end")
    assert await Booking.filter(call_id=ready["callId"]).count() == 1
    # The transcription request carried the utterance as a WAV, with the stream's language.
    [transcription] = openai.requests("/v1/audio/transcriptions")
    assert transcription.headers["authorization"] == f"Bearer {API_KEY}"
    # The second chat request sent the tool's result back to the model.
    second = openai.chat_bodies()[1]
    tool_messages = [m for m in second["messages"] if m["role"] == "tool"]
    assert "bookingId" in tool_messages[0]["content"]


async def test_a_failing_model_ends_its_session_only(
    client: httpx.AsyncClient, base: str, openai: FakeOpenAI
) -> None:
    shop = await make_shop(client)
    openai.fail_next("/v1/chat/completions", *[Fail(500, "the model is down")] * 3)
    async with open_stream(base, shop.key) as voice:
        ready = await voice.config("agent_en", "en")
        for _ in range(3):
            await voice.send({"type": "text", "text": "What are your opening hours?"})
            error = await voice.expect("error")
            assert error["code"] == "internal_error"
            assert API_KEY not in error["message"]
        end = await voice.expect("end")
        assert end["metadata"]["endedReason"] == "agent-error"
        assert (await voice.wait_closed())[0] == 4500
    r = await client.get(f"/v1/calls/{ready['callId']}", headers=shop.headers)
    assert (r.json()["status"], r.json()["endedReason"]) == ("failed", "agent-error")
    # The model is back: the next stream works.
    openai.script_chat(Say("We are open from nine to seven."))
    async with open_stream(base, shop.key) as voice:
        await voice.config("agent_en", "en")
        await voice.agent_line()
        await voice.send({"type": "text", "text": "What are your opening hours?"})
        assert await voice.agent_line() == "We are open from nine to seven."


async def test_the_remote_providers_are_the_cloud_voice_feature(
    client: httpx.AsyncClient, base: str, openai: FakeOpenAI
) -> None:
    """A starter tenant (no cloud_voice) is served by the offline stack, whatever the server's
    providers; a pro tenant by the OpenAI-compatible ones."""
    starter = await make_shop(client, plan="starter")
    openai.script_chat(Say("From the remote model."))
    r = await client.post(
        "/respond",
        json={"message": "What are your opening hours?", "agentId": "agent_en"},
        headers=starter.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["response"] != "From the remote model."
    async with open_stream(base, starter.key) as voice:
        await voice.config("agent_en", "en")
        assert await voice.agent_line()  # the greeting, in eSpeak's voice
        await voice.send({"type": "text", "text": "What are your opening hours?"})
        assert await voice.agent_line() != "From the remote model."
        await voice.send({"type": "end"})
        await voice.expect("end")
    assert openai.chat_bodies() == []
    assert openai.requests("/v1/audio/speech") == []
    pro = await make_shop(client)
    r = await client.post(
        "/respond",
        json={"message": "What are your opening hours?", "agentId": "agent_en"},
        headers=pro.headers,
    )
    assert r.json()["response"] == "From the remote model."
    assert len(openai.chat_bodies()) == 1
