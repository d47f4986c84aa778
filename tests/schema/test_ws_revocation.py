"""Open sockets end with their credential (issue 9, point 5): revoking or rotating a key, logout,
a password change and the tenant's erasure close `WS /graphql` sockets 4401 within a second, a
plan downgrade 4403, on the process that holds them (through the bus with Redis)."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.credential import ApiKey
from resolvers import events, revocation, tenants
from resolvers.errors import DomainError
from resolvers.principals import Principal
from resolvers.security import sha256_hex
from tests import servers
from tests.factories import PASSWORD, TenantCtx, make_key, make_tenant
from tests.graphql import bearer, data, gql
from tests.ws import GraphQLSocket, serve, session, wait_for_subscribers

TENANT_EVENTS = "subscription { tenantEvents { id type } }"
WITHIN = 1.0
SUPERADMIN = Principal(kind="user", tenant_id=None, role="superadmin", user_id="usr_platform")


@pytest.fixture(scope="session")
async def ws_url(app: object) -> AsyncIterator[str]:
    async with serve(app) as url:
        yield url


@contextlib.asynccontextmanager
async def listening(url: str, t: TenantCtx, *tokens: str) -> AsyncIterator[list[GraphQLSocket]]:
    """One socket per token, each with a tenantEvents subscription the server is running."""
    async with contextlib.AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(session(url, token)) for token in tokens]
        for ws in sockets:
            await ws.subscribe("events", TENANT_EVENTS)
        await wait_for_subscribers(events.tenant_channel(t.id, "events"), len(sockets))
        yield sockets


async def alive(ws: GraphQLSocket) -> bool:
    await ws.send({"type": "ping"})
    return await ws.receive() == {"type": "pong"}


async def login(client: httpx.AsyncClient, email: str) -> dict[str, Any]:
    r = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_revoking_a_key_closes_its_sockets(
    client: httpx.AsyncClient, ws_url: str, app: object
) -> None:
    t = await make_tenant("pro")
    doomed, kept = await make_key(t), await make_key(t)
    row = await ApiKey.get(key_hash=sha256_hex(doomed))
    async with listening(ws_url, t, doomed, doomed, kept) as (one, two, other):
        body = await gql(
            client, "mutation($id: ID!) { revokeApiKey(id: $id) { id } }", {"id": row.id}, t.headers
        )
        assert data(body) == {"revokeApiKey": {"id": row.id}}
        started = time.monotonic()
        assert await one.closed_with(WITHIN) == (4401, "API key revoked")
        assert await two.closed_with(WITHIN) == (4401, "API key revoked")
        assert time.monotonic() - started < WITHIN
        assert await alive(other)
    assert revocation.live_sockets(t.id) == 0


@pytest.mark.parametrize("transport", ["rest", "graphql"])
async def test_rotating_the_tenant_key_closes_the_old_keys_sockets(
    client: httpx.AsyncClient, ws_url: str, app: object, transport: str
) -> None:
    t = await make_tenant("pro")
    secret = await make_key(t)
    async with listening(ws_url, t, t.api_key, secret) as (old, other):
        if transport == "rest":
            r = await client.post(f"/api/tenants/{t.id}/api-key/rotate", headers=t.headers)
            assert r.status_code == 200, r.text
        else:
            body = await gql(client, "mutation { rotateTenantApiKey { masked } }", None, t.headers)
            assert "errors" not in body, body
        assert await old.closed_with(WITHIN) == (4401, "API key rotated")
        assert await alive(other)


async def test_logout_closes_that_sessions_sockets_and_logout_everywhere_all(
    client: httpx.AsyncClient, ws_url: str, app: object
) -> None:
    t = await make_tenant("pro")
    one, two = await login(client, t.owner.email), await login(client, t.owner.email)
    key = await make_key(t)
    async with listening(
        ws_url, t, one["access_token"], two["access_token"], t.token, key
    ) as sockets:
        first, second, third, keyed = sockets
        r = await client.post(
            "/api/auth/logout",
            json={"refresh_token": one["refresh_token"]},
            headers=bearer(one["access_token"]),
        )
        assert r.status_code == 200
        assert await first.closed_with(WITHIN) == (4401, "logged out")
        assert await alive(second)
        assert await alive(third)
        # GraphQL logout without a refresh token: every session of the user.
        body = await gql(client, "mutation { logout }", None, bearer(two["access_token"]))
        assert data(body) == {"logout": True}
        assert await second.closed_with(WITHIN) == (4401, "logged out")
        assert await third.closed_with(WITHIN) == (4401, "logged out")
        assert await alive(keyed)


async def test_a_password_change_closes_every_socket_of_the_user(
    client: httpx.AsyncClient, ws_url: str, app: object
) -> None:
    t = await make_tenant("pro")
    one = await login(client, t.owner.email)
    key = await make_key(t)
    async with listening(ws_url, t, one["access_token"], t.token, key) as (a, b, keyed):
        body = await gql(
            client,
            "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
            {"c": PASSWORD, "n": "another-long-passphrase"},
            bearer(one["access_token"]),
        )
        assert data(body) == {"changePassword": True}
        assert await a.closed_with(WITHIN) == (4401, "password changed")
        assert await b.closed_with(WITHIN) == (4401, "password changed")
        assert await alive(keyed)


async def test_erasure_closes_every_socket_of_the_tenant(
    client: httpx.AsyncClient, ws_url: str, app: object
) -> None:
    t = await make_tenant("pro")
    other = await make_tenant("pro")
    key = await make_key(t)
    async with (
        listening(ws_url, t, t.token, key, t.api_key) as sockets,
        listening(ws_url, other, other.api_key) as (bystander,),
    ):
        r = await client.request(
            "DELETE",
            f"/api/tenants/{t.id}/data",
            json={"confirm": f"DELETE_ALL_DATA_{t.id}"},
            headers=t.headers,
        )
        assert r.status_code == 200, r.text
        for ws in sockets:
            assert await ws.closed_with(WITHIN) == (4401, "tenant erased")
        assert await alive(bystander)


async def test_a_plan_downgrade_closes_the_tenants_sockets_4403(
    client: httpx.AsyncClient, ws_url: str, app: object
) -> None:
    t = await make_tenant("pro")
    key = await make_key(t)
    async with listening(ws_url, t, key, t.token) as (keyed, user):
        await tenants.change_plan(SUPERADMIN, "enterprise", t.id)
        assert await alive(keyed)  # an upgrade ends nothing
        await tenants.change_plan(SUPERADMIN, "starter", t.id)
        assert await keyed.closed_with(WITHIN) == (4403, "plan downgraded")
        assert await user.closed_with(WITHIN) == (4403, "plan downgraded")
    # Reconnecting works, under the new plan's limit.
    async with session(ws_url, key) as ws:
        await ws.subscribe("q", "{ __typename }")
        await ws.until_complete("q")
    r = await client.get("/v1/calls", headers=bearer(key))
    assert r.headers["x-ratelimit-limit"] == "60"


async def test_only_a_superadmin_changes_plans(app: object) -> None:
    t = await make_tenant("pro")
    with pytest.raises(DomainError, match="superadmin") as info:
        await tenants.change_plan(t.principal, "starter", t.id)
    assert getattr(info.value, "code", None) == "insufficient_permissions"


# --- two processes sharing Redis ---------------------------------------------------------


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[servers.Server]]:
    if servers.backends.backend_name() != "postgres":
        pytest.skip("revocations cross processes through Redis: the postgres pass only")
    tmp = tmp_path_factory.mktemp("wsrevocation")
    backend = servers.prepare_database(tmp, "_wsrevocation")
    prefix = f"vocalia-wsr-{tmp.name}"
    env = servers.server_env(
        backend.database_url, Path(tmp / "var"), redis_url=backend.redis_url, redis_prefix=prefix
    )
    servers.migrate(env)
    try:
        with servers.running(env, tmp / "logs", count=2) as started:
            yield started
    finally:
        servers.flush_redis_prefix(backend.redis_url, prefix)


def _account(base: str) -> dict[str, str]:
    with httpx.Client(base_url=base, timeout=10) as c:
        email = f"wsr{time.monotonic_ns()}@example.com"
        r = c.post(
            "/api/auth/register",
            json={"email": email, "password": PASSWORD, "company": "Wsr", "plan": "pro"},
        )
        assert r.status_code == 201, r.text
        session_ = c.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()
        r = c.post(
            "/graphql",
            json={"query": "mutation { createApiKey(kind: SECRET) { secret key { id } } }"},
            headers=bearer(session_["access_token"]),
        )
        created = r.json()["data"]["createApiKey"]
        return {
            "token": session_["access_token"],
            "refresh": session_["refresh_token"],
            "secret": created["secret"],
            "key_id": created["key"]["id"],
        }


async def test_revocations_on_one_process_close_sockets_on_the_other(
    two_servers: list[servers.Server],
) -> None:
    a, b = two_servers
    ws_b = b.url.replace("http://", "ws://") + "/graphql"
    acct = await asyncio.to_thread(_account, a.url)
    async with session(ws_b, acct["secret"]) as keyed, session(ws_b, acct["token"]) as user:
        for ws in (keyed, user):
            await ws.subscribe("events", TENANT_EVENTS)
            assert await alive(ws)
        async with httpx.AsyncClient(base_url=a.url, timeout=10) as c:
            r = await c.post(
                "/graphql",
                json={
                    "query": "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
                    "variables": {"id": acct["key_id"]},
                },
                headers=bearer(acct["token"]),
            )
            assert "errors" not in r.json(), r.text
            assert await keyed.closed_with(WITHIN) == (4401, "API key revoked")
            assert await alive(user)
            r = await c.post(
                "/api/auth/logout",
                json={"refresh_token": acct["refresh"]},
                headers=bearer(acct["token"]),
            )
            assert r.status_code == 200
            assert await user.closed_with(WITHIN) == (4401, "logged out")
