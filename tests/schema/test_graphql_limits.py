"""GraphQL protections: depth, alias and token limits, introspection and GraphiQL only in
development, no queries over GET, and a description on every type, field and argument."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    is_introspection_type,
    is_specified_scalar_type,
)
from starlette.applications import Starlette

import app as app_module
from models.tenant import AllowedOrigin
from resolvers.settings import Settings, configure
from schema import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS, schema
from tests.factories import make_tenant

INTROSPECTION = "{ __schema { queryType { name } mutationType { name } } }"


async def gql(
    client: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    r = await client.post("/graphql", json={"query": query}, headers=headers or {})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def nested(levels: int) -> str:
    """`{ me { f1 { f2 ... } } }` with `levels` nested selection sets below the operation."""
    inner = "id"
    for i in range(levels - 1, 0, -1):
        inner = f"f{i} {{ {inner} }}"
    return f"{{ me {{ {inner} }} }}"


def depth_errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in body.get("errors", []) if "exceeds maximum operation depth" in e["message"]]


async def test_limits_are_the_documented_values() -> None:
    assert (MAX_DEPTH, MAX_ALIASES, MAX_TOKENS) == (10, 30, 2000)


async def test_query_deeper_than_ten_is_invalid_request(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    too_deep = await gql(client, nested(MAX_DEPTH + 1), t.headers)
    assert too_deep["data"] is None
    [error] = depth_errors(too_deep)
    assert error["message"] == f"'anonymous' exceeds maximum operation depth of {MAX_DEPTH}"
    assert error["extensions"] == {"code": "invalid_request", "status": 400}
    assert {e["extensions"]["code"] for e in too_deep["errors"]} == {"invalid_request"}

    at_limit = await gql(client, nested(MAX_DEPTH), t.headers)
    assert depth_errors(at_limit) == []
    # The fake fields still fail validation, but not for depth.
    assert at_limit["errors"][0]["message"] == "Cannot query field 'f1' on type 'User'."


async def test_a_real_query_within_the_depth_limit_runs(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    body = await gql(client, "{ tenant { usage { calls { used limit pct } } } }", t.headers)
    assert body == {"data": {"tenant": {"usage": {"calls": {"used": 0, "limit": 100, "pct": 0}}}}}


async def test_more_than_thirty_aliases_is_invalid_request(client: httpx.AsyncClient) -> None:
    over = " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES + 1))
    body = await gql(client, f"{{ {over} }}")
    assert body == {
        "data": None,
        "errors": [
            {
                "message": f"{MAX_ALIASES + 1} aliases found. Allowed: {MAX_ALIASES}",
                "extensions": {"code": "invalid_request", "status": 400},
            }
        ],
    }
    at_limit = " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES))
    body = await gql(client, f"{{ {at_limit} }}")
    assert body == {"data": {f"a{i}": "Query" for i in range(MAX_ALIASES)}}


def set_origins_document(copies: int) -> str:
    """`mutation { setAllowedOrigins(origins: [...]) }`: 10 tokens plus one per string
    (commas are not tokens in GraphQL)."""
    values = ", ".join(['"https://shop.example"'] * copies)
    return f"mutation {{ setAllowedOrigins(origins: [{values}]) }}"


async def test_a_document_over_two_thousand_tokens_is_invalid_request(
    client: httpx.AsyncClient,
) -> None:
    t = await make_tenant()
    over = await gql(client, set_origins_document(MAX_TOKENS - 10 + 1), t.headers)
    assert over == {
        "data": None,
        "errors": [
            {
                "message": f"Syntax Error: Document contains more than {MAX_TOKENS} tokens. Parsing aborted.",
                "locations": over["errors"][0]["locations"],
                "extensions": {"code": "invalid_request", "status": 400},
            }
        ],
    }
    assert await AllowedOrigin.filter(tenant_id=t.id).count() == 0

    # Exactly 2000 tokens parse and run (the duplicates collapse into one origin).
    at_limit = await gql(client, set_origins_document(MAX_TOKENS - 10), t.headers)
    assert at_limit == {"data": {"setAllowedOrigins": ["https://shop.example"]}}


async def test_get_queries_are_refused(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    r = await client.get("/graphql", params={"query": "{ me { id } }"}, headers=t.headers)
    assert r.status_code == 400
    assert r.json() == {
        "error": {
            "code": "invalid_request",
            "message": "queries are not allowed when using GET",
            "status": 400,
            "request_id": r.headers["x-request-id"],
        }
    }


async def test_introspection_and_graphiql_in_development(client: httpx.AsyncClient) -> None:
    body = await gql(client, INTROSPECTION)
    assert body == {
        "data": {"__schema": {"queryType": {"name": "Query"}, "mutationType": {"name": "Mutation"}}}
    }
    r = await client.get("/graphql", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "GraphiQL" in r.text


@pytest.fixture
async def production(app: Starlette, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A second app built with env=production. It runs on the session app's database, bus and
    limiter: its own lifespan would close those process-wide resources on exit (Tortoise's
    global context, the installed bus and limiter) and break every later test."""
    app2 = app_module.create_app(settings.with_overrides(env="production"), run_migrations=False)
    transport = httpx.ASGITransport(app=app2, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c
    finally:
        configure(settings)


async def test_production_refuses_introspection_and_graphiql(
    production: httpx.AsyncClient,
) -> None:
    body = await gql(production, INTROSPECTION)
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == [
        "GraphQL introspection has been disabled, but the requested query contained the field '__schema'.",
        "GraphQL introspection has been disabled, but the requested query contained the field 'queryType'.",
        "GraphQL introspection has been disabled, but the requested query contained the field 'mutationType'.",
    ]
    assert {tuple(e["extensions"].items()) for e in body["errors"]} == {
        (("code", "invalid_request"), ("status", 400))
    }
    r = await production.get("/graphql", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "resource_not_found"
    assert r.json()["error"]["request_id"] == r.headers["x-request-id"]
    assert "GraphiQL" not in r.text
    # Ordinary operations still work.
    assert await gql(production, "{ __typename }") == {"data": {"__typename": "Query"}}


async def test_the_session_app_still_works_after_the_production_app(
    client: httpx.AsyncClient,
) -> None:
    t = await make_tenant()
    body = await gql(client, "{ me { email } }", t.headers)
    assert body == {"data": {"me": {"email": t.owner.email}}}
    r = await client.get("/api/health")
    assert r.json() == {"status": "ok", "database": "ok", "bus": "ok"}


def _undocumented() -> list[str]:
    missing: list[str] = []
    for name, t in schema._schema.type_map.items():
        if is_introspection_type(t) or (
            isinstance(t, GraphQLScalarType) and is_specified_scalar_type(t)
        ):
            continue
        if not t.description:
            missing.append(f"type {name}")
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in t.fields.items():
                if not field.description:
                    missing.append(f"field {name}.{field_name}")
                missing.extend(
                    f"argument {name}.{field_name}({arg_name})"
                    for arg_name, arg in field.args.items()
                    if not arg.description
                )
        elif isinstance(t, GraphQLInputObjectType):
            missing.extend(
                f"input field {name}.{field_name}"
                for field_name, field in t.fields.items()
                if not field.description
            )
    return missing


def test_every_type_field_and_argument_has_a_description() -> None:
    assert _undocumented() == []
    # The walk reaches the roots, inputs and enums of the schema.
    names = set(schema._schema.type_map)
    assert {"Query", "Mutation", "Tenant", "WidgetConfigInput", "ApiKeyKind"} <= names
    assert isinstance(schema._schema.type_map["ApiKeyKind"], GraphQLEnumType)


async def test_a_document_is_prepared_once_and_its_outcome_kept(client: httpx.AsyncClient) -> None:
    # Validation is most of a small query's cost: the same text is parsed and validated once.
    from schema import limits

    t = await make_tenant()
    headers = {"Authorization": f"Bearer {t.token}"}
    query = "{ me { id email } } # prepared-once"
    before = limits._checked.cache_info()
    for _ in range(3):
        r = await client.post("/graphql", json={"query": query}, headers=headers)
        assert r.json()["data"]["me"]["email"] == t.owner.email
    after = limits._checked.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 2)
    # A kept failure is still a failure, every time, with its code.
    bad = "{ me { id nosuchfield } } # prepared-once"
    for _ in range(2):
        r = await client.post("/graphql", json={"query": bad}, headers=headers)
        assert r.status_code in (200, 400)
        [error] = r.json()["errors"]
        assert error["extensions"]["code"] == "invalid_request"
        assert "nosuchfield" in error["message"]
