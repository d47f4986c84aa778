"""Billing across two real server processes on PostgreSQL + Redis: a plan bought through
Checkout, told by Stripe to one process, applies at once on the other; a replayed or forged
event changes nothing on either."""

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import backends, servers
from tests.billing.fake_stripe import PRICES, SECRET_KEY, WEBHOOK_SECRET, FakeStripe

pytestmark = pytest.mark.slow


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[list[servers.Server], FakeStripe]]:
    if backends.backend_name() != "postgres":
        pytest.skip("processes share plan changes through Redis (the postgres pass)")
    fake = FakeStripe().start()
    backend = servers.prepare_database(tmp_path, suffix=f"_bill{uuid.uuid4().hex[:6]}")
    prefix = f"vocalia-bill-{uuid.uuid4().hex[:8]}"
    env = servers.server_env(
        backend.database_url,
        tmp_path / "var",
        redis_url=backend.redis_url,
        redis_prefix=prefix,
        extra={
            "VOCALIA_STRIPE_SECRET_KEY": SECRET_KEY,
            "VOCALIA_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "VOCALIA_STRIPE_API_BASE": fake.url,
            **{f"VOCALIA_STRIPE_PRICE_{plan.upper()}": price for plan, price in PRICES.items()},
        },
    )
    servers.migrate(env)
    try:
        with servers.running(env, tmp_path / "logs", count=2) as started:
            yield started, fake
    finally:
        fake.stop()
        servers.flush_redis_prefix(backend.redis_url, prefix)


async def _owner(c: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    email = f"bill-{uuid.uuid4().hex[:10]}@example.com"
    reg = await c.post(
        "/api/auth/register",
        json={"email": email, "password": "long-enough-pw", "company": "Riad", "plan": "starter"},
    )
    assert reg.status_code == 201, reg.text
    login = await c.post("/api/auth/login", json={"email": email, "password": "long-enough-pw"})
    body = login.json()
    return str(body["user"]["tenant_id"]), {"Authorization": f"Bearer {body['access_token']}"}


async def _limit(c: httpx.AsyncClient, tenant_id: str, headers: dict[str, str]) -> str:
    r = await c.get(f"/api/tenants/{tenant_id}/usage", headers=headers)
    assert r.status_code == 200, r.text
    return str(r.headers["x-ratelimit-limit"])


def _signed(
    fake: FakeStripe, event: dict[str, object], *, forged: bool = False
) -> dict[str, object]:
    payload = json.dumps(event).encode()
    signature = fake.sign(payload, secret="whsec_forged" if forged else None)
    return {
        "content": payload,
        "headers": {"Stripe-Signature": signature, "Content-Type": "application/json"},
    }


async def test_a_plan_bought_on_one_process_applies_at_once_on_the_other(
    two_servers: tuple[list[servers.Server], FakeStripe],
) -> None:
    (one, other), fake = two_servers
    async with (
        httpx.AsyncClient(base_url=one.url, timeout=20) as a,
        httpx.AsyncClient(base_url=other.url, timeout=20) as b,
    ):
        tenant_id, owner = await _owner(a)
        # The other process has read (and cached) the starter plan.
        assert await _limit(b, tenant_id, owner) == "60"
        r = await a.post(
            f"/api/tenants/{tenant_id}/billing/checkout", json={"plan": "pro"}, headers=owner
        )
        assert r.status_code == 200, r.text
        event = fake.complete_checkout(r.json()["sessionId"])
        r = await a.post("/webhooks/stripe", **_signed(fake, event))  # type: ignore[arg-type]
        assert r.json() == {"received": True, "duplicate": False}
        # The other process forgot its cached plan through Redis: well within its 5 s cache.
        deadline = time.monotonic() + 1.0
        while await _limit(b, tenant_id, owner) != "300":
            assert time.monotonic() < deadline, "the other process still applies starter"
            await asyncio.sleep(0.05)
        usage = (await b.get(f"/api/tenants/{tenant_id}/usage", headers=owner)).json()
        assert (usage["plan"], "export" in usage["features_enabled"]) == ("pro", True)

        # Stripe retries on the other process: received, not applied again.
        again = await b.post("/webhooks/stripe", **_signed(fake, event))  # type: ignore[arg-type]
        assert again.json() == {"received": True, "duplicate": True}
        # A forged downgrade is refused by both.
        forged = fake.event(
            "customer.subscription.deleted",
            fake.subscriptions[event["data"]["object"]["subscription"]],  # type: ignore[index]
        )
        for c in (a, b):
            r = await c.post("/webhooks/stripe", **_signed(fake, forged, forged=True))  # type: ignore[arg-type]
            assert r.status_code == 401, r.text
        assert await _limit(a, tenant_id, owner) == "300"
        assert await _limit(b, tenant_id, owner) == "300"
        logs = (
            await b.get("/api/logs", params={"action": "tenant.plan_changed"}, headers=owner)
        ).json()
        assert logs["total"] == 1
