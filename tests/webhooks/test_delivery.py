"""Webhook delivery end to end: simulated calls post signed events to a real local receiver.

What is copied from Svix's own tests (reference §1.3): a receiver answering 500 then 200 gets
the same event again and the attempts are listed; a 308 is recorded and never followed; the
attempt count equals the schedule's length; an endpoint failing too long is disabled. Plus the
contract's own: 410 disables, the signature verifies with the standardwebhooks library and with
the reference's Node.js snippet unchanged, private addresses are refused at delivery time, a
call's webhookUrl is signed with the tenant's first endpoint's secret, and a server killed
during deliveries loses none of them.
"""

import asyncio
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook, WebhookVerificationError
from tortoise.transactions import in_transaction

from models.tenant import WebhookEndpoint
from models.webhook import WebhookDelivery
from resolvers import outbox
from resolvers.settings import Settings, configure, get_settings
from tests import servers
from tests.factories import SCRIPT_END, TenantCtx, assert_error, make_key, make_tenant, make_user
from tests.webhooks.receiver import Receiver, Reply

FAST = {
    "sim_ring_seconds": 0.05,
    "sim_answer_seconds": 0.05,
    "sim_turn_seconds": 0.02,
    "sim_no_answer_seconds": 0.1,
    "webhook_retry_schedule": (0, 0.2, 0.2, 0.2),
}
EXAMPLE = {
    "to": "+212612345678",
    "agentId": "agent_support_fr",
    "metadata": {"customerId": "cust_123", "orderId": "ord_456"},
}
# The same call whose scripted caller hangs up after the greeting: every status event, in a
# fraction of the default script's time (for tests about delivery, not the conversation).
QUICK = {**EXAMPLE, "metadata": {**EXAMPLE["metadata"], "simulate": {"script": []}}}
CALL_EVENTS = ["call.initiated", "call.ringing", "call.answered", "call.completed"]
EVT_ID = re.compile(r"^evt_[0-9A-Za-z]+$")
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

# The reference's verifyWebhook, character for character (seeds/000_…, "Webhooks - Sécurité").
NODE_SNIPPET = "const crypto = require('crypto'); function verifyWebhook(payload, signature, secret) { const expected = crypto .createHmac('sha256', secret) .update(payload) .digest('hex'); return crypto.timingSafeEqual( Buffer.from(signature), Buffer.from('sha256=' + expected) ); }"
NODE_HARNESS = """
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const results = JSON.parse(input).map((c) => {
    try { return verifyWebhook(c.payload, c.signature, c.secret); } catch (e) { return false; }
  });
  process.stdout.write(JSON.stringify(results));
});
"""


@pytest.fixture(autouse=True)
def fast(clean: None, settings: Settings) -> None:
    configure(settings.with_overrides(**FAST))


def tune(**changes: Any) -> None:
    configure(get_settings().with_overrides(**changes))


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


# --- helpers ---------------------------------------------------------------------------------


class Hooks:
    """A tenant with webhook endpoints on the receiver, an agent, and a voc_sk_live_ key."""

    def __init__(self, tenant: TenantCtx, key_headers: dict[str, str]) -> None:
        self.tenant = tenant
        self.key_headers = key_headers
        self.endpoints: list[dict[str, Any]] = []

    @property
    def id(self) -> str:
        return self.tenant.id

    @property
    def secret(self) -> str:
        return str(self.endpoints[0]["secret"])


async def make_hooks(
    client: httpx.AsyncClient, endpoints: list[dict[str, Any]], plan: str = "pro"
) -> Hooks:
    t = await make_tenant(plan=plan)
    hooks = Hooks(t, {"Authorization": f"Bearer {await make_key(t)}"})
    r = await client.post(
        "/v1/agents",
        json={"id": "agent_support_fr", "name": "Support FR"},
        headers=hooks.key_headers,
    )
    assert r.status_code == 201, r.text
    if endpoints:
        r = await client.put(
            f"/api/tenants/{t.id}/webhooks", json={"endpoints": endpoints}, headers=t.headers
        )
        assert r.status_code == 200, r.text
        hooks.endpoints = r.json()["endpoints"]
    return hooks


async def emit(tenant_id: str, event_type: str = "call.completed", **data: Any) -> str:
    """Write one event to the outbox the way a state change does, then wake the worker."""
    async with in_transaction():
        event = await outbox.enqueue(tenant_id, event_type, {"callId": "call_x", **data})
    outbox.wake()
    return event.id


