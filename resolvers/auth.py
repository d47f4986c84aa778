"""The Auth domain: register, login, refresh rotation, logout, profile, password."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models.base import BASE36, new_id, random_string
from models.tenant import Tenant
from models.user import RefreshToken, User
from resolvers import audit, keys, revocation, validation
from resolvers.errors import DomainError, ErrorCode, conflict, forbidden, unauthenticated
from resolvers.limits import get_limiter
from resolvers.plans import PLAN_NAMES
from resolvers.principals import (
    MANAGER_ROLES,
    Principal,
    rate_limited,
    require_user,
    tenant_plan,
)
from resolvers.security import (
    hash_password,
    issue_access_token,
    new_refresh_token,
    sha256_hex,
    verify_password,
)
from resolvers.settings import get_settings

LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
LOCKOUT_DURATION = timedelta(minutes=15)


@dataclass(frozen=True)
class Registration:
    tenant: Tenant
    user: User
    api_key: str  # shown once


@dataclass(frozen=True)
class Session:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


def company_slug(company: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", company).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:40].strip("_")
    return slug or "tenant"


async def _ip_limit(kind: str, client_ip: str | None) -> None:
    settings = get_settings()
    limit, window = settings.register_ip_limit if kind == "register" else settings.auth_ip_limit
    result = await get_limiter().hit(f"ip:{kind}:{client_ip or 'unknown'}", limit, window)
    if not result.allowed:
        raise rate_limited(result.retry_after)


async def register(
    *,
    email: object,
    password: object,
    company: object,
    name: object = None,
    plan: object = None,
    language: object = None,
    client_ip: str | None = None,
) -> Registration:
    """Create a tenant, its owner and its vk_ key. Raises invalid_request, conflict, rate_limit_exceeded."""
    await _ip_limit("register", client_ip)
    email_v = validation.email(email)
    password_v = validation.password(password)
    company_v = validation.text(company, "company", max_len=200, required=True) or ""
    name_v = validation.text(name, "name", max_len=200) or ""
    plan_v = validation.choice(plan if plan is not None else "starter", "plan", PLAN_NAMES)
    language_v = validation.language(language if language is not None else "fr")
    if await User.filter(email=email_v).exists():
        raise conflict("an account with this email already exists", param="email")
    password_hash = await hash_password(password_v)
    slug = company_slug(company_v)
    for _ in range(8):
        tenant_id = f"{slug}_{random_string(4, BASE36)}"
        try:
            async with in_transaction():
                tenant = await Tenant.create(
                    id=tenant_id, name=company_v, plan=plan_v, language=language_v
                )
                user = await User.create(
                    id=new_id("usr"),
                    tenant=tenant,
                    email=email_v,
                    password_hash=password_hash,
                    name=name_v,
                    language=language_v,
                    role="owner",
                )
                issued = await keys.issue_key(tenant, kind="tenant", name=keys.TENANT_KEY_NAME)
                await audit.record(
                    tenant.id,
                    "tenant.registered",
                    actor_id=user.id,
                    ip=client_ip,
                    data={"plan": plan_v},
                )
            return Registration(tenant=tenant, user=user, api_key=issued.secret)
        except IntegrityError as exc:
            if await User.filter(email=email_v).exists():
                raise conflict("an account with this email already exists", param="email") from exc
            if not await Tenant.filter(id=tenant_id).exists():
                raise
    raise DomainError(ErrorCode.INTERNAL_ERROR, "could not allocate a tenant id")


async def _issue_session(user: User, family_id: str | None = None) -> Session:
    """Raises insufficient_permissions when the user's tenant is suspended."""
    if user.tenant_id is not None:
        await tenant_plan(user.tenant_id)
    settings = get_settings()
    family_id = family_id or new_id("fam")
    # The family is the session: its access tokens carry it (sid), logout ends it.
    access, ttl = issue_access_token(
        user.id,
        user.tenant_id,
        user.role,
        session_id=family_id,
        session_version=user.session_version,
    )
    refresh = new_refresh_token()
    await RefreshToken.create(
        id=new_id("rtk"),
        user=user,
        family_id=family_id,
        token_hash=sha256_hex(refresh),
        expires_at=datetime.now(UTC) + timedelta(seconds=settings.refresh_token_ttl),
    )
    return Session(access_token=access, refresh_token=refresh, expires_in=ttl, user=user)


