"""Many subscribers, shared work: each event is decoded once per process, executed once per
distinct document and variables, encoded once, yet every subscriber still gets its own
selection, its own tenant's events only, in order; a subscriber that falls behind is dropped
alone (resolvers.events, schema.subscriptions, schema.ws)."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from graphql.execution import Executor
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation

from models.base import new_id
from models.call import Call
from resolvers import call_events, calls, events
from schema import ws as schema_ws
from tests.factories import make_tenant
from tests.ws import GraphQLSocket, serve, session, wait_for_subscribers

FULL = """
subscription($types: [String!]) { tenantEvents(types: $types) { id type callId timestamp data } }
"""
SMALL = "subscription { tenantEvents { id type } }"
ALIASED = "subscription { tenantEvents { kind: type data } }"


@pytest.fixture(scope="session")
async def ws_url(app: object) -> AsyncIterator[str]:
    async with serve(app) as url:
        yield url


@pytest.fixture
def executions(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The roots of the subscription events actually executed by graphql-core."""
    seen: list[object] = []
    original = Executor.build_per_event_executor

    def counting(self: Executor, payload: Any) -> Executor:
        seen.append(payload)
        return original(self, payload)

    monkeypatch.setattr(Executor, "build_per_event_executor", counting)
    return seen


async def tenant_key() -> tuple[str, str]:
    t = await make_tenant(plan="pro")
    return t.id, t.api_key


def a_call(tenant_id: str) -> Call:
    return Call(id=new_id("call"), tenant_id=tenant_id, agent_id="agent_fanout")


async def publish(call: Call, event_id: str, n: int, event_type: str = "transcript") -> None:
    await calls.publish(call, calls.bus_event(call, event_type, event_id, {"n": n}))