async def wait_final(
    client: httpx.AsyncClient, call_id: str, headers: dict[str, str], timeout: float = 30
) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            body = (await client.get(f"/v1/calls/{call_id}", headers=headers)).json()
            if body["status"] in ("completed", "failed"):
                return body
            await asyncio.sleep(0.1)


async def deliveries(client: httpx.AsyncClient, hooks: Hooks, **params: Any) -> dict[str, Any]:
    r = await client.get(
        f"/api/tenants/{hooks.id}/webhooks/deliveries", params=params, headers=hooks.tenant.headers
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


async def wait_settled(
    client: httpx.AsyncClient, hooks: Hooks, count: int = 1, timeout: float = 10
) -> list[dict[str, Any]]:
    """Until ``count`` deliveries exist and none is pending; oldest first."""
    async with asyncio.timeout(timeout):
        while True:
            page = await deliveries(client, hooks, limit=100)
            rows = page["data"]
            if len(rows) >= count and all(d["status"] != "pending" for d in rows):
                return list(reversed(rows))
            await asyncio.sleep(0.1)


def vocalia_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def node_verify(cases: list[dict[str, str]]) -> list[bool]:
    """Run the reference's snippet, unchanged, under node on each {payload, signature, secret}."""
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run(
        [node, "-e", NODE_SNIPPET + "\n" + NODE_HARNESS],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return list(json.loads(done.stdout))


def require_node() -> None:
    if shutil.which("node") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("node is required in CI to run the reference's verifyWebhook")
        pytest.skip("node is not installed")


async def full_call(client: httpx.AsyncClient, rx: Receiver) -> tuple[Hooks, dict[str, Any]]:
    hooks = await make_hooks(client, [{"url": rx.url("/hook")}])
    r = await client.post("/v1/calls", json=EXAMPLE, headers=hooks.key_headers)
    assert r.status_code == 201, r.text
    done = await wait_final(client, r.json()["id"], hooks.key_headers)
    assert done["status"] == "completed", done
    await rx.wait_for(4, "/hook")
    return hooks, done


# --- a whole call ----------------------------------------------------------------------------


async def test_a_call_posts_its_four_events_in_order_signed(
    client: httpx.AsyncClient, rx: Receiver
) -> None:
    hooks, call = await full_call(client, rx)
    received = rx.requests("/hook")
    assert [r.json()["event"] for r in received] == CALL_EVENTS
    assert len({r.json()["id"] for r in received}) == 4
    for request in received:
        body = request.json()
        assert request.method == "POST"
        assert list(body) == ["id", "event", "timestamp", "tenantId", "data"]
        assert EVT_ID.match(body["id"]), body["id"]
        assert ISO_Z.match(body["timestamp"]), body["timestamp"]
        assert body["tenantId"] == hooks.id
        data = body["data"]
        assert {"callId", "duration", "status", "sentiment", "leadScore"} <= set(data)
        assert data["callId"] == call["id"]
        assert data["metadata"] == EXAMPLE["metadata"]
        headers = request.headers
        assert headers["content-type"] == "application/json"
        assert headers["user-agent"] == outbox.USER_AGENT
        assert headers["x-vocalia-event"] == body["event"]
        assert headers["x-vocalia-delivery"] == body["id"]
        assert headers["webhook-id"] == body["id"]
        assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
        # X-VocalIA-Signature: HMAC-SHA256 keyed with the whole secret string, over the raw body.
        assert headers["x-vocalia-signature"] == vocalia_signature(hooks.secret, request.body)
        # Standard Webhooks, verified by the reference library (id.timestamp.body, whsec_ key).
        assert Webhook(hooks.secret).verify(request.body, headers) == body
    statuses = [r.json()["data"]["status"] for r in received]
    assert statuses == ["initiating", "ringing", "in-progress", "completed"]
    final = received[-1].json()["data"]
    assert final["duration"] == call["duration"]
    assert isinstance(final["duration"], int)
    assert final["sentiment"] == call["sentiment"]
    assert final["sentiment"] in ("positive", "neutral", "negative")
    assert final["leadScore"] == call["leadScore"]
    assert isinstance(final["leadScore"], int)
    # The scripted caller's goodbye ends the call from either side: the agent's end_call when
    # Whisper recognises it, else the caller hanging up after the agent's answer.
    assert final["endedReason"] in SCRIPT_END

    # The library refuses what it must refuse.
    first = received[0]
    with pytest.raises(WebhookVerificationError):
        Webhook(hooks.secret).verify(first.body.replace(b"call.", b"cal1."), first.headers)
    other = (await make_hooks(client, [{"url": rx.url("/other")}])).secret
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(first.body, first.headers)
    stale = {**first.headers, "webhook-timestamp": str(int(time.time()) - 301)}
    with pytest.raises(WebhookVerificationError):
        Webhook(hooks.secret).verify(first.body, stale)


async def test_signatures_verify_with_the_reference_node_snippet(
    client: httpx.AsyncClient, rx: Receiver
) -> None:
    require_node()
    hooks, _ = await full_call(client, rx)
    received = rx.requests("/hook")
    cases = [
        {
            "payload": r.text,
            "signature": r.headers["x-vocalia-signature"],
            "secret": hooks.secret,
        }
        for r in received
    ]
    tampered = {**cases[-1], "payload": cases[-1]["payload"].replace('"completed"', '"complete!"')}
    wrong_secret = {**cases[0], "secret": hooks.secret[:-2] + "AA"}
    assert node_verify([*cases, tampered, wrong_secret]) == [True] * 4 + [False, False]


@pytest.mark.parametrize(
    ("to", "reason", "events"),
    [
        ("+212612340001", "busy", ["call.initiated", "call.ringing", "call.failed"]),
        ("+212612340002", "no-answer", ["call.initiated", "call.ringing", "call.failed"]),
        ("+212612340003", "carrier-error", ["call.initiated", "call.failed"]),
    ],
    ids=["busy", "no-answer", "carrier-error"],
)
async def test_special_numbers_end_failed_with_a_call_failed_webhook(
    client: httpx.AsyncClient, rx: Receiver, to: str, reason: str, events: list[str]
) -> None:
    hooks = await make_hooks(client, [{"url": rx.url("/hook")}])
    r = await client.post("/v1/calls", json={**EXAMPLE, "to": to}, headers=hooks.key_headers)
    assert r.status_code == 201, r.text
    done = await wait_final(client, r.json()["id"], hooks.key_headers)
    assert (done["status"], done["endedReason"], done["duration"]) == ("failed", reason, 0)
    await rx.wait_for(len(events), "/hook")
    await asyncio.sleep(0.1)  # nothing more arrives
    bodies = rx.events("/hook")
    assert [b["event"] for b in bodies] == events
    failed = bodies[-1]["data"]
    assert (failed["callId"], failed["status"], failed["endedReason"]) == (
        done["id"],
        "failed",
        reason,
    )


# --- a call's own webhookUrl -------------------------------------------------------------------


async def test_call_webhook_url_gets_its_events_signed_with_the_first_endpoint_secret(
    client: httpx.AsyncClient, rx: Receiver
) -> None:
    hooks = await make_hooks(
        client,
        [
            {"url": rx.url("/first"), "events": ["call.completed"]},
            {"url": rx.url("/second"), "events": ["lead.qualified"]},
        ],
    )
    first_secret, second_secret = (e["secret"] for e in hooks.endpoints)
    metadata = {
        "client": "Société Générale — مرحبا",
        "orderId": "ord_456",
        "simulate": {"script": []},
    }
    r = await client.post(
        "/v1/calls",
        json={**EXAMPLE, "metadata": metadata, "webhookUrl": rx.url("/per-call")},
        headers=hooks.key_headers,
    )
    assert r.status_code == 201, r.text
    call_id = r.json()["id"]
    # Another call without a webhookUrl: nothing of it reaches /per-call.
    r = await client.post("/v1/calls", json=QUICK, headers=hooks.key_headers)
    other_id = r.json()["id"]
    await wait_final(client, call_id, hooks.key_headers)
    await wait_final(client, other_id, hooks.key_headers)
    await rx.wait_for(4, "/per-call")
    await rx.wait_for(2, "/first")
    await asyncio.sleep(0.1)
    per_call = rx.requests("/per-call")
    assert [r.json()["event"] for r in per_call] == CALL_EVENTS
    assert {r.json()["data"]["callId"] for r in per_call} == {call_id}
    assert per_call[0].json()["data"]["metadata"] == metadata
    for request in per_call:
        assert request.headers["x-vocalia-signature"] == vocalia_signature(
            first_secret, request.body
        )
        Webhook(first_secret).verify(request.body, request.headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(second_secret).verify(request.body, request.headers)
    # The endpoint subscribed to call.completed gets both calls' completion, nothing else.
    assert sorted(b["data"]["callId"] for b in rx.events("/first")) == sorted([call_id, other_id])
    assert {b["event"] for b in rx.events("/first")} == {"call.completed"}
    assert rx.requests("/second") == []
    if shutil.which("node") is not None:  # non-ASCII bodies sign the same bytes in Node
        assert (
            node_verify(
                [
                    {
                        "payload": r.text,
                        "signature": r.headers["x-vocalia-signature"],
                        "secret": first_secret,
                    }
                    for r in per_call
                ]
            )
            == [True] * 4
        )


async def test_call_webhook_url_needs_the_plan_and_an_endpoint(
    client: httpx.AsyncClient, rx: Receiver
) -> None:
    starter = await make_hooks(client, [], plan="starter")
    body = {**EXAMPLE, "webhookUrl": rx.url("/per-call")}
    r = await client.post("/v1/calls", json=body, headers=starter.key_headers)
    assert_error(
        r, 403, "insufficient_permissions", message="webhooks need the Pro or Enterprise plan"
    )
    pro = await make_hooks(client, [])
    r = await client.post("/v1/calls", json=body, headers=pro.key_headers)
    assert_error(
        r,
        400,
        "invalid_request",
        param="webhookUrl",
        message="configure a webhook endpoint first: its secret signs per-call deliveries",
    )
    for hooks in (starter, pro):
        listed = await client.get("/v1/calls", headers=hooks.key_headers)
        assert listed.json()["total"] == 0
    await asyncio.sleep(0.1)
    assert rx.requests() == []


# --- retries, redirects, 410, disabling ------------------------------------------------------


async def test_500_then_200_redelivers_the_same_event_and_lists_both_attempts(
    client: httpx.AsyncClient, rx: Receiver
) -> None:
    rx.script("/flaky", Reply(500, body=b"boom"))
    hooks = await make_hooks(client, [{"url": rx.url("/flaky")}])
    event_id = await emit(hooks.id, leadScore=85)
    await rx.wait_for(2, "/flaky")
    first, second = rx.requests("/flaky")
    assert first.body == second.body
    assert first.json()["id"] == second.json()["id"] == event_id
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == event_id
    assert first.headers["x-vocalia-delivery"] == second.headers["x-vocalia-delivery"] == event_id
    for request in (first, second):
        Webhook(hooks.secret).verify(request.body, request.headers)
    assert 0.15 <= second.at - first.at < 1.0  # the schedule's 0.2 s, with ±10 % jitter

    [delivery] = await wait_settled(client, hooks)
    assert delivery["status"] == "succeeded"
    assert delivery["event"]["id"] == event_id
    assert delivery["event"]["type"] == "call.completed"
    assert delivery["endpoint_id"] == hooks.endpoints[0]["id"]
    assert delivery["url"] == rx.url("/flaky")
    assert delivery["attempt_count"] == 2
    assert [(a["status_code"], a["error"]) for a in delivery["attempts"]] == [
        (500, "HTTP 500"),
        (200, None),
    ]
    assert all(isinstance(a["duration_ms"], int) for a in delivery["attempts"])
    assert delivery["next_attempt_at"] is None
    assert delivery["completed_at"] is not None
    # A success resets the endpoint's failure clock.
    endpoint = await WebhookEndpoint.get(id=hooks.endpoints[0]["id"])
    assert (endpoint.enabled, endpoint.failing_since) == (True, None)

    # The same over GraphQL.
    r = await client.post(
        "/graphql",
        json={
            "query": '{ webhookDeliveries(status: SUCCEEDED, eventType: "call.completed") { total '
            "items { id status attemptCount endpointId event { id type } "
            "attempts { statusCode error durationMs } } } }"
        },
        headers=hooks.tenant.headers,
    )
    page = r.json()["data"]["webhookDeliveries"]
    assert page["total"] == 1
    [item] = page["items"]
    assert (item["id"], item["status"], item["attemptCount"]) == (delivery["id"], "SUCCEEDED", 2)
    assert item["event"] == {"id": event_id, "type": "call.completed"}
    assert [a["statusCode"] for a in item["attempts"]] == [500, 200]


async def test_a_308_is_recorded_and_never_followed(
    client: httpx.AsyncClient, rx: Receiver
) -> None:
    tune(webhook_retry_schedule=(0, 0.1))
    rx.default("/moved", Reply(308, headers={"Location": rx.url("/elsewhere")}))
    hooks = await make_hooks(client, [{"url": rx.url("/moved")}])
    await emit(hooks.id)
    [delivery] = await wait_settled(client, hooks)
    assert delivery["status"] == "failed"
    assert [(a["status_code"], a["error"]) for a in delivery["attempts"]] == [
        (308, "HTTP 308"),
        (308, "HTTP 308"),
    ]
    assert len(rx.requests("/moved")) == 2
    assert rx.requests("/elsewhere") == []


async def test_retries_stop_when_the_schedule_is_exhausted(
    client: httpx.AsyncClient, rx: Receiver
) -> None:
    schedule = (0, 0.1, 0.1)
    tune(webhook_retry_schedule=schedule)
    rx.default("/down", Reply(503))
    hooks = await make_hooks(client, [{"url": rx.url("/down")}])
    event_id = await emit(hooks.id)
    [delivery] = await wait_settled(client, hooks)
    assert delivery["status"] == "failed"
    assert delivery["attempt_count"] == len(schedule)
    assert [a["status_code"] for a in delivery["attempts"]] == [503] * len(schedule)
    await asyncio.sleep(0.3)
    assert len(rx.requests("/down")) == len(schedule)
    assert {b["id"] for b in rx.events("/down")} == {event_id}
    # Exhausting one delivery's retries is not disabling the endpoint.
    endpoint = await WebhookEndpoint.get(id=hooks.endpoints[0]["id"])
    assert endpoint.enabled is True
    assert endpoint.failing_since is not None


async def test_410_disables_the_endpoint_and_later_events_skip_it(
    client: httpx.AsyncClient, rx: Receiver
) -> None:
    rx.default("/gone", Reply(410))
    hooks = await make_hooks(client, [{"url": rx.url("/gone")}, {"url": rx.url("/alive")}])
    gone_id = hooks.endpoints[0]["id"]
    await emit(hooks.id)
    await rx.wait_for(1, "/alive")
    rows = await wait_settled(client, hooks, count=2)
    gone = next(d for d in rows if d["endpoint_id"] == gone_id)
    assert gone["status"] == "failed"
    assert [a["status_code"] for a in gone["attempts"]] == [410]  # never retried

    r = await client.get(f"/api/tenants/{hooks.id}/webhooks", headers=hooks.tenant.headers)
    listed = {e["id"]: e for e in r.json()["endpoints"]}
    assert listed[gone_id]["enabled"] is False
    assert listed[gone_id]["disabled_reason"] == "the receiver answered 410 Gone"

    second = await emit(hooks.id, "call.failed")
    await rx.wait_for(2, "/alive")
    await asyncio.sleep(0.2)
    assert [b["id"] for b in rx.events("/alive")][-1] == second
    assert len(rx.requests("/gone")) == 1
    assert (await deliveries(client, hooks))["total"] == 3  # no delivery for the disabled one


async def test_an_endpoint_failing_longer_than_the_limit_is_disabled(
    client: httpx.AsyncClient, rx: Receiver
) -> None:
    tune(webhook_disable_after=0.5, webhook_retry_schedule=(0, 0.3, 0.3, 0.3, 0.3, 0.3))
    rx.default("/failing", Reply(500))
    hooks = await make_hooks(client, [{"url": rx.url("/failing")}])
    await emit(hooks.id)
    [delivery] = await wait_settled(client, hooks)
    assert delivery["status"] == "failed"
    # Disabled on the first failure past 0.5 s, before the six attempts of the schedule.
    assert delivery["attempt_count"] == 3
    r = await client.get(f"/api/tenants/{hooks.id}/webhooks", headers=hooks.tenant.headers)
    [endpoint] = r.json()["endpoints"]
    assert endpoint["enabled"] is False
    assert endpoint["disabled_reason"] == "failing for 0.5 seconds"
    await emit(hooks.id)
    await asyncio.sleep(0.2)
    assert len(rx.requests("/failing")) == 3


async def test_private_destinations_are_refused_at_delivery_time(
    client: httpx.AsyncClient, rx: Receiver
) -> None:
    tune(webhook_retry_schedule=(0,))
    hooks = await make_hooks(client, [{"url": rx.url("/private")}])  # allowed when created
    tune(allow_private_urls=False)
    await emit(hooks.id)
    [delivery] = await wait_settled(client, hooks)
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == [
        {
            "at": delivery["attempts"][0]["at"],
            "status_code": None,
            "error": "refused: url resolves to a private, loopback, link-local or reserved"
            " address; in development, VOCALIA_ALLOW_PRIVATE_URLS=1 allows it",
            "duration_ms": 0,
        }
    ]
    await asyncio.sleep(0.1)
    assert rx.requests() == []


# --- replay and the deliveries API ----------------------------------------------------------


async def test_replay_sends_the_same_event_again(client: httpx.AsyncClient, rx: Receiver) -> None:
    hooks = await make_hooks(client, [{"url": rx.url("/hook")}])
    event_id = await emit(hooks.id)
    [original] = await wait_settled(client, hooks)
    assert original["status"] == "succeeded"

    r = await client.post(
        f"/api/tenants/{hooks.id}/webhooks/deliveries/{original['id']}/replay",
        headers=hooks.tenant.headers,
    )
    assert r.status_code == 201, r.text
    replay = r.json()
    assert replay["id"] != original["id"]
    assert replay["id"].startswith("dlv_")
    assert (replay["status"], replay["attempt_count"], replay["attempts"]) == ("pending", 0, [])
    assert replay["event"] == original["event"]
    assert (replay["endpoint_id"], replay["url"]) == (original["endpoint_id"], original["url"])
    await rx.wait_for(2, "/hook")
    first, again = rx.requests("/hook")
    assert first.body == again.body
    assert again.headers["webhook-id"] == again.headers["x-vocalia-delivery"] == event_id
    Webhook(hooks.secret).verify(again.body, again.headers)

    # And over GraphQL.
    r = await client.post(
        "/graphql",
        json={
            "query": "mutation($id: ID!) { replayWebhookDelivery(id: $id) { id status event { id } } }",
            "variables": {"id": original["id"]},
        },
        headers=hooks.tenant.headers,
    )
    replayed = r.json()["data"]["replayWebhookDelivery"]
    assert (replayed["status"], replayed["event"]["id"]) == ("PENDING", event_id)
    await rx.wait_for(3, "/hook")
    rows = await wait_settled(client, hooks, count=3)
    assert [d["id"] for d in rows] == [original["id"], replay["id"], replayed["id"]]
    assert {d["event"]["id"] for d in rows} == {event_id}
    assert {d["status"] for d in rows} == {"succeeded"}


async def test_replay_of_a_call_webhook_url_delivery(
    client: httpx.AsyncClient, rx: Receiver
) -> None:
    hooks = await make_hooks(client, [{"url": rx.url("/hook"), "events": ["lead.qualified"]}])
    r = await client.post(
        "/v1/calls",
        json={**EXAMPLE, "to": "+212612340003", "webhookUrl": rx.url("/per-call")},
        headers=hooks.key_headers,
    )
    await wait_final(client, r.json()["id"], hooks.key_headers)
    rows = await wait_settled(client, hooks, count=2)
    assert {d["endpoint_id"] for d in rows} == {None}
    r = await client.post(
        f"/api/tenants/{hooks.id}/webhooks/deliveries/{rows[-1]['id']}/replay",
        headers=hooks.tenant.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["url"] == rx.url("/per-call")
    await rx.wait_for(3, "/per-call")
    assert rx.events("/per-call")[-1] == rx.events("/per-call")[1]


async def test_replay_refusals(client: httpx.AsyncClient, rx: Receiver) -> None:
    rx.default("/gone", Reply(410))
    hooks = await make_hooks(client, [{"url": rx.url("/gone")}])
    await emit(hooks.id)
    [delivery] = await wait_settled(client, hooks)
    url = f"/api/tenants/{hooks.id}/webhooks/deliveries/{delivery['id']}/replay"

    r = await client.post(url, headers=hooks.tenant.headers)
    assert_error(
        r,
        409,
        "conflict",
        message="the endpoint is disabled; enable it before replaying its deliveries",
    )
    _, member = await make_user(hooks.tenant, "member")
    assert_error(await client.post(url, headers=member), 403, "insufficient_permissions")
    assert_error(await client.post(url, headers=hooks.key_headers), 403, "insufficient_permissions")
    for unknown_id in ("dlv_doesnotexist", "dlv_" + "é" * 100):  # longer than any id
        unknown = url.replace(delivery["id"], unknown_id)
        assert_error(
            await client.post(unknown, headers=hooks.tenant.headers),
            404,
            "resource_not_found",
            param="id",
            message="webhook delivery not found",
        )
    # Another tenant naming this delivery under its own tenant id: not found, nothing queued.
    other = await make_hooks(client, [{"url": rx.url("/other")}])
    r = await client.post(
        f"/api/tenants/{other.id}/webhooks/deliveries/{delivery['id']}/replay",
        headers=other.tenant.headers,
    )
    assert_error(r, 404, "resource_not_found", param="id", message="webhook delivery not found")
    r = await client.post(
        "/graphql",
        json={
            "query": "mutation($id: ID!) { replayWebhookDelivery(id: $id) { id } }",
            "variables": {"id": delivery["id"]},
        },
        headers=other.tenant.headers,
    )
    assert r.json()["errors"][0]["extensions"] == {
        "code": "resource_not_found",
        "status": 404,
        "param": "id",
    }
    assert await WebhookDelivery.all().count() == 1

    # Deleting the endpoint ends its pending deliveries; replaying them is a conflict.
    rx.default("/slow", Reply(500))
    tune(webhook_retry_schedule=(0, 30))
    r = await client.put(
        f"/api/tenants/{other.id}/webhooks",
        json={"endpoints": [{"url": rx.url("/slow")}]},
        headers=other.tenant.headers,
    )
    assert r.status_code == 200, r.text
    await emit(other.id)
    await rx.wait_for(1, "/slow")
    async with asyncio.timeout(5):
        while (pending := await WebhookDelivery.get(tenant_id=other.id)).attempts < 1:
            await asyncio.sleep(0.1)
    assert pending.status == "pending"
    r = await client.put(
        f"/api/tenants/{other.id}/webhooks", json={"endpoints": []}, headers=other.tenant.headers
    )
    assert r.status_code == 200, r.text
    stopped = await WebhookDelivery.get(id=pending.id)
    assert (stopped.status, stopped.last_error, stopped.endpoint_id) == (
        "failed",
        "endpoint deleted",
        None,
    )
    r = await client.post(
        f"/api/tenants/{other.id}/webhooks/deliveries/{pending.id}/replay",
        headers=other.tenant.headers,
    )
    assert_error(r, 409, "conflict", message="the endpoint of this delivery was deleted")


async def test_deliveries_page_filters_and_scope(client: httpx.AsyncClient, rx: Receiver) -> None:
    hooks = await make_hooks(client, [{"url": rx.url("/hook")}])
    ids = [await emit(hooks.id, t) for t in ("call.initiated", "call.completed", "call.failed")]
    other = await make_hooks(client, [{"url": rx.url("/other")}])
    await emit(other.id)
    await wait_settled(client, hooks, count=3)

    page = await deliveries(client, hooks)
    assert (page["total"], page["limit"], page["offset"]) == (3, 20, 0)
    assert [d["event"]["id"] for d in page["data"]] == ids[::-1]  # newest first
    page = await deliveries(client, hooks, limit=1, offset=1)
    assert [d["event"]["id"] for d in page["data"]] == [ids[1]]
    assert (page["total"], page["limit"], page["offset"]) == (3, 1, 1)
    page = await deliveries(client, hooks, event_type="call.failed")
    assert [d["event"]["id"] for d in page["data"]] == [ids[2]]
    assert (await deliveries(client, hooks, status="failed"))["total"] == 0
    assert (await deliveries(client, hooks, status="succeeded"))["total"] == 3

    base = f"/api/tenants/{hooks.id}/webhooks/deliveries"
    for params, param in (
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**30}, "offset"),
        ({"status": "done"}, "status"),
        ({"event_type": "call.exploded"}, "event_type"),
        ({"type": "call.failed"}, "type"),  # a misspelt filter is refused, not ignored
    ):
        r = await client.get(base, params=params, headers=hooks.tenant.headers)
        assert_error(r, 400, "invalid_request", param=param)
    _, member = await make_user(hooks.tenant, "member")
    assert_error(await client.get(base, headers=member), 403, "insufficient_permissions")
    r = await client.get(base.replace(hooks.id, other.id), headers=hooks.tenant.headers)
    assert_error(r, 404, "resource_not_found", message="tenant not found")
    starter = await make_tenant()
    r = await client.get(f"/api/tenants/{starter.id}/webhooks/deliveries", headers=starter.headers)
    assert_error(
        r, 403, "insufficient_permissions", message="webhooks need the Pro or Enterprise plan"
    )


# --- restart safety -------------------------------------------------------------------------


@pytest.mark.slow
def test_a_server_killed_during_deliveries_loses_none(tmp_path: Path) -> None:
    """SIGKILL while the receiver holds requests; the restarted server delivers everything."""
    backend = servers.prepare_database(tmp_path, suffix="_whkill")
    prefix = f"vocalia-whkill-{uuid.uuid4().hex[:8]}"
    env = servers.server_env(
        backend.database_url,
        tmp_path / "var",
        redis_url=backend.redis_url,
        redis_prefix=prefix,
        extra={
            "VOCALIA_ALLOW_PRIVATE_URLS": "1",
            "VOCALIA_WEBHOOK_LOCK_SECONDS": "1",
            "VOCALIA_WEBHOOK_RETRY_SCHEDULE": "0,0.3,0.3,0.3,0.3,0.3,0.3,0.3",
            "VOCALIA_SIM_RING_SECONDS": "0.05",
            "VOCALIA_OWNER_STALE_SECONDS": "2",
            "VOCALIA_HEARTBEAT_SECONDS": "0.5",
        },
    )
    servers.migrate(env)
    hold = threading.Event()
    calls = 8
    try:
        with Receiver() as rx:
            rx.default("/hook", Reply(hold=hold))
            first = servers.start(env, tmp_path / "logs", name="first")
            try:
                with httpx.Client(base_url=first.url, timeout=10) as http:
                    tenant_id, token, key = _server_tenant(http, rx.url("/hook"))
                    keyed = {"Authorization": f"Bearer {key}"}
                    r = http.post(
                        "/v1/agents", json={"id": "agent_support_fr", "name": "S"}, headers=keyed
                    )
                    assert r.status_code == 201, r.text
                    for _ in range(calls):  # each: call.initiated then call.failed
                        r = http.post(
                            "/v1/calls", json={**EXAMPLE, "to": "+212612340003"}, headers=keyed
                        )
                        assert r.status_code == 201, r.text
                _wait(lambda: len(rx.requests("/hook")) >= 4, 10, "held deliveries")
                first.process.kill()  # SIGKILL: no lifespan cleanup, leases left in the rows
                first.process.wait(timeout=10)
            finally:
                servers.stop(first)
            in_flight = {b["id"] for b in rx.events("/hook")}
            hold.set()  # from now on the receiver answers at once
            second = servers.start(env, tmp_path / "logs", name="second")
            try:
                with httpx.Client(base_url=second.url, timeout=10) as http:
                    headers = {"Authorization": f"Bearer {token}"}

                    def settled() -> list[dict[str, Any]] | None:
                        r = http.get(
                            f"/api/tenants/{tenant_id}/webhooks/deliveries",
                            params={"limit": 100},
                            headers=headers,
                        )
                        assert r.status_code == 200, r.text
                        rows = r.json()["data"]
                        done = len(rows) == 2 * calls and all(
                            d["status"] == "succeeded" for d in rows
                        )
                        return rows if done else None

                    rows = _wait(settled, 20, "every delivery succeeded")
            finally:
                servers.stop(second)
            received = [b["id"] for b in rx.events("/hook")]
    finally:
        servers.flush_redis_prefix(backend.redis_url, prefix)
    events = {d["event"]["id"] for d in rows}
    assert len(events) == 2 * calls
    assert events <= set(received)  # none lost
    # The requests held when the server died were sent again after the restart.
    assert in_flight
    for event_id in in_flight:
        assert received.count(event_id) >= 2, event_id
    for d in rows:
        assert d["attempts"][-1]["status_code"] == 200


def _server_tenant(http: httpx.Client, hook_url: str) -> tuple[str, str, str]:
    email = f"kill-{uuid.uuid4().hex[:10]}@example.com"
    reg = http.post(
        "/api/auth/register",
        json={"email": email, "password": "kill-password-123", "company": "Kill", "plan": "pro"},
    )
    assert reg.status_code == 201, reg.text
    login = http.post("/api/auth/login", json={"email": email, "password": "kill-password-123"})
    token = login.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    tenant_id = reg.json()["tenant"]["id"]
    r = http.put(
        f"/api/tenants/{tenant_id}/webhooks",
        json={"endpoints": [{"url": hook_url}]},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    key = http.post(
        "/graphql",
        json={"query": "mutation { createApiKey(kind: SECRET) { secret } }"},
        headers=headers,
    )
    return tenant_id, token, key.json()["data"]["createApiKey"]["secret"]


def _wait(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