async def login(*, email: object, password: object, client_ip: str | None = None) -> Session:
    """Raises invalid_api_key (bad credentials), rate_limit_exceeded (IP limit or account lockout)."""
    await _ip_limit("login", client_ip)
    if not isinstance(email, str) or not isinstance(password, str):
        raise DomainError(
            ErrorCode.INVALID_REQUEST,
            "email and password are required",
            param="email" if not isinstance(email, str) else "password",
        )
    if len(email) > 254:
        raise unauthenticated("invalid email or password")
    user = await User.get_or_none(email=validation.storable(email.strip().lower(), "email"))
    now = datetime.now(UTC)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        retry = int((user.locked_until - now).total_seconds()) + 1
        raise DomainError(
            ErrorCode.RATE_LIMIT_EXCEEDED,
            f"too many failed logins: account locked, retry in {retry} s",
            retry_after=retry,
        )
    ok = await verify_password(user.password_hash if user else None, password)
    if user is None or not ok:
        if user is not None:
            await _record_failure(user, now)
        raise unauthenticated("invalid email or password")
    user.failed_logins = 0
    user.failed_window_start = None
    user.locked_until = None
    user.last_login_at = now
    await user.save(
        update_fields=[
            "failed_logins",
            "failed_window_start",
            "locked_until",
            "last_login_at",
            "updated_at",
        ]
    )
    return await _issue_session(user)


async def _record_failure(user: User, now: datetime) -> None:
    if user.failed_window_start is None or now - user.failed_window_start > LOCKOUT_WINDOW:
        user.failed_window_start = now
        user.failed_logins = 1
    else:
        user.failed_logins += 1
    if user.failed_logins >= LOCKOUT_FAILURES:
        user.locked_until = now + LOCKOUT_DURATION
        user.failed_logins = 0
        user.failed_window_start = None
        await audit.record(user.tenant_id, "user.locked", actor_id=user.id, target=user.id)
    await user.save(
        update_fields=["failed_logins", "failed_window_start", "locked_until", "updated_at"]
    )


async def refresh(*, refresh_token: object, client_ip: str | None = None) -> Session:
    """Rotate a refresh token. Reuse of a rotated one revokes its whole family (after a short
    grace window for concurrent refreshes). Raises invalid_api_key, rate_limit_exceeded."""
    await _ip_limit("refresh", client_ip)
    if not isinstance(refresh_token, str) or not refresh_token:
        raise DomainError(
            ErrorCode.INVALID_REQUEST, "refresh_token is required", param="refresh_token"
        )
    now = datetime.now(UTC)
    reused = False
    async with in_transaction():
        row = (
            await RefreshToken.filter(token_hash=sha256_hex(refresh_token))
            .select_related("user")
            .first()
        )
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise unauthenticated("invalid or expired refresh token")
        if row.rotated_at is None:
            updated = await RefreshToken.filter(id=row.id, rotated_at=None).update(rotated_at=now)
            if updated == 0:
                raise unauthenticated("invalid or expired refresh token")
        elif now - row.rotated_at > timedelta(seconds=get_settings().refresh_reuse_grace):
            await RefreshToken.filter(family_id=row.family_id, revoked_at=None).update(
                revoked_at=now
            )
            await audit.record(
                row.user.tenant_id, "auth.refresh_reuse", actor_id=row.user.id, ip=client_ip
            )
            # Raise after the commit: raising inside would roll the revocation back.
            reused = True
        if not reused:
            return await _issue_session(row.user, family_id=row.family_id)
    # A stolen token's family: its access tokens stop now too, not when they expire.
    await revocation.end_sessions(
        row.user.tenant_id, row.user.id, [row.family_id], "session revoked"
    )
    raise unauthenticated("refresh token reused: the session was revoked, log in again")


