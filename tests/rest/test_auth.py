"""/api/auth end to end: register, login and lockout, per-IP limits, refresh rotation and
reuse detection, logout, profile, password change, and how credentials are refused."""

import re
import time
from datetime import UTC, datetime

import httpx
import jwt
import pytest

from models.audit import AuditLog
from models.credential import ApiKey
from models.tenant import Tenant
from models.user import RefreshToken, User
from resolvers.security import sha256_hex
from resolvers.settings import Settings, configure
from tests.factories import PASSWORD, assert_error, make_key, make_tenant, make_user

TENANT_ID = re.compile(r"^acme_corp_[0-9a-z]{4}$")
TENANT_KEY = re.compile(r"^vk_[0-9a-f]{48}$")
USER_ID = re.compile(r"^usr_[0-9A-Za-z]{20}$")
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
REFRESH = re.compile(r"^rt_[A-Za-z0-9_-]{43}$")


def _user_json(user: dict[str, object], **expected: object) -> None:
    assert set(user) == {
        "id",
        "email",
        "name",
        "company",
        "language",
        "role",
        "tenant_id",
        "created_at",
    }
    assert USER_ID.match(str(user["id"]))
    assert ISO_Z.match(str(user["created_at"]))
    for key, value in expected.items():
        assert user[key] == value, (key, user)


async def _register(client: httpx.AsyncClient, **body: object) -> httpx.Response:
    payload = {"email": "ada@acme.test", "password": PASSWORD, "company": "Acme Corp", **body}
    return await client.post("/api/auth/register", json=payload)


async def _login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": password})


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/auth/refresh", json={"refresh_token": token})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- register ---------------------------------------------------------------------------


async def test_register_provisions_tenant_owner_and_key(client: httpx.AsyncClient) -> None:
    r = await _register(client, name="Ada Lovelace", email="Ada@Acme.test")
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"success", "tenant", "provisioned", "user"}
    assert body["success"] is True
    assert body["provisioned"] is True
    tenant = body["tenant"]
    assert set(tenant) == {"id", "api_key", "plan", "name"}
    assert TENANT_ID.match(tenant["id"]), tenant["id"]
    assert TENANT_KEY.match(tenant["api_key"]), tenant["api_key"]
    assert (tenant["plan"], tenant["name"]) == ("starter", "Acme Corp")
    _user_json(
        body["user"],
        email="ada@acme.test",
        name="Ada Lovelace",
        company="Acme Corp",
        language="fr",
        role="owner",
        tenant_id=tenant["id"],
    )
    # Stored: the tenant, its owner, and the key only as a hash.
    row = await Tenant.get(id=tenant["id"])
    assert (row.name, row.plan, row.language) == ("Acme Corp", "starter", "fr")
    key = await ApiKey.get(tenant_id=tenant["id"])
    assert key.kind == "tenant"
    assert tenant["api_key"] not in (key.key_hash, key.masked)
    assert key.masked == f"vk_{tenant['api_key'][3:7]}…{tenant['api_key'][-4:]}"
    user = await User.get(email="ada@acme.test")
    assert (user.id, user.role, user.tenant_id) == (body["user"]["id"], "owner", tenant["id"])
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")
    audit = await AuditLog.filter(tenant_id=tenant["id"]).values_list("action", "actor_id")
    assert audit == [("tenant.registered", user.id)]
    # The key is usable at once, and the new owner can log in.
    gql = await client.post(
        "/graphql", json={"query": "{ tenant { id } }"}, headers=_bearer(tenant["api_key"])
    )
    assert gql.json() == {"data": {"tenant": {"id": tenant["id"]}}}
    assert (await _login(client, "ada@acme.test")).status_code == 200


@pytest.mark.parametrize("plan", ["starter", "pro", "enterprise"])
async def test_register_plan_from_body(client: httpx.AsyncClient, plan: str) -> None:
    r = await _register(client, plan=plan, language="en")
    assert r.status_code == 201, r.text
    assert r.json()["tenant"]["plan"] == plan
    assert r.json()["user"]["language"] == "en"
    assert (await Tenant.get(id=r.json()["tenant"]["id"])).plan == plan


async def test_register_company_slug_is_ascii(client: httpx.AsyncClient) -> None:
    r = await _register(client, company="  Café Élan & Fils, S.A.  ")
    assert r.status_code == 201, r.text
    assert re.match(r"^cafe_elan_fils_s_a_[0-9a-z]{4}$", r.json()["tenant"]["id"])
    assert r.json()["tenant"]["name"] == "Café Élan & Fils, S.A."
    r = await _register(client, company="東京", email="tokyo@example.com")
    assert r.status_code == 201, r.text
    assert re.match(r"^tenant_[0-9a-z]{4}$", r.json()["tenant"]["id"])


