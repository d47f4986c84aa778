"""/api/tenants/{id}/calls and /api/tenants/{id}/keys: what GraphQL's calls, call, apiKeys,
createApiKey and revokeApiKey give a dashboard user, over REST, with the same resolvers, the same
permissions and the same error codes."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from models.base import new_id
from models.call import Call
from models.credential import ApiKey
from resolvers import demo
from resolvers.security import issue_access_token
from tests.factories import PASSWORD, TenantCtx, assert_error, make_key, make_tenant, make_user
from tests.graphql import bearer, data, gql, gql_error, rest_error

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NO_TOKEN = "authentication required: send Authorization: Bearer <token>"
DASHBOARD_ONLY = "dashboard routes need a user access token, not an API key"
MANAGERS_ONLY = "role {role!r} cannot change tenant settings; owner or admin required"


def _calls(t: TenantCtx, suffix: str = "") -> str:
    return f"/api/tenants/{t.id}/calls{suffix}"


def _keys(t: TenantCtx, suffix: str = "") -> str:
    return f"/api/tenants/{t.id}/keys{suffix}"


async def add_call(t: TenantCtx, n: int, **fields: Any) -> Call:
    """A stored call, n hours after T0 (rows written directly: a page of calls placed through
    the carrier would need as many simultaneous-call slots)."""
    call = await Call.create(
        id=fields.pop("id", new_id("call")),
        tenant_id=t.id,
        agent_id="agent_front",
        status=fields.pop("status", "completed"),
        to_number="+212612000" + f"{n:03d}",
        from_number="+212522000100",
        **fields,
    )
    await Call.filter(id=call.id).update(created_at=T0 + timedelta(hours=n))
    return await Call.get(id=call.id)


# --- calls -----------------------------------------------------------------------------------


async def test_call_detail_is_graphqls_call_in_snake_case(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    call = await add_call(
        t,
        1,
        answered_at=T0 + timedelta(hours=1, seconds=4),
        ended_at=T0 + timedelta(hours=1, seconds=131),
        duration=127,
        transcript=[
            {"role": "agent", "content": "Bonjour, Atlas Dental.", "startMs": 0},
            {"role": "user", "content": "Je voudrais un rendez-vous.", "startMs": 2100.4},
        ],
        summary="Booked a cleaning.",
        sentiment="positive",
        lead_score=80,
        cost=Decimal("0.1300"),
        ended_reason="customer-hangup",
        metadata={"order": "A-17"},
        latency={"p50Ms": 745.2, "p95Ms": 1024, "turns": 6, "partsP50Ms": {"eot": 400}},
        tool_calls=[
            {
                "id": "fc_1",
                "name": "create_booking",
                "arguments": {"name": "Sara"},
                "result": {"ok": True},
                "at": "2026-03-01T10:00:30Z",
            }
        ],
    )
    r = await client.get(_calls(t, f"/{call.id}"), headers=t.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": call.id,
        "status": "completed",
        "direction": "outbound",
        "to": "+212612000001",
        "from": "+212522000100",
        "agent_id": "agent_front",
        "created_at": "2026-03-01T10:00:00Z",
        "answered_at": "2026-03-01T10:00:04Z",
        "ended_at": "2026-03-01T10:02:11Z",
        "duration": 127,
        "transcript": [
            {"role": "agent", "content": "Bonjour, Atlas Dental.", "start_ms": 0},
            {"role": "user", "content": "Je voudrais un rendez-vous.", "start_ms": 2100},
        ],
        "sentiment": "positive",
        "summary": "Booked a cleaning.",
        "lead_score": 80,
        "cost": 0.13,
        "ended_reason": "customer-hangup",
        "metadata": {"order": "A-17"},
        "recording_url": None,
        "latency": {
            "p50_ms": 745,
            "p95_ms": 1024,
            "turns": 6,
            "parts_p50_ms": {"eot": 400, "stt": None, "agent": None, "tts": None},
        },
        "tool_calls": [
            {
                "id": "fc_1",
                "name": "create_booking",
                "arguments": {"name": "Sara"},
                "result": {"ok": True},
                "at": "2026-03-01T10:00:30Z",
            }
        ],
    }
    g = data(
        await gql(
            client,
            "query($c: ID!) { call(id: $c) { id status to from agentId duration leadScore "
            "cost endedReason metadata transcript { role content startMs } "
            "latency { p50Ms p95Ms turns } toolCalls { id name arguments result at } } }",
            {"c": call.id},
            t.headers,
        )
    )["call"]
    rest = r.json()
    assert (g["id"], g["status"], g["to"], g["from"], g["agentId"]) == (
        rest["id"],
        rest["status"],
        rest["to"],
        rest["from"],
        rest["agent_id"],
    )
    assert (g["duration"], g["leadScore"], g["cost"], g["endedReason"], g["metadata"]) == (
        127,
        80,
        0.13,
        "customer-hangup",
        {"order": "A-17"},
    )
    assert [[x["role"], x["content"], x["startMs"]] for x in g["transcript"]] == [
        [x["role"], x["content"], x["start_ms"]] for x in rest["transcript"]
    ]
    assert (g["latency"]["p50Ms"], g["latency"]["p95Ms"], g["latency"]["turns"]) == (745, 1024, 6)
    assert g["toolCalls"] == rest["tool_calls"]


@pytest.mark.parametrize("role", ["viewer", "member", "admin", "owner"])
async def test_every_role_of_the_tenant_reads_its_calls(
    client: httpx.AsyncClient, role: str
) -> None:
    """GraphQL's calls and call take any credential of the tenant: so do these routes."""
    t = await make_tenant()
    first, second = await add_call(t, 1), await add_call(t, 2)
    headers = t.headers if role == "owner" else (await make_user(t, role=role))[1]
    r = await client.get(_calls(t), headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [c["id"] for c in body["data"]] == [second.id, first.id]
    assert (body["total"], body["limit"], body["offset"]) == (2, 20, 0)
    one = await client.get(_calls(t, f"/{first.id}"), headers=headers)
    assert one.status_code == 200, one.text
    assert one.json()["id"] == first.id
    g = data(await gql(client, "{ calls { total items { id } } }", headers=headers))["calls"]
    assert [c["id"] for c in g["items"]] == [c["id"] for c in body["data"]]


async def test_pages_and_filters_of_the_call_list(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    made = [await add_call(t, n, status="failed" if n % 5 == 0 else "completed") for n in range(25)]
    newest_first = [c.id for c in reversed(made)]

    async def page(**query: Any) -> dict[str, Any]:
        r = await client.get(_calls(t), params=query, headers=t.headers)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    default = await page()
    assert (default["total"], default["limit"], default["offset"]) == (25, 20, 0)
    assert [c["id"] for c in default["data"]] == newest_first[:20]
    rest = await page(limit=20, offset=20)
    assert [c["id"] for c in rest["data"]] == newest_first[20:]
    assert (await page(limit=1))["data"][0]["id"] == newest_first[0]
    assert len((await page(limit=100))["data"]) == 25
    assert (await page(offset=25))["data"] == []
    failed = await page(status="failed")
    assert failed["total"] == 5
    assert {c["status"] for c in failed["data"]} == {"failed"}
    # from/to on created_at: a date is its whole day, a date-time is exact.
    assert (await page(**{"from": "2026-03-01T20:00:00Z"}))["total"] == 14  # n = 11..24
    assert (await page(to="2026-03-01"))["total"] == 15
    assert (await page(**{"from": "2026-03-02", "to": "2026-03-02"}))["total"] == 10


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": str(10**9 + 1)}, "offset"),
        ({"status": "ringing-ish"}, "status"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"tenant_id": "someone_else"}, "tenant_id"),
    ],
)
async def test_bad_list_queries_are_invalid_request_as_in_graphql(
    client: httpx.AsyncClient, query: dict[str, str], param: str
) -> None:
    t = await make_tenant()
    r = await client.get(_calls(t), params=query, headers=t.headers)
    assert_error(r, 400, "invalid_request", param=param)
    graphql_args = {"limit": "limit", "offset": "offset", "status": "status", "from": "from"}
    name = next(iter(query))
    if name in graphql_args and query[name].lstrip("-").isdigit():
        g = await gql(client, f"{{ calls({name}: {query[name]}) {{ total }} }}", headers=t.headers)
        assert gql_error(g) == rest_error(r)
    elif name in ("status", "from", "to"):
        g = await gql(
            client, f'{{ calls({name}: "{query[name]}") {{ total }} }}', headers=t.headers
        )
        assert gql_error(g) == rest_error(r)


