"""A GraphQL document costs time linear in its size before it runs (schema/limits.py).

Fragments that each spread the next one twice used to double validation time per level (21
levels froze the event loop for 7.6 s); the limits now measure each fragment once.
"""

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from graphql import get_introspection_query, parse, validate
from starlette.applications import Starlette

import app as app_module
from resolvers.settings import Settings, configure
from schema import MAX_ALIASES, MAX_DEPTH, MAX_SELECTIONS, schema
from schema.limits import MAX_INTROSPECTION_DEPTH, MAX_SAME_NAME, check_document
from tests.factories import make_tenant


def fragment_bomb(levels: int, leaf: str = "__typename") -> str:
    """`fragment F0 on Query {...F1 ...F1}` … `levels` levels: 2^levels expanded selections."""
    body = "\n".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return f"query {{ ...F0 }}\n{body}\nfragment F{levels} on Query {{ {leaf} }}"


async def test_forty_levels_of_fragments_are_refused_at_once_while_health_answers(
    client: httpx.AsyncClient,
) -> None:
    document = fragment_bomb(40)
    assert len(document) < 2000
    health_times: list[float] = []

    async def health_while_it_runs() -> None:
        for _ in range(5):
            start = time.perf_counter()
            r = await client.get("/api/health")
            health_times.append(time.perf_counter() - start)
            assert r.status_code == 200

    start = time.perf_counter()
    bomb, _ = await asyncio.gather(
        client.post("/graphql", json={"query": document}), health_while_it_runs()
    )
    elapsed = time.perf_counter() - start
    assert bomb.status_code == 400, bomb.text
    assert bomb.json() == {
        "data": None,
        "errors": [
            {
                "message": f"the document expands to more than {MAX_SELECTIONS} selections; "
                "spread fewer fragments or split the operation",
                "extensions": {"code": "invalid_request", "status": 400},
            }
        ],
    }
    assert elapsed < 0.1, elapsed
    assert max(health_times) < 0.05, health_times


def test_the_check_is_linear_in_the_document() -> None:
    # Each level adds one line; doubling the levels at most doubles the time (it was 2^levels).
    timings = {}
    for levels in (200, 400):
        document = parse(fragment_bomb(levels), max_tokens=None)
        start = time.perf_counter()
        error = check_document(document)
        timings[levels] = time.perf_counter() - start
        assert error is not None
    assert timings[400] < 0.05, timings


async def test_a_bomb_with_credentials_changes_nothing(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    r = await client.post("/graphql", json={"query": fragment_bomb(30)}, headers=t.headers)
    assert r.status_code == 400
    assert r.json()["errors"][0]["extensions"] == {"code": "invalid_request", "status": 400}


async def test_fragments_within_the_limits_still_run(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    # 2^6 spreads of one leaf: well under the limit, and validation finds them mergeable.
    r = await client.post("/graphql", json={"query": fragment_bomb(6)}, headers=t.headers)
    assert r.status_code == 200
    assert r.json() == {"data": {"__typename": "Query"}}
    shared = """
      query { me { ...U } tenant { id } }
      fragment U on User { id email }
    """
    r = await client.post("/graphql", json={"query": shared}, headers=t.headers)
    assert r.json()["data"]["me"]["email"] == t.owner.email


async def test_aliases_are_counted_through_fragments(client: httpx.AsyncClient) -> None:
    # 16 aliases, spread twice: 32 expanded aliases, over the limit of 30.
    aliases = " ".join(f"a{i}: __typename" for i in range(16))
    document = f"query {{ ...A ...B }} fragment A on Query {{ ...X }} fragment B on Query {{ ...X }} fragment X on Query {{ {aliases} }}"
    r = await client.post("/graphql", json={"query": document})
    assert r.status_code == 200
    assert r.json()["errors"] == [
        {
            "message": f"{2 * 16} aliases found. Allowed: {MAX_ALIASES}",
            "extensions": {"code": "invalid_request", "status": 400},
        }
    ]


def test_depth_is_counted_through_fragments() -> None:
    # me, then A's four levels, then B's six: 11 (neither fragment alone is over).
    document = """
      query Deep { me { ...A } }
      fragment A on User { tenant { agents { data { tenant { ...B } } } } }
      fragment B on Tenant { agents { data { tenant { agents { data { tenant { id } } } } } } }
    """
    error = check_document(parse(document))
    assert error is not None
    assert error.message == f"'Deep' exceeds maximum operation depth of {MAX_DEPTH}"


async def test_introspection_fields_count_toward_depth(client: httpx.AsyncClient) -> None:
    of_type = "name"
    for _ in range(MAX_INTROSPECTION_DEPTH):
        of_type = f"ofType {{ {of_type} }}"
    deep = f'{{ __type(name: "User") {{ fields {{ type {{ {of_type} }} }} }} }}'
    r = await client.post("/graphql", json={"query": deep})
    [error] = r.json()["errors"]
    assert error["message"] == (
        f"'anonymous' exceeds maximum operation depth of {MAX_INTROSPECTION_DEPTH}"
    )
    # GraphiQL's own introspection query (13 levels) still works in development.
    full = get_introspection_query(
        descriptions=True, directive_is_repeatable=True, input_value_deprecation=True
    )
    r = await client.post("/graphql", json={"query": full})
    assert "errors" not in r.json(), r.json()["errors"][:1]
    assert r.json()["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_many_copies_of_one_field_are_refused_before_validation(
    client: httpx.AsyncClient,
) -> None:
    over = "{" + " __typename" * (MAX_SAME_NAME + 1) + "}"
    r = await client.post("/graphql", json={"query": over})
    assert r.status_code == 400
    assert r.json()["errors"][0]["message"] == (
        f"more than {MAX_SAME_NAME} fields named '__typename' in one selection set"
    )
    at_limit = "{" + " __typename" * MAX_SAME_NAME + "}"
    r = await client.post("/graphql", json={"query": at_limit})
    assert r.json() == {"data": {"__typename": "Query"}}


def test_cyclic_fragments_are_left_to_the_cycle_rule() -> None:
    document = parse("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
    assert check_document(document) is None
    errors = validate(schema._schema, document)
    assert any("Cannot spread fragment 'A' within itself" in e.message for e in errors)


@pytest.fixture
async def production(app: Starlette, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    # As in test_graphql_limits: a production app on the session's database and bus.
    app2 = app_module.create_app(settings.with_overrides(env="production"), run_migrations=False)
    transport = httpx.ASGITransport(app=app2, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c
    finally:
        configure(settings)


async def test_production_errors_suggest_no_field_names(
    client: httpx.AsyncClient, production: httpx.AsyncClient
) -> None:
    t = await make_tenant()
    misspelt = "{ me { emali } }"
    dev = (await client.post("/graphql", json={"query": misspelt}, headers=t.headers)).json()
    assert (
        dev["errors"][0]["message"]
        == "Cannot query field 'emali' on type 'User'. Did you mean 'email'?"
    )
    prod = (await production.post("/graphql", json={"query": misspelt}, headers=t.headers)).json()
    assert prod["errors"][0]["message"] == "Cannot query field 'emali' on type 'User'."
    assert prod["errors"][0]["extensions"] == {"code": "invalid_request", "status": 400}
    # Arguments and input fields too.
    bad_arg = "{ calls(limt: 5) { total } }"
    prod = (await production.post("/graphql", json={"query": bad_arg}, headers=t.headers)).json()
    assert all("Did you mean" not in e["message"] for e in prod["errors"]), prod
    assert prod["errors"][0]["message"].startswith("Unknown argument 'limt'")
