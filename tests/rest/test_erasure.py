"""DELETE /api/tenants/{id}/data (GDPR erasure) end to end.

Which rows belong to a tenant is worked out here from the models themselves, independently of
the resolver: every model registered with Tortoise, every column that holds the tenant id
(``tenant_id`` fields, foreign keys to tenants under any name) and, transitively, every row that
points at such a row (a refresh token through its user). A model added later is covered without
touching this file.
"""

from typing import Any

import httpx
import pytest
from tortoise import Tortoise
from tortoise.models import Model

from models.audit import AuditLog
from models.base import new_id
from models.knowledge import KnowledgeJob
from models.tenant import Tenant
from models.user import RefreshToken
from resolvers import usage
from tests.factories import PASSWORD, TenantCtx, assert_error, make_key, make_tenant, make_user

PUBLIC_URL = "https://93.184.215.14/hook"


def _models() -> list[type[Model]]:
    return [m for app in (Tortoise.apps or {}).values() for m in app.values()]


def _pk(model: type[Model]) -> str:
    return model._meta.pk_attr


def _references(model: type[Model]) -> list[tuple[str, type[Model]]]:
    """(column, parent model) for every foreign key and one-to-one key of a model."""
    out = []
    for name in (*model._meta.fk_fields, *model._meta.o2o_fields):
        field = model._meta.fields_map[name]
        out.append((field.source_field or f"{name}_id", field.related_model))
    return out


async def tenant_rows(
    tenant_id: str, known: dict[type[Model], set[Any]] | None = None
) -> dict[type[Model], set[Any]]:
    """Primary keys of every row that belongs to the tenant, per model.

    ``known`` adds parent keys found earlier, so rows left pointing at deleted parents
    (orphans) are found too.
    """
    found: dict[type[Model], set[Any]] = {m: set() for m in _models()}
    found[Tenant] = set(await Tenant.filter(id=tenant_id).values_list("id", flat=True))
    for model in _models():
        if model is not Tenant and "tenant_id" in model._meta.fields_map:
            found[model] |= set(
                await model.filter(tenant_id=tenant_id).values_list(_pk(model), flat=True)
            )

    def parents(model: type[Model]) -> set[Any]:
        ids = found[model] | (known or {}).get(model, set())
        return ids | {tenant_id} if model is Tenant else ids

    changed = True
    while changed:
        changed = False
        for model in _models():
            for column, parent in _references(model):
                ids = parents(parent)
                if not ids:
                    continue
                rows = set(
                    await model.filter(**{f"{column}__in": list(ids)}).values_list(
                        _pk(model), flat=True
                    )
                )
                if not rows <= found[model]:
                    found[model] |= rows
                    changed = True
    return found


def _by_table(rows: dict[type[Model], set[Any]]) -> dict[str, int]:
    return {m._meta.db_table: len(ids) for m, ids in rows.items() if ids}


async def _row_values(rows: dict[type[Model], set[Any]]) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for model, ids in rows.items():
        values = await model.filter(pk__in=list(ids)).order_by(_pk(model)).values()
        out[model._meta.db_table] = values
    return out


