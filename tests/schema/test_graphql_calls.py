"""GraphQL calls, agents and phone numbers: the same resolvers, codes and side effects as /v1,
and the agent of a page of calls batched into one query."""

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from tortoise import connections

from models.agent import Agent
from models.base import new_id
from models.call import Call, CallTransition
from models.webhook import WebhookEvent
from resolvers import agents
from resolvers.settings import Settings, configure, get_settings
from tests.factories import SCRIPT_END, TenantCtx, make_key, make_tenant, make_user
from tests.graphql import rest_error
from tests.schema.test_graphql_keys_audit import bearer, data, gql, gql_error

FAST = {
    "sim_ring_seconds": 0.05,
    "sim_answer_seconds": 0.05,
    "sim_turn_seconds": 0.02,
    "sim_no_answer_seconds": 0.1,
}
AGENT = "agent_support_fr"
TO = "+212612345678"
CALL_FIELDS = """
  id status direction to from agentId createdAt answeredAt endedAt duration
  transcript { role content startMs } sentiment summary leadScore cost endedReason
  metadata recordingUrl latency { p50Ms p95Ms turns partsP50Ms { eot stt agent tts } } toolCalls { id name arguments result at }
"""
CREATE = f"mutation($i: CreateCallInput!) {{ createCall(input: $i) {{ {CALL_FIELDS} }} }}"
GET = f"query($id: ID!) {{ call(id: $id) {{ {CALL_FIELDS} }} }}"
LIST = """
query($limit: Int, $offset: Int, $status: String, $from: String, $to: String) {
  calls(limit: $limit, offset: $offset, status: $status, from: $from, to: $to) {
    total limit offset items { id status agentId }
  }
}"""
TRANSFER = """
mutation($id: ID!, $to: String!, $m: String) {
  transferCall(id: $id, to: $to, message: $m) { id status endedReason }
}"""
HANGUP = "mutation($id: ID!) { hangupCall(id: $id) { id status endedReason } }"
NOT_FOUND = {"code": "resource_not_found", "status": 404, "param": "id"}
FORBIDDEN = {"code": "insufficient_permissions", "status": 403}


@pytest.fixture(autouse=True)
def fast_carrier(settings: Settings) -> None:
    configure(settings.with_overrides(**FAST))


def pace(**overrides: float) -> None:
    configure(get_settings().with_overrides(**overrides))


@pytest.fixture
async def pro(app: object) -> tuple[TenantCtx, dict[str, str]]:
    t = await make_tenant(plan="pro")
    await agents.create_agent(t.principal, {"id": AGENT, "name": "Support FR"})
    return t, bearer(await make_key(t))


def to_second(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def wait_status(call_id: str, *statuses: str, timeout: float = 10) -> Call:
    async with asyncio.timeout(timeout):
        while True:
            call = await Call.get(id=call_id)
            if call.status in statuses:
                return call
            await asyncio.sleep(0.02)


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    variables = {"i": {"to": TO, "agentId": AGENT, **overrides}}
    call: dict[str, Any] = data(await gql(client, CREATE, variables, headers))["createCall"]
    return call


# --- create / get / list -------------------------------------------------------------


async def test_create_call_runs_and_reads_back_like_rest(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]
) -> None:
    _, headers = pro
    created = await create(client, headers, metadata={"customerId": "cust_123"})
    assert re.fullmatch(r"call_[A-Za-z0-9]+", created["id"])
    assert created["status"] == "initiating"
    assert (created["direction"], created["to"], created["from"], created["agentId"]) == (
        "outbound",
        TO,
        None,
        AGENT,
    )
    assert created["metadata"] == {"customerId": "cust_123"}
    assert created["transcript"] == []
    assert created["answeredAt"] is None
    assert created["latency"] is None
    await wait_status(created["id"], "completed", "failed")

    done = data(await gql(client, GET, {"id": created["id"]}, headers))["call"]
    rest = (await client.get(f"/v1/calls/{created['id']}", headers=headers)).json()
    # The same names and values on both transports; GraphQL's DateTime keeps the microseconds
    # REST's documented format drops.
    stamps = ("createdAt", "answeredAt", "endedAt")
    assert {k: v for k, v in done.items() if k not in stamps} == {
        k: v for k, v in rest.items() if k not in stamps
    }
    for key in stamps:
        assert to_second(done[key]) == rest[key], key
    # The scripted caller's goodbye ends the call from either side: the agent's end_call when
    # Whisper recognises it, else the caller hanging up after the agent's answer.
    assert done["status"] == "completed"
    assert done["endedReason"] in SCRIPT_END
    assert done["transcript"][0]["role"] == "agent"
    assert all(isinstance(line["startMs"], int) for line in done["transcript"])
    assert done["sentiment"] in ("positive", "neutral", "negative")
    assert isinstance(done["duration"], int)
    statuses = [
        s.status for s in await CallTransition.filter(call_id=created["id"]).order_by("at", "id")
    ]
    assert statuses == ["initiating", "ringing", "in-progress", "completed"]


