"""The HTTP gate and the one error body: unknown routes and methods, body limits, malformed
JSON, request ids, CORS, and internal errors that never leak a stack trace."""

import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tortoise import Tortoise
from tortoise.context import TortoiseContext

from app import create_app
from models.config import tortoise_config
from models.tenant import Tenant
from resolvers.settings import Settings
from tests.factories import PASSWORD, assert_error, make_tenant

GENERATED_ID = re.compile(r"^req_[0-9A-Za-z]{16}$")
LIMIT = 1 << 20
PLATFORM = "https://dashboard.vocalia.test"
SHOP = "https://shop.example.com"


# --- routing ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/nope", "/api/tenants", "/nope", "/v0/calls"])
async def test_unknown_route_is_404(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path)
    assert_error(r, 404, "resource_not_found", message=f"no route for GET {path}")
    assert r.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/api/auth/login", {"POST"}),
        ("GET", "/api/auth/register", {"POST"}),
        ("PATCH", "/api/auth/me", {"GET", "HEAD", "PUT"}),
        ("POST", "/api/tenants/x_0000/usage", {"GET", "HEAD"}),
    ],
)
async def test_wrong_method_is_405_with_allow(
    client: httpx.AsyncClient, method: str, path: str, allow: set[str]
) -> None:
    r = await client.request(method, path)
    assert_error(
        r,
        405,
        "method_not_allowed",
        message=f"method {method} is not allowed on {path}",
    )
    assert {m.strip() for m in r.headers["allow"].split(",")} == allow


# --- body limit and JSON ------------------------------------------------------------------


async def test_body_over_limit_with_content_length(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/auth/login", content=b"x" * (LIMIT + 1))
    assert_error(r, 413, "payload_too_large", message=f"the body exceeds {LIMIT} bytes")
    # Exactly at the limit the body is read (and is then just malformed JSON).
    r = await client.post("/api/auth/login", content=b"x" * LIMIT)
    assert_error(r, 400, "invalid_request")


async def test_declared_length_is_refused_before_reading(client: httpx.AsyncClient) -> None:
    # The declared Content-Length alone decides: the body is never consumed.
    consumed = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal consumed
        for _ in range(4):
            consumed += 1
            yield b"x" * 1024

    r = await client.post(
        "/api/auth/register", content=body(), headers={"Content-Length": str(LIMIT + 1)}
    )
    assert_error(r, 413, "payload_too_large")
    assert consumed <= 1


async def test_streamed_body_over_limit(client: httpx.AsyncClient) -> None:
    chunks_sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal chunks_sent
        for _ in range(40):  # 40 x 64 KiB = 2.5 MiB, no Content-Length
            chunks_sent += 1
            yield b" " * (64 * 1024)

    t = await make_tenant()
    r = await client.put("/api/auth/me", content=body(), headers=t.headers)
    assert "content-length" not in r.request.headers
    assert r.request.headers["transfer-encoding"] == "chunked"
    assert_error(r, 413, "payload_too_large", message=f"the body exceeds {LIMIT} bytes")
    # Reading stops once the limit is passed: 17 chunks of 64 KiB exceed 1 MiB.
    assert chunks_sent == 17


async def test_streamed_body_under_limit_is_read(client: httpx.AsyncClient) -> None:
    t = await make_tenant()

    async def body() -> AsyncIterator[bytes]:
        yield b'{"name": '
        yield b'"Streamed"}'

    r = await client.put("/api/auth/me", content=body(), headers=t.headers)
    assert r.status_code == 200, r.text
    assert r.json()["user"]["name"] == "Streamed"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"email": "a@b.co", ', None),
        (b"{'email': 'a@b.co'}", None),
        (b"\xff\xfe{}", None),
        (b"[]", "the body must be a JSON object"),
        (b'[{"email": "a@b.co"}]', "the body must be a JSON object"),
        (b'"just a string"', "the body must be a JSON object"),
        (b"null", "the body must be a JSON object"),
        (b"", "a JSON object body is required"),
        (b"  \n ", "a JSON object body is required"),
    ],
)
async def test_malformed_json_is_400(
    client: httpx.AsyncClient, content: bytes, message: str | None
) -> None:
    r = await client.post(
        "/api/auth/register", content=content, headers={"Content-Type": "application/json"}
    )
    err = assert_error(r, 400, "invalid_request", message=message)
    if message is None:
        assert err["message"].startswith("malformed JSON: ")
    assert await Tenant.all().count() == 0


