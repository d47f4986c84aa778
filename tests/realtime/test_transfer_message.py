"""A transfer's message is said to the caller before the bridge: the transfer API's
``message`` on a live stream, and the transfer_call tool's ``message`` (recorded in the
transcript while the call is still in progress)."""

import json

import httpx

from models.call import Call
from tests.realtime.fake_openai import FakeOpenAI, Say, ToolCalls
from tests.realtime.test_stream import make_shop
from tests.voice import open_stream

MESSAGE = "Un conseiller va vous répondre, ne quittez pas."


async def test_the_transfer_apis_message_is_said_before_the_stream_ends(
    client: httpx.AsyncClient, base: str
) -> None:
    shop = await make_shop(client)
    async with open_stream(base, shop.key) as voice:
        ready = await voice.config("agent_fr", "fr")
        await voice.agent_line()  # the greeting
        r = await client.post(
            f"/v1/calls/{ready['callId']}/transfer",
            json={"to": "+212600000002", "message": MESSAGE},
            headers=shop.headers,
        )
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["endedReason"]) == ("completed", "transferred")
        assert await voice.agent_line(timeout=10) == MESSAGE
        before_end = len(voice.of("audio"))
        end = await voice.expect("end", timeout=10)
        assert end["metadata"]["endedReason"] == "transferred"
        assert before_end > 1  # the message was heard as audio, not only as text
        assert (await voice.wait_closed())[0] == 1000
    call = await Call.get(id=ready["callId"])
    assert call.transferred_to == "+212600000002"
    # Recorded once, as the agent's last line, although the call ended when the API answered.
    lines = [(line["role"], line["content"]) for line in call.transcript]
    assert lines == [("agent", "Bonjour."), ("agent", MESSAGE)]
    assert call.transcript[-1]["startMs"] >= call.transcript[0].get("startMs", 0)
    shown = (await client.get(f"/v1/calls/{call.id}", headers=shop.headers)).json()
    assert shown["transcript"][-1]["content"] == MESSAGE


async def test_a_transfer_without_a_message_ends_at_once(
    client: httpx.AsyncClient, base: str
) -> None:
    shop = await make_shop(client)
    async with open_stream(base, shop.key) as voice:
        ready = await voice.config("agent_fr", "fr")
        await voice.agent_line()
        r = await client.post(
            f"/v1/calls/{ready['callId']}/transfer",
            json={"to": "+212600000002"},
            headers=shop.headers,
        )
        assert r.status_code == 200, r.text
        end = await voice.expect("end", timeout=5)
        assert end["metadata"]["endedReason"] == "transferred"
        assert [m["text"] for m in voice.of("transcript")] == ["Bonjour."]


async def test_the_transfer_tools_message_is_said_and_recorded_before_the_transfer(
    client: httpx.AsyncClient, base: str, openai: FakeOpenAI
) -> None:
    shop = await make_shop(client)
    arguments = json.dumps({"reason": "asked for a person", "message": MESSAGE})
    openai.script_chat(ToolCalls([("transfer_call", arguments)]), Say("D'accord."))
    async with open_stream(base, shop.key) as voice:
        ready = await voice.config("agent_fr", "fr")
        await voice.agent_line()
        await voice.send({"type": "text", "text": "Je veux parler à quelqu'un."})
        await voice.expect("function_call", name="transfer_call")
        assert await voice.agent_line(timeout=10) == "D'accord."  # the model's answer, then
        assert await voice.agent_line(timeout=10) == MESSAGE  # the message, then the bridge
        end = await voice.expect("end", timeout=10)
        assert end["metadata"]["endedReason"] == "transferred"
    call = await Call.get(id=ready["callId"])
    assert (call.status, call.ended_reason, call.transferred_to) == (
        "completed",
        "transferred",
        "+212600000001",
    )
    assert call.transcript[-1]["role"] == "agent"
    assert call.transcript[-1]["content"] == MESSAGE