async def test_list_calls_pages_and_filters(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]
) -> None:
    _, headers = pro
    ids = [(await create(client, headers, to="+212612340003"))["id"] for _ in range(3)]
    for call_id in ids:
        await wait_status(call_id, "failed")
    page = data(await gql(client, LIST, {"limit": 2}, headers))["calls"]
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
    assert [c["id"] for c in page["items"]] == ids[::-1][:2]
    rest = data(await gql(client, LIST, {"limit": 2, "offset": 2}, headers))["calls"]
    assert [c["id"] for c in rest["items"]] == [ids[0]]
    assert data(await gql(client, LIST, {"status": "completed"}, headers))["calls"]["total"] == 0
    assert (
        data(await gql(client, LIST, {"status": "failed", "from": "2026-01-01"}, headers))["calls"][
            "total"
        ]
        == 3
    )
    assert data(await gql(client, LIST, {"to": "2000-01-01"}, headers))["calls"]["total"] == 0
    for variables, param in (
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"status": "ended"}, "status"),
        ({"from": "yesterday"}, "from"),
        ({"to": ""}, "to"),
    ):
        expected = {"code": "invalid_request", "status": 400, "param": param}
        assert gql_error(await gql(client, LIST, variables, headers)) == expected, variables
        rest_params = {k: str(v) for k, v in variables.items()}
        r = await client.get("/v1/calls", params=rest_params, headers=headers)
        assert rest_error(r) == expected, variables


# --- the same errors as REST -----------------------------------------------------------

BAD_INPUT = [
    ("not e164", {"to": "0612345678"}, ("invalid_phone_number", "to")),
    ("invalid number", {"to": "+2120000"}, ("invalid_phone_number", "to")),
    ("empty agent", {"agentId": ""}, ("invalid_request", "agentId")),
    ("unknown agent", {"agentId": "agent_nope"}, ("agent_not_configured", "agentId")),
    ("metadata not object", {"metadata": [1]}, ("invalid_request", "metadata")),
    ("oversized metadata", {"metadata": {"blob": "x" * 17000}}, ("invalid_request", "metadata")),
    ("from not ours", {"from": "+212520123456"}, ("invalid_request", "from")),
]


@pytest.mark.parametrize(("_case", "change", "expected"), BAD_INPUT)
async def test_create_call_errors_match_rest(
    client: httpx.AsyncClient,
    pro: tuple[TenantCtx, dict[str, str]],
    _case: str,
    change: dict[str, Any],
    expected: tuple[str, str],
) -> None:
    _, headers = pro
    code, param = expected
    body = gql_error(
        await gql(client, CREATE, {"i": {"to": TO, "agentId": AGENT, **change}}, headers)
    )
    assert body == {"code": code, "status": 400, "param": param}
    r = await client.post("/v1/calls", json={"to": TO, "agentId": AGENT, **change}, headers=headers)
    assert rest_error(r) == body
    assert await Call.all().count() == 0


async def test_create_call_with_a_disabled_agent_or_without_one(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]
) -> None:
    _, headers = pro
    # agentId is required by the schema: GraphQL rejects its absence before any resolver
    # (REST, which has no schema, says invalid_request too, with the param).
    missing = gql_error(await gql(client, CREATE, {"i": {"to": TO}}, headers))
    assert missing == {"code": "invalid_request", "status": 400}
    r = await client.post("/v1/calls", json={"to": TO}, headers=headers)
    assert rest_error(r) == {"code": "invalid_request", "status": 400, "param": "agentId"}
    await Agent.filter(agent_id=AGENT).update(enabled=False)
    expected = {"code": "agent_not_configured", "status": 400, "param": "agentId"}
    assert gql_error(await gql(client, CREATE, {"i": {"to": TO, "agentId": AGENT}}, headers)) == (
        expected
    )
    assert await Call.all().count() == 0


