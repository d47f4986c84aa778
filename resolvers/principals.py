"""Who is calling: credentials become a Principal; tenant scope always comes from it."""

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, TypeVar, cast, get_args

from tortoise.models import Model

from models.credential import ApiKey
from models.tenant import AllowedOrigin, Tenant
from models.user import User
from resolvers import limits, revocation, services, validation
from resolvers.errors import DomainError, ErrorCode, forbidden, invalid, not_found, unauthenticated
from resolvers.security import (
    KEY_PREFIXES,
    TENANT_KEY_PREFIX,
    WIDGET_TOKEN_PREFIX,
    decode_access_token,
    decode_widget_token,
    key_checksum_ok,
    sha256_hex,
    tenant_key_format_ok,
)
from resolvers.settings import get_settings

TENANT_ID = re.compile(r"^[a-z0-9_]{1,64}$")
# A dashboard user's role in its tenant (User.role; "superadmin" has no tenant).
Role = Literal["owner", "admin", "member", "viewer"]
# A principal's role: a user's, or what a key acts as.
PrincipalRole = Role | Literal["superadmin", "service", "publishable"]
PrincipalKind = Literal["user", "tenant_key", "secret_key", "publishable_key"]
ROLES: tuple[Role, ...] = get_args(Role)
MANAGER_ROLES: tuple[Role, ...] = ("owner", "admin")
SUPERADMIN: PrincipalRole = "superadmin"
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    tenant_id: str | None
    role: PrincipalRole  # "service": secret and tenant keys
    plan: str = "starter"
    user_id: str | None = None
    key_id: str | None = None
    mode: str = "live"  # test keys run in sandbox mode
    # Users only: the token's session (refresh family) and the session version it was issued
    # at; None for a principal the process builds itself (CLI, demo seed).
    session_id: str | None = None
    session_version: int | None = None

    @property
    def is_user(self) -> bool:
        return self.kind == "user"

    @property
    def is_superadmin(self) -> bool:
        return self.role == SUPERADMIN

    @property
    def actor_id(self) -> str | None:
        return self.user_id or self.key_id

    @property
    def rate_key(self) -> str:
        return f"tenant:{self.tenant_id}" if self.tenant_id else f"user:{self.user_id}"


# The plan decides the request limit on every call; a short in-process cache spares a
# read per request. Plan changes invalidate it locally; other processes see them within
# the TTL.
_PLAN_TTL = 5.0


async def tenant_plan(tenant_id: str) -> str | None:
    """The tenant's plan; None when it does not exist. Raises insufficient_permissions when
    it is suspended."""
    now = time.monotonic()
    cache = services.current().plan_cache
    hit = cache.get(tenant_id)
    if hit and hit[0] > now:
        plan, suspended = hit[1], hit[2]
    else:
        rows = await Tenant.filter(id=tenant_id).values_list("plan", "suspended_at")
        if not rows:
            cache.pop(tenant_id, None)
            return None
        plan, suspended = str(rows[0][0]), rows[0][1] is not None
        cache[tenant_id] = (now + _PLAN_TTL, plan, suspended)
    if suspended:
        raise suspended_account()
    return plan


def suspended_account() -> DomainError:
    return forbidden("this account is suspended: contact the platform's support")


def forget_tenant_plan(tenant_id: str) -> None:
    services.current().plan_cache.pop(tenant_id, None)


# Every process forgets a plan as soon as it hears the tenant changed.
revocation.tenant_changed.append(forget_tenant_plan)


async def origin_allowed(tenant_id: str, origin: str | None) -> bool:
    if not origin:
        return False
    return await AllowedOrigin.filter(
        tenant_id=tenant_id, origin=origin.rstrip("/").lower()
    ).exists()


_LAST_USED_EVERY = timedelta(seconds=60)
# ApiKey.kind -> what its bearer is.
_PRINCIPAL_KIND: dict[str, PrincipalKind] = {
    "tenant": "tenant_key",
    "secret": "secret_key",
    "publishable": "publishable_key",
}


async def authenticate_bearer(
    authorization: str | None, *, origin: str | None = None, client_ip: str | None = None
) -> Principal:
    """An ``Authorization: Bearer <credential>`` value to a Principal. With the client's IP,
    an IP that failed too often is refused before its credential is looked up. Raises
    invalid_api_key, insufficient_permissions, rate_limit_exceeded (with retry_after)."""
    if client_ip is not None:
        retry = limits.auth_blocked(client_ip)
        if retry is not None:
            raise rate_limited(retry, "too many failed authentications from this address")
    try:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthenticated("the Authorization header must be: Bearer <token>")
        return await authenticate(token, origin=origin)
    except DomainError as exc:
        if client_ip is not None and exc.code is ErrorCode.INVALID_API_KEY:
            limit, window = get_settings().auth_failure_ip_limit
            retry = await limits.auth_failed(client_ip, limit, window)
            if retry is not None:
                raise rate_limited(
                    retry, "too many failed authentications from this address"
                ) from exc
        raise


