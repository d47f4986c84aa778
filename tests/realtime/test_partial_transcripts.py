"""Partial transcripts over /v1/stream: while the caller speaks, what was said so far comes
as `transcript` frames with `final: false`, then the final one; partials are never stored,
and a client that asks for none gets none."""

import httpx

from models.call import Call
from tests.realtime.test_stream import greeted, make_shop, tune
from tests.voice import open_stream


async def test_partials_come_while_the_caller_speaks_then_the_final_line(
    client: httpx.AsyncClient, base: str
) -> None:
    tune(end_of_turn_ms=900)  # eSpeak's French pauses at commas: one turn
    shop = await make_shop(client)
    async with open_stream(base, shop.key) as voice:
        ready = await voice.config("agent_fr", "fr", partials=True)
        await greeted(voice)
        # In real time: 5.3 s of speech, paused at commas (each pause's guess is a partial).
        ended = await voice.say("fr_appointment.wav", speed=1.0)
        final = await voice.expect("transcript", role="user", final=True)
        user = [
            (at, m)
            for at, m in voice.frames
            if m.get("type") == "transcript" and m["role"] == "user"
        ]
        partials = [(at, m) for at, m in user if m["final"] is False]
        assert partials, [m for _, m in user]
        # Each partial came before the final line, most of them while the audio was still
        # being spoken.
        final_at = next(at for at, m in user if m["final"] is True)
        assert all(at < final_at for at, _ in partials)
        assert any(at < ended for at, _ in partials)
        assert all(m["text"].strip() for _, m in partials)
        assert "demain" in final["text"].lower()
    call = await Call.get(id=ready["callId"])
    stored = [line["content"] for line in call.transcript if line["role"] == "user"]
    assert stored == [final["text"]]  # partials are shown, never stored


async def test_no_partials_for_a_client_that_asks_for_none(
    client: httpx.AsyncClient, base: str
) -> None:
    tune(end_of_turn_ms=900)
    shop = await make_shop(client)
    async with open_stream(base, shop.key) as voice:
        await voice.config("agent_fr", "fr", partials=False)
        await greeted(voice)
        await voice.say("fr_appointment.wav", speed=1.0)
        await voice.expect("transcript", role="user", final=True)
        assert [m["final"] for m in voice.of("transcript") if m["role"] == "user"] == [True]