async def test_credentials_on_calls(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]
) -> None:
    t, headers = pro
    call = await create(client, headers)
    await wait_status(call["id"], "completed")
    await gql(
        client, 'mutation { setAllowedOrigins(origins: ["https://shop.example"]) }', {}, t.headers
    )
    publishable = {
        **bearer(await make_key(t, kind="publishable")),
        "Origin": "https://shop.example",
    }
    variables = {"i": {"to": TO, "agentId": AGENT}}
    for query, v in ((CREATE, variables), (LIST, {}), (GET, {"id": call["id"]})):
        assert gql_error(await gql(client, query, v, publishable)) == FORBIDDEN, query
        assert gql_error(await gql(client, query, v)) == {"code": "invalid_api_key", "status": 401}
    assert gql_error(await gql(client, HANGUP, {"id": call["id"]}, publishable)) == FORBIDDEN
    # GraphQL also takes the owner's access token, a member's, and the tenant key (vk_).
    _, member = await make_user(t, role="member")
    for h in (t.headers, member, bearer(t.api_key)):
        assert data(await gql(client, GET, {"id": call["id"]}, h))["call"]["id"] == call["id"]
    assert await Call.all().count() == 1


async def test_unknown_and_other_tenants_calls_are_not_found(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]
) -> None:
    _, headers = pro
    other = await make_tenant(plan="pro")
    await agents.create_agent(other.principal, {"id": AGENT, "name": "Theirs"})
    pace(sim_answer_seconds=30)  # theirs stays ringing: a transfer or hangup would show
    theirs = await create(client, bearer(await make_key(other)))
    await wait_status(theirs["id"], "ringing")
    before = await Call.get(id=theirs["id"])
    for call_id in (theirs["id"], "call_doesnotexist", ""):
        for query, variables in (
            (GET, {"id": call_id}),
            (TRANSFER, {"id": call_id, "to": "+212520999888"}),
            (HANGUP, {"id": call_id}),
        ):
            body = await gql(client, query, variables, headers)
            assert gql_error(body) == NOT_FOUND, (query, call_id)
            assert theirs["id"] not in str(body) or call_id == theirs["id"]
    after = await Call.get(id=theirs["id"])
    assert (after.status, after.updated_at) == (before.status, before.updated_at)
    assert await WebhookEvent.filter(call_id=theirs["id"]).count() == 2  # initiated, ringing
    lst = data(await gql(client, LIST, {}, headers))["calls"]
    assert lst == {"total": 0, "limit": 20, "offset": 0, "items": []}


# --- transfer and hangup -------------------------------------------------------------


async def in_progress(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    pace(sim_turn_seconds=30)
    call_id: str = (await create(client, headers))["id"]
    await wait_status(call_id, "in-progress")
    return call_id


async def test_transfer_then_conflict(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]
) -> None:
    _, headers = pro
    call_id = await in_progress(client, headers)
    bad = await gql(client, TRANSFER, {"id": call_id, "to": "0520999888"}, headers)
    assert gql_error(bad) == {"code": "invalid_phone_number", "status": 400, "param": "to"}
    done = data(
        await gql(
            client, TRANSFER, {"id": call_id, "to": "+212520999888", "m": "Un instant."}, headers
        )
    )["transferCall"]
    assert done == {"id": call_id, "status": "completed", "endedReason": "transferred"}
    call = await Call.get(id=call_id)
    assert call.transferred_to == "+212520999888"
    types = [e.type for e in await WebhookEvent.filter(call_id=call_id)]
    assert sorted(types) == sorted(
        ["call.initiated", "call.ringing", "call.answered", "call.transferred", "call.completed"]
    )
    again = await gql(client, TRANSFER, {"id": call_id, "to": "+212520999888"}, headers)
    assert gql_error(again) == {"code": "conflict", "status": 409}
    assert again["errors"][0]["message"] == (
        "only an in-progress call can be transferred; this one is completed"
    )
    r = await client.post(
        f"/v1/calls/{call_id}/transfer", json={"to": "+212520999888"}, headers=headers
    )
    assert rest_error(r) == {"code": "conflict", "status": 409}


async def test_hangup_ringing_and_in_progress(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]
) -> None:
    _, headers = pro
    answered = await in_progress(client, headers)
    assert data(await gql(client, HANGUP, {"id": answered}, headers))["hangupCall"] == {
        "id": answered,
        "status": "completed",
        "endedReason": "agent-hangup",
    }
    pace(sim_answer_seconds=30)
    ringing = (await create(client, headers))["id"]
    await wait_status(ringing, "ringing")
    assert data(await gql(client, HANGUP, {"id": ringing}, headers))["hangupCall"] == {
        "id": ringing,
        "status": "failed",
        "endedReason": "canceled",
    }
    again = await gql(client, HANGUP, {"id": ringing}, headers)
    assert gql_error(again) == {"code": "conflict", "status": 409}
    assert again["errors"][0]["message"] == "the call already ended (failed)"


