"""The platform superadmin's tenant management (list and search, plan, suspend, reactivate)
and the audit log /api/logs, over REST and GraphQL."""

import httpx

from models.audit import AuditLog
from models.tenant import Tenant
from resolvers import demo
from resolvers.security import issue_access_token
from tests.factories import PASSWORD, assert_error, make_tenant, make_user
from tests.graphql import bearer, data, gql, gql_error

TENANTS = "/api/admin/tenants"


async def _root() -> dict[str, str]:
    root = await demo.create_superadmin("root@platform.example", PASSWORD, "Root")
    token, _ = issue_access_token(root.id, None, "superadmin")
    return bearer(token)


async def test_a_superadmin_finds_tenants(client: httpx.AsyncClient) -> None:
    root = await _root()
    riad = await make_tenant(plan="pro", company="Riad Atlas", email="owner@riad.example")
    await make_tenant(plan="starter", company="Clinique Anfa")
    r = await client.get(TENANTS, params={"q": "riad"}, headers=root)
    assert r.status_code == 200, r.text
    assert [t["id"] for t in r.json()["data"]] == [riad.id]
    assert r.json()["data"][0]["plan"] == "pro"
    by_email = (await client.get(TENANTS, params={"q": "owner@riad"}, headers=root)).json()
    assert [t["id"] for t in by_email["data"]] == [riad.id]
    starters = (await client.get(TENANTS, params={"plan": "starter"}, headers=root)).json()
    assert {t["plan"] for t in starters["data"]} == {"starter"}
    everyone = (await client.get(TENANTS, headers=root)).json()
    assert everyone["total"] >= 2
    # Not a superadmin: refused, whoever asks.
    assert_error(await client.get(TENANTS, headers=riad.headers), 403, "insufficient_permissions")
    assert_error(
        await client.get(TENANTS, params={"plan": "gold"}, headers=root),
        400,
        "invalid_request",
        param="plan",
    )
    got = data(
        await gql(
            client, '{ platformTenants(q: "riad") { total items { id plan } } }', headers=root
        )
    )
    assert got["platformTenants"] == {"total": 1, "items": [{"id": riad.id, "plan": "pro"}]}


async def test_a_superadmin_changes_a_plan(client: httpx.AsyncClient) -> None:
    root = await _root()
    t = await make_tenant(plan="starter")
    r = await client.put(f"{TENANTS}/{t.id}/plan", json={"plan": "enterprise"}, headers=root)
    assert (r.status_code, r.json()["plan"]) == (200, "enterprise")
    usage = (await client.get(f"/api/tenants/{t.id}/usage", headers=t.headers)).json()
    assert "hitl" in usage["features_enabled"]
    assert_error(
        await client.put(f"{TENANTS}/{t.id}/plan", json={"plan": "pro"}, headers=t.headers),
        403,
        "insufficient_permissions",
    )
    changed = data(
        await gql(
            client,
            f'mutation {{ changeTenantPlan(tenantId: "{t.id}", plan: "pro") {{ plan }} }}',
            headers=root,
        )
    )
    assert changed["changeTenantPlan"]["plan"] == "pro"
    assert await AuditLog.filter(tenant_id=t.id, action="tenant.plan_changed").count() == 2


