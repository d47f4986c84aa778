"""/api/tenants/:id/conversations: calls, voice sessions and text conversations in one list,
one by one, and exported as CSV or JSON Lines, streamed with bounded memory."""

import csv
import io
import json
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from models.audit import AuditLog
from models.base import new_id
from models.booking import Booking, Lead
from models.call import Call
from models.conversation import Conversation
from resolvers import history
from tests.factories import TenantCtx, assert_error, make_tenant

pytestmark = pytest.mark.usefixtures("app")

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def url(t: TenantCtx, path: str = "") -> str:
    return f"/api/tenants/{t.id}/conversations{path}"


async def a_call(t: TenantCtx, direction: str, at: datetime, language: str = "fr") -> Call:
    call = await Call.create(
        id=new_id("call"),
        tenant_id=t.id,
        agent_id="agent_fr",
        direction=direction,
        status="completed",
        to_number="+212612000111" if direction == "outbound" else None,
        language=language,
        transcript=[{"role": "user", "content": f"appel {direction}"}],
        ended_at=at + timedelta(minutes=2),
    )
    await Call.filter(id=call.id).update(created_at=at)
    return await Call.get(id=call.id)


async def a_text(
    t: TenantCtx, at: datetime, language: str = "fr", text: str = "bonjour"
) -> Conversation:
    conv = await Conversation.create(
        id=new_id("conv"),
        tenant_id=t.id,
        agent_id="agent_fr",
        language=language,
        transcript=[
            {"role": "user", "content": text},
            {"role": "assistant", "content": "Bonjour, que puis-je faire ?"},
        ],
        turns=1,
    )
    await Conversation.filter(id=conv.id).update(created_at=at)
    return await Conversation.get(id=conv.id)


async def world() -> tuple[TenantCtx, dict[str, Any]]:
    t = await make_tenant("pro")
    phone = await a_call(t, "outbound", T0)
    voice = await a_call(t, "web", T0 + timedelta(hours=1), language="en")
    text = await a_text(t, T0 + timedelta(hours=2))
    booked = await a_text(t, T0 + timedelta(days=1), language="ary", text="bghit maw3id")
    await Booking.create(
        id=new_id("bkg"),
        tenant_id=t.id,
        conversation_id=booked.id,
        starts_at=T0 + timedelta(days=3),
        timezone="Africa/Casablanca",
    )
    await Lead.create(id=new_id("lead"), tenant_id=t.id, call_id=phone.id, score=60)
    return t, {"phone": phone, "voice": voice, "text": text, "booked": booked}


async def test_one_list_of_every_channel_newest_first(client: httpx.AsyncClient) -> None:
    t, rows = await world()
    await world()  # another tenant's, never listed
    r = await client.get(url(t), headers=t.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    ids = [c["id"] for c in body["data"]]
    assert ids == [rows[k].id for k in ("booked", "text", "voice", "phone")]
    assert body["total"] == 4
    assert [c["channel"] for c in body["data"]] == ["text", "text", "voice", "phone"]
    assert body["data"][3]["phone"] == "+212612000111"

    async def only(**params: str) -> list[str]:
        r = await client.get(url(t), params=params, headers=t.headers)
        assert r.status_code == 200, r.text
        return [c["id"] for c in r.json()["data"]]

    assert await only(channel="text") == [rows["booked"].id, rows["text"].id]
    assert await only(channel="phone") == [rows["phone"].id]
    assert await only(channel="voice") == [rows["voice"].id]
    assert await only(language="en") == [rows["voice"].id]
    assert await only(has_booking="true") == [rows["booked"].id]
    assert await only(has_lead="true") == [rows["phone"].id]
    assert rows["booked"].id not in await only(has_booking="false")
    assert await only(**{"from": "2026-11-03"}) == [rows["booked"].id]
    assert await only(to="2026-11-02") == [rows[k].id for k in ("text", "voice", "phone")]
    paged = (await client.get(url(t), params={"limit": 2, "offset": 1}, headers=t.headers)).json()
    assert [c["id"] for c in paged["data"]] == [rows["text"].id, rows["voice"].id]
    assert (paged["total"], paged["limit"], paged["offset"]) == (4, 2, 1)
    for params, param in (
        ({"channel": "fax"}, "channel"),
        ({"has_booking": "yes"}, "has_booking"),
        ({"from": "hier"}, "from"),
        ({"offset": "10001"}, "offset"),
        ({"sort": "x"}, "sort"),
    ):
        r = await client.get(url(t), params=params, headers=t.headers)
        assert_error(r, 400, "invalid_request", param=param)


async def test_one_conversation_with_its_transcript(client: httpx.AsyncClient) -> None:
    t, rows = await world()
    _, theirs = await world()
    for key in ("text", "phone"):
        r = await client.get(url(t, f"/{rows[key].id}"), headers=t.headers)
        assert r.status_code == 200, r.text
        assert r.json()["transcript"] == rows[key].transcript
        assert r.json()["id"] == rows[key].id
    for key in ("text", "phone"):
        r = await client.get(url(t, f"/{theirs[key].id}"), headers=t.headers)
        assert_error(r, 404, "resource_not_found", param="id")
    assert_error(
        await client.get(url(t, "/conv_nope"), headers=t.headers),
        404,
        "resource_not_found",
        param="id",
    )


async def test_export_streams_csv_and_json_lines(client: httpx.AsyncClient) -> None:
    t, rows = await world()
    r = await client.get(url(t, "/export"), params={"format": "jsonl"}, headers=t.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert [x["id"] for x in lines] == [rows[k].id for k in ("booked", "text", "voice", "phone")]
    assert lines[1]["transcript"][0]["content"] == "bonjour"
    r = await client.get(
        url(t, "/export"), params={"format": "csv", "channel": "text"}, headers=t.headers
    )
    assert r.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert [x["id"] for x in table] == [rows["booked"].id, rows["text"].id]
    assert table[1]["transcript"].startswith("user: bonjour")
    logged = await AuditLog.filter(tenant_id=t.id, action="conversations.exported").count()
    assert logged == 2
    starter = await make_tenant("starter")
    assert_error(
        await client.get(url(starter, "/export"), headers=starter.headers),
        403,
        "insufficient_permissions",
    )
    assert_error(
        await client.get(url(t, "/export"), params={"format": "xml"}, headers=t.headers),
        400,
        "invalid_request",
        param="format",
    )


async def test_ten_thousand_conversations_stream_in_bounded_memory() -> None:
    t = await make_tenant("pro")
    filler = "Je voudrais savoir si vous livrez à Casablanca et à quel prix. " * 8  # ~0.5 KB
    rows = [
        Conversation(
            id=f"conv_bulk{n:07d}",
            tenant_id=t.id,
            agent_id="agent_fr",
            language="fr",
            transcript=[{"role": "user", "content": f"{n} {filler}"}],
            turns=1,
        )
        for n in range(10_000)
    ]
    await Conversation.bulk_create(rows, batch_size=1000)
    lines = await history.export_conversations(t.principal, history.filters(), fmt="jsonl")
    tracemalloc.start()
    count = size = numbers = 0
    try:
        async for line in lines:
            count += 1
            size += len(line)
            numbers += int(line[len('{"id": "conv_bulk') :][:7])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 10_000
    assert numbers == sum(range(10_000))  # every conversation once
    assert size > 5_000_000
    # Loading them all would hold the whole export several times over (the rows, their
    # decoded transcripts, the lines); a batch at a time stays a small part of it.
    assert peak < size / 4, (peak, size)
