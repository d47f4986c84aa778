"""GraphQL auth: register, login, refresh, logout, me, updateMe, changePassword — the same
behaviour and error codes as /api/auth (codes in errors[].extensions)."""

import re
from typing import Any

import httpx
import pytest

from models.credential import ApiKey
from models.tenant import Tenant
from models.user import RefreshToken, User
from resolvers import demo
from resolvers.security import issue_access_token, sha256_hex
from resolvers.settings import Settings, configure
from tests.factories import PASSWORD, make_key, make_tenant, make_user
from tests.graphql import bearer, gql, gql_error, rest_error

REGISTER = """
mutation($email: String!, $password: String!, $company: String!, $name: String,
         $plan: String, $language: String) {
  register(email: $email, password: $password, company: $company, name: $name,
           plan: $plan, language: $language) {
    tenantId apiKey plan provisioned
    user { id email name role language tenantId company }
  }
}"""
LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    accessToken refreshToken tokenType expiresIn user { id email role tenantId }
  }
}"""
REFRESH = """
mutation($t: String!) { refresh(refreshToken: $t) { accessToken refreshToken user { id } } }"""
LOGOUT = "mutation($t: String) { logout(refreshToken: $t) }"
ME = "{ me { id email name language role tenantId company } }"
UPDATE_ME = """
mutation($name: String, $company: String, $language: String) {
  updateMe(name: $name, company: $company, language: $language) { name language company }
}"""
CHANGE_PASSWORD = """
mutation($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new)
}"""


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    body = await gql(client, LOGIN, {"email": email, "password": password})
    assert "errors" not in body, body
    session: dict[str, Any] = body["data"]["login"]
    return session


# --- register ------------------------------------------------------------------------


async def test_register_provisions_a_tenant_with_its_key(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        REGISTER,
        {
            "email": "Ada@Example.com",
            "password": "long-enough-pw",
            "company": "Acme Corp",
            "name": "Ada",
            "plan": "pro",
            "language": "en",
        },
    )
    reg = body["data"]["register"]
    assert re.fullmatch(r"acme_corp_[0-9a-z]{4}", reg["tenantId"])
    assert re.fullmatch(r"vk_[0-9a-f]{48}", reg["apiKey"])
    assert (reg["plan"], reg["provisioned"]) == ("pro", True)
    assert reg["user"] == {
        "id": reg["user"]["id"],
        "email": "ada@example.com",
        "name": "Ada",
        "role": "owner",
        "language": "en",
        "tenantId": reg["tenantId"],
        "company": "Acme Corp",
    }
    assert reg["user"]["id"].startswith("usr_")
    # Stored hashed only; the key authenticates at once.
    key = await ApiKey.get(tenant_id=reg["tenantId"], kind="tenant")
    assert key.key_hash == sha256_hex(reg["apiKey"])
    assert reg["apiKey"] not in (key.masked, key.name)
    me = await gql(client, "{ tenant { id plan } }", headers=bearer(reg["apiKey"]))
    assert me == {"data": {"tenant": {"id": reg["tenantId"], "plan": "pro"}}}
    assert (await login(client, "ada@example.com", "long-enough-pw"))["user"]["role"] == "owner"


REGISTER_ERRORS = [
    ({"password": "short"}, {"code": "invalid_request", "status": 400, "param": "password"}),
    ({"email": "not-an-email"}, {"code": "invalid_request", "status": 400, "param": "email"}),
    ({"plan": "gold"}, {"code": "invalid_request", "status": 400, "param": "plan"}),
    ({"company": "  "}, {"code": "invalid_request", "status": 400, "param": "company"}),
    ({"language": "de"}, {"code": "invalid_request", "status": 400, "param": "language"}),
    ({"email": "taken@example.com"}, {"code": "conflict", "status": 409, "param": "email"}),
]


@pytest.mark.parametrize(("override", "expected"), REGISTER_ERRORS)
async def test_register_errors_match_rest(
    client: httpx.AsyncClient, override: dict[str, str], expected: dict[str, Any]
) -> None:
    await make_tenant(email="taken@example.com")
    fields = {
        "email": "new@example.com",
        "password": "long-enough-pw",
        "company": "Beta",
        **override,
    }
    assert gql_error(await gql(client, REGISTER, fields)) == expected
    r = await client.post("/api/auth/register", json=fields)
    assert r.status_code == expected["status"]
    assert rest_error(r) == expected
    assert await User.filter(email="new@example.com").count() == 0
    assert await Tenant.all().count() == 1


async def test_register_is_rate_limited_per_ip(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    configure(settings.with_overrides(register_ip_limit=(1, 3600)))
    first = {"email": "one@example.com", "password": "long-enough-pw", "company": "One"}
    assert "errors" not in await gql(client, REGISTER, first)
    second = {**first, "email": "two@example.com"}
    ext = gql_error(await gql(client, REGISTER, second))
    assert ext["code"] == "rate_limit_exceeded"
    assert ext["status"] == 429
    assert 3590 <= ext["retryAfter"] <= 3600
    r = await client.post("/api/auth/register", json=second)
    assert r.status_code == 429
    assert rest_error(r) == {"code": "rate_limit_exceeded", "status": 429}
    assert 3590 <= int(r.headers["retry-after"]) <= 3600
    assert await User.filter(email="two@example.com").count() == 0


# --- login ---------------------------------------------------------------------------


async def test_login_returns_a_session(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    session = await login(client, t.owner.email.upper())
    assert session["tokenType"] == "Bearer"
    assert session["expiresIn"] == 900
    assert session["refreshToken"].startswith("rt_")
    assert session["user"] == {
        "id": t.owner.id,
        "email": t.owner.email,
        "role": "owner",
        "tenantId": t.id,
    }
    me = await gql(client, "{ me { id } }", headers=bearer(session["accessToken"]))
    assert me == {"data": {"me": {"id": t.owner.id}}}
    assert await RefreshToken.filter(user_id=t.owner.id).count() == 1


@pytest.mark.parametrize(
    ("email", "password"),
    [("owner@known.example", "wrong-password"), ("nobody@example.com", PASSWORD)],
)
async def test_bad_credentials_are_invalid_api_key_like_rest(
    client: httpx.AsyncClient, email: str, password: str
) -> None:
    await make_tenant(email="owner@known.example")
    expected = {"code": "invalid_api_key", "status": 401}
    assert gql_error(await gql(client, LOGIN, {"email": email, "password": password})) == expected
    r = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert rest_error(r) == expected


async def test_five_failures_lock_the_account(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    for _ in range(5):
        body = await gql(client, LOGIN, {"email": t.owner.email, "password": "wrong-password"})
        assert gql_error(body) == {"code": "invalid_api_key", "status": 401}
    # Locked: even the right password is refused, on both transports.
    ext = gql_error(await gql(client, LOGIN, {"email": t.owner.email, "password": PASSWORD}))
    assert (ext["code"], ext["status"]) == ("rate_limit_exceeded", 429)
    assert 890 <= ext["retryAfter"] <= 901
    r = await client.post("/api/auth/login", json={"email": t.owner.email, "password": PASSWORD})
    assert rest_error(r) == {"code": "rate_limit_exceeded", "status": 429}
    assert 890 <= int(r.headers["retry-after"]) <= 901
    assert await RefreshToken.filter(user_id=t.owner.id).count() == 0


# --- refresh -------------------------------------------------------------------------


async def test_refresh_rotates_the_token(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    session = await login(client, t.owner.email)
    body = await gql(client, REFRESH, {"t": session["refreshToken"]})
    new = body["data"]["refresh"]
    assert new["user"] == {"id": t.owner.id}
    assert new["refreshToken"] != session["refreshToken"]
    assert new["refreshToken"].startswith("rt_")
    me = await gql(client, "{ me { email } }", headers=bearer(new["accessToken"]))
    assert me == {"data": {"me": {"email": t.owner.email}}}
    rows = await RefreshToken.filter(user_id=t.owner.id).order_by("created_at")
    assert len(rows) == 2
    assert rows[0].rotated_at is not None
    assert rows[0].family_id == rows[1].family_id


async def test_reuse_of_a_rotated_token_revokes_the_family(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    configure(settings.with_overrides(refresh_reuse_grace=0.0))
    t = await make_tenant()
    session = await login(client, t.owner.email)
    new = (await gql(client, REFRESH, {"t": session["refreshToken"]}))["data"]["refresh"]
    expected = {"code": "invalid_api_key", "status": 401}
    assert gql_error(await gql(client, REFRESH, {"t": session["refreshToken"]})) == expected
    # The whole family is gone, including the token issued by the rotation.
    assert gql_error(await gql(client, REFRESH, {"t": new["refreshToken"]})) == expected
    r = await client.post("/api/auth/refresh", json={"refresh_token": new["refreshToken"]})
    assert rest_error(r) == expected
    assert await RefreshToken.filter(user_id=t.owner.id, revoked_at=None).count() == 0


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("rt_unknown", {"code": "invalid_api_key", "status": 401}),
        ("", {"code": "invalid_request", "status": 400, "param": "refresh_token"}),
    ],
)
async def test_refresh_errors_match_rest(
    client: httpx.AsyncClient, token: str, expected: dict[str, Any]
) -> None:
    assert gql_error(await gql(client, REFRESH, {"t": token})) == expected
    r = await client.post("/api/auth/refresh", json={"refresh_token": token})
    assert rest_error(r) == expected


# --- logout --------------------------------------------------------------------------


async def test_logout_ends_one_session_or_all(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    first = await login(client, t.owner.email)
    second = await login(client, t.owner.email)
    headers = bearer(first["accessToken"])
    assert await gql(client, LOGOUT, {"t": first["refreshToken"]}, headers) == {
        "data": {"logout": True}
    }
    assert gql_error(await gql(client, REFRESH, {"t": first["refreshToken"]})) == {
        "code": "invalid_api_key",
        "status": 401,
    }
    # The logged-out session's access token stops at once, not when it expires.
    assert gql_error(await gql(client, ME, headers=headers)) == {
        "code": "invalid_api_key",
        "status": 401,
    }
    # The other session lives on until a logout without a token ends them all.
    kept = (await gql(client, REFRESH, {"t": second["refreshToken"]}))["data"]["refresh"]
    assert await gql(client, LOGOUT, {}, bearer(kept["accessToken"])) == {"data": {"logout": True}}
    assert gql_error(await gql(client, REFRESH, {"t": kept["refreshToken"]}))["code"] == (
        "invalid_api_key"
    )
    assert await RefreshToken.filter(user_id=t.owner.id, revoked_at=None).count() == 0


async def test_logout_needs_a_user(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    assert gql_error(await gql(client, LOGOUT)) == {"code": "invalid_api_key", "status": 401}
    assert rest_error(await client.post("/api/auth/logout")) == {
        "code": "invalid_api_key",
        "status": 401,
    }
    secret = await make_key(t)
    expected = {"code": "insufficient_permissions", "status": 403}
    assert gql_error(await gql(client, LOGOUT, headers=bearer(secret))) == expected
    assert rest_error(await client.post("/api/auth/logout", headers=bearer(secret))) == expected


# --- me ------------------------------------------------------------------------------


async def test_me_returns_the_user_and_company(client: httpx.AsyncClient) -> None:
    t = await make_tenant(company="Gamma Foods", name="Grace")
    body = await gql(client, ME, headers=t.headers)
    assert body == {
        "data": {
            "me": {
                "id": t.owner.id,
                "email": t.owner.email,
                "name": "Grace",
                "language": "fr",
                "role": "owner",
                "tenantId": t.id,
                "company": "Gamma Foods",
            }
        }
    }
    _, member_headers = await make_user(t, role="member")
    member = (await gql(client, ME, headers=member_headers))["data"]["me"]
    assert (member["role"], member["company"]) == ("member", "Gamma Foods")


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        (None, {"code": "invalid_api_key", "status": 401}),
        ("Bearer not-a-jwt", {"code": "invalid_api_key", "status": 401}),
        ("Basic abc", {"code": "invalid_api_key", "status": 401}),
        ("secret-key", {"code": "insufficient_permissions", "status": 403}),
    ],
)
async def test_me_errors_match_rest(
    client: httpx.AsyncClient, authorization: str | None, expected: dict[str, Any]
) -> None:
    t = await make_tenant()
    if authorization == "secret-key":
        authorization = f"Bearer {await make_key(t)}"
    headers = {"Authorization": authorization} if authorization else {}
    assert gql_error(await gql(client, ME, headers=headers)) == expected
    assert rest_error(await client.get("/api/auth/me", headers=headers)) == expected


# --- updateMe ------------------------------------------------------------------------


async def test_update_me_changes_profile_and_company(client: httpx.AsyncClient) -> None:
    t = await make_tenant(company="Old Name")
    body = await gql(
        client,
        UPDATE_ME,
        {"name": "New Owner", "language": "ary", "company": "New Name"},
        t.headers,
    )
    assert body == {
        "data": {"updateMe": {"name": "New Owner", "language": "ary", "company": "New Name"}}
    }
    assert (await Tenant.get(id=t.id)).name == "New Name"
    r = await client.get("/api/auth/me", headers=t.headers)
    assert (r.json()["user"]["name"], r.json()["user"]["company"]) == ("New Owner", "New Name")


async def test_a_rename_is_seen_by_later_fields_of_the_same_request(
    client: httpx.AsyncClient,
) -> None:
    t = await make_tenant(company="Before")
    body = await gql(
        client,
        'mutation { a: updateMe(name: "A") { company } b: updateMe(company: "After") { company }'
        ' c: updateMe(name: "C") { name company } }',
        headers=t.headers,
    )
    assert body == {
        "data": {
            "a": {"company": "Before"},
            "b": {"company": "After"},
            "c": {"name": "C", "company": "After"},
        }
    }


async def test_a_superadmin_updates_a_profile_without_company(
    client: httpx.AsyncClient,
) -> None:
    admin = await demo.create_superadmin("root@platform.example", PASSWORD)
    headers = bearer(issue_access_token(admin.id, None, "superadmin")[0])
    body = await gql(client, UPDATE_ME, {"name": "Root", "language": "en"}, headers)
    assert body == {"data": {"updateMe": {"name": "Root", "language": "en", "company": None}}}
    ext = gql_error(await gql(client, UPDATE_ME, {"company": "Platform"}, headers))
    assert ext == {"code": "insufficient_permissions", "status": 403}


@pytest.mark.parametrize(
    ("role", "changes", "expected"),
    [
        ("member", {"company": "Hijack"}, {"code": "insufficient_permissions", "status": 403}),
        (
            "owner",
            {"language": "de"},
            {"code": "invalid_request", "status": 400, "param": "language"},
        ),
        ("owner", {"company": ""}, {"code": "invalid_request", "status": 400, "param": "company"}),
        ("owner", {"name": "x" * 201}, {"code": "invalid_request", "status": 400, "param": "name"}),
    ],
)
async def test_update_me_errors_match_rest(
    client: httpx.AsyncClient, role: str, changes: dict[str, str], expected: dict[str, Any]
) -> None:
    t = await make_tenant(company="Stable Name")
    headers = t.headers if role == "owner" else (await make_user(t, role=role))[1]
    assert gql_error(await gql(client, UPDATE_ME, changes, headers)) == expected
    assert rest_error(await client.put("/api/auth/me", json=changes, headers=headers)) == expected
    assert (await Tenant.get(id=t.id)).name == "Stable Name"
    assert (
        await User.filter(tenant_id=t.id, language="fr").count()
        == await User.filter(tenant_id=t.id).count()
    )


# --- changePassword ------------------------------------------------------------------


async def test_change_password_revokes_every_session(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    session = await login(client, t.owner.email)
    body = await gql(
        client, CHANGE_PASSWORD, {"current": PASSWORD, "new": "a-brand-new-pw"}, t.headers
    )
    assert body == {"data": {"changePassword": True}}
    assert gql_error(await gql(client, REFRESH, {"t": session["refreshToken"]})) == {
        "code": "invalid_api_key",
        "status": 401,
    }
    old = await gql(client, LOGIN, {"email": t.owner.email, "password": PASSWORD})
    assert gql_error(old) == {"code": "invalid_api_key", "status": 401}
    assert (await login(client, t.owner.email, "a-brand-new-pw"))["user"]["id"] == t.owner.id


@pytest.mark.parametrize(
    ("current", "new", "expected"),
    [
        (
            "wrong-password",
            "a-brand-new-pw",
            {"code": "invalid_api_key", "status": 401, "param": "current_password"},
        ),
        (PASSWORD, "short", {"code": "invalid_request", "status": 400, "param": "new_password"}),
    ],
)
async def test_change_password_errors_match_rest(
    client: httpx.AsyncClient, current: str, new: str, expected: dict[str, Any]
) -> None:
    t = await make_tenant()
    before = (await User.get(id=t.owner.id)).password_hash
    body = await gql(client, CHANGE_PASSWORD, {"current": current, "new": new}, t.headers)
    assert gql_error(body) == expected
    r = await client.put(
        "/api/auth/password",
        json={"current_password": current, "new_password": new},
        headers=t.headers,
    )
    assert rest_error(r) == expected
    assert (await User.get(id=t.owner.id)).password_hash == before


async def test_change_password_needs_a_user(client: httpx.AsyncClient) -> None:
    body = await gql(client, CHANGE_PASSWORD, {"current": PASSWORD, "new": "a-brand-new-pw"})
    assert gql_error(body) == {"code": "invalid_api_key", "status": 401}
