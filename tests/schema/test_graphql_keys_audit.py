"""GraphQL key management (secret and publishable keys) and the paginated audit log."""

import re
from typing import Any

import httpx
import pytest

from models.audit import AuditLog
from models.credential import ApiKey
from resolvers.security import sha256_hex
from tests.factories import make_key, make_tenant, make_user
from tests.graphql import bearer, data, gql, gql_error

CREATE = """
mutation($kind: ApiKeyKind!, $mode: ApiKeyMode, $name: String) {
  createApiKey(kind: $kind, mode: $mode, name: $name) {
    secret key { id kind mode name masked createdAt lastUsedAt revokedAt }
  }
}"""
LIST = """
query($all: Boolean! = false) {
  apiKeys(includeRevoked: $all) { id kind mode name masked lastUsedAt revokedAt }
}"""
REVOKE = "mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }"
AUDIT = """
query($limit: Int, $offset: Int, $action: String) {
  auditLog(limit: $limit, offset: $offset, action: $action) {
    total limit offset items { id action actorId actorKind target data ip createdAt }
  }
}"""
FORBIDDEN = {"code": "insufficient_permissions", "status": 403}
INVALID_KEY = {"code": "invalid_api_key", "status": 401}


# --- createApiKey --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "mode", "prefix"),
    [
        ("SECRET", "LIVE", "voc_sk_live_"),
        ("SECRET", "TEST", "voc_sk_test_"),
        ("PUBLISHABLE", "LIVE", "voc_pk_live_"),
    ],
)
async def test_create_api_key_prefixes(
    client: httpx.AsyncClient, kind: str, mode: str, prefix: str
) -> None:
    t = await make_tenant()
    body = await gql(client, CREATE, {"kind": kind, "mode": mode, "name": "server"}, t.headers)
    created = data(body)["createApiKey"]
    secret = created["secret"]
    assert re.fullmatch(re.escape(prefix) + r"[0-9A-Za-z]{38}", secret)
    rest = secret[len(prefix) :]
    assert created["key"] == {
        "id": created["key"]["id"],
        "kind": kind.lower(),
        "mode": mode.lower(),
        "name": "server",
        "masked": f"{prefix}{rest[:4]}…{rest[-4:]}",
        "createdAt": created["key"]["createdAt"],
        "lastUsedAt": None,
        "revokedAt": None,
    }
    assert created["key"]["id"].startswith("key_")
    row = await ApiKey.get(id=created["key"]["id"])
    assert row.key_hash == sha256_hex(secret)
    assert secret not in (row.masked, row.name, row.key_hash)
    entry = await AuditLog.get(tenant_id=t.id, action="api_key.created")
    assert (entry.target, entry.data) == (
        row.id,
        {"kind": kind.lower(), "mode": mode.lower(), "name": "server"},
    )


