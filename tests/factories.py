"""Plain factories with sensible defaults: tenants, users, credentials."""

from dataclasses import dataclass
from itertools import count
from typing import Any

from models.base import new_id
from models.tenant import Tenant
from models.user import User
from resolvers import auth, keys
from resolvers.principals import Principal
from resolvers.security import hash_password, issue_access_token

_seq = count(1)
PASSWORD = "correct-horse-battery"
_password_hash: str | None = None
# How a simulated call whose script ends with a goodbye ends (see the carrier's docstring).
SCRIPT_END = ("customer-hangup", "agent-hangup")


@dataclass
class TenantCtx:
    tenant: Tenant
    owner: User
    token: str  # the owner's access token
    api_key: str  # the vk_ key
    session_id: str  # the session of that token

    @property
    def id(self) -> str:
        return self.tenant.id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def principal(self) -> Principal:
        return Principal(
            kind="user",
            tenant_id=self.tenant.id,
            role="owner",
            plan=self.tenant.plan,
            user_id=self.owner.id,
            session_id=self.session_id,
            session_version=self.owner.session_version,
        )


async def make_tenant(
    plan: str = "starter", company: str | None = None, **overrides: Any
) -> TenantCtx:
    """Registers through the real resolver, so every row a tenant gets at sign-up exists."""
    n = next(_seq)
    reg = await auth.register(
        email=overrides.pop("email", f"owner{n}@example.com"),
        password=overrides.pop("password", PASSWORD),
        company=company or f"Company {n}",
        name=overrides.pop("name", f"Owner {n}"),
        plan=plan,
    )
    session_id = new_id("ses")
    token, _ = issue_access_token(reg.user.id, reg.tenant.id, "owner", session_id=session_id)
    return TenantCtx(
        tenant=reg.tenant, owner=reg.user, token=token, api_key=reg.api_key, session_id=session_id
    )


async def make_user(
    tenant: TenantCtx, role: str = "member", **overrides: Any
) -> tuple[User, dict[str, str]]:
    """Another user of the tenant with the given role, and its Authorization header."""
    global _password_hash
    if _password_hash is None:
        _password_hash = await hash_password(PASSWORD)
    n = next(_seq)
    user = await User.create(
        id=new_id("usr"),
        tenant=tenant.tenant,
        email=overrides.pop("email", f"user{n}@example.com"),
        password_hash=_password_hash,
        name=overrides.pop("name", f"User {n}"),
        role=role,
    )
    token, _ = issue_access_token(user.id, tenant.id, role)
    return user, {"Authorization": f"Bearer {token}"}


async def make_key(tenant: TenantCtx, kind: str = "secret", mode: str = "live") -> str:
    issued = await keys.create_key(tenant.principal, kind=kind, mode=mode, name=f"{kind}-{mode}")
    return issued.secret


def assert_error(
    response: Any, status: int, code: str, *, param: str | None = None, message: str | None = None
) -> dict[str, Any]:
    """The contract's error body, exactly: ``param`` present only when given, ``request_id``
    equal to the X-Request-Id header; ``message`` checked when given. Returns the error."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"], body
    err = body["error"]
    expected_keys = {"code", "message", "status", "request_id"} | ({"param"} if param else set())
    assert set(err) == expected_keys, err
    assert (err["code"], err["status"], err.get("param")) == (code, status, param), err
    assert err["request_id"] == response.headers["x-request-id"]
    assert isinstance(err["message"], str)
    assert err["message"]
    if message is not None:
        assert err["message"] == message
    return err