@pytest.mark.parametrize(
    ("body", "param", "message"),
    [
        ({"password": "short7!"}, "password", "password must be at least 8 characters"),
        ({"password": 12345678}, "password", "password must be a string"),
        ({"password": "x" * 257}, "password", "password must be at most 256 characters"),
        ({"email": "not-an-email"}, "email", "a valid email address is required"),
        ({"email": "a@b"}, "email", "a valid email address is required"),
        ({"email": None}, "email", "a valid email address is required"),
        ({"company": None}, "company", "company is required"),
        ({"company": "   "}, "company", "company must not be empty"),
        ({"company": 42}, "company", "company must be a string"),
        ({"plan": "platinum"}, "plan", "plan must be one of: starter, pro, enterprise"),
        ({"language": "de"}, "language", "language must be one of: fr, en, es, ar, ary"),
    ],
)
async def test_register_rejects_invalid_input(
    client: httpx.AsyncClient, body: dict[str, object], param: str, message: str
) -> None:
    r = await _register(client, **body)
    assert_error(r, 400, "invalid_request", param=param, message=message)
    assert await Tenant.all().count() == 0
    assert await User.all().count() == 0


async def test_register_duplicate_email_is_conflict(client: httpx.AsyncClient) -> None:
    assert (await _register(client)).status_code == 201
    r = await _register(client, email="  ADA@acme.TEST ", company="Other Co")
    assert_error(
        r, 409, "conflict", param="email", message="an account with this email already exists"
    )
    assert await Tenant.all().count() == 1
    assert await User.all().count() == 1


# --- login and lockout ------------------------------------------------------------------


