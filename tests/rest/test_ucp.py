"""/api/tenants/:id/ucp/profiles: one profile per person, merging their calls and text
conversations, leads, bookings and callbacks by phone number and email."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from models.base import new_id
from models.booking import Booking, Callback, Lead
from tests.factories import TenantCtx, assert_error, make_tenant
from tests.rest.test_conversations import a_call, a_text

pytestmark = pytest.mark.usefixtures("app")

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NADIA_PHONE, NADIA_EMAIL = "+212612000111", "nadia@example.ma"


def url(t: TenantCtx, path: str = "") -> str:
    return f"/api/tenants/{t.id}/ucp/profiles{path}"


async def people(t: TenantCtx) -> dict[str, str]:
    """Nadia: a phone call (with its booking) and, later, a text chat where she left her
    email, which her call's lead also has. Omar: only a callback to his number."""
    call = await a_call(t, "outbound", T0)  # to NADIA_PHONE
    await Booking.create(
        id=new_id("bkg"),
        tenant_id=t.id,
        call_id=call.id,
        starts_at=T0 + timedelta(days=2),
        timezone="Africa/Casablanca",
        name="Nadia",
    )
    await Lead.create(
        id=new_id("lead"),
        tenant_id=t.id,
        call_id=call.id,
        phone=NADIA_PHONE,
        email=NADIA_EMAIL,
        score=60,
    )
    chat = await a_text(t, T0 + timedelta(days=1))
    await Lead.create(
        id=new_id("lead"),
        tenant_id=t.id,
        conversation_id=chat.id,
        email=NADIA_EMAIL.upper(),
        name="Nadia B.",
        score=80,
    )
    omar = await a_text(t, T0 + timedelta(hours=3))
    await Callback.create(
        id=new_id("cbk"),
        tenant_id=t.id,
        conversation_id=omar.id,
        at=T0 + timedelta(days=1),
        timezone="Africa/Casablanca",
        phone="+212661000222",
    )
    return {"call": call.id, "chat": chat.id, "omar": omar.id}


async def test_a_persons_calls_and_chats_are_one_profile(client: httpx.AsyncClient) -> None:
    t = await make_tenant("pro")
    ids = await people(t)
    other = await make_tenant("pro")
    await people(other)  # the same people at another business: never merged across
    r = await client.get(url(t), headers=t.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 2
    [nadia] = [p for p in body["data"] if NADIA_PHONE in p["phones"]]
    [omar] = [p for p in body["data"] if p["id"] != nadia["id"]]
    assert nadia["phones"] == [NADIA_PHONE]
    assert nadia["emails"] == [NADIA_EMAIL]
    assert set(nadia["conversations"]) == {ids["call"], ids["chat"]}
    assert nadia["lead_score"] == 80
    assert len(nadia["leads"]) == 2
    assert [b["status"] for b in nadia["bookings"]] == ["confirmed"]
    assert "Nadia" in nadia["names"]
    assert (omar["phones"], omar["conversations"]) == (["+212661000222"], [ids["omar"]])
    assert len(omar["callbacks"]) == 1
    one = (await client.get(url(t, f"/{nadia['id']}"), headers=t.headers)).json()
    assert one == nadia
    found = (await client.get(url(t), params={"q": "nadia@"}, headers=t.headers)).json()
    assert [p["id"] for p in found["data"]] == [nadia["id"]]
    found = (await client.get(url(t), params={"q": "0222"}, headers=t.headers)).json()
    assert [p["id"] for p in found["data"]] == [omar["id"]]
    theirs = (await client.get(url(other), headers=other.headers)).json()["data"]
    assert {p["id"] for p in theirs}.isdisjoint({nadia["id"], omar["id"]})
    for profile_id in (theirs[0]["id"], "ucp_nope", "x" * 300):
        r = await client.get(url(t, f"/{profile_id}"), headers=t.headers)
        assert_error(r, 404, "resource_not_found", param="id")
    r = await client.get(url(t), params={"limit": "0"}, headers=t.headers)
    assert_error(r, 400, "invalid_request", param="limit")
