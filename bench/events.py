"""Latency of a call event from its publication to 1,000 concurrent subscribers, next to a bare
broadcaster publish/subscribe loop, in one process on the memory backend.

    .venv/bin/python bench/events.py [--subscribers 1000] [--events 40] [--warmup 5]
                                     [--gap 0.01] [--rounds 3] [--loop uvloop|asyncio]

Four fan-outs are measured in turn, in the same run, each with N subscribers on one channel of
one tenant and the same events (a transcript line, ~200 bytes of JSON):

  (a) bare     broadcaster.Broadcast("memory://"): publish a JSON string; each subscriber
               `async for` on broadcast.subscribe() and json.loads the message.
  (b) bus      resolvers.calls.publish() (the production call: both of the call's channels)
               through resolvers.events.Bus; each subscriber is a tenantEvents-style consumer,
               resolvers.call_events.tenant_events(principal, types=[...]): tenant check, type
               filter (the Bus decodes each message once for all its local subscribers).
  (c) graphql  the same, through the GraphQL schema the server runs (GraphQLEndpoint's, which
               shares each event's execution between identical documents): N schema.subscribe()
               of `subscription { tenantEvents(types: [...]) { id type callId timestamp data } }`,
               each result fully executed.
  (d) ws       the whole server side of graphql-transport-ws: N connections to GraphQLEndpoint
               over in-memory ASGI sockets (connection_init with an API key, then the same
               subscribe); a delivery is the `next` message's text handed to the ASGI send.
               Every connection's messages are checked after the round: the right events, in
               order, each payload exactly the selection.

An event is published only once every subscriber got the previous one (plus --gap of idle), so
each latency is that of one event crossing the fan-out, not of a backlog. The latency of one
delivery is the time from just before publish() to the moment that subscriber holds the event
(the publisher's perf_counter() travels in the event). Reported per fan-out: p50 and p99 over
every (event, subscriber) pair and the max, each the median over --rounds rounds (the rounds
run a, b, c, d, a, b, c, d, ... so background load hits all alike), and the worst round's p99.
Each fan-out starts after a gc.collect(), so it pays for its own garbage only; its own
collections (a full one pauses the process for tens of ms with ~300k live objects) still count.
Target: p99 <= 50 ms for 1,000 subscribers; (d) is what the server does.
"""

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from broadcaster import Broadcast  # noqa: E402

TARGET_P99_MS = 50.0
TYPES = ["transcript", "call.completed"]
QUERY = (
    "subscription($types: [String!]) { tenantEvents(types: $types) "
    "{ id type callId timestamp data } }"
)
TEXT = "Bonjour, je voudrais des informations sur vos horaires d'ouverture, s'il vous plaît."


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


class Fanout:
    """Counts deliveries of the current event and records their latencies."""

    def __init__(self, subscribers: int) -> None:
        self.subscribers = subscribers
        self.latencies: list[float] = []
        self._got = 0
        self._all = asyncio.Event()
        self.recording = False
        self.sent_at = 0.0
        self.published: list[float] = []

    def arm(self) -> None:
        self._got = 0
        self._all.clear()

    def delivered(self, sent_at: float) -> None:
        latency = time.perf_counter() - sent_at
        if self.recording:
            self.latencies.append(latency)
        self._got += 1
        if self._got == self.subscribers:
            self._all.set()

    async def wait(self) -> None:
        async with asyncio.timeout(30):
            await self._all.wait()


async def drive(
    fanout: Fanout,
    publish: Callable[[int, float], Awaitable[None]],
    events: int,
    warmup: int,
    gap: float,
) -> None:
    # Start on a clean heap: the previous fan-out's garbage is not collected during this one.
    gc.collect()
    for i in range(warmup + events):
        fanout.recording = i >= warmup
        fanout.arm()
        fanout.sent_at = time.perf_counter()
        fanout.published.append(fanout.sent_at)
        await publish(i, fanout.sent_at)
        await fanout.wait()
        await asyncio.sleep(gap)


async def wait_until(check: Callable[[], bool]) -> None:
    async with asyncio.timeout(60):
        # Nothing signals a subscription's registration: poll.
        while not check():
            await asyncio.sleep(0.005)


