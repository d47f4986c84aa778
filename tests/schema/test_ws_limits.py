"""Limits on `WS /graphql` (issue 9, points 3 and 7): every operation counts against the plan's
rate together with HTTP, a socket holds at most 20 operations, a key or user at most 50 sockets
(across processes with Redis), and an IP that failed too often is refused 4429."""

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from resolvers import events, limits
from resolvers.settings import Settings, configure
from tests import servers
from tests.factories import PASSWORD, make_key, make_tenant
from tests.graphql import bearer
from tests.ws import GraphQLSocket, serve, session, wait_for_subscribers

TYPENAME = "{ __typename }"
TENANT_EVENTS = "subscription { tenantEvents { id } }"
NO_REDIS = "needs Redis, which only the postgres pass provides (VOCALIA_TEST_BACKEND=postgres)"


@pytest.fixture(scope="session")
async def ws_url(app: object) -> AsyncIterator[str]:
    async with serve(app) as url:
        yield url


async def run(ws: GraphQLSocket, op_id: str, query: str = TYPENAME) -> list[dict[str, Any]]:
    await ws.subscribe(op_id, query)
    return await ws.until_complete(op_id)


def refused(messages: list[dict[str, Any]]) -> dict[str, Any]:
    [message] = messages
    assert message["type"] == "error", message
    [error] = message["payload"]
    ext: dict[str, Any] = error["extensions"]
    return ext


async def still_open(ws: GraphQLSocket) -> None:
    await ws.send({"type": "ping"})
    assert await ws.receive() == {"type": "pong"}


async def test_socket_operations_count_against_the_plan_rate_with_http(
    client: httpx.AsyncClient, ws_url: str, app: object
) -> None:
    t = await make_tenant("starter")  # 60 requests a minute
    key = await make_key(t)
    for _ in range(30):
        r = await client.post("/graphql", json={"query": TYPENAME}, headers=bearer(key))
        assert r.status_code == 200
    async with session(ws_url, key) as ws:
        for i in range(30):
            [result, complete] = await run(ws, f"q{i}")
            assert result["payload"] == {"data": {"__typename": "Query"}}
            assert complete["type"] == "complete"
        ext = refused(await run(ws, "q30"))
        assert (ext["code"], ext["status"]) == ("rate_limit_exceeded", 429)
        assert 1 <= ext["retryAfter"] <= 60
        # Subscriptions count too; the socket stays open and the id may be used again.
        assert refused(await run(ws, "q30", TENANT_EVENTS))["code"] == "rate_limit_exceeded"
        await still_open(ws)
    r = await client.post("/graphql", json={"query": TYPENAME}, headers=bearer(key))
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "rate_limit_exceeded"


async def test_a_socket_holds_at_most_20_operations(ws_url: str, app: object) -> None:
    t = await make_tenant("pro")
    key = await make_key(t)
    channel = events.tenant_channel(t.id, "events")
    async with session(ws_url, key) as ws:
        for i in range(limits.MAX_SUBSCRIPTIONS_PER_SOCKET):
            await ws.subscribe(f"s{i}", TENANT_EVENTS)
        await wait_for_subscribers(channel, 20)
        ext = refused(await run(ws, "s20", TENANT_EVENTS))
        assert ext == {"code": "rate_limit_exceeded", "status": 429}
        assert refused(await run(ws, "q", TYPENAME))["code"] == "rate_limit_exceeded"
        # Completing one frees its place.
        await ws.send({"id": "s0", "type": "complete"})
        await ws.subscribe("s20", TENANT_EVENTS)
        await still_open(ws)
        async with asyncio.timeout(5):
            while events.get_bus().local_subscribers(channel) != 20:
                await asyncio.sleep(0.01)


async def _open(url: str, token: str, stack: contextlib.AsyncExitStack) -> GraphQLSocket:
    return await stack.enter_async_context(session(url, token))


async def _refused_init(url: str, token: str) -> tuple[int | None, str]:
    async with session(url) as ws:
        await ws.init(token)
        return await ws.closed_with()


