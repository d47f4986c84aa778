"""WS /v1/stream refuses bad input with the contract's error frame and close code, and a
broken stream never disturbs the others."""

import asyncio
import base64
import contextlib
import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from models.call import Call
from resolvers import keys, origins, revocation
from tests.factories import make_key, make_tenant
from tests.realtime.test_stream import Shop, make_shop
from tests.voice import open_stream, stream_url

ORIGIN = "https://shop.example.com"
OTHER_ALLOWED = "https://blog.example.com"


async def _frames_and_close(
    url: str, *sends: Any, origin: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Send each message (dict → JSON text, bytes → binary, str → raw text), then read
    everything until the server closes."""
    headers = {"Origin": origin} if origin else None
    async with connect(url, additional_headers=headers, max_size=None) as conn:
        for message in sends:
            with contextlib.suppress(ConnectionClosed):  # the server may refuse before reading
                await conn.send(json.dumps(message) if isinstance(message, dict) else message)
        frames = []
        async with asyncio.timeout(10):
            with contextlib.suppress(ConnectionClosed):
                async for raw in conn:
                    frames.append(json.loads(raw))
        assert conn.protocol.close_rcvd is not None
        return frames, conn.protocol.close_rcvd.code


def _config(agent: str = "agent_en", **extra: Any) -> dict[str, Any]:
    return {"type": "config", "agentId": agent, "language": "en", "sampleRate": 16000, **extra}


async def test_text_before_config(client: httpx.AsyncClient, base: str) -> None:
    shop = await make_shop(client)
    frames, code = await _frames_and_close(
        stream_url(base, shop.key), {"type": "text", "text": "hello"}
    )
    assert frames == [{"type": "error", "code": "invalid_request", "message": frames[0]["message"]}]
    assert code == 4400


async def test_audio_before_config(client: httpx.AsyncClient, base: str) -> None:
    shop = await make_shop(client)
    frames, code = await _frames_and_close(stream_url(base, shop.key), b"\x00\x00" * 320)
    assert frames[0]["code"] == "invalid_request"
    assert code == 4400


async def test_unknown_agent(client: httpx.AsyncClient, base: str) -> None:
    shop = await make_shop(client)
    frames, code = await _frames_and_close(stream_url(base, shop.key), _config("agent_nobody"))
    assert frames[0]["code"] == "agent_not_configured"
    assert code == 4400
    assert await Call.filter(tenant_id=shop.ctx.id).count() == 0


async def test_another_tenants_agent_is_unknown(client: httpx.AsyncClient, base: str) -> None:
    mine = await make_shop(client)
    theirs = await make_shop(client, agents=(("agent_theirs", "en"),))
    frames, code = await _frames_and_close(stream_url(base, mine.key), _config("agent_theirs"))
    assert frames[0]["code"] == "agent_not_configured"
    assert code == 4400
    assert await Call.filter(tenant_id=theirs.ctx.id).count() == 0


@pytest.mark.parametrize("rate", [44100, 0, "16000", None, True])
async def test_wrong_sample_rate(client: httpx.AsyncClient, base: str, rate: Any) -> None:
    shop = await make_shop(client)
    frames, code = await _frames_and_close(stream_url(base, shop.key), _config(sampleRate=rate))
    assert frames[0]["code"] == "invalid_request"
    assert code == 4400


async def test_bad_keys(client: httpx.AsyncClient, base: str) -> None:
    for key in ("", "voc_sk_live_nope", "vk_" + "0" * 48):
        frames, code = await _frames_and_close(stream_url(base, key), _config())
        assert frames[0]["code"] == "invalid_api_key", key
        assert code == 4401


async def test_publishable_key_needs_an_allowed_origin(
    client: httpx.AsyncClient, base: str
) -> None:
    shop = await make_shop(client)
    r = await client.put(
        f"/api/tenants/{shop.ctx.id}/allowed-origins",
        json={"origins": [ORIGIN]},
        headers=shop.ctx.headers,
    )
    assert r.status_code == 200, r.text
    pk = await make_key(shop.ctx, kind="publishable")
    for origin in (None, "https://evil.example.com"):
        frames, code = await _frames_and_close(stream_url(base, pk), _config(), origin=origin)
        assert frames[0]["code"] == "insufficient_permissions"
        assert code == 4403
    async with open_stream(base, pk, origin=ORIGIN) as voice:
        ready = await voice.config("agent_en", "en")
        assert ready["callId"].startswith("call_")


async def test_a_widget_token_streams_from_its_origin_only(
    client: httpx.AsyncClient, base: str
) -> None:
    # The reference's tenant_id embed: the widget config hands the page a widget token.
    shop = await make_shop(client)
    await origins.set_origins(shop.ctx.principal, [ORIGIN, OTHER_ALLOWED])
    r = await client.get(f"/v1/widget/config?tenant_id={shop.ctx.id}", headers={"Origin": ORIGIN})
    assert r.status_code == 200, r.text
    token = r.json()["widgetToken"]
    # Another of the tenant's origins, or none: not the origin the token was issued to.
    for origin in (None, OTHER_ALLOWED):
        frames, code = await _frames_and_close(stream_url(base, token), _config(), origin=origin)
        assert frames[0]["code"] == "insufficient_permissions"
        assert code == 4403
    async with open_stream(base, token, origin=ORIGIN) as voice:
        ready = await voice.config("agent_en", "en")
        assert ready["callId"].startswith("call_")
    call = await Call.get(id=ready["callId"])
    assert (call.tenant_id, call.direction) == (shop.ctx.id, "web")
    # A forged or altered token is no credential.
    frames, code = await _frames_and_close(stream_url(base, token[:-2] + "xx"), _config())
    assert (frames[0]["code"], code) == ("invalid_api_key", 4401)


async def test_invalid_base64_is_an_error_frame_and_the_stream_goes_on(
    client: httpx.AsyncClient, base: str
) -> None:
    shop = await make_shop(client)
    async with open_stream(base, shop.key) as voice:
        await voice.config("agent_en", "en")
        await voice.send({"type": "audio", "audio": "@@not base64@@"})
        error = await voice.expect("error")
        assert (error["code"], error["type"]) == ("invalid_request", "error")
        await voice.send({"type": "audio", "audio": base64.b64encode(b"\x00").decode()})
        assert (await voice.expect("error"))["code"] == "invalid_request"  # odd byte count
        await voice.conn.send("{not json")
        assert (await voice.expect("error"))["code"] == "invalid_request"
        await voice.send({"type": "dance"})
        assert (await voice.expect("error"))["code"] == "invalid_request"
        await voice.send({"type": "text", "text": "What are your opening hours?"})
        assert await voice.expect("transcript", role="user")


async def test_oversized_frame_closes_4413(client: httpx.AsyncClient, base: str) -> None:
    shop = await make_shop(client)
    async with open_stream(base, shop.key) as voice:
        ready = await voice.config("agent_en", "en")
        await voice.conn.send(b"\x00" * (200 * 1024))
        error = await voice.expect("error")
        assert error["code"] == "payload_too_large"
        assert (await voice.wait_closed())[0] == 4413
    call = await Call.get(id=ready["callId"])
    assert call.status == "completed"


async def test_client_vanishing_mid_turn_ends_the_call_and_others_go_on(
    client: httpx.AsyncClient, base: str
) -> None:
    shop: Shop = await make_shop(client)
    async with open_stream(base, shop.key) as other:
        await other.config("agent_en", "en")
        async with open_stream(base, shop.key) as gone:
            ready = await gone.config("agent_en", "en")
            await gone.audio(b"\x10\x20" * 16000 * 1, speed=8)  # speech-like noise mid-turn
            gone.conn.transport.abort()  # no close frame: the client just vanished
        async with asyncio.timeout(10):
            while (await Call.get(id=ready["callId"])).status != "completed":
                await asyncio.sleep(0.05)
        call = await Call.get(id=ready["callId"])
        assert call.ended_reason == "customer-hangup"
        await other.send({"type": "text", "text": "What are your opening hours?"})
        assert await other.expect("transcript", role="user")
        assert await other.agent_line()


async def test_starter_plan_concurrency_limit_on_streams(
    client: httpx.AsyncClient, base: str
) -> None:
    ctx = await make_tenant(plan="starter")
    key = await make_key(ctx)
    r = await client.post(
        "/v1/agents",
        json={"id": "agent_en", "name": "A", "language": "en"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert r.status_code == 201
    streams = []
    try:
        for _ in range(5):
            cm = open_stream(base, key)
            voice = await cm.__aenter__()
            streams.append(cm)
            await voice.config("agent_en", "en")
        frames, code = await _frames_and_close(stream_url(base, key), _config())
        assert frames[0]["code"] == "concurrency_limit_exceeded"
        assert code == 4429
    finally:
        for cm in streams:
            await cm.__aexit__(None, None, None)


async def test_a_dashboard_token_is_not_a_stream_key(client: httpx.AsyncClient, base: str) -> None:
    shop = await make_shop(client)
    frames, code = await _frames_and_close(stream_url(base, shop.ctx.token), _config())
    assert frames[0]["code"] == "invalid_api_key"
    assert code == 4401
    assert await Call.filter(tenant_id=shop.ctx.id).count() == 0


@pytest.mark.parametrize(
    ("how", "code", "close"),
    [("revoke", "invalid_api_key", 4401), ("downgrade", "insufficient_permissions", 4403)],
)
async def test_an_open_stream_ends_with_an_error_frame_when_its_credential_goes(
    client: httpx.AsyncClient, base: str, how: str, code: str, close: int
) -> None:
    shop = await make_shop(client)
    issued = await keys.create_key(shop.ctx.principal, kind="secret", name="stream")
    async with open_stream(base, issued.secret) as voice:
        ready = await voice.config("agent_en", "en")
        if how == "revoke":
            await keys.revoke_key(shop.ctx.principal, issued.key.id)
        else:
            await revocation.end_tenant(shop.ctx.id, revocation.PLAN_DOWNGRADED, "plan changed")
        error = await voice.expect("error", timeout=2)
        assert (error["code"], error["type"]) == (code, "error")
        end = await voice.expect("end", timeout=2)
        assert end["metadata"]["endedReason"] == "canceled"
        assert (await voice.wait_closed(2))[0] == close
    assert revocation.live_sockets(shop.ctx.id) == 0
    call = await Call.get(id=ready["callId"])
    assert (call.status, call.ended_reason) == ("completed", "canceled")


HOSTILE_FRAMES = [
    "1" + "0" * 5000,  # an integer Python's int() refuses
    "[" * 5000 + "]" * 5000,  # nesting past Python's recursion limit
    '{"type": "text", "text": ' + "[" * 100 + "]" * 100 + "}",
    '"text"',
    "null",
    "1e999999",
    "NaN",
    '{"type": "text", "text": "\\ud800"}',  # a lone surrogate: no UTF-8 form
    '{"type": "text", "text": "a\\u0000b"}',
    "{not json",
]


async def test_hostile_frames_are_error_frames_and_the_stream_goes_on(
    client: httpx.AsyncClient, base: str
) -> None:
    shop = await make_shop(client)
    async with open_stream(base, shop.key) as voice:
        await voice.config("agent_en", "en")
        for raw in HOSTILE_FRAMES:
            await voice.conn.send(raw)
            error = await voice.expect("error", timeout=5)
            assert (error["code"], error["type"]) == ("invalid_request", "error"), raw[:40]
        await voice.send({"type": "text", "text": "hello"})
        assert await voice.agent_line()
        await voice.send({"type": "end"})
        end = await voice.expect("end")
        assert end["metadata"]["endedReason"] == "customer-hangup"
        assert (await voice.wait_closed())[0] == 1000


@pytest.mark.parametrize("raw", HOSTILE_FRAMES[:3])
async def test_a_hostile_first_frame_is_refused_4400(
    client: httpx.AsyncClient, base: str, raw: str
) -> None:
    shop = await make_shop(client)
    frames, code = await _frames_and_close(stream_url(base, shop.key), raw)
    assert [(f["type"], f["code"]) for f in frames] == [("error", "invalid_request")]
    assert code == 4400