# --- request ids ---------------------------------------------------------------------------


async def test_request_id_is_echoed_when_valid(client: httpx.AsyncClient) -> None:
    incoming = "client-Trace_01.abc"
    r = await client.get("/api/health", headers={"X-Request-Id": incoming})
    assert r.status_code == 200
    assert r.headers["x-request-id"] == incoming
    r = await client.get("/api/nope", headers={"X-Request-Id": incoming})
    err = assert_error(r, 404, "resource_not_found")
    assert err["request_id"] == incoming
    r = await client.post("/api/auth/login", json=[], headers={"X-Request-Id": "a" * 64})
    assert assert_error(r, 400, "invalid_request")["request_id"] == "a" * 64


@pytest.mark.parametrize(
    "incoming", [None, "", "has space", "a" * 65, "semi;colon", "ünï".encode(), "<script>"]
)
async def test_request_id_is_generated_otherwise(
    client: httpx.AsyncClient, incoming: str | bytes | None
) -> None:
    headers: dict[str, str | bytes] = {} if incoming is None else {"X-Request-Id": incoming}
    r = await client.get("/api/nope", headers=headers)
    err = assert_error(r, 404, "resource_not_found")
    assert GENERATED_ID.match(err["request_id"]), err["request_id"]
    again = await client.get("/api/nope", headers=headers)
    assert again.headers["x-request-id"] != r.headers["x-request-id"]


# --- CORS --------------------------------------------------------------------------------


async def _with_origin(client: httpx.AsyncClient, plan: str = "starter") -> object:
    t = await make_tenant(plan)
    r = await client.put(
        f"/api/tenants/{t.id}/allowed-origins", json={"origins": [SHOP]}, headers=t.headers
    )
    assert r.status_code == 200
    return t


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


def _widget(t: object) -> str:
    return f"/api/tenants/{t.id}/widget-config"  # type: ignore[attr-defined]


@pytest.mark.parametrize("origin", [SHOP, "https://SHOP.example.com", PLATFORM])
async def test_preflight_from_an_allowed_origin(client: httpx.AsyncClient, origin: str) -> None:
    t = await _with_origin(client)
    r = await client.options(_widget(t), headers=_preflight(origin))
    assert r.status_code == 204
    assert r.content == b""
    assert r.headers["access-control-allow-origin"] == origin
    assert r.headers["access-control-allow-methods"] == "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    assert r.headers["access-control-allow-headers"] == "Authorization, Content-Type, X-Request-Id"
    assert r.headers["access-control-max-age"] == "600"
    assert r.headers["vary"] == "Origin"
    assert GENERATED_ID.match(r.headers["x-request-id"])


async def test_preflight_from_an_unknown_origin(client: httpx.AsyncClient) -> None:
    t = await _with_origin(client)
    for origin in ("https://evil.example", "https://shop.example.com.evil.example", "null"):
        r = await client.options(_widget(t), headers=_preflight(origin))
        assert r.status_code == 204
        assert "access-control-allow-origin" not in r.headers
        assert "access-control-allow-methods" not in r.headers
        assert r.headers["vary"] == "Origin"


async def test_a_tenant_origin_gets_cors_only_on_the_widget_routes(
    client: httpx.AsyncClient,
) -> None:
    t = await _with_origin(client)
    for path in ("/api/auth/me", f"/api/tenants/{t.id}/usage", "/v1/calls", "/graphql"):  # type: ignore[attr-defined]
        r = await client.options(path, headers=_preflight(SHOP))
        assert "access-control-allow-origin" not in r.headers, path
        r = await client.get(path, headers={**t.headers, "Origin": SHOP})  # type: ignore[attr-defined]
        assert "access-control-allow-origin" not in r.headers, path
    # The platform's own dashboard keeps every route.
    r = await client.options(f"/api/tenants/{t.id}/usage", headers=_preflight(PLATFORM))  # type: ignore[attr-defined]
    assert r.headers["access-control-allow-origin"] == PLATFORM