async def collect(ws: GraphQLSocket, count: int) -> dict[str, list[dict[str, Any]]]:
    """The next `count` messages, by operation id (each an operation's `next` payload)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for _ in range(count):
        message = await ws.receive()
        assert message["type"] == "next", message
        out.setdefault(message["id"], []).append(message["payload"])
    return out


async def test_many_subscribers_share_one_execution_and_keep_their_order(
    ws_url: str, executions: list[object]
) -> None:
    tenant_id, key = await tenant_key()
    call = a_call(tenant_id)
    ops = [f"op{i}" for i in range(5)]
    async with (
        session(ws_url, key) as w1,
        session(ws_url, key) as w2,
        session(ws_url, key) as w3,
        session(ws_url, key) as w4,
    ):
        sockets = [w1, w2, w3, w4]
        for ws in sockets:
            for op in ops:
                await ws.subscribe(op, FULL, {"types": ["transcript"]})
        await wait_for_subscribers(events.tenant_channel(tenant_id, "events"), 20)
        for n in range(30):
            await publish(call, f"evt_fanout_{n}", n)
        for ws in sockets:
            received = await collect(ws, 30 * len(ops))
            assert sorted(received) == ops
            for payloads in received.values():
                assert [p["data"]["tenantEvents"]["data"] for p in payloads] == [
                    {"n": n} for n in range(30)
                ]
                assert all(p.keys() == {"data"} for p in payloads)
                first = payloads[0]["data"]["tenantEvents"]
                assert first.keys() == {"id", "type", "callId", "timestamp", "data"}
                assert (first["id"], first["type"], first["callId"]) == (
                    "evt_fanout_0",
                    "transcript",
                    call.id,
                )
    # 20 subscribers, one document: each event was executed once, not 20 times.
    assert len(executions) == 30


async def test_different_selections_get_their_own_payloads(
    ws_url: str, executions: list[object]
) -> None:
    tenant_id, key = await tenant_key()
    call = a_call(tenant_id)
    async with session(ws_url, key) as ws, session(ws_url, key) as other:
        await ws.subscribe("full", FULL)
        await ws.subscribe("small", SMALL)
        await ws.subscribe("aliased", ALIASED)
        await ws.subscribe("completed", FULL, {"types": ["call.completed"]})
        await other.subscribe("small", SMALL)
        await wait_for_subscribers(events.tenant_channel(tenant_id, "events"), 5)
        await publish(call, "evt_sel_0", 0)
        await publish(call, "evt_sel_1", 1, "call.completed")
        await publish(call, "evt_sel_2", 2)
        got = await collect(ws, 3 + 3 + 3 + 1)
        got_other = await collect(other, 3)

    def field(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [p["data"]["tenantEvents"] for p in payloads]

    assert field(got["small"]) == [
        {"id": "evt_sel_0", "type": "transcript"},
        {"id": "evt_sel_1", "type": "call.completed"},
        {"id": "evt_sel_2", "type": "transcript"},
    ]
    assert got_other["small"] == got["small"]
    assert field(got["aliased"]) == [
        {"kind": "transcript", "data": {"n": 0}},
        {"kind": "call.completed", "data": {"n": 1}},
        {"kind": "transcript", "data": {"n": 2}},
    ]
    full = field(got["full"])
    assert [(e["id"], e["type"], e["callId"], e["data"]) for e in full] == [
        ("evt_sel_0", "transcript", call.id, {"n": 0}),
        ("evt_sel_1", "call.completed", call.id, {"n": 1}),
        ("evt_sel_2", "transcript", call.id, {"n": 2}),
    ]
    assert all(e["timestamp"].endswith("Z") for e in full)
    assert field(got["completed"]) == [full[1]]
    # Per event, once per distinct (document, variables) that wanted it: 3 + 4 + 3.
    assert len(executions) == 10


async def test_shared_fan_out_never_crosses_tenants(ws_url: str, executions: list[object]) -> None:
    (a_id, a_key), (b_id, b_key) = await tenant_key(), await tenant_key()
    a_call_, b_call = a_call(a_id), a_call(b_id)
    async with (
        session(ws_url, a_key) as a1,
        session(ws_url, a_key) as a2,
        session(ws_url, b_key) as b1,
    ):
        for ws in (a1, a2, b1):
            await ws.subscribe("s", FULL)  # the same document everywhere
        await wait_for_subscribers(events.tenant_channel(a_id, "events"), 2)
        await wait_for_subscribers(events.tenant_channel(b_id, "events"), 1)
        # On A's channel, an event claiming to be B's: no subscriber of A may see it.
        forged = {**calls.bus_event(b_call, "transcript", "evt_forged", {"n": -1})}
        await events.get_bus().publish(events.tenant_channel(a_id, "events"), forged)
        for n in range(6):
            await publish(a_call_ if n % 2 == 0 else b_call, f"evt_iso_{n}", n)
        received = {name: await collect(ws, 3) for name, ws in (("a1", a1), ("a2", a2), ("b1", b1))}
        # Nothing else is queued for anyone: a ping's pong comes next.
        for ws in (a1, a2, b1):
            await ws.send({"type": "ping"})
            assert await ws.receive() == {"type": "pong"}

    def ids(name: str) -> list[tuple[str, str]]:
        return [
            (p["data"]["tenantEvents"]["id"], p["data"]["tenantEvents"]["callId"])
            for p in received[name]["s"]
        ]

    assert ids("a1") == ids("a2") == [(f"evt_iso_{n}", a_call_.id) for n in (0, 2, 4)]
    assert ids("b1") == [(f"evt_iso_{n}", b_call.id) for n in (1, 3, 5)]
    assert "evt_forged" not in str(received)


async def test_a_bus_subscriber_that_falls_behind_is_dropped_alone(app: object) -> None:
    bus = events.get_bus()
    channel = events.tenant_channel("fanout_test", new_id("chan", 8))
    dropped: list[events.SubscriberOverflow] = []
    fast_heard: list[dict[str, Any]] = []
    probe_heard = asyncio.Event()

    async def fast_reader(stream: AsyncIterator[dict[str, Any]]) -> None:
        async for event in stream:
            fast_heard.append(event)
            if "probe" in event:
                probe_heard.set()
            if event.get("n") == 7:
                return

    token = events.on_overflow.set(dropped.append)
    try:
        slow_sub = bus.subscribe(channel, max_pending=5)
        slow = await slow_sub.__aenter__()
    finally:
        events.on_overflow.reset(token)
    try:
        async with bus.subscribe(channel, max_pending=5) as fast:
            reader = asyncio.ensure_future(fast_reader(fast))
            assert bus.local_subscribers(channel) == 2
            # Redis subscriptions become active asynchronously: probe until heard.
            probes = 0
            heard = asyncio.ensure_future(probe_heard.wait())
            async with asyncio.timeout(5):
                while not heard.done():
                    probes += 1
                    await bus.publish(channel, {"probe": probes})
                    await asyncio.wait({heard}, timeout=0.05)
            # The slow one reads its probes, then stops reading.
            async with asyncio.timeout(5):
                async for event in slow:
                    if event.get("probe") == probes:
                        break
            async with asyncio.timeout(5):
                for n in range(8):
                    # One at a time: a burst larger than the queue overflows every subscriber.
                    await bus.publish(channel, {"n": n})
                    while fast_heard[-1].get("n") != n:
                        await asyncio.sleep(0.001)
                await reader
            assert [e["n"] for e in fast_heard if "n" in e] == list(range(8))
            # The 6th event found the slow queue full: dropped at once, its backlog freed.
            [error] = dropped
            assert (error.channel, error.max_pending) == (channel, 5)
            assert bus.local_subscribers(channel) == 1
            with pytest.raises(events.SubscriberOverflow):
                await anext(slow)
    finally:
        await slow_sub.__aexit__(None, None, None)
    assert bus.local_subscribers(channel) == 0


class MemoryClient:
    """A websocket client over in-memory ASGI messages whose reading can stall: while
    `stalled`, the server's sends wait, as they do when a real client stops reading."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.texts: list[str] = []
        self.stalled = False
        self.resume = asyncio.Event()
        self.inbox.put_nowait({"type": "websocket.connect"})

    @staticmethod
    def scope() -> dict[str, Any]:
        return {
            "type": "websocket",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "scheme": "ws",
            "http_version": "1.1",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "root_path": "",
            "query_string": b"",
            "headers": [
                (b"host", b"testserver"),
                (b"sec-websocket-protocol", b"graphql-transport-ws"),
            ],
            "subprotocols": ["graphql-transport-ws"],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
            "state": {},
        }

    async def receive(self) -> dict[str, Any]:
        return await self.inbox.get()

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "websocket.send":
            if self.stalled:
                await self.resume.wait()
            self.texts.append(message["text"])
            self.messages.put_nowait(json.loads(message["text"]))
        elif message["type"] == "websocket.close":
            self.messages.put_nowait({"closed": (message.get("code"), message.get("reason"))})

    def say(self, message: dict[str, Any]) -> None:
        self.inbox.put_nowait({"type": "websocket.receive", "text": json.dumps(message)})

    async def next(self) -> dict[str, Any]:
        async with asyncio.timeout(10):
            return await self.messages.get()


