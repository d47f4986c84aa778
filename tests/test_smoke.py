import httpx

from tests.factories import make_tenant


async def test_health_reports_database_and_bus(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok", "bus": "ok"}
    assert r.headers["x-request-id"].startswith("req_")


async def test_me_with_factory_tenant(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    r = await client.get("/api/auth/me", headers=t.headers)
    assert r.status_code == 200
    assert r.json()["user"]["tenant_id"] == t.id
    assert r.headers["x-ratelimit-limit"] == "60"
    assert r.headers["x-ratelimit-remaining"] == "59"
