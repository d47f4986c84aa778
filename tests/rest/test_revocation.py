"""Sessions end at once (issue 9, point 4): an access token stops working the moment its session
is logged out or its user's password changes, on REST and GraphQL, on every process; keys need
a token newer than the last password change; and bad bearer credentials are limited per IP
(point 7) before they are looked up."""

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from models.credential import ApiKey
from models.user import User
from resolvers import revocation, services
from resolvers.security import sha256_hex
from resolvers.settings import Settings, configure
from tests import servers
from tests.factories import PASSWORD, assert_error, make_key, make_tenant
from tests.graphql import bearer, data, gql, gql_error

ME = "/api/auth/me"
GQL_ME = "{ me { id } }"
CREATE_KEY = "mutation { createApiKey(kind: SECRET) { secret } }"
GQL_LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken refreshToken }
}"""
NEW_PASSWORD = "a-brand-new-passphrase"
GONE = {"code": "invalid_api_key", "status": 401}


async def rest_login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Any:
    r = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


async def works(client: httpx.AsyncClient, token: str) -> bool:
    """The token on both transports: they must agree."""
    rest = (await client.get(ME, headers=bearer(token))).status_code
    body = await gql(client, GQL_ME, headers=bearer(token))
    if rest == 200:
        assert "errors" not in body, body
        return True
    assert rest == 401
    assert gql_error(body) == GONE
    return False


async def test_logout_ends_that_session_at_once_on_rest(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    one = await rest_login(client, t.owner.email)
    two = await rest_login(client, t.owner.email)
    r = await client.post(
        "/api/auth/logout",
        json={"refresh_token": one["refresh_token"]},
        headers=bearer(one["access_token"]),
    )
    assert r.status_code == 200
    assert not await works(client, one["access_token"])
    r = await client.get(ME, headers=bearer(one["access_token"]))
    assert_error(r, 401, "invalid_api_key", message="this session has ended: log in again")
    # Creating a key with it is refused too (the reported hole).
    assert gql_error(await gql(client, CREATE_KEY, headers=bearer(one["access_token"]))) == GONE
    # The other session is another sid: untouched.
    assert await works(client, two["access_token"])
    assert data(await gql(client, CREATE_KEY, headers=bearer(two["access_token"])))


async def test_logout_without_a_refresh_token_ends_every_session(
    client: httpx.AsyncClient,
) -> None:
    t = await make_tenant()
    one = await rest_login(client, t.owner.email)
    two = await rest_login(client, t.owner.email)
    body = await gql(client, "mutation { logout }", headers=bearer(one["access_token"]))
    assert data(body) == {"logout": True}
    assert not await works(client, one["access_token"])
    assert not await works(client, two["access_token"])
    # Logging in again gives a session of the new version.
    three = await rest_login(client, t.owner.email)
    assert await works(client, three["access_token"])


async def test_password_change_ends_every_session_on_rest_and_graphql(
    client: httpx.AsyncClient,
) -> None:
    t = await make_tenant()
    one = await rest_login(client, t.owner.email)
    two = (await gql(client, GQL_LOGIN, {"email": t.owner.email, "password": PASSWORD}))["data"][
        "login"
    ]
    r = await client.put(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(one["access_token"]),
    )
    assert r.status_code == 200, r.text
    for token in (one["access_token"], two["accessToken"], t.token):
        assert not await works(client, token)
        assert gql_error(await gql(client, CREATE_KEY, headers=bearer(token))) == GONE
    assert await ApiKey.filter(tenant_id=t.id, kind="secret").count() == 0
    assert (await User.get(id=t.owner.id)).session_version == 1
    fresh = await rest_login(client, t.owner.email, NEW_PASSWORD)
    assert await works(client, fresh["access_token"])
    assert data(await gql(client, CREATE_KEY, headers=bearer(fresh["access_token"])))

    # Over GraphQL: the same, and the token that changed it ends too.
    body = await gql(
        client,
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
        {"c": NEW_PASSWORD, "n": PASSWORD},
        bearer(fresh["access_token"]),
    )
    assert data(body) == {"changePassword": True}
    assert not await works(client, fresh["access_token"])


async def test_keys_need_a_token_newer_than_the_last_password_change(
    client: httpx.AsyncClient, app: object
) -> None:
    """Even when the session store forgot (a Redis flush, a restart of memory mode), creating
    or rotating a key checks the token's session version against the database."""
    t = await make_tenant()
    old = await rest_login(client, t.owner.email)
    r = await client.put(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(old["access_token"]),
    )
    assert r.status_code == 200
    svc = services.current()
    kept = svc.sessions
    svc.sessions = revocation.MemorySessionStore()  # what a flushed store remembers
    try:
        assert await works(client, old["access_token"])  # the cheap check forgot...
        body = await gql(client, CREATE_KEY, headers=bearer(old["access_token"]))
        assert gql_error(body) == GONE  # ...the database did not
        r = await client.post(
            f"/api/tenants/{t.id}/api-key/rotate", headers=bearer(old["access_token"])
        )
        assert_error(r, 401, "invalid_api_key")
    finally:
        svc.sessions = kept
    assert await ApiKey.filter(tenant_id=t.id).count() == 1  # only the registration's vk_