async def populate(client: httpx.AsyncClient, plan: str = "pro") -> TenantCtx:
    """A tenant with rows in every table: users and sessions, keys of every kind, origins,
    webhooks, actions, usage and audit records."""
    t = await make_tenant(plan)
    await make_user(t, "member")
    await make_user(t, "admin")
    await make_key(t, "secret", "live")
    await make_key(t, "publishable", "live")
    for _ in range(2):
        r = await client.post(
            "/api/auth/login", json={"email": t.owner.email, "password": PASSWORD}
        )
        assert r.status_code == 200
    url = f"/api/tenants/{t.id}"
    steps = [
        ("allowed-origins", {"origins": [f"https://{t.id.replace('_', '-')}.example"]}),
        ("webhooks", {"endpoints": [{"url": PUBLIC_URL}]}),
        (
            "actions",
            {"actions": [{"type": "crm", "event": "call.completed", "target_url": PUBLIC_URL}]},
        ),
        ("widget-config", {"position": "top-left"}),
    ]
    for path, body in steps:
        r = await client.put(f"{url}/{path}", json=body, headers=t.headers)
        assert r.status_code == 200, r.text
    await usage.increment(t.id, "calls", 3)
    await usage.increment(t.id, "sessions", 1)
    # The knowledge base (entries, chunks, a crawl job) and a text conversation.
    kb = {"data": {"horaires": "Ouvert de 9h à 19h."}, "language": "fr"}
    r = await client.post(f"{url}/kb/import", json=kb, headers=t.headers)
    assert r.status_code == 200, r.text
    await KnowledgeJob.create(
        id=new_id("kbj"),
        tenant_id=t.id,
        language="fr",
        url="https://example.com/",
        status="completed",
        max_pages=1,
        max_depth=1,
        max_bytes=1000,
    )
    key = {"Authorization": f"Bearer {await make_key(t, 'secret', 'test')}"}
    agent = {"id": "agent_fr", "name": "Atlas", "language": "fr"}
    assert (await client.post("/v1/agents", json=agent, headers=key)).status_code == 201
    r = await client.post("/respond", json={"message": "Bonjour"}, headers=key)
    assert r.status_code == 200, r.text
    return t


def _confirm(t: TenantCtx) -> dict[str, str]:
    return {"confirm": f"DELETE_ALL_DATA_{t.id}"}


async def _erase(
    client: httpx.AsyncClient, t: TenantCtx, body: object, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.request(
        "DELETE",
        f"/api/tenants/{t.id}/data",
        json=body,
        headers=t.headers if headers is None else headers,
    )


EVERY_TABLE = {
    "tenants",
    "users",
    "refresh_tokens",
    "api_keys",
    "allowed_origins",
    "webhook_endpoints",
    "tenant_actions",
    "usage_counters",
    "audit_logs",
    "knowledge_documents",
    "knowledge_chunks",
    "knowledge_jobs",
    "agents",
    "conversations",
}


async def test_erasure_removes_every_row_of_the_tenant(client: httpx.AsyncClient) -> None:
    t = await populate(client)
    other = await populate(client)
    member_token = (await make_user(t, "viewer"))[1]
    refresh = (
        await client.post("/api/auth/login", json={"email": t.owner.email, "password": PASSWORD})
    ).json()["refresh_token"]
    before = await tenant_rows(t.id)
    counts = _by_table(before)
    assert set(counts) >= EVERY_TABLE, counts  # the test really exercises every table
    assert counts["users"] == 4
    assert counts["api_keys"] == 4
    other_before = await tenant_rows(other.id)
    other_values = await _row_values(other_before)
    assert not any(before[m] & other_before[m] for m in before)

    r = await _erase(client, t, _confirm(t))
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"success", "erased", "deleted"}
    assert (body["success"], body["erased"]) == (True, True)
    # The reported counts are exactly what belonged to the tenant (zero counts aside).
    assert {k: v for k, v in body["deleted"].items() if v} == counts

    # Nothing remains, in any table, but the one record of the erasure.
    after = await tenant_rows(t.id, known=before)
    erased = await AuditLog.filter(tenant_id=t.id)
    assert len(erased) == 1
    assert erased[0].action == "tenant.erased"
    assert (erased[0].actor_id, erased[0].ip) == (t.owner.id, "127.0.0.1")
    assert erased[0].data == {"deleted": body["deleted"]}
    assert {m._meta.db_table: ids for m, ids in after.items() if ids} == {
        "audit_logs": {erased[0].id}
    }
    for model, ids in before.items():
        remaining = await model.filter(pk__in=list(ids)).values_list(_pk(model), flat=True)
        assert set(remaining) <= {erased[0].id}, model._meta.db_table

    # The other tenant is untouched, row for row.
    assert await tenant_rows(other.id) == other_before
    assert await _row_values(other_before) == other_values
    r = await client.get(f"/api/tenants/{other.id}/usage", headers=other.headers)
    assert r.status_code == 200
    assert r.json()["quotas"]["calls"]["used"] == 3

    # Every credential of the erased tenant is dead.
    for headers in (t.headers, member_token):
        for path in ("/api/auth/me", f"/api/tenants/{t.id}/usage"):
            r = await client.get(path, headers=headers)
            assert_error(
                r, 401, "invalid_api_key", message="the account of this token no longer exists"
            )
    gql = await client.post(
        "/graphql",
        json={"query": "{ tenant { id } }"},
        headers={"Authorization": f"Bearer {t.api_key}"},
    )
    assert gql.json()["errors"][0]["extensions"] == {"code": "invalid_api_key", "status": 401}
    r = await client.post("/api/auth/refresh", json={"refresh_token": refresh})
    assert_error(r, 401, "invalid_api_key")
    r = await client.post("/api/auth/login", json={"email": t.owner.email, "password": PASSWORD})
    assert_error(r, 401, "invalid_api_key")
    # The email is free again.
    r = await client.post(
        "/api/auth/register",
        json={"email": t.owner.email, "password": PASSWORD, "company": "Fresh Start"},
    )
    assert r.status_code == 201


