"""Prepaid credits spent per second of connected time: a call is refused when the balance
cannot cover it, and a call in progress whose credits run out ends credits-exhausted."""

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from models.call import Call
from models.tenant import Tenant
from models.webhook import WebhookEvent
from resolvers import calls, services
from resolvers.settings import Settings, configure
from tests.factories import TenantCtx, assert_error, make_key, make_tenant

# The caller waits a minute before its line: the call stays connected meanwhile.
HOLD = {"simulate": {"script": ["Bonjour, je voudrais un rendez-vous."]}}


@pytest.fixture(autouse=True)
def slow_caller(settings: Settings) -> None:
    configure(
        settings.with_overrides(sim_ring_seconds=0.05, sim_answer_seconds=0.05, sim_turn_seconds=60)
    )


async def _tenant(client: httpx.AsyncClient, *, prepaid: bool, balance: str) -> TenantCtx:
    t = await make_tenant(plan="pro")
    t.api_key = await make_key(t)
    r = await client.post("/v1/agents", json={"id": "agent_fr", "name": "Support"}, headers=_h(t))
    assert r.status_code == 201, r.text
    await Tenant.filter(id=t.id).update(prepaid=prepaid, credit_balance=Decimal(balance))
    return t


def _h(t: TenantCtx) -> dict[str, str]:
    return {"Authorization": f"Bearer {t.api_key}"}


async def _connected(client: httpx.AsyncClient, t: TenantCtx, to: str) -> str:
    r = await client.post(
        "/v1/calls", json={"to": to, "agentId": "agent_fr", "metadata": HOLD}, headers=_h(t)
    )
    assert r.status_code == 201, r.text
    call_id = str(r.json()["id"])
    async with asyncio.timeout(10):
        while (await Call.get(id=call_id)).status != "in-progress":
            await asyncio.sleep(0.02)
    return call_id


async def _final(client: httpx.AsyncClient, t: TenantCtx, call_id: str) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while True:
            body: dict[str, Any] = (await client.get(f"/v1/calls/{call_id}", headers=_h(t))).json()
            if body["status"] in calls.FINAL:
                return body
            await asyncio.sleep(0.02)


async def _answered_minutes_ago(call_id: str, minutes: float) -> None:
    call = await Call.get(id=call_id)
    assert call.answered_at is not None
    await Call.filter(id=call_id).update(answered_at=call.answered_at - timedelta(minutes=minutes))


async def test_a_call_ends_credits_exhausted_when_its_balance_is_spent(
    client: httpx.AsyncClient,
) -> None:
    t = await _tenant(client, prepaid=True, balance="1.00")  # 1.00 at 0.06/min: 16 min 40 s
    call_id = await _connected(client, t, "+212612340010")
    assert await calls.end_unfunded_calls() == []
    await _answered_minutes_ago(call_id, 16)  # 0.96 spent: still funded
    assert await calls.end_unfunded_calls() == []
    assert (await Call.get(id=call_id)).status == "in-progress"

    await _answered_minutes_ago(call_id, 1)  # 17 min: 1.02 spent
    # (The app's heartbeat runs the same sweep: it may be the one that ends the call.)
    assert await calls.end_unfunded_calls() in ([call_id], [])
    assert await calls.end_unfunded_calls() == []  # once
    body = await _final(client, t, call_id)
    assert body["status"] == "completed"
    assert body["endedReason"] == "credits-exhausted"
    assert 1020 <= body["duration"] <= 1022
    assert Decimal(str(body["cost"])) == Decimal("1.02")
    # The real connected time is charged: a few cents below zero, and no next call.
    tenant = await Tenant.get(id=t.id)
    assert tenant.credit_balance == Decimal("-0.02")
    assert_error(
        await client.post(
            "/v1/calls", json={"to": "+212612340011", "agentId": "agent_fr"}, headers=_h(t)
        ),
        402,
        "insufficient_credits",
    )
    # The webhook subscribers hear why it ended, and the simulated line is hung up.
    completed = await WebhookEvent.get(call_id=call_id, type="call.completed")
    assert '"endedReason":"credits-exhausted"' in completed.body
    carrier = services.current().carriers["simulated"]
    async with asyncio.timeout(5):
        while call_id in carrier.running()["calls"]:  # type: ignore[attr-defined]
            await asyncio.sleep(0.02)


async def test_calls_share_the_balance_and_postpaid_calls_never_end_for_credits(
    client: httpx.AsyncClient,
) -> None:
    prepaid = await _tenant(client, prepaid=True, balance="0.60")  # 10 minutes in all
    first = await _connected(client, prepaid, "+212612340020")
    second = await _connected(client, prepaid, "+212612340021")
    postpaid = await _tenant(client, prepaid=False, balance="0")
    invoiced = await _connected(client, postpaid, "+212612340022")
    await _answered_minutes_ago(invoiced, 600)
    await _answered_minutes_ago(first, 4)  # 0.24 + 0.24: funded
    await _answered_minutes_ago(second, 4)
    assert await calls.end_unfunded_calls() == []
    await _answered_minutes_ago(second, 2)  # 0.24 + 0.36 = 0.60: spent
    assert len(await calls.end_unfunded_calls()) in (0, 2)  # or the heartbeat's sweep did
    for call_id in (first, second):
        assert (await _final(client, prepaid, call_id))["endedReason"] == "credits-exhausted"
    assert (await Call.get(id=invoiced)).status == "in-progress"
    await client.post(f"/v1/calls/{invoiced}/hangup", headers=_h(postpaid))


async def test_sandbox_calls_spend_no_credits(client: httpx.AsyncClient) -> None:
    t = await _tenant(client, prepaid=True, balance="0")
    t.api_key = await make_key(t, mode="test")
    call_id = await _connected(client, t, "+212612340030")
    await _answered_minutes_ago(call_id, 60)
    assert await calls.end_unfunded_calls() == []
    await client.post(f"/v1/calls/{call_id}/hangup", headers=_h(t))
    assert (await _final(client, t, call_id))["cost"] == 0
    assert (await Tenant.get(id=t.id)).credit_balance == Decimal(0)
