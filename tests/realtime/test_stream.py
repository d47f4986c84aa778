"""WS /v1/stream end to end over a real socket: the committed eSpeak fixtures go through VAD,
Whisper, the builtin agent, its tools, eSpeak and the paced playout; each stream is a web call
with its transcript, events, webhooks and latency."""

import asyncio
import base64
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from models.agent import Agent
from models.booking import Booking
from models.call import Call
from realtime.audio import silence
from resolvers.settings import configure, get_settings
from tests.factories import TenantCtx, make_key, make_tenant
from tests.voice import VoiceClient, fixture_pcm, open_stream
from tests.webhooks.receiver import Receiver

TZ = "Africa/Casablanca"
# Short greetings: the agent's speech plays in real time, and tests wait for it.
GREETINGS = {"fr": "Bonjour.", "en": "Hello.", "es": "Hola.", "ar": "مرحبا.", "ary": "السلام."}


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


def tune(**changes: Any) -> None:
    configure(get_settings().with_overrides(**changes))


class Shop:
    def __init__(self, ctx: TenantCtx, key: str) -> None:
        self.ctx = ctx
        self.key = key

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


async def make_shop(
    client: httpx.AsyncClient,
    *,
    plan: str = "pro",
    hook: str | None = None,
    agents: tuple[tuple[str, str], ...] = (("agent_en", "en"), ("agent_fr", "fr")),
) -> Shop:
    ctx = await make_tenant(plan=plan)
    shop = Shop(ctx, await make_key(ctx))
    for agent_id, language in agents:
        r = await client.post(
            "/v1/agents",
            json={
                "id": agent_id,
                "name": "Atlas Dental",
                "language": language,
                "transferNumber": "+212600000001",
                "greeting": GREETINGS.get(language, "Hello."),
            },
            headers=shop.headers,
        )
        assert r.status_code == 201, r.text
    if hook:
        r = await client.put(
            f"/api/tenants/{ctx.id}/webhooks",
            json={"endpoints": [{"url": hook, "events": ["booking.created", "call.transferred"]}]},
            headers=ctx.headers,
        )
        assert r.status_code == 200, r.text
    return shop


def tomorrow() -> str:
    return (datetime.now(ZoneInfo(TZ)) + timedelta(days=1)).date().isoformat()


async def greeted(voice: VoiceClient) -> str:
    """Wait for the greeting to have played (its transcript comes once heard)."""
    return await voice.agent_line()


# --- the headline -------------------------------------------------------------------------------


async def test_english_booking_by_voice(client: httpx.AsyncClient, base: str, rx: Receiver) -> None:
    shop = await make_shop(client, hook=rx.url("/hook"))
    async with open_stream(base, shop.key) as voice:
        ready = await voice.config("agent_en", "en")
        call_id = ready["callId"]
        await greeted(voice)
        await voice.say("en_booking.wav")
        heard = await voice.expect("transcript", role="user")
        words = heard["text"].lower()
        for word in ("book", "appointment", "tomorrow"):
            assert word in words, heard
        booking_call = await voice.expect("function_call", name="create_booking")
        assert booking_call["id"].startswith("fc_")
        assert booking_call["arguments"]["date"] == tomorrow()
        assert booking_call["arguments"]["time"] == "10:00"
        await voice.expect("audio")  # the agent speaks its confirmation
        await voice.send({"type": "end"})
        end = await voice.expect("end")
        assert end["summary"]
        assert end["metadata"]["endedReason"] == "customer-hangup"
        assert set(end["metadata"]) >= {"duration", "sentiment", "leadScore", "endedReason"}
        assert (await voice.wait_closed())[0] == 1000
    booking = await Booking.get(call_id=call_id)
    local = booking.starts_at.astimezone(ZoneInfo(TZ))
    assert (local.date().isoformat(), local.strftime("%H:%M")) == (tomorrow(), "10:00")
    await rx.wait_for(1, "/hook")
    event = rx.events("/hook")[0]
    assert event["event"] == "booking.created"
    assert event["data"]["bookingId"] == booking.id
    r = await client.get(f"/v1/calls/{call_id}", headers=shop.headers)
    call = r.json()
    assert (call["direction"], call["status"]) == ("web", "completed")
    roles = [line["role"] for line in call["transcript"]]
    assert roles[:2] == ["agent", "user"]
    assert call["latency"]["p50Ms"] > 0
    assert any(t["name"] == "create_booking" for t in call["toolCalls"])