async def authenticate(token: str, *, origin: str | None = None) -> Principal:
    """Turn a bearer credential into a Principal. Raises invalid_api_key (also for a token of
    a session that was logged out or predates a password change), or insufficient_permissions
    for a publishable key from an origin the tenant did not allow."""
    token = token.strip()
    if token.startswith(TENANT_KEY_PREFIX) or token.startswith(KEY_PREFIXES):
        return await _authenticate_key(token, origin)
    if token.startswith(WIDGET_TOKEN_PREFIX):
        return await _authenticate_widget_token(token, origin)
    claims = decode_access_token(token)
    if not await revocation.get_store().session_valid(
        claims.user_id, claims.session_id, claims.session_version
    ):
        raise unauthenticated("this session has ended: log in again")
    if claims.role == SUPERADMIN:
        return Principal(
            kind="user",
            tenant_id=None,
            role=SUPERADMIN,
            user_id=claims.user_id,
            session_id=claims.session_id,
            session_version=claims.session_version,
        )
    if claims.tenant_id is None:
        raise unauthenticated("invalid access token")
    plan = await tenant_plan(claims.tenant_id)
    if plan is None:
        raise unauthenticated("the account of this token no longer exists")
    return Principal(
        kind="user",
        tenant_id=claims.tenant_id,
        # Signed by us, issued with a stored User.role.
        role=cast(Role, claims.role),
        plan=plan,
        user_id=claims.user_id,
        session_id=claims.session_id,
        session_version=claims.session_version,
    )


async def still_valid(principal: Principal) -> bool:
    """Whether the credential behind an authenticated principal still works (a socket checks
    once it is registered for revocations, so one revoked meanwhile is not missed)."""
    if principal.key_id is not None:
        return await ApiKey.filter(id=principal.key_id, revoked_at=None).exists()
    if principal.user_id is None or principal.session_id is None:
        return True
    return await revocation.get_store().session_valid(
        principal.user_id, principal.session_id, principal.session_version or 0
    )


async def require_fresh_session(principal: Principal) -> None:
    """Credential changes need a token issued after the user's last password change, checked
    against the database (the session store only remembers for a token lifetime). Raises
    invalid_api_key."""
    if not principal.is_user or principal.session_version is None:
        # A key, or a principal the process built itself (CLI, demo seed), not from a token.
        return
    versions = await User.filter(id=principal.user_id).values_list("session_version", flat=True)
    if not versions or principal.session_version != versions[0]:
        raise unauthenticated(
            "this session was ended by a password change or a logout everywhere: log in again"
        )


async def _authenticate_key(token: str, origin: str | None) -> Principal:
    if token.startswith(TENANT_KEY_PREFIX):
        if not tenant_key_format_ok(token):
            raise unauthenticated("malformed API key")
    elif not key_checksum_ok(token):
        raise unauthenticated("malformed API key")
    key = await ApiKey.filter(key_hash=sha256_hex(token)).select_related("tenant").first()
    if key is None or key.revoked_at is not None:
        raise unauthenticated("unknown or revoked API key")
    tenant: Tenant = key.tenant
    if tenant.suspended_at is not None:
        raise suspended_account()
    if key.kind == "publishable" and not await origin_allowed(tenant.id, origin):
        raise forbidden("a publishable key needs an Origin allowed by the tenant")
    now = datetime.now(UTC)
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_EVERY:
        await ApiKey.filter(id=key.id).update(last_used_at=now)
    kind = _PRINCIPAL_KIND[key.kind]
    role: PrincipalRole = "publishable" if key.kind == "publishable" else "service"
    return Principal(
        kind=kind, tenant_id=tenant.id, role=role, plan=tenant.plan, key_id=key.id, mode=key.mode
    )


async def _authenticate_widget_token(token: str, origin: str | None) -> Principal:
    """A widget token acts as a publishable key of its tenant, from the origin it was issued
    to only, and only while that origin stays allowed."""
    claims = decode_widget_token(token)
    if origin is None or origin.rstrip("/").lower() != claims.origin:
        raise forbidden("a widget token works only from the origin it was issued to")
    if not await origin_allowed(claims.tenant_id, origin):
        raise forbidden("a publishable key needs an Origin allowed by the tenant")
    plan = await tenant_plan(claims.tenant_id)
    if plan is None:
        raise unauthenticated("the account of this token no longer exists")
    return Principal(
        kind="publishable_key", tenant_id=claims.tenant_id, role="publishable", plan=plan
    )


