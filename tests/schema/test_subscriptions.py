"""GraphQL subscriptions over graphql-transport-ws on a real socket: callEvents follows one call
to its end, tenantEvents never crosses tenants, and the handshake refuses bad credentials."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from models.call import Call
from models.credential import ApiKey
from models.webhook import WebhookEvent
from resolvers import agents, calls, events, keys, origins
from resolvers.security import sha256_hex
from resolvers.settings import Settings, configure
from tests.factories import SCRIPT_END, TenantCtx, make_key, make_tenant
from tests.schema.test_graphql_keys_audit import bearer, data, gql
from tests.ws import serve, session, wait_for_subscribers

# Slow enough to answer that a subscriber is listening before the first transcript line;
# fast everywhere else.
PACE = {
    "sim_ring_seconds": 0.05,
    "sim_answer_seconds": 0.5,
    "sim_turn_seconds": 0.02,
    "sim_no_answer_seconds": 0.1,
}
AGENT = "agent_support_fr"
CALL_EVENTS = "subscription($id: ID!) { callEvents(callId: $id) { id type callId timestamp data } }"
TENANT_EVENTS = """
subscription($types: [String!], $t: ID) {
  tenantEvents(types: $types, tenantId: $t) { id type callId timestamp data }
}"""
CREATE = "mutation($i: CreateCallInput!) { createCall(input: $i) { id } }"


@pytest.fixture(scope="session")
async def ws_url(app: object) -> AsyncIterator[str]:
    async with serve(app) as url:
        yield url


@pytest.fixture(autouse=True)
def paced_carrier(settings: Settings) -> None:
    configure(settings.with_overrides(**PACE))


async def tenant_with_agent(plan: str = "pro") -> tuple[TenantCtx, str]:
    t = await make_tenant(plan=plan)
    await agents.create_agent(t.principal, {"id": AGENT, "name": "Support FR"})
    return t, await make_key(t)


# The scripted caller says nothing and hangs up after the greeting: a whole call (statuses,
# the greeting's transcript line) in a fraction of the default script's time.
GREETING_ONLY: list[str] = []


async def place_call(
    client: httpx.AsyncClient,
    key: str,
    to: str = "+212612345678",
    script: list[str] | None = GREETING_ONLY,
) -> str:
    call: dict[str, Any] = {"to": to, "agentId": AGENT}
    if script is not None:
        call["metadata"] = {"simulate": {"script": script}}
    body = await gql(client, CREATE, {"i": call}, bearer(key))
    call_id: str = data(body)["createCall"]["id"]
    return call_id


async def wait_final(call_id: str, timeout: float = 30) -> Call:
    async with asyncio.timeout(timeout):
        while True:
            call = await Call.get(id=call_id)
            if call.status in calls.FINAL:
                return call
            await asyncio.sleep(0.02)


def payloads(messages: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    assert [m["type"] for m in messages[:-1]] == ["next"] * (len(messages) - 1), messages
    assert messages[-1]["type"] == "complete", messages
    out = []
    for m in messages[:-1]:
        assert "errors" not in m["payload"], m
        out.append(m["payload"]["data"][field])
    return out


async def test_call_events_follow_a_call_in_order_then_complete(
    client: httpx.AsyncClient, ws_url: str
) -> None:
    t, key = await tenant_with_agent()
    call_id = await place_call(client, key, script=None)  # the default, whole conversation
    async with session(ws_url, key) as ws:
        await ws.subscribe("c1", CALL_EVENTS, {"id": call_id})
        await wait_for_subscribers(events.tenant_channel(t.id, f"call:{call_id}"))
        # Listening before the answer: what follows is live, the start came from history.
        assert (await Call.get(id=call_id)).status in ("initiating", "ringing")
        received = payloads(await ws.until_complete("c1"), "callEvents")
        # The stream ended on its own: the server dropped its bus subscription.
        await wait_for_subscribers(events.tenant_channel(t.id, f"call:{call_id}"), 0)
        # The connection is still usable.
        await ws.send({"type": "ping"})
        assert await ws.receive() == {"type": "pong"}

    call = await Call.get(id=call_id)
    types = [e["type"] for e in received]
    lines = len(call.transcript)
    assert lines >= 3
    # The conversation (transcript lines, and the agent's tool calls) runs while answered.
    assert types[:3] == ["call.initiated", "call.ringing", "call.answered"]
    assert types[-1] == "call.completed"
    assert set(types[3:-1]) <= {"transcript", "function_call"}
    spoken = [e for e in received if e["type"] == "transcript"]
    assert [(e["data"]["role"], e["data"]["text"]) for e in spoken] == [
        (line["role"], line["content"]) for line in call.transcript
    ]
    assert all(e["data"]["final"] is True for e in spoken)
    tools = [e["data"]["id"] for e in received if e["type"] == "function_call"]
    assert tools == [t["id"] for t in call.tool_calls]
    assert {e["callId"] for e in received} == {call_id}
    assert all(e["timestamp"].endswith("Z") for e in received)
    assert len({e["id"] for e in received}) == len(received)
    # Status events carry the id of their webhook event.
    outbox = {e.type: e.id for e in await WebhookEvent.filter(call_id=call_id)}
    status_events = [e for e in received if e["type"].startswith("call.")]
    assert {e["type"]: e["id"] for e in status_events} == outbox
    final = received[-1]["data"]
    # The scripted caller's goodbye ends the call from either side: the agent's end_call when
    # Whisper recognises it, else the caller hanging up after the agent's answer.
    assert (final["callId"], final["status"]) == (call_id, "completed")
    assert final["endedReason"] in SCRIPT_END
    assert final["duration"] == call.duration


async def test_call_events_of_an_ended_call_replay_its_statuses_and_complete(
    client: httpx.AsyncClient, ws_url: str
) -> None:
    _, key = await tenant_with_agent()
    busy = await place_call(client, key, to="+212612340001")
    await wait_final(busy)
    async with session(ws_url, key) as ws:
        await ws.subscribe("late", CALL_EVENTS, {"id": busy})
        received = payloads(await ws.until_complete("late"), "callEvents")
    assert [e["type"] for e in received] == ["call.initiated", "call.ringing", "call.failed"]
    assert received[-1]["data"]["endedReason"] == "busy"


async def test_tenant_events_see_only_their_own_tenant(
    client: httpx.AsyncClient, ws_url: str
) -> None:
    a, a_key = await tenant_with_agent()
    b, b_key = await tenant_with_agent()
    async with session(ws_url, a_key) as ws_a, session(ws_url, b_key) as ws_b:
        await ws_a.subscribe("done", TENANT_EVENTS, {"types": ["call.completed"]})
        await ws_a.subscribe("all", TENANT_EVENTS, {})
        await ws_b.subscribe("b", TENANT_EVENTS, {"types": ["call.completed"]})
        await wait_for_subscribers(events.tenant_channel(a.id, "events"), 2)
        await wait_for_subscribers(events.tenant_channel(b.id, "events"), 1)

        b_call, a_call = await asyncio.gather(place_call(client, b_key), place_call(client, a_key))
        seen_a: dict[str, list[dict[str, Any]]] = {"done": [], "all": []}
        async with asyncio.timeout(10):
            while not seen_a["done"]:
                message = await ws_a.receive()
                assert message["type"] == "next", message
                seen_a[message["id"]].append(message["payload"]["data"]["tenantEvents"])
        # B's call ends too; anything misrouted to A would be on A's socket by then.
        b_done = await ws_b.receive()
        assert b_done["payload"]["data"]["tenantEvents"]["callId"] == b_call
        await wait_final(a_call)
        await wait_final(b_call)
        await asyncio.sleep(0.2)
        await ws_a.send({"type": "ping"})
        while (message := await ws_a.receive())["type"] != "pong":
            assert message["type"] == "next", message
            seen_a[message["id"]].append(message["payload"]["data"]["tenantEvents"])

        assert [(e["type"], e["callId"]) for e in seen_a["done"]] == [("call.completed", a_call)]
        assert {e["callId"] for e in seen_a["all"]} == {a_call}
        a_status = [e["type"] for e in seen_a["all"] if e["type"].startswith("call.")]
        assert a_status == ["call.initiated", "call.ringing", "call.answered", "call.completed"]
        assert b_call not in str(seen_a)

        # Completing an operation unsubscribes it on the server.
        await ws_a.send({"id": "all", "type": "complete"})
        await ws_a.send({"id": "done", "type": "complete"})
        await wait_for_subscribers(events.tenant_channel(a.id, "events"), 0)


async def test_call_events_of_another_tenants_call_are_not_found(
    client: httpx.AsyncClient, ws_url: str
) -> None:
    _, a_key = await tenant_with_agent()
    b, b_key = await tenant_with_agent()
    theirs = await place_call(client, b_key)
    async with session(ws_url, a_key) as ws:
        for op, call_id in (("b", theirs), ("unknown", "call_doesnotexist")):
            await ws.subscribe(op, CALL_EVENTS, {"id": call_id})
            [result, complete] = await ws.until_complete(op)
            assert complete == {"id": op, "type": "complete"}
            assert result["type"] == "next"
            assert result["payload"]["data"] is None
            [error] = result["payload"]["errors"]
            assert error["extensions"] == {
                "code": "resource_not_found",
                "status": 404,
                "param": "callId",
            }
            assert error["message"] == "call not found"
        await ws.subscribe("t", TENANT_EVENTS, {"t": b.id})
        [result, _] = await ws.until_complete("t")
        [error] = result["payload"]["errors"]
        assert error["extensions"] == {"code": "resource_not_found", "status": 404}
        assert b.id not in str(result)
        await ws.subscribe("types", TENANT_EVENTS, {"types": ["call.exploded"]})
        [result, _] = await ws.until_complete("types")
        [error] = result["payload"]["errors"]
        assert error["extensions"] == {"code": "invalid_request", "status": 400, "param": "types"}
    assert events.get_bus().local_subscribers(events.tenant_channel(b.id, f"call:{theirs}")) == 0


@pytest.mark.parametrize(
    "token",
    [None, "", "not-a-token", "voc_sk_live_" + "A" * 34, "Basic abc"],
    ids=["no payload", "empty", "garbage", "unknown key", "not bearer"],
)
async def test_connection_init_without_a_valid_token_is_rejected(
    ws_url: str, app: object, token: str | None
) -> None:
    async with session(ws_url) as ws:
        if token is None:
            await ws.send({"type": "connection_init"})
        elif token.startswith("Basic"):
            await ws.send({"type": "connection_init", "payload": {"authorization": token}})
        else:
            await ws.init(token)
        assert await ws.closed_with() == (4403, "Forbidden")


async def test_revoked_and_publishable_keys_are_rejected(ws_url: str, app: object) -> None:
    t, key = await tenant_with_agent()
    row = await ApiKey.get(key_hash=sha256_hex(key))
    await keys.revoke_key(t.principal, row.id)
    # A publishable key needs an Origin the tenant allowed; a socket without one is refused.
    await origins.set_origins(t.principal, ["https://shop.example"])
    publishable = await make_key(t, kind="publishable")
    for token in (key, publishable):
        async with session(ws_url) as ws:
            await ws.init(token)
            assert await ws.closed_with() == (4403, "Forbidden")


async def test_subscribe_before_ack_closes_4401(ws_url: str, app: object) -> None:
    async with session(ws_url) as ws:
        await ws.subscribe("early", TENANT_EVENTS, {})
        assert await ws.closed_with() == (4401, "Unauthorized")


async def test_user_tokens_subscribe_too(client: httpx.AsyncClient, ws_url: str) -> None:
    t, key = await tenant_with_agent()
    async with session(ws_url, t.token) as ws:
        await ws.subscribe("mine", TENANT_EVENTS, {"types": ["call.initiated"]})
        await wait_for_subscribers(events.tenant_channel(t.id, "events"))
        call_id = await place_call(client, key)
        [message] = [await ws.receive()]
        assert message["payload"]["data"]["tenantEvents"]["callId"] == call_id
    await wait_final(call_id)


async def test_a_subscription_over_http_is_an_invalid_request(client: httpx.AsyncClient) -> None:
    _, key = await tenant_with_agent()
    r = await client.post(
        "/graphql", json={"query": "subscription { tenantEvents { id } }"}, headers=bearer(key)
    )
    assert r.status_code == 400
    assert r.json() == {
        "error": {
            "code": "invalid_request",
            "message": "subscriptions are not allowed when using POST",
            "status": 400,
            "request_id": r.headers["x-request-id"],
        }
    }