async def test_french_audio_is_answered_in_french(client: httpx.AsyncClient, base: str) -> None:
    # eSpeak's French at 120 words a minute pauses after "Bonjour." and at the commas: a longer
    # end-of-turn silence keeps it one turn. "à quinze heures" is a time Whisper base hears
    # from eSpeak at any cut of the silences ("dix heures" it often does not).
    tune(end_of_turn_ms=900)
    shop = await make_shop(client)
    async with open_stream(base, shop.key) as voice:
        await voice.config("agent_fr", "fr")
        await greeted(voice)
        await voice.say("fr_appointment.wav")
        heard = await voice.expect("transcript", role="user")
        assert "demain" in heard["text"].lower(), heard
        booking = await voice.expect("function_call", name="create_booking")
        assert booking["arguments"]["date"] == tomorrow()
        assert booking["arguments"]["time"] == "15:00"
        reply = await voice.agent_line()
        # French, not English: the confirmation names the appointment in French.
        assert any(w in reply.lower() for w in ("rendez-vous", "réservé", "demain", "heures")), (
            reply
        )


# --- typed turns in every language ---------------------------------------------------------------

TYPED = [
    ("fr", "je voudrais prendre rendez-vous demain à dix heures", "create_booking"),
    ("fr", "je veux parler à un conseiller", "transfer_call"),
    ("es", "quisiera reservar una cita mañana a las diez", "create_booking"),
    ("ar", "أريد حجز موعد غدا الساعة العاشرة", "create_booking"),
    ("ary", "بغيت نحجز موعد غدا مع العشرة", "create_booking"),
    ("ary", "bghit nakhod maw3id ghda m3a l3achra", "create_booking"),
    ("ary", "bghit nhder m3a chi wa7ed", "transfer_call"),
]


@pytest.mark.parametrize(("language", "text", "tool"), TYPED)
async def test_typed_turns_reach_the_right_tool(
    client: httpx.AsyncClient, base: str, rx: Receiver, language: str, text: str, tool: str
) -> None:
    shop = await make_shop(client, hook=rx.url("/hook"), agents=(("agent_x", language),))
    async with open_stream(base, shop.key) as voice:
        ready = await voice.config("agent_x", language)
        await voice.send({"type": "text", "text": text})
        called = await voice.expect("function_call", name=tool)
        if tool == "create_booking":
            assert (called["arguments"]["date"], called["arguments"]["time"]) == (
                tomorrow(),
                "10:00",
            )
            await voice.send({"type": "end"})
        end = await voice.expect("end")
    if tool == "transfer_call":
        assert end["metadata"]["endedReason"] == "transferred"
        await rx.wait_for(1, "/hook")
        assert rx.events("/hook")[0]["event"] == "call.transferred"
        call = await Call.get(id=ready["callId"])
        assert call.transferred_to == "+212600000001"
    else:
        assert await Booking.filter(call_id=ready["callId"]).count() == 1


# --- turn-taking --------------------------------------------------------------------------------


def _speech_only(name: str) -> bytes:
    """The fixture without its leading silence, so timing starts at the first word."""
    pcm = fixture_pcm(name)
    return pcm[int(0.3 * 16000) * 2 :]


async def test_barge_in_interrupts_within_300_ms(client: httpx.AsyncClient, base: str) -> None:
    shop = await make_shop(client)
    agent = await Agent.get(tenant_id=shop.ctx.id, agent_id="agent_en")
    agent.greeting = (
        "Hello and welcome to Atlas Dental. We are open from Monday to Saturday, from nine in "
        "the morning until seven in the evening, and we are happy to help you today."
    )
    await agent.save()
    async with open_stream(base, shop.key) as voice:
        await voice.config("agent_en", "en")
        await voice.expect("audio")  # the greeting is playing
        await asyncio.sleep(0.5)
        started = time.monotonic()
        sending = asyncio.create_task(voice.audio(_speech_only("en_hours.wav")))
        interrupt = await voice.expect("interrupt", timeout=5)
        assert interrupt == {"type": "interrupt"}
        at = voice.first_after("interrupt", started)
        assert at is not None
        assert at - started <= 0.3, f"interrupt after {1000 * (at - started):.0f} ms"
        await sending
        await voice.audio(silence(16000, 800), speed=4)
        heard = await voice.agent_line()
        assert heard != agent.greeting
        assert agent.greeting.startswith(heard)
        assert len(heard) < len(agent.greeting)
        answer = await voice.expect("transcript", role="user")
        assert "hours" in answer["text"].lower()