async def test_mode_defaults_to_live(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    created = data(await gql(client, CREATE, {"kind": "SECRET"}, t.headers))["createApiKey"]
    assert created["secret"].startswith("voc_sk_live_")
    assert (created["key"]["mode"], created["key"]["name"]) == ("live", "")


async def test_publishable_test_keys_do_not_exist(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    body = await gql(client, CREATE, {"kind": "PUBLISHABLE", "mode": "TEST"}, t.headers)
    assert gql_error(body) == {"code": "invalid_request", "status": 400, "param": "mode"}
    assert await ApiKey.filter(tenant_id=t.id).count() == 1  # the vk_ key only


async def test_only_owners_and_admins_manage_keys(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    _, admin = await make_user(t, role="admin")
    assert data(await gql(client, CREATE, {"kind": "SECRET"}, admin))["createApiKey"]["secret"]
    _, member = await make_user(t, role="member")
    secret = bearer(await make_key(t))
    for headers in (member, secret):
        assert gql_error(await gql(client, CREATE, {"kind": "SECRET"}, headers)) == FORBIDDEN
        assert gql_error(await gql(client, LIST, {}, headers)) == FORBIDDEN
    assert gql_error(await gql(client, CREATE, {"kind": "SECRET"})) == INVALID_KEY
    assert await ApiKey.filter(tenant_id=t.id).count() == 3


# --- listing -------------------------------------------------------------------------


async def test_keys_are_listed_masked_never_in_clear(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    secrets = []
    for kind, mode in (("SECRET", "LIVE"), ("SECRET", "TEST"), ("PUBLISHABLE", "LIVE")):
        body = await gql(client, CREATE, {"kind": kind, "mode": mode, "name": kind}, t.headers)
        secrets.append(data(body)["createApiKey"]["secret"])
    r = await client.post("/graphql", json={"query": LIST}, headers=t.headers)
    listed = r.json()["data"]["apiKeys"]
    assert [(k["kind"], k["mode"], k["name"]) for k in listed] == [
        ("publishable", "live", "PUBLISHABLE"),
        ("secret", "test", "SECRET"),
        ("secret", "live", "SECRET"),
        ("tenant", "live", "tenant key"),
    ]
    masks = [k["masked"] for k in listed]
    assert masks == [f"{s[:16]}…{s[-4:]}" for s in reversed(secrets)] + [
        f"vk_{t.api_key[3:7]}…{t.api_key[-4:]}"
    ]
    for clear in (*secrets, t.api_key):
        assert clear not in r.text
        assert clear[16:-4] not in r.text


# --- revokeApiKey --------------------------------------------------------------------


async def test_revoked_key_fails_at_once(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    created = data(await gql(client, CREATE, {"kind": "SECRET"}, t.headers))["createApiKey"]
    key = bearer(created["secret"])
    assert data(await gql(client, "{ tenant { id } }", headers=key)) == {"tenant": {"id": t.id}}
    # A valid secret key is refused by dashboard routes (403), a revoked one is not a key (401).
    r = await client.get("/api/auth/me", headers=key)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "insufficient_permissions")

    revoked = data(await gql(client, REVOKE, {"id": created["key"]["id"]}, t.headers))
    assert revoked["revokeApiKey"]["id"] == created["key"]["id"]
    assert revoked["revokeApiKey"]["revokedAt"] is not None

    assert gql_error(await gql(client, "{ tenant { id } }", headers=key)) == INVALID_KEY
    r = await client.get("/api/auth/me", headers=key)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_api_key"

    # Idempotent, hidden from the default listing, visible with includeRevoked.
    again = data(await gql(client, REVOKE, {"id": created["key"]["id"]}, t.headers))
    assert again == revoked
    active = data(await gql(client, LIST, {}, t.headers))["apiKeys"]
    assert [k["kind"] for k in active] == ["tenant"]
    everything = data(await gql(client, LIST, {"all": True}, t.headers))["apiKeys"]
    assert [(k["kind"], k["revokedAt"]) for k in everything] == [
        ("secret", revoked["revokeApiKey"]["revokedAt"]),
        ("tenant", None),
    ]
    assert everything[0]["id"] == created["key"]["id"]
    assert await AuditLog.filter(tenant_id=t.id, action="api_key.revoked").count() == 1


async def test_revoke_unknown_key_is_not_found(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    body = await gql(client, REVOKE, {"id": "key_doesnotexist"}, t.headers)
    assert gql_error(body) == {"code": "resource_not_found", "status": 404, "param": "id"}


# --- keys as credentials -------------------------------------------------------------


@pytest.mark.parametrize(("kind", "mode"), [("secret", "live"), ("secret", "test")])
async def test_a_secret_key_authenticates_graphql_queries(
    client: httpx.AsyncClient, kind: str, mode: str
) -> None:
    t = await make_tenant(plan="pro")
    key = bearer(await make_key(t, kind=kind, mode=mode))
    body = await gql(
        client,
        "{ tenant { id plan allowedOrigins usage { plan } widgetConfig { position } } }",
        headers=key,
    )
    assert data(body) == {
        "tenant": {
            "id": t.id,
            "plan": "pro",
            "allowedOrigins": [],
            "usage": {"plan": "pro"},
            "widgetConfig": {"position": "bottom-right"},
        }
    }
    row = await ApiKey.get(tenant_id=t.id, kind=kind, mode=mode)
    assert row.last_used_at is not None
    # Dashboard-only data needs a user.
    assert gql_error(await gql(client, "{ me { id } }", headers=key)) == FORBIDDEN
    for field in ("apiKey { masked }", "webhookEndpoints { id }", "actions { id }"):
        assert gql_error(await gql(client, f"{{ tenant {{ {field} }} }}", headers=key)) == FORBIDDEN


async def test_publishable_key_on_graphql(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    await gql(
        client,
        'mutation { setAllowedOrigins(origins: ["https://shop.example"]) }',
        headers=t.headers,
    )
    pk = await make_key(t, kind="publishable")
    allowed = {**bearer(pk), "Origin": "https://shop.example"}
    # From an allowed origin it authenticates, but reaches no tenant query.
    for query in ("{ tenant { id } }", "{ tenant { allowedOrigins } }", LIST, "{ me { id } }"):
        assert gql_error(await gql(client, query, headers=allowed)) == FORBIDDEN, query
    # Without an Origin, or from one the tenant did not allow, the key itself is refused.
    for origin in (None, "https://evil.example"):
        headers = bearer(pk) | ({"Origin": origin} if origin else {})
        assert gql_error(await gql(client, "{ tenant { id } }", headers=headers)) == FORBIDDEN
        r = await client.get("/api/auth/me", headers=headers)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "insufficient_permissions"
        assert "access-control-allow-origin" not in r.headers
    # A tenant's origins get CORS only on widget routes: a script on its site cannot read
    # GraphQL answers with a user's token.
    r = await client.post("/graphql", json={"query": "{ tenant { id } }"}, headers=allowed)
    assert "access-control-allow-origin" not in r.headers


# --- auditLog ------------------------------------------------------------------------


async def _audit(
    client: httpx.AsyncClient, headers: dict[str, str], **variables: Any
) -> dict[str, Any]:
    page: dict[str, Any] = data(await gql(client, AUDIT, variables, headers))["auditLog"]
    return page


async def test_audit_log_pages_newest_first(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    for origin in ("https://a.example", "https://b.example", "https://c.example"):
        await gql(
            client,
            "mutation($o: String!) { setAllowedOrigins(origins: [$o]) }",
            {"o": origin},
            t.headers,
        )
    await gql(client, CREATE, {"kind": "SECRET", "name": "ci"}, t.headers)
    await gql(client, "mutation { rotateTenantApiKey { masked } }", headers=t.headers)

    full = await _audit(client, t.headers, limit=100)
    assert (full["total"], full["limit"], full["offset"]) == (6, 100, 0)
    assert [e["action"] for e in full["items"]] == [
        "tenant.api_key_rotated",
        "api_key.created",
        "tenant.origins_updated",
        "tenant.origins_updated",
        "tenant.origins_updated",
        "tenant.registered",
    ]
    times = [e["createdAt"] for e in full["items"]]
    assert times == sorted(times, reverse=True)
    assert [e["data"]["origins"] for e in full["items"][2:5]] == [
        ["https://c.example"],
        ["https://b.example"],
        ["https://a.example"],
    ]
    rotated = full["items"][0]
    assert (rotated["actorId"], rotated["actorKind"], rotated["ip"]) == (
        t.owner.id,
        "user",
        "127.0.0.1",
    )
    assert rotated["id"].startswith("aud_")

    pages = []
    for offset in range(0, 6, 4):
        page = await _audit(client, t.headers, limit=4, offset=offset)
        assert (page["total"], page["limit"], page["offset"]) == (6, 4, offset)
        pages.extend(page["items"])
    assert pages == full["items"]
    assert (await _audit(client, t.headers, limit=1))["items"] == full["items"][:1]
    beyond = await _audit(client, t.headers, offset=6)
    assert (beyond["items"], beyond["total"], beyond["limit"]) == ([], 6, 20)

    filtered = await _audit(client, t.headers, action="tenant.origins_updated", limit=2)
    assert filtered["total"] == 3
    assert filtered["items"] == full["items"][2:4]
    assert (await _audit(client, t.headers, action="nothing.happened"))["total"] == 0


@pytest.mark.parametrize(
    ("variables", "param"),
    [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"offset": -1}, "offset")],
)
async def test_audit_log_bounds(
    client: httpx.AsyncClient, variables: dict[str, int], param: str
) -> None:
    t = await make_tenant()
    body = await gql(client, AUDIT, variables, t.headers)
    assert gql_error(body) == {"code": "invalid_request", "status": 400, "param": param}


async def test_audit_log_is_for_owners_and_admins(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    _, admin = await make_user(t, role="admin")
    assert (await _audit(client, admin))["total"] == 1
    for role in ("member", "viewer"):
        _, headers = await make_user(t, role=role)
        assert gql_error(await gql(client, AUDIT, {}, headers)) == FORBIDDEN
    assert gql_error(await gql(client, AUDIT, {}, bearer(await make_key(t)))) == FORBIDDEN
    assert gql_error(await gql(client, AUDIT)) == INVALID_KEY