async def test_actual_request_from_the_tenants_origin(client: httpx.AsyncClient) -> None:
    t = await _with_origin(client)
    r = await client.get(_widget(t), headers={**t.headers, "Origin": SHOP})  # type: ignore[attr-defined]
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == SHOP
    exposed = {h.strip() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {"X-Request-Id", "X-RateLimit-Remaining", "Retry-After"} <= exposed
    # An origin another tenant allowed is no origin of this caller's.
    other = await make_tenant()
    r = await client.get(_widget(other), headers={**other.headers, "Origin": SHOP})
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers
    # Without credentials the tenant is unknown: no ACAO either.
    r = await client.get("/api/health", headers={"Origin": SHOP})
    assert "access-control-allow-origin" not in r.headers
    r = await client.get(_widget(t), headers={**t.headers, "Origin": "https://evil.example"})  # type: ignore[attr-defined]
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers


async def test_platform_origin_is_always_allowed(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    cases = [
        await client.get("/api/health", headers={"Origin": PLATFORM}),
        await client.get("/api/auth/me", headers={**t.headers, "Origin": PLATFORM}),
        await client.get("/api/auth/me", headers={"Origin": PLATFORM}),
        await client.post("/api/auth/login", content=b"x" * (LIMIT + 1), headers={"Origin": PLATFORM}),
    ]  # fmt: skip
    assert [r.status_code for r in cases] == [200, 200, 401, 413]
    for r in cases:
        assert r.headers["access-control-allow-origin"] == PLATFORM
        assert "X-Request-Id" in r.headers["access-control-expose-headers"]


# --- internal errors -------------------------------------------------------------------------


@pytest.fixture(params=["unreachable-postgres", "sqlite-without-tables"])
async def broken_client(
    request: pytest.FixtureRequest, settings: Settings, tmp_path: Path, app: object
) -> AsyncIterator[httpx.AsyncClient]:
    """A second app whose database is broken, driven without its lifespan.

    Running a second lifespan in this process is not possible: open_db() registers a global
    Tortoise context, and Tortoise allows one per process (the session app holds it), while
    re-initialising the current one would close the session's connections. So the broken
    database is bound to an isolated TortoiseContext, active for this task only; the ASGI
    transport runs the app inline, so every query of these requests goes to that database.
    Tortoise connects lazily: the failure happens on the first real query of a request.

    Initialising a context also rebuilds each model class's cached base query in that
    database's SQL dialect; those are put back afterwards, or later tests would send SQLite
    placeholders to PostgreSQL (or the reverse).
    """
    if request.param == "unreachable-postgres":
        url = "postgres://postgres@127.0.0.1:1/x"
    else:
        url = f"sqlite://{tmp_path}/never-migrated.sqlite3"
    broken = settings.with_overrides(database_url=url)
    broken_app = create_app(broken, run_migrations=False)
    models = [m for app_models in (Tortoise.apps or {}).values() for m in app_models.values()]
    saved = [(m, m._meta.basequery, m._meta.basequery_all_fields) for m in models]
    try:
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url))
            transport = httpx.ASGITransport(app=broken_app, raise_app_exceptions=False)  # type: ignore[arg-type]
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                yield c
            await ctx.close_connections()
    finally:
        for model, basequery, basequery_all_fields in saved:
            model._meta.basequery = basequery
            model._meta.basequery_all_fields = basequery_all_fields


async def test_unexpected_failure_is_internal_error(
    broken_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="vocalia.http")
    r = await broken_client.post(
        "/api/auth/login",
        json={"email": "someone@example.com", "password": PASSWORD},
        headers={"X-Request-Id": "trace-500"},
    )
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-request-id"] == "trace-500"
    assert r.json() == {
        "error": {
            "code": "internal_error",
            "message": "internal error; retry later",
            "status": 500,
            "request_id": "trace-500",
        }
    }
    for leak in ("Traceback", "asyncpg", "sqlite", "127.0.0.1", "users", "File "):
        assert leak not in r.text
    # The real cause is logged with the request id, server-side only.
    [record] = [rec for rec in caplog.records if rec.name == "vocalia.http"]
    assert "trace-500" in record.getMessage()
    assert "POST /api/auth/login" in record.getMessage()
    assert record.exc_info is not None
    assert not isinstance(record.exc_info[1], AssertionError)


async def test_health_of_the_broken_app(
    broken_client: httpx.AsyncClient, request: pytest.FixtureRequest
) -> None:
    # The tests that run after these use the session database again: the broken context
    # was bound to this test's task only.
    r = await broken_client.get("/api/health")
    if request.node.callspec.params["broken_client"] == "unreachable-postgres":
        assert r.status_code == 503
        assert r.json() == {"status": "degraded", "database": "unreachable", "bus": "ok"}
    else:  # the file opens; only the tables are missing
        assert r.status_code == 200
        assert r.json() == {"status": "ok", "database": "ok", "bus": "ok"}
