"""GET /api/admin/health (and GraphQL adminHealth): each dependency in detail for platform
superadmins, a tenant's own part for its owner or admin, the public /api/health unchanged."""

import httpx

from models.webhook import WebhookDelivery
from resolvers import demo, outbox
from resolvers.security import issue_access_token
from resolvers.settings import Settings, configure
from tests import backends
from tests.factories import PASSWORD, TenantCtx, assert_error, make_tenant, make_user
from tests.graphql import bearer, data, gql

URL = "/api/admin/health"


async def _root() -> dict[str, str]:
    root = await demo.create_superadmin("root@platform.example", PASSWORD, "Root")
    token, _ = issue_access_token(root.id, None, "superadmin")
    return bearer(token)


async def _pending_delivery(client: httpx.AsyncClient, t: TenantCtx, events: int = 1) -> None:
    """Events for an endpoint that cannot be reached: their deliveries wait for a retry."""
    r = await client.put(
        f"/api/tenants/{t.id}/webhooks",
        json={"endpoints": [{"url": "http://127.0.0.1:9/hook"}]},
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    for _ in range(events):
        await outbox.enqueue(t.id, "call.completed", {"callId": "call_x"})


async def test_the_public_health_stays_minimal(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/health")
    assert (r.status_code, r.json()) == (200, {"status": "ok", "database": "ok", "bus": "ok"})


async def test_a_superadmin_sees_every_dependency(client: httpx.AsyncClient) -> None:
    shop = await make_tenant(plan="pro")
    await _pending_delivery(client, shop)
    r = await client.get(URL, headers=await _root())
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["scope"]) == ("ok", "platform")
    postgres = backends.backend_name() == "postgres"
    assert body["database"]["backend"] == ("postgres" if postgres else "sqlite")
    assert body["database"]["ok"] is True
    assert 0 <= body["database"]["latencyMs"] < 2000
    assert body["redis"]["configured"] is postgres  # the postgres pass runs on Redis
    assert body["redis"]["ok"] is True
    assert body["bus"] == {"backend": "redis" if postgres else "memory", "ok": True} | {
        "lagMs": body["bus"]["lagMs"]
    }
    assert 0 <= body["bus"]["lagMs"] < 2000
    assert body["outbox"]["pending"] == await WebhookDelivery.filter(status="pending").count()
    assert body["outbox"]["pending"] >= 1
    assert body["outbox"]["oldestPendingAgeSeconds"] >= 0
    assert body["stripe"] == {
        "configured": False,
        "eventsPending": 0,
        "metering": {"pending": 0, "failed": 0, "oldestPendingAgeSeconds": None},
    }
    assert body["processes"]["alive"] >= 1
    assert body["calls"] == {"active": 0}
    voice = body["voice"]
    assert voice["providers"] == {"stt": "whisper", "llm": "builtin", "tts": "espeak"}
    assert voice["workers"]["size"] >= 1
    assert 0 <= voice["workers"]["free"] <= voice["workers"]["size"]
    assert isinstance(voice["modelsLoaded"], dict)


async def test_a_dependency_down_is_reported_not_raised(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    headers = await _root()
    configure(settings.with_overrides(redis_url="redis://127.0.0.1:1/0"))
    r = await client.get(URL, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "degraded"
    redis = r.json()["redis"]
    assert (redis["configured"], redis["ok"]) == (True, False)
    assert redis["error"]


async def test_an_owner_sees_the_tenants_part_only(client: httpx.AsyncClient) -> None:
    mine, other = await make_tenant(plan="pro"), await make_tenant(plan="pro")
    await _pending_delivery(client, mine)
    await _pending_delivery(client, other, events=2)
    r = await client.get(URL, headers=mine.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"status", "scope", "tenantId", "outbox", "metering", "calls"}
    assert (body["scope"], body["tenantId"]) == ("tenant", mine.id)
    assert body["outbox"]["pending"] == 1
    # Another tenant's id is not found, for an owner; a superadmin may name any tenant.
    assert_error(
        await client.get(URL, params={"tenantId": other.id}, headers=mine.headers),
        404,
        "resource_not_found",
    )
    r = await client.get(URL, params={"tenantId": other.id}, headers=await _root())
    assert (r.json()["tenantId"], r.json()["outbox"]["pending"]) == (other.id, 2)
    # GraphQL answers the same.
    got = data(await gql(client, "{ adminHealth }", headers=mine.headers))["adminHealth"]
    assert (got["scope"], got["outbox"]["pending"]) == ("tenant", 1)


async def test_members_and_keys_are_refused(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    _, member = await make_user(t, role="member")
    assert_error(await client.get(URL, headers=member), 403, "insufficient_permissions")
    assert_error(await client.get(URL, headers=bearer(t.api_key)), 403, "insufficient_permissions")
    assert_error(await client.get(URL), 401, "invalid_api_key")