async def cancel_all(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# --- (a) bare broadcaster ---------------------------------------------------------------------


async def bench_bare(n: int, events: int, warmup: int, gap: float) -> Fanout:
    broadcast = Broadcast("memory://")
    await broadcast.connect()
    fanout = Fanout(n)
    channel = "bare:events"
    ready = 0

    async def subscriber() -> None:
        nonlocal ready
        async with broadcast.subscribe(channel=channel) as sub:
            ready += 1
            async for event in sub:  # type: ignore[union-attr]
                fanout.delivered(json.loads(event.message)["data"]["sentAt"])

    tasks = [asyncio.create_task(subscriber()) for _ in range(n)]
    await wait_until(lambda: ready == n)

    async def publish(i: int, sent_at: float) -> None:
        message = {
            "id": f"evt_{i}",
            "type": "transcript",
            "callId": "call_bench",
            "tenantId": "bench",
            "timestamp": "2026-01-01T00:00:00Z",
            "data": {"role": "user", "text": TEXT, "final": True, "sentAt": sent_at},
        }
        await broadcast.publish(channel=channel, message=json.dumps(message, separators=(",", ":")))

    try:
        await drive(fanout, publish, events, warmup, gap)
    finally:
        await cancel_all(tasks)
        await broadcast.disconnect()
    return fanout


# --- (b), (c) and (d): our stack ------------------------------------------------------------


class MemorySocket:
    """(d): the client end of one in-memory ASGI websocket to the endpoint."""

    def __init__(self, fanout: Fanout, i: int) -> None:
        self.fanout = fanout
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.control: asyncio.Queue[str | None] = asyncio.Queue()
        self.nexts: list[str] = []
        self.inbox.put_nowait({"type": "websocket.connect"})
        headers = [(b"host", b"127.0.0.1"), (b"sec-websocket-protocol", b"graphql-transport-ws")]
        self.scope = {
            "type": "websocket",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "scheme": "ws",
            "http_version": "1.1",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "root_path": "",
            "query_string": b"",
            "headers": headers,
            "subprotocols": ["graphql-transport-ws"],
            "client": ("127.0.0.1", 20000 + i),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }

    async def receive(self) -> dict[str, Any]:
        return await self.inbox.get()

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "websocket.send":
            text = message.get("text") or ""
            if text.startswith('{"id":"s","type":"next"'):
                self.fanout.delivered(self.fanout.sent_at)
                self.nexts.append(text)  # checked after the round
            else:
                self.control.put_nowait(text)
        elif message["type"] == "websocket.close":
            self.control.put_nowait(None)

    def client_sends(self, message: dict[str, Any]) -> None:
        self.inbox.put_nowait({"type": "websocket.receive", "text": json.dumps(message)})

    async def connect(self, key: str) -> None:
        self.client_sends(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}
        )
        ack = await self.control.get()
        if ack != '{"type":"connection_ack"}':
            raise RuntimeError(f"no connection_ack: {ack}")
        payload = {"query": QUERY, "variables": {"types": TYPES}}
        self.client_sends({"id": "s", "type": "subscribe", "payload": payload})


def check_deliveries(sockets: list[MemorySocket], fanout: Fanout) -> None:
    """(d): every connection got every event, in order, each payload exactly the selection."""
    expected_ids = [f"evt_{i}" for i in range(len(fanout.published))]
    for sock in sockets:
        messages = [json.loads(t) for t in sock.nexts]
        assert all(m.keys() == {"id", "type", "payload"} for m in messages), messages[:1]
        assert all(m["payload"].keys() == {"data"} for m in messages), messages[:1]
        got = [m["payload"]["data"]["tenantEvents"] for m in messages]
        assert [e["id"] for e in got] == expected_ids, [e["id"] for e in got]
        assert [e["data"]["sentAt"] for e in got] == fanout.published
        assert all(e.keys() == {"id", "type", "callId", "timestamp", "data"} for e in got)
        assert all(e["data"]["text"] == TEXT and e["callId"] == "call_bench" for e in got)


async def bench_ours(
    mode: str, n: int, events: int, warmup: int, gap: float, tenant_id: str, key: str, endpoint: Any
) -> Fanout:
    from models.call import Call
    from resolvers import call_events, calls
    from resolvers import events as bus_events
    from resolvers.principals import Principal
    from schema.context import Context, Loaders

    principal = Principal(kind="secret_key", tenant_id=tenant_id, role="service", plan="pro")
    bus = bus_events.Bus("memory://")
    await bus.connect()
    bus_events.install(bus)
    fanout = Fanout(n)
    call = Call(id="call_bench", tenant_id=tenant_id, agent_id="agent_bench")

    async def consume(stream: AsyncIterator[dict[str, Any]]) -> None:
        async for event in stream:
            fanout.delivered(event["data"]["sentAt"])

    async def consume_graphql(stream: AsyncIterator[Any]) -> None:
        async for result in stream:
            if result.errors:
                raise RuntimeError(result.errors)
            fanout.delivered(result.data["tenantEvents"]["data"]["sentAt"])

    tasks: list[asyncio.Task[None]] = []
    sockets = [MemorySocket(fanout, i) for i in range(n)] if mode == "ws" else []
    if mode == "bus":
        for _ in range(n):
            stream = call_events.tenant_events(principal, TYPES)
            tasks.append(asyncio.create_task(consume(stream)))
    elif mode == "graphql":
        for _ in range(n):
            context = Context(
                request=None,  # type: ignore[arg-type]
                principal=principal,
                auth_error=None,
                client_ip="127.0.0.1",
                loaders=Loaders.build(cache=False),
            )
            stream = await endpoint.schema.subscribe(QUERY, {"types": TYPES}, context_value=context)
            tasks.append(asyncio.create_task(consume_graphql(stream)))
    else:
        tasks = [asyncio.create_task(endpoint(s.scope, s.receive, s.send)) for s in sockets]
        async with asyncio.timeout(120):
            for start in range(0, n, 100):
                await asyncio.gather(*(s.connect(key) for s in sockets[start : start + 100]))
    channel = bus_events.tenant_channel(tenant_id, "events")
    await wait_until(lambda: bus.local_subscribers(channel) == n)

    async def publish(i: int, sent_at: float) -> None:
        data = {"role": "user", "text": TEXT, "final": True, "sentAt": sent_at}
        await calls.publish(call, calls.bus_event(call, "transcript", f"evt_{i}", data))

    try:
        await drive(fanout, publish, events, warmup, gap)
        check_deliveries(sockets, fanout)
    finally:
        if sockets:  # disconnect: the server ends its operations
            for sock in sockets:
                sock.inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
            async with asyncio.timeout(60):
                await asyncio.gather(*tasks, return_exceptions=True)
        else:
            await cancel_all(tasks)
        bus_events.install(None)
        await bus.disconnect()
    return fanout