async def test_call_ids_that_name_nothing_of_the_tenant(client: httpx.AsyncClient) -> None:
    a, b = await make_tenant(), await make_tenant()
    theirs = await add_call(b, 1)
    for call_id in (theirs.id, "call_doesnotexist", "call_" + "x" * 60):
        r = await client.get(_calls(a, f"/{call_id}"), headers=a.headers)
        assert_error(r, 404, "resource_not_found", param="id", message="call not found")
        g = await gql(client, "query($c: ID!) { call(id: $c) { id } }", {"c": call_id}, a.headers)
        assert gql_error(g) == rest_error(r)
    r = await client.get(_calls(a, "/call_%00x"), headers=a.headers)
    assert_error(r, 400, "invalid_request", param="id")
    # B's own call through B's path, with A's token: the tenant is the one not found.
    r = await client.get(_calls(b, f"/{theirs.id}"), headers=a.headers)
    assert_error(r, 404, "resource_not_found", message="tenant not found")


async def test_calls_need_a_dashboard_user(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    call = await add_call(t, 1)
    for path in (_calls(t), _calls(t, f"/{call.id}")):
        assert_error(await client.get(path), 401, "invalid_api_key", message=NO_TOKEN)
        for key in (t.api_key, await make_key(t)):
            r = await client.get(path, headers=bearer(key))
            assert_error(r, 403, "insufficient_permissions", message=DASHBOARD_ONLY)


# --- keys ------------------------------------------------------------------------------------


async def test_owner_creates_lists_and_revokes_a_key(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    r = await client.post(
        _keys(t), json={"kind": "secret", "mode": "live", "name": "billing"}, headers=t.headers
    )
    assert r.status_code == 201, r.text
    created = r.json()
    secret, key = created["secret"], created["key"]
    assert secret.startswith("voc_sk_live_")
    assert set(key) == {
        "id",
        "kind",
        "mode",
        "name",
        "masked",
        "created_at",
        "last_used_at",
        "revoked_at",
    }
    assert (key["kind"], key["mode"], key["name"]) == ("secret", "live", "billing")
    assert key["masked"].startswith("voc_sk_live_")
    assert key["masked"].endswith(secret[-4:])
    assert (key["last_used_at"], key["revoked_at"]) == (None, None)
    # The key in clear is stored nowhere: only its hash and the masked form.
    row = await ApiKey.get(id=key["id"])
    assert secret not in (row.key_hash, row.masked)

    used = await client.get("/v1/calls", headers=bearer(secret))
    assert used.status_code == 200, used.text

    listed = await client.get(_keys(t), headers=t.headers)
    assert listed.status_code == 200, listed.text
    assert secret not in listed.text
    by_id = {k["id"]: k for k in listed.json()["keys"]}
    assert {k["kind"] for k in by_id.values()} == {"tenant", "secret"}
    assert by_id[key["id"]]["last_used_at"] is not None
    g = data(await gql(client, "{ apiKeys { id masked } }", headers=t.headers))["apiKeys"]
    assert [(k["id"], k["masked"]) for k in g] == [
        (k["id"], k["masked"]) for k in listed.json()["keys"]
    ]

    revoked = await client.delete(_keys(t, f"/{key['id']}"), headers=t.headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["key"]["id"] == key["id"]
    assert revoked.json()["key"]["revoked_at"] is not None
    refused = await client.get("/v1/calls", headers=bearer(secret))
    assert_error(refused, 401, "invalid_api_key")
    active = (await client.get(_keys(t), headers=t.headers)).json()["keys"]
    assert key["id"] not in {k["id"] for k in active}
    everything = await client.get(_keys(t), params={"include_revoked": "true"}, headers=t.headers)
    assert key["id"] in {k["id"] for k in everything.json()["keys"]}
    # Revoking again answers the same revoked key and changes nothing.
    again = await client.delete(_keys(t, f"/{key['id']}"), headers=t.headers)
    assert again.json() == revoked.json()


@pytest.mark.parametrize(
    ("body", "secret_prefix"),
    [
        ({"kind": "secret"}, "voc_sk_live_"),
        ({"kind": "secret", "mode": "test"}, "voc_sk_test_"),
        ({"kind": "publishable", "mode": "live", "name": None}, "voc_pk_live_"),
    ],
)
async def test_key_kinds_and_modes(
    client: httpx.AsyncClient, body: dict[str, Any], secret_prefix: str
) -> None:
    t = await make_tenant()
    r = await client.post(_keys(t), json=body, headers=t.headers)
    assert r.status_code == 201, r.text
    assert r.json()["secret"].startswith(secret_prefix)
    assert r.json()["key"]["mode"] == body.get("mode", "live")
    assert r.json()["key"]["name"] == (body.get("name") or "")


@pytest.mark.parametrize(
    ("body", "param", "graphql_args"),
    [
        ({"kind": "publishable", "mode": "test"}, "mode", "kind: PUBLISHABLE, mode: TEST"),
        ({"kind": "secret", "name": "n" * 101}, "name", f'kind: SECRET, name: "{"n" * 101}"'),
        ({"kind": "master"}, "kind", None),
        ({}, "kind", None),
        ({"kind": "secret", "mode": "staging"}, "mode", None),
    ],
)
async def test_bad_key_requests_are_invalid_request_as_in_graphql(
    client: httpx.AsyncClient, body: dict[str, Any], param: str, graphql_args: str | None
) -> None:
    t = await make_tenant()
    before = await ApiKey.filter(tenant_id=t.id).count()
    r = await client.post(_keys(t), json=body, headers=t.headers)
    assert_error(r, 400, "invalid_request", param=param)
    if graphql_args is not None:
        g = await gql(
            client, f"mutation {{ createApiKey({graphql_args}) {{ secret }} }}", headers=t.headers
        )
        assert gql_error(g) == rest_error(r)
    assert await ApiKey.filter(tenant_id=t.id).count() == before
    bad_flag = await client.get(_keys(t), params={"include_revoked": "yes"}, headers=t.headers)
    assert_error(bad_flag, 400, "invalid_request", param="include_revoked")


@pytest.mark.parametrize("role", ["viewer", "member"])
async def test_only_owners_and_admins_manage_keys(client: httpx.AsyncClient, role: str) -> None:
    t = await make_tenant()
    _, headers = await make_user(t, role=role)
    _, admin = await make_user(t, role="admin")
    existing = await ApiKey.filter(tenant_id=t.id).first()
    assert existing is not None
    before = list(await ApiKey.filter(tenant_id=t.id).order_by("id").values())
    message = MANAGERS_ONLY.format(role=role)
    for method, path, body, mutation in (
        ("GET", _keys(t), None, "query { apiKeys { id } }"),
        (
            "POST",
            _keys(t),
            {"kind": "secret"},
            "mutation { createApiKey(kind: SECRET) { secret } }",
        ),
        (
            "DELETE",
            _keys(t, f"/{existing.id}"),
            None,
            f'mutation {{ revokeApiKey(id: "{existing.id}") {{ id }} }}',
        ),
    ):
        r = await client.request(method, path, json=body, headers=headers)
        assert_error(r, 403, "insufficient_permissions", message=message)
        assert gql_error(await gql(client, mutation, headers=headers)) == rest_error(r)
    assert list(await ApiKey.filter(tenant_id=t.id).order_by("id").values()) == before
    # An admin may: the same routes answer.
    assert (await client.get(_keys(t), headers=admin)).status_code == 200
    made = await client.post(_keys(t), json={"kind": "secret"}, headers=admin)
    assert made.status_code == 201, made.text


async def test_keys_need_a_dashboard_user(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    key_id = (await ApiKey.filter(tenant_id=t.id).first()).id  # type: ignore[union-attr]
    cases = (("GET", _keys(t)), ("POST", _keys(t)), ("DELETE", _keys(t, f"/{key_id}")))
    for method, path in cases:
        r = await client.request(method, path, json={"kind": "secret"})
        assert_error(r, 401, "invalid_api_key", message=NO_TOKEN)
        r = await client.request(method, path, json={"kind": "secret"}, headers=bearer(t.api_key))
        assert_error(r, 403, "insufficient_permissions", message=DASHBOARD_ONLY)
    assert await ApiKey.filter(tenant_id=t.id, revoked_at=None).count() == 1


async def test_key_ids_that_name_nothing_of_the_tenant(client: httpx.AsyncClient) -> None:
    a, b = await make_tenant(), await make_tenant()
    b_key = await ApiKey.filter(tenant_id=b.id).first()
    assert b_key is not None
    for key_id in (b_key.id, "key_doesnotexist", "key_" + "x" * 60):
        r = await client.delete(_keys(a, f"/{key_id}"), headers=a.headers)
        assert_error(r, 404, "resource_not_found", param="id", message="api key not found")
        g = await gql(
            client, "mutation($k: ID!) { revokeApiKey(id: $k) { id } }", {"k": key_id}, a.headers
        )
        assert gql_error(g) == rest_error(r)
    r = await client.delete(_keys(a, "/key_%00x"), headers=a.headers)
    assert_error(r, 400, "invalid_request", param="id")
    assert (await ApiKey.get(id=b_key.id)).revoked_at is None
    # The key still works.
    assert (await client.get("/v1/calls", headers=bearer(b.api_key))).status_code == 200


async def test_superadmin_revokes_only_within_the_tenant_of_the_path(
    client: httpx.AsyncClient,
) -> None:
    a, b = await make_tenant(), await make_tenant()
    root = await demo.create_superadmin("root@platform.example", PASSWORD, "Root")
    token, _ = issue_access_token(root.id, None, "superadmin")
    b_key = await ApiKey.filter(tenant_id=b.id).first()
    assert b_key is not None
    r = await client.delete(_keys(a, f"/{b_key.id}"), headers=bearer(token))
    assert_error(r, 404, "resource_not_found", param="id", message="api key not found")
    assert (await ApiKey.get(id=b_key.id)).revoked_at is None
    r = await client.delete(_keys(b, f"/{b_key.id}"), headers=bearer(token))
    assert r.status_code == 200, r.text
    assert (await ApiKey.get(id=b_key.id)).revoked_at is not None
