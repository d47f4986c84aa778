"""Signed webhook deliveries per second from our DeliveryWorker, next to a bare httpx POST loop.

    .venv/bin/python bench/webhooks.py [--events 2000] [--concurrency 16] [--rounds 3]
                                       [--database-url postgres://...]

One receiver, a real uvicorn process on 127.0.0.1 (`receiver_app`: reads the body, answers
200), takes both loads in turn, in the same run and at the same concurrency:

  (a) worker  resolvers.outbox.DeliveryWorker drains N pending deliveries written to the outbox
              beforehand (one endpoint, N events): lease in the row, re-check of the
              destination address, both signatures (X-VocalIA-Signature and Standard Webhooks),
              the POST, the attempt row and the delivery's update. Timed from the worker's start
              until every delivery is `succeeded` in the database.
  (b) bare    the same N bodies POSTed by `concurrency` asyncio tasks sharing one
              httpx.AsyncClient with the worker's connection limits: no database, no signing.

Reported: deliveries (requests) per second of each, median over the rounds, and (a)/(b);
the target is >= 0.5. The database is a fresh SQLite file unless --database-url is given (an
empty PostgreSQL database, for example); the outbox tables are emptied between rounds.
"""

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


# --- the receiver (imported by uvicorn in its own process) -----------------------------------


def receiver_app() -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """A minimal ASGI receiver: drain the body, answer 200 (and /api/health for the start-up
    probe of tests.servers)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")],
            }
        )
        await send({"type": "http.response.body", "body": b"ok"})

    return app


# --- the two loads -----------------------------------------------------------------------------


async def _prepare(database_url: str, hook_url: str) -> str:
    from resolvers import auth, db, webhooks
    from resolvers.principals import Principal

    await db.migrate(database_url)
    await db.open_db(database_url)
    reg = await auth.register(
        email=f"bench-{os.getpid()}-{time.time_ns()}@example.com",
        password="bench-password-123",
        company="Bench Webhooks",
        name="Bench",
        plan="pro",
    )
    owner = Principal(
        kind="user", tenant_id=reg.tenant.id, role="owner", plan="pro", user_id=reg.user.id
    )
    await webhooks.set_endpoints(owner, [{"url": hook_url}])
    return reg.tenant.id


async def _fill_outbox(tenant_id: str, events: int) -> list[str]:
    """N events, one pending delivery each, written before the clock starts."""
    from tortoise.transactions import in_transaction

    from models.webhook import WebhookAttempt, WebhookDelivery, WebhookEvent
    from resolvers import outbox

    await WebhookAttempt.all().delete()
    await WebhookDelivery.all().delete()
    await WebhookEvent.all().delete()
    bodies = []
    for start in range(0, events, 500):
        async with in_transaction():
            for i in range(start, min(events, start + 500)):
                event = await outbox.enqueue(
                    tenant_id,
                    "call.completed",
                    {
                        "callId": f"call_bench{i:06d}",
                        "duration": 127,
                        "status": "completed",
                        "sentiment": "positive",
                        "leadScore": 85,
                    },
                )
                bodies.append(event.body)
    return bodies


async def run_worker(tenant_id: str, events: int, concurrency: int) -> float:
    from models.webhook import WebhookDelivery
    from resolvers import outbox

    await _fill_outbox(tenant_id, events)
    worker = outbox.DeliveryWorker(concurrency=concurrency)
    started = time.perf_counter()
    await worker.start()
    try:
        while True:  # polled: the worker has no "drained" signal, and needs none
            if not await WebhookDelivery.filter(status="pending").exists():
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        await worker.stop()
    failed = await WebhookDelivery.exclude(status="succeeded").count()
    if failed:
        raise RuntimeError(f"{failed} deliveries did not succeed")
    return events / elapsed


async def run_bare(url: str, bodies: list[str], concurrency: int) -> float:
    queue = iter(bodies)
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        timeout=15.0, follow_redirects=False, trust_env=False, limits=limits
    ) as client:

        async def loop() -> None:
            nonlocal errors
            for body in queue:
                r = await client.post(
                    url, content=body.encode(), headers={"Content-Type": "application/json"}
                )
                errors += not r.is_success

        started = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{errors} bare requests were not 2xx")
    return len(bodies) / elapsed


async def _bench(args: argparse.Namespace, database_url: str, var_dir: Path, hook_url: str) -> int:
    from resolvers import db
    from resolvers.settings import Settings, configure

    configure(
        Settings(
            env="development",
            database_url=database_url,
            jwt_secret="bench-secret-" + "w" * 40,
            var_dir=var_dir,
            allow_private_urls=True,  # the receiver is on loopback
        )
    )
    tenant_id = await _prepare(database_url, hook_url)
    try:
        # Warm-up: connections, the database's caches, the code paths.
        warm = max(100, args.events // 10)
        await run_worker(tenant_id, warm, args.concurrency)
        await run_bare(hook_url, await _fill_outbox(tenant_id, warm), args.concurrency)
        worker_rates, bare_rates = [], []
        for n in range(args.rounds):
            worker_rates.append(await run_worker(tenant_id, args.events, args.concurrency))
            bodies = await _fill_outbox(tenant_id, args.events)
            bare_rates.append(await run_bare(hook_url, bodies, args.concurrency))
            print(
                f"round {n + 1}   worker {worker_rates[-1]:7.0f}/s   bare {bare_rates[-1]:7.0f}/s"
            )
    finally:
        await db.close_db()
    worker, bare = statistics.median(worker_rates), statistics.median(bare_rates)
    print()
    print(f"(a) DeliveryWorker, signed, persisted   {worker:7.0f} deliveries/s (median)")
    print(f"(b) bare httpx POST loop                {bare:7.0f} requests/s   (median)")
    print(f"ratio (a)/(b) = {worker / bare:.2f}   (target >= 0.50)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="deliveries per measurement")
    parser.add_argument("--concurrency", type=int, default=16, help="the worker's default")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()

    from tests import servers

    print(f"machine   {os.cpu_count()} cores, {platform.platform()}")
    print(f"python    {platform.python_version()}, httpx {httpx.__version__}")
    print(
        f"load      {args.events} deliveries x {args.rounds} rounds, concurrency "
        f"{args.concurrency}, one endpoint; receiver: uvicorn, 1 worker, 127.0.0.1"
    )
    with tempfile.TemporaryDirectory(prefix="vocalia-bench-wh-") as tmp_name:
        tmp = Path(tmp_name)
        database_url = args.database_url or f"sqlite://{tmp}/bench.sqlite3"
        print(f"database  {database_url.split('://')[0]}")
        print()
        env = servers.server_env(database_url, tmp / "var")
        receiver = servers.start(
            env, tmp / "logs", target="bench.webhooks:receiver_app", name="receiver"
        )
        try:
            return asyncio.run(_bench(args, database_url, tmp / "var", receiver.url + "/hook"))
        finally:
            servers.stop(receiver)


if __name__ == "__main__":
    sys.exit(main())