async def logout(principal: Principal | None, *, refresh_token: object = None) -> None:
    """End the caller's session (and the given refresh token's), or, without a refresh token,
    every session of the user: their access tokens are refused at once, their sockets close.
    Raises invalid_request (a refresh_token that is not a string), invalid_api_key."""
    p = require_user(principal)
    if refresh_token is not None and not isinstance(refresh_token, str):
        # A malformed value must not fall through to "log out everywhere".
        raise DomainError(
            ErrorCode.INVALID_REQUEST, "refresh_token must be a string", param="refresh_token"
        )
    user_id = str(p.user_id)
    now = datetime.now(UTC)
    qs = RefreshToken.filter(user_id=user_id, revoked_at=None)
    if isinstance(refresh_token, str) and refresh_token:
        row = await RefreshToken.get_or_none(token_hash=sha256_hex(refresh_token), user_id=user_id)
        sessions = {p.session_id} if p.session_id else set()
        if row is not None:
            await qs.filter(family_id=row.family_id).update(revoked_at=now)
            sessions.add(row.family_id)
        await revocation.end_sessions(p.tenant_id, user_id, sorted(sessions), "logged out")
        return
    async with in_transaction():
        await qs.update(revoked_at=now)
        await User.filter(id=user_id).update(session_version=F("session_version") + 1)
        me = await User.get_or_none(id=user_id).only("id", "session_version")
    if me is not None:
        await revocation.end_all_sessions(p.tenant_id, user_id, me.session_version, "logged out")


async def get_me(principal: Principal | None) -> User:
    """Raises invalid_api_key when the token's user no longer exists."""
    p = require_user(principal)
    user = await User.filter(id=p.user_id).select_related("tenant").first()
    if user is None:
        raise unauthenticated("the user of this token no longer exists")
    return user


async def update_me(
    principal: Principal | None,
    *,
    name: object = None,
    company: object = None,
    language: object = None,
) -> User:
    """Update name, language and (owner/admin only) the company name. Raises invalid_request,
    insufficient_permissions."""
    user = await get_me(principal)
    name_v = validation.text(name, "name", max_len=200)
    company_v = (
        validation.text(company, "company", max_len=200, min_len=1) if company is not None else None
    )
    language_v = validation.language(language) if language is not None else None
    if company_v is not None and user.tenant is None:
        raise forbidden("a platform user has no company")
    if company_v is not None and user.role not in MANAGER_ROLES:
        raise forbidden("only an owner or admin can rename the company")
    async with in_transaction():
        if name_v is not None:
            user.name = name_v
        if language_v is not None:
            user.language = language_v
        await user.save()
        if company_v is not None and user.tenant is not None:
            user.tenant.name = company_v
            await user.tenant.save(update_fields=["name", "updated_at"])
    return user


async def change_password(
    principal: Principal | None,
    *,
    current_password: object,
    new_password: object,
    client_ip: str | None = None,
) -> None:
    """Check the current password, set the new one, end every session (refresh tokens, access
    tokens, sockets). Raises invalid_api_key (wrong current password), invalid_request."""
    user = await get_me(principal)
    if not isinstance(current_password, str):
        raise DomainError(
            ErrorCode.INVALID_REQUEST, "current_password is required", param="current_password"
        )
    new_v = validation.password(new_password, param="new_password")
    if not await verify_password(user.password_hash, current_password):
        raise DomainError(
            ErrorCode.INVALID_API_KEY, "the current password is wrong", param="current_password"
        )
    new_hash = await hash_password(new_v)
    async with in_transaction():
        await User.filter(id=user.id).update(
            password_hash=new_hash,
            session_version=F("session_version") + 1,
            updated_at=datetime.now(UTC),
        )
        version = (await User.get(id=user.id).only("id", "session_version")).session_version
        await RefreshToken.filter(user_id=user.id, revoked_at=None).update(
            revoked_at=datetime.now(UTC)
        )
        await audit.record(
            user.tenant_id, "user.password_changed", actor_id=user.id, target=user.id, ip=client_ip
        )
    # Every session issued before, this one included, ends now on every process.
    await revocation.end_all_sessions(user.tenant_id, user.id, version, "password changed")