async def test_erasure_needs_the_exact_confirmation(client: httpx.AsyncClient) -> None:
    t = await populate(client)
    other = await make_tenant()
    bodies: list[dict[str, object]] = [
        {},
        {"confirm": None},
        {"confirm": True},
        {"confirm": "yes"},
        {"confirm": "DELETE_ALL_DATA"},
        {"confirm": f"delete_all_data_{t.id}"},
        {"confirm": f" DELETE_ALL_DATA_{t.id}"},
        {"confirm": f"DELETE_ALL_DATA_{t.id}\n"},
        {"confirm": f"DELETE_ALL_DATA_{other.id}"},
        {"confirm": [f"DELETE_ALL_DATA_{t.id}"]},
        {"confirmation": f"DELETE_ALL_DATA_{t.id}"},
    ]
    before = _by_table(await tenant_rows(t.id))
    for body in bodies:
        r = await _erase(client, t, body)
        assert_error(
            r,
            400,
            "invalid_request",
            param="confirm",
            message=f'confirm must be exactly "DELETE_ALL_DATA_{t.id}"',
        )
    assert _by_table(await tenant_rows(t.id)) == before
    assert await AuditLog.filter(action="tenant.erased").count() == 0


async def test_erasure_needs_a_body(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    r = await client.request("DELETE", f"/api/tenants/{t.id}/data", headers=t.headers)
    assert_error(r, 400, "invalid_request", message="a JSON object body is required")
    assert await Tenant.filter(id=t.id).exists()


@pytest.mark.parametrize("role", ["admin", "member", "viewer"])
async def test_only_the_owner_can_erase(client: httpx.AsyncClient, role: str) -> None:
    t = await populate(client)
    _, headers = await make_user(t, role)
    before = _by_table(await tenant_rows(t.id))
    r = await _erase(client, t, _confirm(t), headers)
    assert_error(r, 403, "insufficient_permissions", message="only the tenant owner can do this")
    assert _by_table(await tenant_rows(t.id)) == before


async def test_keys_and_other_tenants_cannot_erase(client: httpx.AsyncClient) -> None:
    t = await populate(client)
    other = await make_tenant()
    secret = await make_key(t, "secret")
    before = _by_table(await tenant_rows(t.id))
    for key in (t.api_key, secret):
        r = await _erase(client, t, _confirm(t), {"Authorization": f"Bearer {key}"})
        assert_error(r, 403, "insufficient_permissions")
    r = await _erase(client, t, _confirm(t), other.headers)
    assert_error(r, 404, "resource_not_found", message="tenant not found")
    r = await _erase(client, t, _confirm(t), {})
    assert_error(r, 401, "invalid_api_key")
    assert _by_table(await tenant_rows(t.id)) == before
    assert await RefreshToken.all().count() == 2