def require_authenticated(principal: Principal | None) -> Principal:
    if principal is None:
        raise unauthenticated("authentication required: send Authorization: Bearer <token>")
    return principal


def require_user(principal: Principal | None) -> Principal:
    """Dashboard operations need a user's access token, not an API key."""
    p = require_authenticated(principal)
    if not p.is_user:
        raise forbidden("this operation needs a user access token, not an API key")
    return p


def require_secret(principal: Principal | None) -> Principal:
    """Anything but a publishable key (widget keys only reach the stream, /respond and widget config)."""
    p = require_authenticated(principal)
    if p.kind == "publishable_key":
        raise forbidden("a publishable key cannot call this operation")
    return p


def require_writer(principal: Principal | None, what: str) -> Principal:
    """Changes to a tenant's resources (agents, knowledge base): a secret API key, or an owner
    or admin user (or a superadmin)."""
    p = require_secret(principal)
    if p.is_user and p.role not in MANAGER_ROLES and not p.is_superadmin:
        raise forbidden(f"role {p.role!r} cannot change {what}; owner or admin required")
    return p


def require_manager(principal: Principal | None) -> Principal:
    """Tenant configuration changes: owner or admin users (or a superadmin)."""
    p = require_user(principal)
    if p.role not in MANAGER_ROLES and not p.is_superadmin:
        raise forbidden(f"role {p.role!r} cannot change tenant settings; owner or admin required")
    return p


def require_owner(principal: Principal | None) -> Principal:
    p = require_user(principal)
    if p.role != "owner" and not p.is_superadmin:
        raise forbidden("only the tenant owner can do this")
    return p


def scoped_tenant_id(principal: Principal, tenant_id: str | None) -> str:
    """The tenant an operation may touch: the caller's own. Another tenant's id is 404."""
    if tenant_id is None or tenant_id == "":
        if principal.tenant_id is None:
            raise invalid("tenantId is required for a platform superadmin", param="tenantId")
        return principal.tenant_id
    if tenant_id == principal.tenant_id or (principal.is_superadmin and TENANT_ID.match(tenant_id)):
        return tenant_id
    raise not_found("tenant")


async def get_tenant(principal: Principal, tenant_id: str | None = None) -> Tenant:
    """Raises resource_not_found for an unknown tenant or another tenant's id."""
    tid = scoped_tenant_id(principal, tenant_id)
    tenant = await Tenant.get_or_none(id=tid)
    if tenant is None:
        raise not_found("tenant")
    return tenant


async def operator_for(tenant_id: str) -> Principal:
    """The tenant's own service credential, for an operator acting from the server's command
    line (vocalia-server kb ...): it has the database already. Raises resource_not_found."""
    tenant = await Tenant.get_or_none(id=validation.storable(tenant_id, "tenant"))
    if tenant is None:
        raise not_found("tenant", param="tenant")
    return Principal(kind="tenant_key", tenant_id=tenant.id, role="service", plan=tenant.plan)


async def tenant_scope(principal: Principal, tenant_id: str | None = None) -> str | None:
    """The tenant a lookup is limited to: the one named (a REST path; it must be the caller's,
    a superadmin's is any one), else the caller's own; None only for a platform superadmin
    naming none, who may reach any tenant's rows. Raises resource_not_found."""
    if tenant_id is not None:
        return (await get_tenant(principal, tenant_id)).id
    return principal.tenant_id


async def get_owned(
    model: type[M],
    tenant_id: str | None,
    what: str,
    value: object,
    *,
    field: str = "id",
    param: str = "id",
    related: tuple[str, ...] = (),
    where: Mapping[str, object] | None = None,
) -> M:
    """The ``model`` row whose ``field`` is ``value`` and that belongs to ``tenant_id`` (None:
    any tenant's; see tenant_scope). An unknown id, another tenant's id and a value that is
    not a string or is longer than the column (it cannot exist) are the same resource_not_found
    "<what> not found" naming ``param``, so nobody learns what another tenant holds. Raises
    invalid_request for text no database stores (NUL, a lone surrogate). ``where`` narrows
    the lookup further (a key is unique per language)."""
    max_len = getattr(model._meta.fields_map[field], "max_length", None)
    if not isinstance(value, str) or (max_len is not None and len(value) > max_len):
        raise not_found(what, param=param)
    qs = model.filter(**{field: validation.storable(value, param)}, **(where or {}))
    if tenant_id is not None:
        qs = qs.filter(tenant_id=tenant_id)
    row = await (qs.select_related(*related) if related else qs).first()
    if row is None:
        raise not_found(what, param=param)
    return row


def rate_limited(retry_after: int, what: str = "too many requests") -> DomainError:
    return DomainError(
        ErrorCode.RATE_LIMIT_EXCEEDED, f"{what}; retry in {retry_after} s", retry_after=retry_after
    )