async def _admitted_soon(url: str, token: str, stack: contextlib.AsyncExitStack) -> None:
    """A slot freed by a closed socket is released as the server finishes with it."""
    async with asyncio.timeout(5):
        while True:
            ws = await stack.enter_async_context(session(url))
            await ws.init(token)
            reply = await ws.receive()
            if reply == {"type": "connection_ack"}:
                return
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("credential", ["secret key", "user token"])
async def test_a_key_or_user_holds_at_most_50_sockets(
    ws_url: str, app: object, credential: str
) -> None:
    t = await make_tenant("pro")
    token = await make_key(t) if credential == "secret key" else t.token
    other = await make_key(t)
    async with contextlib.AsyncExitStack() as stack:
        first = [
            await _open(ws_url, token, stack) for _ in range(limits.MAX_SOCKETS_PER_CREDENTIAL)
        ]
        code, reason = await _refused_init(ws_url, token)
        assert code == 4429
        assert reason == "at most 50 sockets per key or user"
        # Another credential of the same tenant has its own count.
        await _open(ws_url, other, stack)
        await still_open(first[-1])
        await first[0].conn.close()
        await _admitted_soon(ws_url, token, stack)
        assert (await _refused_init(ws_url, token))[0] == 4429


async def test_connection_init_failures_are_limited_per_ip(
    ws_url: str, app: object, settings: Settings
) -> None:
    configure(replace(settings, auth_failure_ip_limit=(3, 60)))
    t = await make_tenant("pro")
    key = await make_key(t)
    for bad in ("garbage", "voc_sk_live_" + "A" * 38, "vk_" + "1" * 48):
        assert await _refused_init(ws_url, bad) == (4403, "Forbidden")
    code, reason = await _refused_init(ws_url, key)
    assert code == 4429
    assert reason.startswith("too many failed authentications from this address; retry in ")


# --- Redis: shared, and no slot leaks when a process dies --------------------------------


async def test_redis_socket_slots_expire_unless_refreshed(settings: Settings) -> None:
    if not settings.redis_url:
        pytest.skip(NO_REDIS)
    prefix = f"vocalia-ws-{uuid.uuid4().hex[:8]}"
    crashed = limits.RedisSocketSlots(settings.redis_url, prefix, ttl=1.0)  # never refreshes
    alive = limits.RedisSocketSlots(settings.redis_url, prefix, ttl=0.6)
    other = limits.RedisSocketSlots(settings.redis_url, prefix, ttl=1.0)
    await alive.start()
    try:
        assert await crashed.acquire("key:a", "ws1", 2)
        assert await crashed.acquire("key:a", "ws2", 2)
        assert not await other.acquire("key:a", "ws3", 2)
        assert await alive.acquire("key:b", "ws4", 1)
        await asyncio.sleep(1.3)
        # The crashed process's slots fell out; the live one's were kept by its refresher.
        assert await other.acquire("key:a", "ws3", 2)
        assert not await other.acquire("key:b", "ws5", 1)
        await alive.release("key:b", "ws4")
        assert await other.acquire("key:b", "ws5", 1)
    finally:
        for slots in (crashed, alive, other):
            await slots.close()
        servers.flush_redis_prefix(settings.redis_url, prefix)


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[servers.Server]]:
    if servers.backends.backend_name() != "postgres":
        pytest.skip(NO_REDIS)
    tmp = tmp_path_factory.mktemp("wslimits")
    backend = servers.prepare_database(tmp, "_wslimits")
    prefix = f"vocalia-wsl-{tmp.name}"
    env = servers.server_env(
        backend.database_url, Path(tmp / "var"), redis_url=backend.redis_url, redis_prefix=prefix
    )
    servers.migrate(env)
    try:
        with servers.running(env, tmp / "logs", count=2) as started:
            yield started
    finally:
        servers.flush_redis_prefix(backend.redis_url, prefix)


def _secret_key(base: str) -> str:
    with httpx.Client(base_url=base, timeout=10) as c:
        email = f"wsl{time.monotonic_ns()}@example.com"
        r = c.post(
            "/api/auth/register",
            json={"email": email, "password": PASSWORD, "company": "Ws", "plan": "pro"},
        )
        assert r.status_code == 201, r.text
        token = c.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()[
            "access_token"
        ]
        r = c.post(
            "/graphql",
            json={"query": "mutation { createApiKey(kind: SECRET) { secret } }"},
            headers=bearer(token),
        )
        secret: str = r.json()["data"]["createApiKey"]["secret"]
        return secret


async def test_the_socket_count_is_shared_by_processes(
    two_servers: list[servers.Server],
) -> None:
    a, b = (s.url.replace("http://", "ws://") + "/graphql" for s in two_servers)
    key = await asyncio.to_thread(_secret_key, two_servers[0].url)
    async with contextlib.AsyncExitStack() as stack:
        on_a = [await _open(a, key, stack) for _ in range(25)]
        for _ in range(25):
            await _open(b, key, stack)
        assert (await _refused_init(b, key))[0] == 4429
        assert (await _refused_init(a, key))[0] == 4429
        await on_a[0].conn.close()
        await _admitted_soon(b, key, stack)