async def test_a_slow_websocket_client_is_closed_1013_and_others_keep_going(
    app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(call_events, "MAX_PENDING", 4)
    tenant_id, key = await tenant_key()
    call = a_call(tenant_id)
    fast, slow = MemoryClient(), MemoryClient()
    servers = [asyncio.ensure_future(app(c.scope(), c.receive, c.send)) for c in (fast, slow)]
    try:
        for client in (fast, slow):
            client.say({"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}})
            assert await client.next() == {"type": "connection_ack"}
            client.say({"id": "s", "type": "subscribe", "payload": {"query": SMALL}})
        channel = events.tenant_channel(tenant_id, "events")
        await wait_for_subscribers(channel, 2)
        slow.stalled = True
        got = []
        for n in range(10):
            # One at a time: a burst larger than the queue would overflow every subscriber.
            await publish(call, f"evt_slow_{n}", n)
            got.append(await fast.next())
        # The fast one gets everything, in order.
        assert [m["payload"]["data"]["tenantEvents"]["id"] for m in got] == [
            f"evt_slow_{n}" for n in range(10)
        ]
        # The slow one: one send stuck, 4 queued, the next overflowed: closed with 1013, its
        # subscription gone from the bus (the fast one's stays).
        assert await slow.next() == {
            "closed": (schema_ws.SLOW_CONSUMER_CODE, schema_ws.SLOW_CONSUMER_REASON)
        }
        assert events.get_bus().local_subscribers(channel) == 1
        # What the slow client sends now is ignored while the close goes out.
        slow.resume.set()
        slow.say({"type": "ping"})
        await publish(call, "evt_slow_10", 10)
        assert (await fast.next())["payload"]["data"]["tenantEvents"]["id"] == "evt_slow_10"
        await asyncio.sleep(0.05)
        pending = []
        while not slow.messages.empty():
            pending.append(slow.messages.get_nowait())
        # At most the send that was stuck when it overflowed; no pong, nothing later.
        assert all(m.get("type") == "next" for m in pending), pending
        assert len(pending) <= 1
    finally:
        for client in (fast, slow):
            client.resume.set()
            client.inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
        async with asyncio.timeout(10):
            await asyncio.gather(*servers, return_exceptions=True)
    assert events.get_bus().local_subscribers(events.tenant_channel(tenant_id, "events")) == 0


async def test_direct_delivery_sends_the_bytes_strawberry_would(
    app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant_id, key = await tenant_key()
    call = a_call(tenant_id)
    channel = events.tenant_channel(tenant_id, "events")
    event = {
        **calls.bus_event(call, "transcript", "evt_bytes", {"text": "«ça» \u2014 ok", "n": 1.5}),
        "timestamp": "2026-01-01T00:00:00Z",
    }
    texts = []
    in_band: list[object] = []
    send_next = Operation.send_next

    async def counting(self: Operation[Any, Any], result: Any) -> None:
        in_band.append(result)
        await send_next(self, result)

    monkeypatch.setattr(Operation, "send_next", counting)
    for direct in (True, False):
        if not direct:  # Strawberry's own loop: Operation.send_next() and the view's encoder
            monkeypatch.setattr(schema_ws, "lend_sender", lambda send: None)
        client = MemoryClient()
        server = asyncio.ensure_future(app(client.scope(), client.receive, client.send))
        try:
            client.say({"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}})
            assert await client.next() == {"type": "connection_ack"}
            client.say({"id": "op", "type": "subscribe", "payload": {"query": FULL}})
            await wait_for_subscribers(channel, 1)
            await events.get_bus().publish(channel, event)
            await client.next()
            texts.append(client.texts[-1])
            assert len(in_band) == (0 if direct else 1)
        finally:
            client.inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
            async with asyncio.timeout(10):
                await server
        assert events.get_bus().local_subscribers(channel) == 0
    direct_text, strawberry_text = texts
    assert direct_text == strawberry_text
    assert json.loads(direct_text)["payload"]["data"]["tenantEvents"]["data"]["n"] == 1.5


def test_only_plain_data_types_can_be_shared_roots() -> None:
    import strawberry

    from schema.subscriptions import context_free, shared_root

    @strawberry.type
    class Computed:
        plain: str

        @strawberry.field
        def who(self, info: strawberry.Info) -> str:
            return str(info.context)

    with pytest.raises(TypeError, match="who"):
        context_free(Computed)
    with pytest.raises(TypeError, match="not declared context_free"):
        shared_root({"plain": "x"}, lambda e: Computed(plain=e["plain"]))
