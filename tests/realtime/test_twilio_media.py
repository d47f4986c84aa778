"""WS /telephony/twilio/stream driven like Twilio drives it: a signed handshake, then
``connected``/``start``/``media`` (μ-law 8 kHz, 20 ms)/``mark``/``stop``; the agent answers
with ``media``, ``mark`` and, on barge-in, ``clear``."""

import asyncio
import base64
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from models.agent import Agent
from models.booking import Booking
from models.call import Call
from realtime.audio import silence, ulaw_decode, ulaw_encode
from tests import ws
from tests.realtime.fake_twilio import FakeCall, FakeTwilio
from tests.realtime.test_twilio_carrier import STREAM_URL, Tenant, in_progress, our_id
from tests.voice import fixture_pcm

RATE = 8000
FRAME = 160  # 20 ms of μ-law at 8 kHz


@pytest.fixture
async def media_url(app: object) -> AsyncIterator[str]:
    async with ws.serve(app) as url:
        yield url.rsplit("/graphql", 1)[0] + "/telephony/twilio/stream"


class TwilioSide:
    """What Twilio does on the media socket; it echoes every mark, as when audio has played."""

    def __init__(self, conn: ClientConnection, call: FakeCall) -> None:
        self.conn = conn
        self.call = call
        self.stream_sid = "MZ" + secrets.token_hex(16)
        self.received: list[dict[str, Any]] = []
        self.seq = 0
        self.chunk = 0
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.conn:
                message = json.loads(raw)
                self.received.append(message)
                if message.get("event") == "mark":
                    await self._send({"event": "mark", "mark": message["mark"]})
        except ConnectionClosed:
            pass

    async def _send(self, message: dict[str, Any]) -> None:
        self.seq += 1
        await self.conn.send(
            json.dumps({**message, "sequenceNumber": str(self.seq), "streamSid": self.stream_sid})
        )

    async def start(self, call_id: str) -> None:
        await self.conn.send(
            json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        )
        await self._send(
            {
                "event": "start",
                "start": {
                    "accountSid": "AC" + "0" * 32,
                    "streamSid": self.stream_sid,
                    "callSid": self.call.sid,
                    "tracks": ["inbound"],
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                    "customParameters": {"callId": call_id},
                },
            }
        )

    async def speak(self, pcm: bytes, speed: float = 4.0) -> None:
        data = ulaw_encode(pcm)
        for offset in range(0, len(data), FRAME):
            self.chunk += 1
            await self._send(
                {
                    "event": "media",
                    "media": {
                        "track": "inbound",
                        "chunk": str(self.chunk),
                        "timestamp": str(self.chunk * 20),
                        "payload": base64.b64encode(data[offset : offset + FRAME]).decode(),
                    },
                }
            )
            await asyncio.sleep(0.02 / speed)

    async def stop(self) -> None:
        await self._send({"event": "stop", "stop": {"accountSid": "AC", "callSid": self.call.sid}})

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.received if m.get("event") == kind]

    async def wait(self, kind: str, count: int = 1, timeout: float = 30) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while len(self.events(kind)) < count:
                await asyncio.sleep(0.01)
        return self.events(kind)


async def _open(url: str, fake: FakeTwilio, call: FakeCall) -> ClientConnection:
    signature = fake.sign(STREAM_URL, {})
    return await connect(url, additional_headers={"X-Twilio-Signature": signature}, max_size=None)


