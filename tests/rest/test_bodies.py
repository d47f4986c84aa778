"""Bodies that do not parse: every route with a body answers 400 invalid_request, never a 5xx.

The routes come from the app's route table, so a new route is covered the day it lands. The
bodies that used to be a 500 are named one by one; a property test (hypothesis) then throws
bodies of any shape at every route, with and without credentials.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

from resolvers.errors import DomainError
from resolvers.json_input import MAX_NESTING, parse_json, parse_json_object
from tests.factories import TenantCtx, make_key, make_tenant

BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# Each of these answered internal_error (REST) or 500 (POST /graphql) before.
BAD_BODIES: dict[str, bytes] = {
    "integer of 4,301 digits": b'{"a": ' + b"7" * 4301 + b"}",
    "bare integer of 5,000 digits": b"9" * 5000,
    "a string": b'"x"',
    "null": b"null",
    "a number that overflows": b"1e999999",
    "an overflowing number inside": b'{"limit": 1e999999}',
    "NaN": b'{"limit": NaN}',
    "-Infinity": b"-Infinity",
    "invalid UTF-8": b'{"query": "\xff\xfe\xfa"}',
    "a lone surrogate": b'{"query": "\\ud800"}',
    "NUL in a string": b'{"query": "a\\u0000b"}',
    "nesting past 1,000 levels": b"[" * 5000 + b"]" * 5000,
    "nesting past the limit inside an object": b'{"a": '
    + b"[" * (MAX_NESTING + 1)
    + b"]" * (MAX_NESTING + 1)
    + b"}",
    "an array": b"[1, 2]",
    "truncated": b'{"query": ',
}


def body_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from body_routes(list(route.routes), prefix + route.path)
        elif isinstance(route, Route):
            for method in sorted((route.methods or set()) & set(BODY_METHODS)):
                yield method, prefix + route.path


def concrete(path: str, tenant: TenantCtx) -> str:
    """Path parameters filled: the caller's own tenant, made-up ids for the rest."""
    out = path.replace("{tenant_id}", tenant.id)
    while "{" in out:
        start = out.index("{")
        out = out[:start] + "unknown_1" + out[out.index("}", start) + 1 :]
    return out


async def credentials(tenant: TenantCtx, path: str) -> dict[str, str]:
    if path.startswith("/v1/"):
        return {"Authorization": f"Bearer {await make_key(tenant)}"}
    return tenant.headers


def test_every_body_route_is_found(app: Starlette) -> None:
    found = set(body_routes(list(app.routes)))
    # A few that must be there, so an empty walk cannot pass the tests below.
    assert {("POST", "/graphql"), ("POST", "/api/auth/login"), ("POST", "/v1/calls")} <= found


@pytest.mark.parametrize("name", sorted(BAD_BODIES))
async def test_each_bad_body_is_invalid_request_on_every_route(
    app: Starlette, client: httpx.AsyncClient, name: str
) -> None:
    tenant = await make_tenant(plan="enterprise")
    answers: dict[tuple[str, str], tuple[int, str]] = {}
    for method, path in body_routes(list(app.routes)):
        headers = {**await credentials(tenant, path), "Content-Type": "application/json"}
        r = await client.request(
            method, concrete(path, tenant), content=BAD_BODIES[name], headers=headers
        )
        answers[(method, path)] = (
            r.status_code,
            r.json()["error"]["code"] if r.status_code >= 400 and "error" in r.json() else "",
        )
    wrong = {k: v for k, v in answers.items() if v != (400, "invalid_request")}
    # A route that answers before reading its body (unknown id, a refused role) is not at
    # fault; none may answer 5xx, and the parser's own routes must say invalid_request.
    assert not [k for k, (status, _) in answers.items() if status >= 500], answers
    for key in [
        ("POST", "/graphql"),
        ("POST", "/api/auth/login"),
        ("POST", "/api/auth/register"),
        ("POST", "/v1/calls"),
    ]:
        assert answers[key] == (400, "invalid_request"), (key, answers[key])
    assert len(wrong) < len(answers) / 2, wrong