async def setup_database(tmp: Path) -> tuple[str, str]:
    """A fresh SQLite file with one tenant (the subscriptions check it exists); its id and
    API key."""
    from resolvers import auth, db
    from resolvers.settings import Settings, configure

    configure(Settings(jwt_secret="bench-secret-" + "e" * 40, var_dir=tmp))
    url = f"sqlite://{tmp}/bench.sqlite3"
    await db.migrate(url)
    await db.open_db(url)
    reg = await auth.register(
        email="bench@example.com",
        password="bench-password-123",
        company="Bench Events",
        name="Bench",
        plan="enterprise",
    )
    return reg.tenant.id, reg.api_key


@dataclass
class Summary:
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    max: list[float] = field(default_factory=list)

    def add(self, fanout: Fanout) -> None:
        ms = [x * 1000 for x in fanout.latencies]
        self.p50.append(percentile(ms, 50))
        self.p99.append(percentile(ms, 99))
        self.max.append(max(ms))

    def row(self, name: str) -> str:
        med = statistics.median
        return (
            f"  {name:<46} {med(self.p50):8.2f} {med(self.p99):8.2f} {med(self.max):8.2f} "
            f"{max(self.p99):14.2f}"
        )


async def main(args: argparse.Namespace) -> int:
    from resolvers import db

    n, k, w, gap = args.subscribers, args.events, args.warmup, args.gap
    from schema.view import GraphQLEndpoint

    results = {"bare": Summary(), "bus": Summary(), "graphql": Summary(), "ws": Summary()}
    with tempfile.TemporaryDirectory(prefix="vocalia-bench-events-") as tmp:
        tenant_id, key = await setup_database(Path(tmp))
        # The endpoint the server mounts at /graphql, and its schema.
        endpoint = GraphQLEndpoint(development=False)
        try:
            for _ in range(args.rounds):
                results["bare"].add(await bench_bare(n, k, w, gap))
                for mode in ("bus", "graphql", "ws"):
                    fanout = await bench_ours(mode, n, k, w, gap, tenant_id, key, endpoint)
                    results[mode].add(fanout)
        finally:
            await db.close_db()
    print(
        f"events bench: {n} subscribers on one tenant channel, {k} events (+{w} warm-up) per "
        f"round, {args.rounds} rounds, {gap * 1000:.0f} ms idle between events, memory backend, "
        "one process"
    )
    print(
        f"  Python {platform.python_version()}, {args.loop} loop, {os.cpu_count()} CPUs, "
        f"{platform.platform()}"
    )
    print(
        f"  {'fan-out (medians over rounds)':<46} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'worst p99 ms':>14}"
    )
    print(results["bare"].row("(a) bare broadcaster publish/subscribe"))
    print(results["bus"].row("(b) Bus + tenant_events (tenantEvents-style)"))
    print(results["graphql"].row("(c) GraphQL schema.subscribe(tenantEvents)"))
    print(results["ws"].row("(d) graphql-transport-ws server side (ASGI)"))
    for name, label in (("bus", "Bus (b)"), ("graphql", "GraphQL (c)"), ("ws", "websocket (d)")):
        p99 = statistics.median(results[name].p99)
        verdict = "met" if p99 <= TARGET_P99_MS else "NOT met"
        print(
            f"  target p99 <= {TARGET_P99_MS:.0f} ms for {n} subscribers, {label}: "
            f"{p99:.2f} ms -> {verdict}"
        )
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--gap", type=float, default=0.01, help="idle seconds between events")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    if arguments.loop == "uvloop":
        import uvloop

        sys.exit(uvloop.run(main(arguments)))
    sys.exit(asyncio.run(main(arguments)))