async def test_a_twilio_call_books_by_voice_with_marks_and_clear(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant, media_url: str
) -> None:
    await Agent.filter(tenant_id=pro.ctx.id, agent_id="agent_support_fr").update(
        language="en",
        greeting=(
            "Hello and welcome. We are open from Monday to Saturday, from nine in the morning "
            "until seven in the evening. How can I help you today?"
        ),
    )
    call = await in_progress(client, fake, pro)
    call_id = our_id(call)
    await Call.filter(id=call_id).update(language="en")
    conn = await _open(media_url, fake, call)
    twilio = TwilioSide(conn, call)
    try:
        await twilio.start(call_id)
        media = await twilio.wait("media")
        assert media[0]["streamSid"] == twilio.stream_sid
        assert len(base64.b64decode(media[0]["media"]["payload"])) == FRAME
        assert ulaw_decode(base64.b64decode(media[0]["media"]["payload"]))
        # Barge in on the greeting: Twilio is told to clear its buffer.
        await twilio.speak(fixture_pcm("en_hours.wav", RATE)[int(0.3 * RATE) * 2 :], speed=1.0)
        await twilio.wait("clear")
        await twilio.speak(silence(RATE, 800))
        # Now the booking, answered with audio and a mark Twilio echoes once played.
        marks_before = len(twilio.events("mark"))
        # Over μ-law 8 kHz, en_booking's "ten in the morning" is heard "the end of the morning".
        await twilio.speak(fixture_pcm("en_phone_booking.wav", RATE))
        await twilio.speak(silence(RATE, 800))
        async with asyncio.timeout(30):
            while not await Booking.filter(call_id=call_id).exists():
                await asyncio.sleep(0.05)
        await twilio.wait("mark", marks_before + 1)
        await twilio.stop()
        async with asyncio.timeout(10):
            while (row := await Call.get(id=call_id)).status == "in-progress":
                await asyncio.sleep(0.05)
        assert row.ended_reason == "customer-hangup"
        roles = [line["role"] for line in row.transcript]
        assert "user" in roles
        assert any(t["name"] == "create_booking" for t in row.tool_calls)
    finally:
        await conn.close()


async def test_unsigned_or_unknown_streams_are_refused(
    fake: FakeTwilio, pro: Tenant, media_url: str
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(media_url, additional_headers={"X-Twilio-Signature": "bad"})
    assert refused.value.response.status_code == 403
    conn = await connect(
        media_url, additional_headers={"X-Twilio-Signature": fake.sign(STREAM_URL, {})}
    )
    stranger = FakeCall("CA" + "1" * 32, "+212612345678", "+212520123456", "", None, [])
    twilio = TwilioSide(conn, stranger)
    await twilio.start("call_unknown")
    async with asyncio.timeout(5):
        await conn.wait_closed()
    assert conn.protocol.close_rcvd is not None
    assert conn.protocol.close_rcvd.code == 4404


async def test_the_agents_transfer_dials_the_advisor_through_twilio(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant, media_url: str
) -> None:
    await Agent.filter(tenant_id=pro.ctx.id, agent_id="agent_support_fr").update(
        language="en", greeting="Hello.", transfer_number="+212600000001"
    )
    call = await in_progress(client, fake, pro)
    call_id = our_id(call)
    await Call.filter(id=call_id).update(language="en")
    conn = await _open(media_url, fake, call)
    twilio = TwilioSide(conn, call)
    try:
        await twilio.start(call_id)
        await twilio.wait("mark")  # the greeting has played
        await twilio.speak(fixture_pcm("en_human.wav", RATE))
        await twilio.speak(silence(RATE, 800))
        async with asyncio.timeout(30):
            while not fake.updates(call.sid):
                await asyncio.sleep(0.05)
        [update] = fake.updates(call.sid)
        twiml = update.form["Twiml"][0]
        assert "<Dial" in twiml
        assert "+212600000001" in twiml
        row = await Call.get(id=call_id)
        assert (row.status, row.ended_reason, row.transferred_to) == (
            "completed",
            "transferred",
            "+212600000001",
        )
        assert [t["name"] for t in row.tool_calls] == ["transfer_call"]
    finally:
        await conn.close()


HOSTILE = [
    "1" + "0" * 5000,  # an integer Python's int() refuses
    "[" * 5000 + "]" * 5000,  # nesting past Python's recursion limit
    '{"event": "media", "media": ' + "[" * 100 + "]" * 100 + "}",
    '"start"',
    "1e999999",
    "NaN",
    "not json",
]


async def test_hostile_messages_are_skipped_and_the_call_goes_on(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant, media_url: str
) -> None:
    await Agent.filter(tenant_id=pro.ctx.id, agent_id="agent_support_fr").update(
        language="en", greeting="Hello."
    )
    call = await in_progress(client, fake, pro)
    call_id = our_id(call)
    conn = await _open(media_url, fake, call)
    twilio = TwilioSide(conn, call)
    try:
        for raw in HOSTILE:  # before start, then during the call
            await conn.send(raw)
        await conn.send(b"\xff\xfe binary")
        await twilio.start(call_id)
        for raw in HOSTILE:
            await conn.send(raw)
        await twilio.wait("mark")  # the greeting still played
        await twilio.stop()
        async with asyncio.timeout(10):
            await conn.wait_closed()
        row = await Call.get(id=call_id)
        assert (row.status, row.ended_reason) == ("completed", "customer-hangup")
    finally:
        await conn.close()