# --- the agent of each call: one query for a page --------------------------------------


@pytest.fixture
def sql_log() -> Iterator[list[str]]:
    """Every statement the default connection runs (wrapped, results untouched)."""
    conn = connections.get("default")
    original = conn.execute_query
    statements: list[str] = []

    async def counting(query: str, values: list[Any] | None = None) -> Any:
        statements.append(query)
        return await original(query, values)

    conn.execute_query = counting  # type: ignore[method-assign]
    try:
        yield statements
    finally:
        del conn.execute_query


async def make_call(tenant_id: str, agent_id: str) -> Call:
    """A finished call row, as the status machine leaves it."""
    return await Call.create(
        id=new_id("call"),
        tenant_id=tenant_id,
        agent_id=agent_id,
        status="completed",
        to_number=TO,
        ended_reason="customer-hangup",
        transcript=[{"role": "agent", "content": "Bonjour", "startMs": 0}],
        latency={"p50Ms": 412.4, "p95Ms": 790},
    )


def agent_queries(statements: list[str]) -> list[str]:
    return [s for s in statements if re.search(r'FROM\s+"?agents"?', s)]


async def test_agents_of_a_page_of_calls_cost_one_query(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]], sql_log: list[str]
) -> None:
    t, headers = pro
    await agents.create_agent(t.principal, {"id": "agent_sales_en", "name": "Sales EN"})
    # Another tenant's agent with the same slug must not be picked.
    other = await make_tenant()
    await agents.create_agent(other.principal, {"id": AGENT, "name": "Not yours"})
    slugs = [AGENT, "agent_sales_en", "agent_deleted"] * 4
    for slug in slugs:
        await make_call(t.id, slug)
    sql_log.clear()
    query = "{ calls(limit: 100) { total items { agentId latency { p50Ms p95Ms } agent { id name } } } }"
    page = data(await gql(client, query, {}, headers))["calls"]
    assert page["total"] == len(slugs)
    names = {AGENT: "Support FR", "agent_sales_en": "Sales EN"}
    for item in page["items"]:
        expected = names.get(item["agentId"])
        assert item["agent"] == ({"id": item["agentId"], "name": expected} if expected else None)
        assert item["latency"] == {"p50Ms": 412, "p95Ms": 790}
    assert len(agent_queries(sql_log)) == 1, agent_queries(sql_log)

    # The same holds with one call or none: never one query per call.
    sql_log.clear()
    one = "{ calls(limit: 1, offset: 1) { items { agentId agent { id } } } }"
    [item] = data(await gql(client, one, {}, headers))["calls"]["items"]
    assert item["agent"] == ({"id": item["agentId"]} if item["agentId"] in names else None)
    assert len(agent_queries(sql_log)) == 1


# --- agents and phone numbers ----------------------------------------------------------

AGENT_FIELDS = """
  id name language persona instructions greeting voice tools faq { question answer }
  transferNumber maxDuration enabled createdAt updatedAt
"""


async def test_agent_crud_matches_rest(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]
) -> None:
    _, headers = pro
    created = data(
        await gql(
            client,
            f"mutation($i: CreateAgentInput!) {{ createAgent(input: $i) {{ {AGENT_FIELDS} }} }}",
            {
                "i": {
                    "id": "agent_sales_en",
                    "name": "Sales",
                    "language": "en",
                    "faq": [{"question": "Hours?", "answer": "9 to 5."}],
                    "transferNumber": "+212520999888",
                }
            },
            headers,
        )
    )["createAgent"]
    rest = (await client.get("/v1/agents/agent_sales_en", headers=headers)).json()
    stamps = ("createdAt", "updatedAt")
    assert {k: v for k, v in created.items() if k not in stamps} == {
        k: v for k, v in rest.items() if k not in stamps
    }
    assert [to_second(created[k]) for k in stamps] == [rest[k] for k in stamps]
    assert created["tools"] == list(agents.TOOLS)
    dup = await gql(
        client,
        'mutation { createAgent(input: {id: "agent_sales_en", name: "Again"}) { id } }',
        {},
        headers,
    )
    assert gql_error(dup) == {"code": "conflict", "status": 409, "param": "id"}
    updated = data(
        await gql(
            client,
            'mutation { updateAgent(id: "agent_sales_en", input: {maxDuration: 120, transferNumber: null}) '
            "{ maxDuration transferNumber name } }",
            {},
            headers,
        )
    )["updateAgent"]
    assert updated == {"maxDuration": 120, "transferNumber": None, "name": "Sales"}
    bad = await gql(
        client,
        'mutation { updateAgent(id: "agent_sales_en", input: {maxDuration: 5}) { id } }',
        {},
        headers,
    )
    assert gql_error(bad) == {"code": "invalid_request", "status": 400, "param": "maxDuration"}
    page = data(
        await gql(client, "{ agents(limit: 1) { total limit offset items { id } } }", {}, headers)
    )
    assert page["agents"] == {"total": 2, "limit": 1, "offset": 0, "items": [{"id": AGENT}]}
    assert gql_error(await gql(client, "{ agents(limit: 101) { total } }", {}, headers)) == {
        "code": "invalid_request",
        "status": 400,
        "param": "limit",
    }
    deleted = data(
        await gql(
            client, 'mutation { deleteAgent(id: "agent_sales_en") { id deleted } }', {}, headers
        )
    )
    assert deleted == {"deleteAgent": {"id": "agent_sales_en", "deleted": True}}
    gone = await gql(client, '{ agent(id: "agent_sales_en") { id } }', {}, headers)
    assert gql_error(gone) == NOT_FOUND
    assert (await client.get("/v1/agents/agent_sales_en", headers=headers)).status_code == 404