async def test_a_suspended_tenant_stops_at_once_and_comes_back(client: httpx.AsyncClient) -> None:
    root = await _root()
    t = await make_tenant(plan="pro", email="boss@shop.example")
    other = await make_tenant(plan="pro")
    key = bearer(t.api_key)
    login = await client.post(
        "/api/auth/login", json={"email": "boss@shop.example", "password": PASSWORD}
    )
    refresh_token = login.json()["refresh_token"]
    assert (await client.get("/v1/agents", headers=key)).status_code == 200
    assert_error(
        await client.post(f"{TENANTS}/{t.id}/suspend", json={}, headers=root),
        400,
        "invalid_request",
        param="reason",
    )
    r = await client.post(
        f"{TENANTS}/{t.id}/suspend", json={"reason": "unpaid invoices"}, headers=root
    )
    assert r.status_code == 200, r.text
    assert (r.json()["suspendedReason"], r.json()["suspendedAt"] is not None) == (
        "unpaid invoices",
        True,
    )
    # Keys, access tokens, logins and refreshes: refused at once.
    for response in (
        await client.get("/v1/agents", headers=key),
        await client.get(f"/api/tenants/{t.id}/usage", headers=t.headers),
        await client.post(
            "/api/auth/login", json={"email": "boss@shop.example", "password": PASSWORD}
        ),
        await client.post("/api/auth/refresh", json={"refresh_token": refresh_token}),
    ):
        assert_error(response, 403, "insufficient_permissions")
        assert "suspended" in response.json()["error"]["message"]
    # Another tenant goes on as before.
    assert (await client.get("/v1/agents", headers=bearer(other.api_key))).status_code == 200
    assert_error(
        await client.post(f"{TENANTS}/{t.id}/suspend", json={"reason": "again"}, headers=root),
        409,
        "conflict",
    )
    assert (await Tenant.get(id=t.id)).suspended_at is not None

    r = await client.post(f"{TENANTS}/{t.id}/reactivate", headers=root)
    assert (r.status_code, r.json()["suspendedAt"]) == (200, None)
    assert (await client.get("/v1/agents", headers=key)).status_code == 200
    assert_error(await client.post(f"{TENANTS}/{t.id}/reactivate", headers=root), 409, "conflict")
    actions = [
        a.action
        for a in await AuditLog.filter(tenant_id=t.id, action__startswith="tenant.").order_by(
            "created_at"
        )
    ]
    assert actions[-2:] == ["tenant.suspended", "tenant.reactivated"]
    # GraphQL does the same, and refuses a tenant's own owner.
    error = gql_error(
        await gql(
            client,
            f'mutation {{ suspendTenant(tenantId: "{t.id}", reason: "x") {{ id }} }}',
            headers=t.headers,
        )
    )
    assert error["code"] == "insufficient_permissions"
    done = data(
        await gql(
            client,
            f'mutation {{ suspendTenant(tenantId: "{t.id}", reason: "fraud") {{ suspendedReason }} }}',
            headers=root,
        )
    )
    assert done["suspendTenant"]["suspendedReason"] == "fraud"


async def test_logs_across_tenants_for_superadmins_own_for_owners(
    client: httpx.AsyncClient,
) -> None:
    root = await _root()
    a, b = await make_tenant(plan="pro"), await make_tenant(plan="pro")
    for t in (a, b):
        r = await client.put(
            f"/api/tenants/{t.id}/allowed-origins",
            json={"origins": ["https://shop.example"]},
            headers=t.headers,
        )
        assert r.status_code == 200, r.text
    every = (await client.get("/api/logs", params={"limit": 100}, headers=root)).json()
    assert {a.id, b.id} <= {e["tenantId"] for e in every["data"]}
    own = (await client.get("/api/logs", params={"limit": 100}, headers=a.headers)).json()
    assert own["total"] >= 1
    assert {e["tenantId"] for e in own["data"]} == {a.id}
    one = (
        await client.get("/api/logs", params={"tenantId": b.id, "limit": 100}, headers=root)
    ).json()
    assert {e["tenantId"] for e in one["data"]} == {b.id}
    assert_error(
        await client.get("/api/logs", params={"tenantId": b.id}, headers=a.headers),
        404,
        "resource_not_found",
    )
    _, member = await make_user(a, role="member")
    assert_error(await client.get("/api/logs", headers=member), 403, "insufficient_permissions")
    got = data(await gql(client, "{ auditLog(limit: 100) { items { tenantId } } }", headers=root))
    assert {a.id, b.id} <= {e["tenantId"] for e in got["auditLog"]["items"]}