async def test_login_issues_tokens(client: httpx.AsyncClient, settings: Settings) -> None:
    t = await make_tenant(email="grace@example.com", name="Grace")
    r = await _login(client, "  GRACE@example.com ")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {
        "success",
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "user",
    }
    assert (body["success"], body["token_type"], body["expires_in"]) == (True, "Bearer", 900)
    assert REFRESH.match(body["refresh_token"])
    _user_json(
        body["user"],
        id=t.owner.id,
        email="grace@example.com",
        name="Grace",
        company=t.tenant.name,
        role="owner",
        tenant_id=t.id,
    )
    claims = jwt.decode(body["access_token"], settings.jwt_secret, algorithms=["HS256"])
    assert set(claims) == {"sub", "tid", "role", "jti", "iat", "exp", "typ", "sid", "sv"}
    assert (claims["sub"], claims["tid"], claims["role"], claims["typ"], claims["sv"]) == (
        t.owner.id,
        t.id,
        "owner",
        "access",
        0,
    )
    # The session is the refresh token's family: logout ends exactly it.
    family = await RefreshToken.get(token_hash=sha256_hex(body["refresh_token"]))
    assert claims["sid"] == family.family_id
    assert claims["exp"] - claims["iat"] == 900
    assert abs(claims["iat"] - time.time()) < 60
    me = await client.get("/api/auth/me", headers=_bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["user"]["id"] == t.owner.id
    # Only a hash of the refresh token is stored.
    row = await RefreshToken.get(user_id=t.owner.id)
    assert body["refresh_token"] not in row.token_hash
    assert (await User.get(id=t.owner.id)).last_login_at is not None


async def test_login_wrong_password_or_unknown_email(client: httpx.AsyncClient) -> None:
    await make_tenant(email="grace@example.com")
    for email, password in [("grace@example.com", "wrong-password"), ("nobody@x.io", PASSWORD)]:
        r = await _login(client, email, password)
        assert_error(r, 401, "invalid_api_key", message="invalid email or password")
    assert await RefreshToken.all().count() == 0


@pytest.mark.parametrize(
    ("body", "param"),
    [({"password": PASSWORD}, "email"), ({"email": "a@b.co"}, "password"), ({}, "email")],
)
async def test_login_missing_fields(
    client: httpx.AsyncClient, body: dict[str, str], param: str
) -> None:
    r = await client.post("/api/auth/login", json=body)
    assert_error(r, 400, "invalid_request", param=param, message="email and password are required")


async def test_login_lockout_after_five_failures(client: httpx.AsyncClient) -> None:
    t = await make_tenant(email="grace@example.com")
    for _ in range(5):
        r = await _login(client, "grace@example.com", "wrong-password")
        assert_error(r, 401, "invalid_api_key", message="invalid email or password")
    # The sixth attempt is refused even with the right password.
    r = await _login(client, "grace@example.com", PASSWORD)
    err = assert_error(r, 429, "rate_limit_exceeded")
    retry = int(r.headers["retry-after"])
    assert 890 <= retry <= 901, retry
    assert err["message"] == f"too many failed logins: account locked, retry in {retry} s"
    user = await User.get(id=t.owner.id)
    assert user.locked_until is not None
    remaining = (user.locked_until - datetime.now(UTC)).total_seconds()
    assert 880 < remaining <= 900
    assert await AuditLog.filter(tenant_id=t.id, action="user.locked").count() == 1
    assert await RefreshToken.all().count() == 0
    # Another account is not affected.
    other = await make_tenant(email="alan@example.com")
    assert (await _login(client, "alan@example.com")).status_code == 200
    assert other.id != t.id


async def test_successful_login_resets_failure_count(client: httpx.AsyncClient) -> None:
    await make_tenant(email="grace@example.com")
    for _ in range(4):
        assert (await _login(client, "grace@example.com", "nope-nope")).status_code == 401
    assert (await _login(client, "grace@example.com")).status_code == 200
    for _ in range(4):
        assert (await _login(client, "grace@example.com", "nope-nope")).status_code == 401
    assert (await _login(client, "grace@example.com")).status_code == 200


# --- per-IP limits on the anonymous auth routes -----------------------------------------


async def _auth_request(client: httpx.AsyncClient, kind: str, n: int) -> httpx.Response:
    if kind == "login":
        return await _login(client, "grace@example.com")
    if kind == "refresh":
        return await _refresh(client, "rt_unknown")
    return await _register(client, email=f"new{n}@example.com", company=f"New {n}")


@pytest.mark.parametrize(
    ("kind", "override", "allowed_status"),
    [
        ("login", {"auth_ip_limit": (3, 60)}, 200),
        ("refresh", {"auth_ip_limit": (3, 60)}, 401),
        ("register", {"register_ip_limit": (3, 3600)}, 201),
    ],
)
async def test_per_ip_limit_on_auth_routes(
    client: httpx.AsyncClient,
    app: object,
    settings: Settings,
    kind: str,
    override: dict[str, object],
    allowed_status: int,
) -> None:
    await make_tenant(email="grace@example.com")
    configure(settings.with_overrides(**override))
    for n in range(3):
        r = await _auth_request(client, kind, n)
        assert r.status_code == allowed_status, r.text
    r = await _auth_request(client, kind, 3)
    err = assert_error(r, 429, "rate_limit_exceeded")
    retry = int(r.headers["retry-after"])
    window = next(iter(override.values()))[1]  # type: ignore[index]
    assert 1 <= retry <= window
    assert err["message"] == f"too many requests; retry in {retry} s"
    # Another client address has its own budget.
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        assert (await _auth_request(other, kind, 4)).status_code == allowed_status


async def test_per_ip_limits_are_per_route(client: httpx.AsyncClient, settings: Settings) -> None:
    t = await make_tenant(email="grace@example.com")
    configure(settings.with_overrides(auth_ip_limit=(2, 60)))
    first = await _login(client, "grace@example.com")
    assert (await _login(client, "grace@example.com")).status_code == 200
    assert_error(await _login(client, "grace@example.com"), 429, "rate_limit_exceeded")
    # Refresh keeps its own window, and authenticated routes are not per-IP limited.
    assert (await _refresh(client, first.json()["refresh_token"])).status_code == 200
    assert (await client.get("/api/auth/me", headers=t.headers)).status_code == 200


# --- refresh rotation ---------------------------------------------------------------------


async def test_refresh_rotates(client: httpx.AsyncClient) -> None:
    t = await make_tenant(email="grace@example.com")
    first = (await _login(client, "grace@example.com")).json()
    r = await _refresh(client, first["refresh_token"])
    assert r.status_code == 200, r.text
    second = r.json()
    assert (second["success"], second["token_type"], second["expires_in"]) == (True, "Bearer", 900)
    assert REFRESH.match(second["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["user"]["id"] == t.owner.id
    assert second["user"]["company"] == t.tenant.name
    me = await client.get("/api/auth/me", headers=_bearer(second["access_token"]))
    assert me.status_code == 200
    rows = await RefreshToken.filter(user_id=t.owner.id).order_by("created_at")
    assert len(rows) == 2
    assert rows[0].family_id == rows[1].family_id
    assert rows[0].rotated_at is not None
    assert rows[1].rotated_at is None
    # The new one rotates in turn.
    third = await _refresh(client, second["refresh_token"])
    assert third.status_code == 200


async def test_refresh_reuse_after_grace_revokes_family(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    t = await make_tenant(email="grace@example.com")
    configure(settings.with_overrides(refresh_reuse_grace=0))
    first = (await _login(client, "grace@example.com")).json()["refresh_token"]
    other_session = (await _login(client, "grace@example.com")).json()["refresh_token"]
    second = (await _refresh(client, first)).json()["refresh_token"]
    r = await _refresh(client, first)
    assert_error(
        r,
        401,
        "invalid_api_key",
        message="refresh token reused: the session was revoked, log in again",
    )
    # The whole family is revoked, including the token the legitimate client holds.
    r = await _refresh(client, second)
    assert_error(r, 401, "invalid_api_key", message="invalid or expired refresh token")
    assert_error(await _refresh(client, first), 401, "invalid_api_key")
    assert await AuditLog.filter(tenant_id=t.id, action="auth.refresh_reuse").count() == 1
    # Another session (another family) of the same user is untouched.
    assert (await _refresh(client, other_session)).status_code == 200


async def test_refresh_reuse_within_grace_succeeds(client: httpx.AsyncClient) -> None:
    # The session settings keep the default 10 s grace: two tabs refreshing at once.
    t = await make_tenant(email="grace@example.com")
    first = (await _login(client, "grace@example.com")).json()["refresh_token"]
    a = await _refresh(client, first)
    b = await _refresh(client, first)
    assert a.status_code == 200, a.text
    assert b.status_code == 200, b.text
    assert a.json()["refresh_token"] != b.json()["refresh_token"]
    assert (await _refresh(client, a.json()["refresh_token"])).status_code == 200
    assert (await _refresh(client, b.json()["refresh_token"])).status_code == 200
    assert await AuditLog.filter(tenant_id=t.id, action="auth.refresh_reuse").count() == 0


async def test_refresh_rejects_unknown_and_missing(client: httpx.AsyncClient) -> None:
    r = await _refresh(client, "rt_" + "A" * 43)
    assert_error(r, 401, "invalid_api_key", message="invalid or expired refresh token")
    r = await client.post("/api/auth/refresh", json={})
    assert_error(
        r, 400, "invalid_request", param="refresh_token", message="refresh_token is required"
    )
    r = await client.post("/api/auth/refresh", json={"refresh_token": 7})
    assert_error(r, 400, "invalid_request", param="refresh_token")


async def test_refresh_rejects_expired_token(client: httpx.AsyncClient) -> None:
    t = await make_tenant(email="grace@example.com")
    token = (await _login(client, "grace@example.com")).json()["refresh_token"]
    await RefreshToken.filter(user_id=t.owner.id).update(
        expires_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    assert_error(await _refresh(client, token), 401, "invalid_api_key")


# --- logout -----------------------------------------------------------------------------


async def test_logout_revokes_the_given_session(client: httpx.AsyncClient) -> None:
    await make_tenant(email="grace@example.com")
    one = (await _login(client, "grace@example.com")).json()
    two = (await _login(client, "grace@example.com")).json()
    r = await client.post(
        "/api/auth/logout",
        json={"refresh_token": one["refresh_token"]},
        headers=_bearer(one["access_token"]),
    )
    assert r.status_code == 200
    assert r.json() == {"success": True}
    assert_error(await _refresh(client, one["refresh_token"]), 401, "invalid_api_key")
    assert (await _refresh(client, two["refresh_token"])).status_code == 200


async def test_logout_without_token_revokes_every_session(client: httpx.AsyncClient) -> None:
    await make_tenant(email="grace@example.com")
    one = (await _login(client, "grace@example.com")).json()
    two = (await _login(client, "grace@example.com")).json()
    r = await client.post("/api/auth/logout", headers=_bearer(one["access_token"]))
    assert r.status_code == 200
    assert r.json() == {"success": True}
    for token in (one["refresh_token"], two["refresh_token"]):
        assert_error(await _refresh(client, token), 401, "invalid_api_key")


async def test_logout_cannot_revoke_another_users_session(client: httpx.AsyncClient) -> None:
    t = await make_tenant(email="grace@example.com")
    await make_tenant(email="alan@example.com")
    alan = (await _login(client, "alan@example.com")).json()
    r = await client.post(
        "/api/auth/logout", json={"refresh_token": alan["refresh_token"]}, headers=t.headers
    )
    assert r.status_code == 200
    assert (await _refresh(client, alan["refresh_token"])).status_code == 200


async def test_logout_with_a_malformed_token_revokes_nothing(client: httpx.AsyncClient) -> None:
    await make_tenant(email="grace@example.com")
    one = (await _login(client, "grace@example.com")).json()
    r = await client.post(
        "/api/auth/logout", json={"refresh_token": 5}, headers=_bearer(one["access_token"])
    )
    assert_error(
        r,
        400,
        "invalid_request",
        param="refresh_token",
        message="refresh_token must be a string",
    )
    assert (await _refresh(client, one["refresh_token"])).status_code == 200


async def test_logout_needs_authentication(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/auth/logout", json={})
    assert_error(
        r,
        401,
        "invalid_api_key",
        message="authentication required: send Authorization: Bearer <token>",
    )


# --- profile --------------------------------------------------------------------------------


async def test_get_me(client: httpx.AsyncClient) -> None:
    t = await make_tenant(email="grace@example.com", name="Grace", company="Hopper Labs")
    r = await client.get("/api/auth/me", headers=t.headers)
    assert r.status_code == 200
    assert list(r.json()) == ["user"]
    _user_json(
        r.json()["user"],
        id=t.owner.id,
        email="grace@example.com",
        name="Grace",
        company="Hopper Labs",
        language="fr",
        role="owner",
        tenant_id=t.id,
    )


async def test_update_me(client: httpx.AsyncClient) -> None:
    t = await make_tenant(company="Hopper Labs")
    r = await client.put(
        "/api/auth/me",
        json={"name": "  Grace H.  ", "company": "Hopper Systems", "language": "ary"},
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    _user_json(r.json()["user"], name="Grace H.", company="Hopper Systems", language="ary")
    again = (await client.get("/api/auth/me", headers=t.headers)).json()["user"]
    assert again == r.json()["user"]
    assert (await Tenant.get(id=t.id)).name == "Hopper Systems"
    # Omitted fields keep their values.
    r = await client.put("/api/auth/me", json={"language": "en"}, headers=t.headers)
    _user_json(r.json()["user"], name="Grace H.", company="Hopper Systems", language="en")


@pytest.mark.parametrize(
    ("body", "param", "message"),
    [
        ({"language": "de"}, "language", "language must be one of: fr, en, es, ar, ary"),
        ({"name": 5}, "name", "name must be a string"),
        ({"name": "x" * 201}, "name", "name must be at most 200 characters"),
        ({"company": ""}, "company", "company is too short"),
    ],
)
async def test_update_me_validation(
    client: httpx.AsyncClient, body: dict[str, object], param: str, message: str
) -> None:
    t = await make_tenant(name="Grace")
    r = await client.put("/api/auth/me", json=body, headers=t.headers)
    assert_error(r, 400, "invalid_request", param=param, message=message)
    user = await User.get(id=t.owner.id)
    assert (user.name, user.language) == ("Grace", "fr")


async def test_member_cannot_rename_company(client: httpx.AsyncClient) -> None:
    t = await make_tenant(company="Hopper Labs")
    member, headers = await make_user(t, "member", name="Mem")
    r = await client.put(
        "/api/auth/me", json={"name": "Renamed", "company": "Stolen Inc"}, headers=headers
    )
    assert_error(
        r,
        403,
        "insufficient_permissions",
        message="only an owner or admin can rename the company",
    )
    assert (await Tenant.get(id=t.id)).name == "Hopper Labs"
    assert (await User.get(id=member.id)).name == "Mem"
    # A member may still change their own profile.
    r = await client.put("/api/auth/me", json={"name": "Renamed"}, headers=headers)
    assert r.status_code == 200
    _user_json(r.json()["user"], name="Renamed", role="member", company="Hopper Labs")
    # An admin may rename the company.
    _, admin = await make_user(t, "admin")
    r = await client.put("/api/auth/me", json={"company": "Hopper Systems"}, headers=admin)
    assert r.status_code == 200
    assert r.json()["user"]["company"] == "Hopper Systems"


# --- password ----------------------------------------------------------------------------


async def test_change_password(client: httpx.AsyncClient) -> None:
    t = await make_tenant(email="grace@example.com")
    sessions = [(await _login(client, "grace@example.com")).json() for _ in range(2)]
    r = await client.put(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": "a-new-long-password"},
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"success": True}
    for s in sessions:
        assert_error(await _refresh(client, s["refresh_token"]), 401, "invalid_api_key")
    assert await RefreshToken.filter(user_id=t.owner.id, revoked_at=None).count() == 0
    assert_error(await _login(client, "grace@example.com"), 401, "invalid_api_key")
    assert (await _login(client, "grace@example.com", "a-new-long-password")).status_code == 200
    assert await AuditLog.filter(tenant_id=t.id, action="user.password_changed").count() == 1


async def test_change_password_wrong_current(client: httpx.AsyncClient) -> None:
    t = await make_tenant(email="grace@example.com")
    session = (await _login(client, "grace@example.com")).json()
    r = await client.put(
        "/api/auth/password",
        json={"current_password": "not-the-password", "new_password": "a-new-long-password"},
        headers=t.headers,
    )
    assert_error(
        r,
        401,
        "invalid_api_key",
        param="current_password",
        message="the current password is wrong",
    )
    assert (await _login(client, "grace@example.com")).status_code == 200
    assert (await _refresh(client, session["refresh_token"])).status_code == 200


@pytest.mark.parametrize(
    ("body", "param", "message"),
    [
        ({"new_password": "a-new-long-password"}, "current_password", None),
        ({"current_password": PASSWORD, "new_password": "short"}, "new_password", None),
        ({"current_password": PASSWORD}, "new_password", "password must be a string"),
    ],
)
async def test_change_password_validation(
    client: httpx.AsyncClient, body: dict[str, str], param: str, message: str | None
) -> None:
    t = await make_tenant(email="grace@example.com")
    r = await client.put("/api/auth/password", json=body, headers=t.headers)
    assert_error(r, 400, "invalid_request", param=param, message=message)
    assert (await _login(client, "grace@example.com")).status_code == 200


# --- credentials refused on /api ----------------------------------------------------------


async def test_api_keys_are_refused_on_dashboard_routes(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    secret = await make_key(t, "secret", "live")
    test_key = await make_key(t, "secret", "test")
    for key in (t.api_key, secret, test_key):
        r = await client.get("/api/auth/me", headers=_bearer(key))
        assert_error(
            r,
            403,
            "insufficient_permissions",
            message="dashboard routes need a user access token, not an API key",
        )


async def test_invalid_credentials_are_401(client: httpx.AsyncClient, settings: Settings) -> None:
    t = await make_tenant()
    now = int(time.time())
    claims = {
        "sub": t.owner.id,
        "tid": t.id,
        "role": "owner",
        "jti": "jti_x",
        "typ": "access",
        "sid": "ses_x",
        "sv": 0,
        "iat": now - 1000,
        "exp": now - 100,
    }
    expired = jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
    forged = jwt.encode({**claims, "exp": now + 600}, "another-secret-" + "y" * 40, "HS256")
    refresh_typed = jwt.encode({**claims, "exp": now + 600, "typ": "refresh"}, settings.jwt_secret)
    unsigned = jwt.encode({**claims, "exp": now + 600}, key=None, algorithm="none")
    cases = [
        (None, "authentication required: send Authorization: Bearer <token>"),
        ("Bearer garbage", "invalid access token"),
        (f"Bearer {expired}", "access token expired"),
        (f"Bearer {forged}", "invalid access token"),
        (f"Bearer {refresh_typed}", "invalid access token"),
        (f"Bearer {unsigned}", "invalid access token"),
        ("Bearer vk_" + "0" * 48, "unknown or revoked API key"),
        ("Bearer vk_short", "malformed API key"),
        ("Bearer voc_sk_live_" + "a" * 38, "malformed API key"),
        (f"Basic {t.token}", "the Authorization header must be: Bearer <token>"),
        ("Bearer ", "the Authorization header must be: Bearer <token>"),
    ]
    for value, message in cases:
        headers = {} if value is None else {"Authorization": value}
        r = await client.get("/api/auth/me", headers=headers)
        assert_error(r, 401, "invalid_api_key", message=message)
        assert "x-ratelimit-limit" not in r.headers


async def test_token_of_deleted_user_is_401(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    _, headers = await make_user(t, "member")
    await User.filter(role="member").delete()
    r = await client.get("/api/auth/me", headers=headers)
    assert_error(r, 401, "invalid_api_key", message="the user of this token no longer exists")
