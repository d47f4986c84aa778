"""Input that no database can store is the client's error on every transport, never a 500."""

import httpx
import pytest

from resolvers import auth
from resolvers.errors import DomainError
from tests.factories import make_tenant


@pytest.mark.parametrize(
    ("_case", "field", "value"),
    [
        ("nul in company", "company", "Acme\x00Corp"),
        ("lone surrogate in company", "company", "Acme\ud800"),
        ("nul in name", "name", "Ann\x00"),
        ("nul in email", "email", "a\x00b@example.com"),
        ("nul in password", "password", "long-enough\x00"),
    ],
)
async def test_register_refuses_unstorable_text(
    app: object, _case: str, field: str, value: str
) -> None:
    args = {
        "email": "new@example.com",
        "password": "long-enough-pw",
        "company": "Acme",
        "name": "Ann",
    }
    args[field] = value
    with pytest.raises(DomainError) as info:
        await auth.register(**args)
    assert info.value.code.value == "invalid_request"
    assert info.value.param == field


async def test_login_with_nul_email_is_invalid_request(app: object) -> None:
    with pytest.raises(DomainError) as info:
        await auth.login(email="x\x00@example.com", password="whatever-pw")
    assert (info.value.code.value, info.value.param) == ("invalid_request", "email")


async def test_graphql_strings_with_nul_are_refused(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    doc = 'mutation { updateMe(name: "bad\\u0000name") { name } }'
    r = await client.post("/graphql", json={"query": doc}, headers=t.headers)
    assert r.json()["errors"][0]["extensions"] == {
        "code": "invalid_request",
        "status": 400,
        "param": "name",
    }
    doc = 'mutation { revokeApiKey(id: "key_\\u0000") { id } }'
    r = await client.post("/graphql", json={"query": doc}, headers=t.headers)
    assert r.json()["errors"][0]["extensions"] == {
        "code": "invalid_request",
        "status": 400,
        "param": "id",
    }
    doc = '{ auditLog(action: "a\\u0000") { total } }'
    r = await client.post("/graphql", json={"query": doc}, headers=t.headers)
    assert r.json()["errors"][0]["extensions"] == {
        "code": "invalid_request",
        "status": 400,
        "param": "action",
    }


async def test_tenant_path_with_nul_is_not_found(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    r = await client.get(f"/api/tenants/{t.id}%00/usage", headers=t.headers)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "resource_not_found"
