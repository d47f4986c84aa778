"""POST /v1/calls honours Idempotency-Key (Stripe semantics): a retry gets the first answer,
never a second call; another body with the same key is a conflict."""

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from models.call import Call
from models.idempotency import IdempotencyKey
from resolvers import carriers
from resolvers.settings import Settings, configure
from tests.factories import TenantCtx, assert_error, make_key, make_tenant

EXAMPLE = {"to": "+212612345678", "agentId": "agent_support_fr", "metadata": {"n": 1}}


@pytest.fixture(autouse=True)
def slow_carrier(settings: Settings) -> None:
    # Calls stay ringing for the whole test: nothing but the creation is looked at.
    configure(settings.with_overrides(sim_ring_seconds=30))


@pytest.fixture
async def tenant(client: httpx.AsyncClient) -> tuple[TenantCtx, dict[str, str]]:
    t = await make_tenant(plan="pro")
    headers = {"Authorization": f"Bearer {await make_key(t)}"}
    r = await client.post(
        "/v1/agents", json={"id": "agent_support_fr", "name": "Support"}, headers=headers
    )
    assert r.status_code == 201
    return t, headers


async def _stop_calls() -> None:
    for name in carriers.names():
        close = getattr(carriers.get(name), "close", None)
        if close is not None:
            await close()


async def test_a_retry_gets_the_first_answer_and_makes_no_second_call(
    client: httpx.AsyncClient, tenant: tuple[TenantCtx, dict[str, str]]
) -> None:
    t, headers = tenant
    keyed = {**headers, "Idempotency-Key": "order-456-call"}
    first = await client.post("/v1/calls", json=EXAMPLE, headers=keyed)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = await client.post("/v1/calls", json=dict(reversed(EXAMPLE.items())), headers=keyed)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert await Call.filter(tenant_id=t.id).count() == 1
    # Without a key every request is a new call.
    other = await client.post("/v1/calls", json=EXAMPLE, headers=headers)
    assert other.json()["id"] != first.json()["id"]
    assert await Call.filter(tenant_id=t.id).count() == 2
    await _stop_calls()


async def test_the_same_key_with_another_body_is_a_conflict(
    client: httpx.AsyncClient, tenant: tuple[TenantCtx, dict[str, str]]
) -> None:
    t, headers = tenant
    keyed = {**headers, "Idempotency-Key": "k-1"}
    assert (await client.post("/v1/calls", json=EXAMPLE, headers=keyed)).status_code == 201
    r = await client.post("/v1/calls", json={**EXAMPLE, "to": "+212612345679"}, headers=keyed)
    assert_error(
        r,
        409,
        "conflict",
        param="Idempotency-Key",
        message="this Idempotency-Key was used with another request body; use a new key",
    )
    assert await Call.filter(tenant_id=t.id).count() == 1
    await _stop_calls()


async def test_concurrent_retries_make_one_call(
    client: httpx.AsyncClient, tenant: tuple[TenantCtx, dict[str, str]]
) -> None:
    t, headers = tenant
    keyed = {**headers, "Idempotency-Key": "burst"}
    answers = await asyncio.gather(
        *(client.post("/v1/calls", json=EXAMPLE, headers=keyed) for _ in range(10))
    )
    created = {r.json()["id"] for r in answers if r.status_code == 201}
    assert len(created) == 1
    in_flight = [r for r in answers if r.status_code == 409]
    for r in in_flight:
        assert r.json()["error"]["message"].startswith("a request with this Idempotency-Key is")
    assert len(in_flight) + sum(r.status_code == 201 for r in answers) == 10
    assert await Call.filter(tenant_id=t.id).count() == 1
    await _stop_calls()


async def test_keys_are_per_tenant_and_expire_after_a_day(
    client: httpx.AsyncClient, tenant: tuple[TenantCtx, dict[str, str]]
) -> None:
    t, headers = tenant
    u = await make_tenant(plan="pro")
    u_headers = {"Authorization": f"Bearer {await make_key(u)}"}
    await client.post("/v1/agents", json={"id": "agent_support_fr", "name": "S"}, headers=u_headers)
    mine = await client.post("/v1/calls", json=EXAMPLE, headers={**headers, "Idempotency-Key": "x"})
    theirs = await client.post(
        "/v1/calls", json=EXAMPLE, headers={**u_headers, "Idempotency-Key": "x"}
    )
    assert theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]
    # 24 hours later the key is new again.
    await IdempotencyKey.filter(tenant_id=t.id).update(
        created_at=datetime.now(UTC) - timedelta(hours=24, seconds=1)
    )
    later = await client.post(
        "/v1/calls",
        json={**EXAMPLE, "to": "+212612345600"},
        headers={**headers, "Idempotency-Key": "x"},
    )
    assert later.status_code == 201
    assert later.json()["id"] != mine.json()["id"]
    await _stop_calls()


async def test_a_refused_request_releases_its_key(
    client: httpx.AsyncClient, tenant: tuple[TenantCtx, dict[str, str]]
) -> None:
    t, headers = tenant
    keyed = {**headers, "Idempotency-Key": "fix-and-retry"}
    bad = await client.post("/v1/calls", json={**EXAMPLE, "to": "0612"}, headers=keyed)
    assert_error(bad, 400, "invalid_phone_number", param="to")
    assert await IdempotencyKey.filter(tenant_id=t.id).count() == 0
    fixed = await client.post("/v1/calls", json=EXAMPLE, headers=keyed)
    assert fixed.status_code == 201
    await _stop_calls()


@pytest.mark.parametrize("key", ["", " ", "k" * 256])
async def test_malformed_keys_are_invalid_request(
    client: httpx.AsyncClient, tenant: tuple[TenantCtx, dict[str, str]], key: str
) -> None:
    t, headers = tenant
    r = await client.post("/v1/calls", json=EXAMPLE, headers={**headers, "Idempotency-Key": key})
    assert_error(r, 400, "invalid_request", param="Idempotency-Key")
    assert await Call.filter(tenant_id=t.id).count() == 0