async def test_a_reused_refresh_token_ends_its_sessions_access_tokens(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    configure(replace(settings, refresh_reuse_grace=0.0))
    t = await make_tenant()
    first = await rest_login(client, t.owner.email)
    r = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    rotated = r.json()
    assert await works(client, rotated["access_token"])
    # The old refresh token comes back (stolen): the whole family ends, access tokens too.
    r = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_error(r, 401, "invalid_api_key")
    assert not await works(client, rotated["access_token"])
    assert not await works(client, first["access_token"])


def _token(settings: Settings, **claims: Any) -> str:
    now = int(time.time())
    base = {"sub": "usr_x", "tid": "t", "role": "owner", "jti": "j", "typ": "access"}
    return jwt.encode(
        {**base, "iat": now, "exp": now + 600, **claims}, settings.jwt_secret, "HS256"
    )


@pytest.mark.parametrize(
    "claims",
    [{}, {"sid": "ses_x"}, {"sv": 0}, {"sid": "", "sv": 0}, {"sid": "ses_x", "sv": "0"}],
    ids=["no sid, no sv", "no sv", "no sid", "empty sid", "sv not an int"],
)
async def test_tokens_without_a_session_are_refused(
    client: httpx.AsyncClient, settings: Settings, claims: dict[str, Any]
) -> None:
    t = await make_tenant()
    token = _token(settings, sub=t.owner.id, tid=t.id, **claims)
    r = await client.get(ME, headers=bearer(token))
    assert_error(r, 401, "invalid_api_key", message="invalid access token")


# --- failed authentications per IP --------------------------------------------------------


@pytest.fixture
def three_failures(settings: Settings) -> None:
    configure(replace(settings, auth_failure_ip_limit=(3, 60)))


@pytest.mark.usefixtures("three_failures")
async def test_bad_bearer_credentials_are_limited_per_ip_before_any_lookup(
    client: httpx.AsyncClient,
) -> None:
    t = await make_tenant("pro")
    key = await make_key(t)
    bad = ["voc_sk_live_" + "A" * 38, "not-a-token", "vk_" + "0" * 48]
    for value in bad:
        r = await client.get("/v1/calls", headers=bearer(value))
        assert_error(r, 401, "invalid_api_key")
    # The IP is now blocked: a valid key is refused without being looked up (its last use is
    # not recorded), on REST and GraphQL alike.
    r = await client.get("/v1/calls", headers=bearer(key))
    err = assert_error(r, 429, "rate_limit_exceeded")
    assert "failed authentications" in err["message"]
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert (await ApiKey.get(key_hash=sha256_hex(key))).last_used_at is None
    body = await gql(client, "{ agents { total } }", headers=bearer(key))
    ext = gql_error(body)
    assert (ext["code"], ext["status"]) == ("rate_limit_exceeded", 429)
    assert 1 <= ext["retryAfter"] <= 60
    r = await client.get(ME, headers=t.headers)
    assert_error(r, 429, "rate_limit_exceeded")
    # Requests without credentials are not affected.
    assert (await client.get("/api/health")).status_code == 200


@pytest.mark.usefixtures("three_failures")
async def test_valid_credentials_do_not_count_and_graphql_failures_do(
    client: httpx.AsyncClient,
) -> None:
    t = await make_tenant("pro")
    for _ in range(10):
        assert (await client.get(ME, headers=t.headers)).status_code == 200
    for _ in range(2):
        assert gql_error(await gql(client, GQL_ME, headers=bearer("garbage"))) == GONE
    r = await client.get(ME, headers={"Authorization": "Basic abc"})
    assert_error(r, 401, "invalid_api_key")
    r = await client.get(ME, headers=t.headers)
    assert_error(r, 429, "rate_limit_exceeded")


# --- two processes sharing Redis ---------------------------------------------------------


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[servers.Server]]:
    if servers.backends.backend_name() != "postgres":
        pytest.skip("two processes share sessions through Redis: the postgres pass only")
    tmp = tmp_path_factory.mktemp("revocation")
    backend = servers.prepare_database(tmp, "_revocation")
    prefix = f"vocalia-rv-{tmp.name}"
    env = servers.server_env(
        backend.database_url,
        Path(tmp / "var"),
        redis_url=backend.redis_url,
        redis_prefix=prefix,
    )
    servers.migrate(env)
    try:
        with servers.running(env, tmp / "logs", count=2) as started:
            yield started
    finally:
        servers.flush_redis_prefix(backend.redis_url, prefix)


def _register(base: str, n: str) -> dict[str, Any]:
    with httpx.Client(base_url=base, timeout=10) as c:
        email = f"rv{n}{time.monotonic_ns()}@example.com"
        r = c.post(
            "/api/auth/register", json={"email": email, "password": PASSWORD, "company": "Rv"}
        )
        assert r.status_code == 201, r.text
        r = c.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        out["email"] = email
        return out


def test_logout_and_password_change_on_one_process_end_the_session_on_the_other(
    two_servers: list[servers.Server],
) -> None:
    a, b = (httpx.Client(base_url=s.url, timeout=10) for s in two_servers)
    with a, b:
        session = _register(a.base_url.__str__(), "1")
        token = session["access_token"]
        assert b.get(ME, headers=bearer(token)).status_code == 200
        r = a.post(
            "/api/auth/logout",
            json={"refresh_token": session["refresh_token"]},
            headers=bearer(token),
        )
        assert r.status_code == 200
        assert b.get(ME, headers=bearer(token)).status_code == 401

        r = a.post("/api/auth/login", json={"email": session["email"], "password": PASSWORD})
        one, two = r.json()["access_token"], None
        r = b.post("/api/auth/login", json={"email": session["email"], "password": PASSWORD})
        two = r.json()["access_token"]
        r = a.put(
            "/api/auth/password",
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            headers=bearer(one),
        )
        assert r.status_code == 200, r.text
        for client in (a, b):
            for tok in (one, two):
                assert client.get(ME, headers=bearer(tok)).status_code == 401
            r = client.post("/graphql", json={"query": CREATE_KEY}, headers=bearer(two))
            assert r.json()["errors"][0]["extensions"]["code"] == "invalid_api_key"
