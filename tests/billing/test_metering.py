"""Usage reported to Stripe Billing Meters from the persisted queue (resolvers/metering.py),
against the local Stripe: identifiers are our row ids, so a resend is never billed twice, and
the usage report and Stripe agree to the second."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from models.billing import MeterEvent
from models.call import Call
from models.tenant import Tenant
from models.webhook import WebhookEvent
from resolvers import billing, calls, principals, usage, web_calls
from resolvers.settings import Settings, configure, get_settings
from tests.billing.fake_stripe import FakeStripe
from tests.billing.test_billing import _checkout, _send
from tests.factories import TenantCtx, make_key, make_tenant

HOLD = {"simulate": {"script": ["Bonjour, je voudrais un rendez-vous."]}}
METER = "/v1/billing/meter_events"


@pytest.fixture(autouse=True)
def slow_caller(stripe_fake: FakeStripe) -> None:
    # After stripe_fake: its billing settings stay, with a caller who waits on the line.
    configure(
        get_settings().with_overrides(
            sim_ring_seconds=0.05, sim_answer_seconds=0.05, sim_turn_seconds=60
        )
    )


async def _subscribed(client: httpx.AsyncClient, fake: FakeStripe) -> TenantCtx:
    shop = await make_tenant(plan="starter")
    event = fake.complete_checkout(await _checkout(client, shop, {"plan": "pro"}))
    assert (await _send(client, fake, event)).status_code == 200
    r = await client.post(
        "/v1/agents", json={"id": "agent_fr", "name": "Support"}, headers=_h(shop)
    )
    assert r.status_code == 201, r.text
    return shop


def _h(shop: TenantCtx) -> dict[str, str]:
    return {"Authorization": f"Bearer {shop.api_key}"}


async def _call(client: httpx.AsyncClient, shop: TenantCtx, to: str, seconds: int) -> str:
    """A simulated call connected ``seconds`` ago, then hung up."""
    r = await client.post(
        "/v1/calls", json={"to": to, "agentId": "agent_fr", "metadata": HOLD}, headers=_h(shop)
    )
    assert r.status_code == 201, r.text
    call_id = str(r.json()["id"])
    async with asyncio.timeout(10):
        while (call := await Call.get(id=call_id)).status != "in-progress":
            await asyncio.sleep(0.02)
    assert call.answered_at is not None
    await Call.filter(id=call_id).update(answered_at=datetime.now(UTC) - timedelta(seconds=seconds))
    assert (await client.post(f"/v1/calls/{call_id}/hangup", headers=_h(shop))).status_code == 200
    return call_id


async def _web_session(shop: TenantCtx) -> str:
    principal = await principals.authenticate(shop.api_key)
    opened = await web_calls.start_web_call(principal, agent_id="agent_fr")
    await calls.end_call(opened.call.id, reason="customer-hangup")
    return opened.call.id


async def test_call_seconds_and_sessions_reach_the_meters_once(
    client: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    shop = await _subscribed(client, stripe_fake)
    customer = str((await billing._account(shop.tenant)).customer_id)
    first = await _call(client, shop, "+212612340040", 127)
    second = await _call(client, shop, "+212612340041", 45)
    session = await _web_session(shop)
    queued = await MeterEvent.filter(tenant_id=shop.id).order_by("occurred_at")
    # Nothing reaches Stripe before the sweep; the rows wait in the database.
    assert [e for e in stripe_fake.received if e.path == METER] == []
    assert {(q.call_id, q.event_name) for q in queued} >= {
        (first, "vocalia_call_seconds"),
        (second, "vocalia_call_seconds"),
        (session, "vocalia_sessions"),
    }

    await billing.sweep()
    sent = {e["identifier"]: e for e in stripe_fake.meter_events.values()}
    assert set(sent) == {q.id for q in queued}
    for q in queued:
        event = sent[q.id]
        assert event["event_name"] == q.event_name
        assert event["payload"] == {"stripe_customer_id": customer, "value": str(q.value)}
        assert event["timestamp"] == int(q.occurred_at.timestamp())
    # The usage report and Stripe agree to the second.
    report = (await client.get(f"/api/tenants/{shop.id}/usage", headers=shop.headers)).json()
    seconds = sum(
        int(e["payload"]["value"])
        for e in sent.values()
        if e["event_name"] == "vocalia_call_seconds"
    )
    assert (
        seconds
        == report["call_seconds"]
        == sum(c.duration for c in await Call.filter(tenant_id=shop.id))
    )
    assert 127 + 45 <= seconds <= 127 + 45 + 3
    sessions = [e for e in sent.values() if e["event_name"] == "vocalia_sessions"]
    assert len(sessions) == report["quotas"]["sessions"]["used"] == 1
    assert all(r.sent_at is not None for r in await MeterEvent.filter(tenant_id=shop.id))

    # The next sweep sends nothing again; a row sent twice (a lease that expired while its
    # first send was in flight) is billed once: the identifier is the row's id.
    posts = len([e for e in stripe_fake.received if e.path == METER])
    await billing.sweep()
    assert len([e for e in stripe_fake.received if e.path == METER]) == posts
    await MeterEvent.filter(call_id=first).update(sent_at=None, next_attempt_at=datetime.now(UTC))
    await billing.sweep()
    assert len([e for e in stripe_fake.received if e.path == METER]) == posts + 1
    assert len(stripe_fake.meter_events) == len(queued)


async def test_a_refused_meter_event_is_retried_and_kept(
    client: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    shop = await _subscribed(client, stripe_fake)
    call_id = await _call(client, shop, "+212612340050", 60)
    stripe_fake.fail_next(METER, 400, "Meter event timestamp is too far in the past.")
    await billing.sweep()
    row = await MeterEvent.get(call_id=call_id)
    assert (row.sent_at, row.attempts) == (None, 1)
    assert row.error is not None
    assert "too far in the past" in row.error
    assert row.next_attempt_at > datetime.now(UTC)
    assert stripe_fake.meter_events == {}
    await billing.sweep()  # not due yet: not sent
    assert stripe_fake.meter_events == {}
    await MeterEvent.filter(id=row.id).update(next_attempt_at=datetime.now(UTC))
    await billing.sweep()
    row = await MeterEvent.get(id=row.id)
    assert (row.attempts, row.error) == (2, None)
    assert row.sent_at is not None
    assert list(stripe_fake.meter_events) == [row.id]


async def test_sandbox_prepaid_and_customerless_usage_is_not_metered(
    client: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    shop = await _subscribed(client, stripe_fake)
    shop.api_key = await make_key(shop, mode="test")
    await _call(client, shop, "+212612340060", 30)  # a sandbox call
    prepaid = await _subscribed(client, stripe_fake)
    await Tenant.filter(id=prepaid.id).update(prepaid=True, credit_balance=Decimal(100))
    await _call(client, prepaid, "+212612340061", 30)  # paid from credits, not invoiced
    plain = await make_tenant(plan="pro")  # never went through Checkout: no customer
    r = await client.post(
        "/v1/agents", json={"id": "agent_fr", "name": "Support"}, headers=_h(plain)
    )
    assert r.status_code == 201
    await _call(client, plain, "+212612340062", 30)
    assert await MeterEvent.all().count() == 0
    await billing.sweep()
    assert stripe_fake.meter_events == {}


# --- quota.warning ------------------------------------------------------------------------


async def _warnings(tenant_id: str) -> list[dict[str, object]]:
    events = await WebhookEvent.filter(tenant_id=tenant_id, type="quota.warning").order_by(
        "created_at"
    )
    return [json.loads(e.body)["data"] for e in events]


async def test_quota_warning_at_80_and_100_percent_once(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    configure(settings.with_overrides(sim_turn_seconds=0.02))
    shop = await make_tenant(plan="starter")  # 100 calls a month
    hook = await client.put(
        f"/api/tenants/{shop.id}/webhooks",
        json={"endpoints": [{"url": "http://127.0.0.1:9/q", "events": ["quota.warning"]}]},
        headers=shop.headers,
    )
    assert hook.status_code == 403  # webhooks are a pro feature; the events are kept anyway
    await usage.increment(shop.id, "calls", 78)
    assert await usage.try_consume(shop.id, "calls", 100)  # 79
    assert await _warnings(shop.id) == []
    assert await usage.try_consume(shop.id, "calls", 100)  # 80
    [eighty] = await _warnings(shop.id)
    assert eighty == {
        "metric": "calls",
        "threshold": 80,
        "used": 80,
        "limit": 100,
        "period": usage.current_period(),
    }
    await usage.increment(shop.id, "calls", 18)
    # The last 2 units, asked for by 10 callers at once: one 100 % warning.
    granted = await asyncio.gather(*(usage.try_consume(shop.id, "calls", 100) for _ in range(10)))
    assert granted.count(True) == 2
    assert [w["threshold"] for w in await _warnings(shop.id)] == [80, 100]
    # Another process that never sent them does not send them again.
    usage._alerted.clear()
    await usage.warn(shop.id, "calls", 100, 100)
    assert len(await _warnings(shop.id)) == 2


async def test_a_pro_endpoint_subscribes_to_quota_warnings(client: httpx.AsyncClient) -> None:
    shop = await make_tenant(plan="pro")
    hook = await client.put(
        f"/api/tenants/{shop.id}/webhooks",
        json={"endpoints": [{"url": "http://127.0.0.1:9/q", "events": ["quota.warning"]}]},
        headers=shop.headers,
    )
    assert hook.status_code == 200, hook.text
    # 1,600 of the pro plan's 2,000 knowledge-base entries: 80 %.
    for start, end in ((0, 1000), (1000, 1600)):  # an import holds at most 1,000 entries
        entries = {
            f"k{i}": {"question": f"Q {i} ?", "response": f"R {i}."} for i in range(start, end)
        }
        r = await client.post(
            f"/api/tenants/{shop.id}/kb/import",
            json={"language": "fr", "data": entries},
            headers=shop.headers,
        )
        assert r.status_code == 200, r.text
        if end == 1000:
            assert await _warnings(shop.id) == []  # 50 %
    [warning] = await _warnings(shop.id)
    assert (warning["metric"], warning["threshold"], warning["used"]) == ("kb", 80, 1600)
    event = await WebhookEvent.get(tenant_id=shop.id, type="quota.warning")
    assert await event.deliveries.all().count() == 1  # type: ignore[attr-defined]


async def test_a_failed_payment_and_its_downgrade_warn(
    client: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    shop = await _subscribed(client, stripe_fake)
    account = await billing._account(shop.tenant)
    await _send(client, stripe_fake, stripe_fake.fail_payment(str(account.subscription_id)))
    [failed] = await _warnings(shop.id)
    assert (failed["metric"], failed["reason"], failed["plan"]) == (
        "subscription",
        "payment_failed",
        "pro",
    )
    assert str(failed["graceEndsAt"]).endswith("Z")
    assert await billing.downgrade_overdue(timedelta(0)) == 1
    downgraded = (await _warnings(shop.id))[-1]
    assert downgraded == {
        "metric": "subscription",
        "reason": "downgraded",
        "plan": "starter",
        "previousPlan": "pro",
    }