async def test_silence_reprompts_then_times_out(client: httpx.AsyncClient, base: str) -> None:
    tune(silence_reprompt_seconds=0.6, silence_timeout_seconds=2.0)
    shop = await make_shop(client)
    async with open_stream(base, shop.key) as voice:
        await voice.config("agent_en", "en")
        await greeted(voice)
        reprompt = await voice.agent_line(timeout=5)
        assert reprompt
        end = await voice.expect("end", timeout=10)
        assert end["metadata"]["endedReason"] == "silence-timeout"


async def test_max_duration_ends_the_call(client: httpx.AsyncClient, base: str) -> None:
    shop = await make_shop(client)
    await Agent.filter(tenant_id=shop.ctx.id, agent_id="agent_en").update(max_duration=1)
    async with open_stream(base, shop.key) as voice:
        await voice.config("agent_en", "en")
        end = await voice.expect("end", timeout=10)
        assert end["metadata"]["endedReason"] == "max-duration"


async def test_api_hangup_reaches_the_stream(client: httpx.AsyncClient, base: str) -> None:
    shop = await make_shop(client)
    async with open_stream(base, shop.key) as voice:
        ready = await voice.config("agent_en", "en")
        r = await client.post(f"/v1/calls/{ready['callId']}/hangup", headers=shop.headers)
        assert r.status_code == 200, r.text
        end = await voice.expect("end", timeout=5)
        assert end["metadata"]["endedReason"] == "agent-hangup"
        assert (await voice.wait_closed())[0] == 1000


# --- measurement ---------------------------------------------------------------------------------


async def test_latency_is_stored_and_exported(client: httpx.AsyncClient, base: str) -> None:
    shop = await make_shop(client)
    async with open_stream(base, shop.key) as voice:
        ready = await voice.config("agent_en", "en")
        await greeted(voice)
        await voice.say("en_hours.wav", speed=1.0)
        await voice.agent_line()
        await voice.send({"type": "end"})
        end = await voice.expect("end")
    latency = end["metadata"]["latency"]
    assert latency["turns"] == 1
    assert 0 < latency["p50Ms"] <= latency["p95Ms"] < 10_000
    assert set(latency["partsP50Ms"]) == {"eot", "stt", "agent", "tts"}
    call = await Call.get(id=ready["callId"])
    assert call.latency["p50Ms"] == latency["p50Ms"]
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert "vocalia_voice_turn_latency_seconds_bucket" in r.text
    assert 'vocalia_voice_turn_part_seconds_count{part="stt"}' in r.text


# --- many at once --------------------------------------------------------------------------------


async def test_twenty_concurrent_streams(client: httpx.AsyncClient, base: str) -> None:
    shop = await make_shop(client, plan="enterprise")

    async def one(i: int) -> tuple[str, int]:
        async with open_stream(base, shop.key) as voice:
            ready = await voice.config("agent_en", "en")
            await greeted(voice)
            await voice.say("en_hours.wav")
            await voice.expect("transcript", timeout=60, role="user")
            await voice.agent_line(timeout=60)
            await voice.send({"type": "text", "text": "Thank you, goodbye."})
            end = await voice.expect("end", timeout=60)
            assert not voice.of("error"), voice.of("error")
            return ready["callId"], len(end)

    results = await asyncio.gather(*(one(i) for i in range(20)))
    assert len({call_id for call_id, _ in results}) == 20
    rows = await Call.filter(id__in=[c for c, _ in results])
    assert all(r.status == "completed" for r in rows)
    for row in rows:
        users = [line for line in row.transcript if line["role"] == "user"]
        assert len(users) == 2, row.transcript


async def test_a_48_khz_stream_is_heard_and_answered_at_48_khz(
    client: httpx.AsyncClient, base: str
) -> None:
    shop = await make_shop(client)
    async with open_stream(base, shop.key, rate=48000) as voice:
        await voice.config("agent_en", "en", rate=48000)
        await greeted(voice)
        await voice.say("en_hours.wav")
        heard = await voice.expect("transcript", role="user")
        assert "opening hours" in heard["text"].lower()
        await voice.expect("audio")
        await voice.send({"type": "end"})
        await voice.expect("end")
    frames = [base64.b64decode(m["audio"]) for m in voice.of("audio")]
    # 20 ms of PCM16 at the client's rate, not the pipeline's 16 kHz (a sentence's last frame
    # may be shorter).
    full = 48000 // 50 * 2
    assert max(len(f) for f in frames) == full
    assert sum(len(f) == full for f in frames) >= 0.9 * len(frames)