async def test_graphql_answers_the_contract_body_for_a_body_that_is_not_an_object(
    client: httpx.AsyncClient,
) -> None:
    for raw in (b'"x"', b"null", b"1e999999", b"\xff", b"7" * 5000, b"[" * 2000):
        r = await client.post("/graphql", content=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (raw[:10], r.text)
        error = r.json()["error"]
        assert error["code"] == "invalid_request"
        assert error["message"].startswith(("malformed JSON", "a GraphQL request must be")), error


async def test_an_unauthenticated_auth_route_refuses_a_huge_integer(
    client: httpx.AsyncClient,
) -> None:
    body = b'{"email": "a@example.com", "password": ' + b"1" * 4301 + b"}"
    for path in ("/api/auth/login", "/api/auth/register", "/api/auth/refresh"):
        r = await client.post(path, content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (path, r.text)
        assert r.json()["error"]["code"] == "invalid_request"
        assert "1000 digits" in r.json()["error"]["message"]


def test_the_parser_keeps_what_json_means() -> None:
    assert parse_json_object(b'{"a": [1, 2.5, "\xc3\xa9", null, true], "b": {}}') == {
        "a": [1, 2.5, "é", None, True],
        "b": {},
    }
    assert parse_json("\ufeff[1]") == [1]  # a UTF-8 byte-order mark is tolerated
    assert parse_json(b"1" * 1000) == int("1" * 1000)
    depth = MAX_NESTING
    assert parse_json("[" * depth + "]" * depth) is not None
    for raw in (b"1" * 1001, b"[" * (depth + 1) + b"]" * (depth + 1), b"Infinity", b"1e400"):
        with pytest.raises(DomainError) as caught:
            parse_json(raw)
        assert caught.value.code.value == "invalid_request"


# --- any body at all -------------------------------------------------------------------

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
_field_names = st.sampled_from(
    [
        "query",
        "variables",
        "email",
        "password",
        "to",
        "agentId",
        "name",
        "limit",
        "url",
        "origins",
        "metadata",
        "refresh_token",
        "plan",
        "events",
        "confirm",
        "webhookUrl",
    ]
)
_objects = st.dictionaries(_field_names, _json_values, max_size=5)
_bodies = st.one_of(
    st.binary(max_size=64),
    _json_values.map(lambda v: httpx.Request("POST", "/", json=v).content),
    _objects.map(lambda v: httpx.Request("POST", "/", json=v).content),
    st.sampled_from(list(BAD_BODIES.values())),
)


@pytest.fixture
async def tenant_for_fuzz(client: httpx.AsyncClient) -> TenantCtx:
    return await make_tenant(plan="enterprise")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=_bodies,
    authenticated=st.booleans(),
    content_type=st.sampled_from(
        ["application/json", "text/plain", "application/json; charset=latin-1", ""]
    ),
)
async def test_no_body_of_any_shape_is_a_server_error(
    app: Starlette,
    client: httpx.AsyncClient,
    tenant_for_fuzz: TenantCtx,
    body: bytes,
    authenticated: bool,
    content_type: str,
) -> None:
    statuses: dict[tuple[str, str], int] = {}
    for method, path in body_routes(list(app.routes)):
        if path.endswith("/data") and method == "DELETE":
            continue  # erasure would end the tenant for the rest of the examples
        headers: dict[str, Any] = {"Content-Type": content_type} if content_type else {}
        if authenticated:
            headers.update(tenant_for_fuzz.headers)
        r = await client.request(
            method, concrete(path, tenant_for_fuzz), content=body, headers=headers
        )
        statuses[(method, path)] = r.status_code
        assert r.status_code < 500, (method, path, body[:80], r.text[:300])
        assert r.headers["content-type"].startswith("application/json"), (method, path, r.headers)
    assert statuses