async def test_agent_changes_need_a_manager(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]
) -> None:
    t, _ = pro
    _, member = await make_user(t, role="member")
    body = await gql(client, 'mutation { createAgent(input: {name: "X"}) { id } }', {}, member)
    assert gql_error(body) == FORBIDDEN
    assert data(await gql(client, "{ agents { total } }", {}, member)) == {"agents": {"total": 1}}
    assert await Agent.filter(tenant_id=t.id).count() == 1


async def test_phone_numbers(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]
) -> None:
    _, headers = pro
    add = "mutation($i: AddPhoneNumberInput!) { addPhoneNumber(input: $i) { id number label isDefault carrier createdAt } }"
    first = data(
        await gql(client, add, {"i": {"number": "+212520000111", "label": "Casa"}}, headers)
    )["addPhoneNumber"]
    assert (first["number"], first["label"], first["isDefault"], first["carrier"]) == (
        "+212520000111",
        "Casa",
        True,
        "simulated",
    )
    second = data(
        await gql(client, add, {"i": {"number": "+212520000222", "isDefault": True}}, headers)
    )["addPhoneNumber"]
    assert second["isDefault"] is True
    bad = await gql(client, add, {"i": {"number": "0520000333"}}, headers)
    assert gql_error(bad) == {"code": "invalid_phone_number", "status": 400, "param": "number"}
    dup = await gql(client, add, {"i": {"number": "+212520000111"}}, headers)
    assert gql_error(dup) == {"code": "conflict", "status": 409, "param": "number"}
    # Another tenant adding this tenant's number learns nothing: it simply gets its own row.
    other = {"Authorization": f"Bearer {await make_key(await make_tenant(plan='pro'))}"}
    theirs = data(await gql(client, add, {"i": {"number": "+212520000111"}}, other))
    assert theirs["addPhoneNumber"]["id"] != first["id"]
    assert theirs["addPhoneNumber"]["isDefault"] is True
    listing = "{ phoneNumbers { total limit offset items { number isDefault } } }"
    assert data(await gql(client, listing, {}, headers))["phoneNumbers"] == {
        "total": 2,
        "limit": 100,
        "offset": 0,
        "items": [
            {"number": "+212520000111", "isDefault": False},
            {"number": "+212520000222", "isDefault": True},
        ],
    }
    rest = (await client.get("/v1/phone-numbers", headers=headers)).json()
    assert [n["id"] for n in rest["data"]] == [first["id"], second["id"]]
    removed = await gql(
        client,
        "mutation($id: ID!) { removePhoneNumber(id: $id) { id deleted } }",
        {"id": second["id"]},
        headers,
    )
    assert data(removed) == {"removePhoneNumber": {"id": second["id"], "deleted": True}}
    assert data(await gql(client, listing, {}, headers))["phoneNumbers"]["items"] == [
        {"number": "+212520000111", "isDefault": True}
    ]
    # A call placed without `from` uses the default number as caller id.
    call = await create(client, headers)
    assert call["from"] == "+212520000111"
    assert gql_error(await gql(client, "{ phoneNumbers(limit: 0) { total } }", {}, headers)) == {
        "code": "invalid_request",
        "status": 400,
        "param": "limit",
    }
