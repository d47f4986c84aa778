"""Secrets: password hashing (argon2id), access tokens (JWT HS256), API keys and their hashes."""

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from models.base import BASE62, new_id, random_string
from resolvers.errors import unauthenticated
from resolvers.settings import get_settings

# OWASP's argon2id profile (m=19 MiB, t=2, p=1): strong, and cheap enough that the
# login limiter, not the hash, is what stops a flood.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Hashing is CPU- and memory-bound: a small dedicated pool bounds it, so a burst of
# logins queues here instead of filling the default executor.
_hash_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="argon2")
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")

JWT_ALGORITHM = "HS256"


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_hash_pool, _hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-ish time: an unknown user still pays one verification."""

    def check() -> bool:
        try:
            return (
                _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await asyncio.get_running_loop().run_in_executor(_hash_pool, check)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# --- access tokens -------------------------------------------------------------------


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    tenant_id: str | None
    role: str
    jti: str
    expires_at: int
    issued_at: int
    session_id: str  # the refresh-token family: logout ends it
    session_version: int  # the user's session_version when issued: a password change ends it


def issue_access_token(
    user_id: str,
    tenant_id: str | None,
    role: str,
    *,
    session_id: str | None = None,
    session_version: int = 0,
) -> tuple[str, int]:
    """A signed access token of one session (a fresh session id unless given)."""
    settings = get_settings()
    now = int(time.time())
    ttl = settings.access_token_ttl
    claims = {
        "sub": user_id,
        "tid": tenant_id,
        "role": role,
        "jti": new_id("jti", 16),
        "sid": session_id or new_id("ses"),
        "sv": session_version,
        "iat": now,
        "exp": now + ttl,
        "typ": "access",
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=JWT_ALGORITHM), ttl


def decode_access_token(token: str) -> AccessClaims:
    """Raises invalid_api_key for anything but a well-signed, unexpired access token."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            get_settings().jwt_secret,
            algorithms=[JWT_ALGORITHM],
            options={"require": ["exp", "iat", "sub", "jti"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise unauthenticated("access token expired") from exc
    except jwt.PyJWTError as exc:
        raise unauthenticated("invalid access token") from exc
    sid, version = claims.get("sid"), claims.get("sv")
    if (
        claims.get("typ") != "access"
        or not isinstance(claims.get("sub"), str)
        or not isinstance(sid, str)
        or not sid
        or len(sid) > 64
        or not isinstance(version, int)
        or isinstance(version, bool)
    ):
        raise unauthenticated("invalid access token")
    tid = claims.get("tid")
    return AccessClaims(
        user_id=claims["sub"],
        tenant_id=tid if isinstance(tid, str) else None,
        role=str(claims.get("role", "viewer")),
        jti=str(claims["jti"]),
        expires_at=int(claims["exp"]),
        issued_at=int(claims["iat"]),
        session_id=sid,
        session_version=version,
    )


def new_refresh_token() -> str:
    """Opaque, 256 bits of randomness."""
    return "rt_" + secrets.token_urlsafe(32)


# --- widget tokens -------------------------------------------------------------------
# The reference's embedding names only the tenant (window.VOCALIA_CONFIG = {tenant_id, ...}):
# its widget config hands the page a short-lived token bound to the tenant and to the allowed
# origin that asked, which then acts as the tenant's publishable key would, from that origin.

WIDGET_TOKEN_PREFIX = "voc_wt_"  # noqa: S105 (a token prefix, not a secret)
WIDGET_TOKEN_TTL = 60 * 60


@dataclass(frozen=True)
class WidgetClaims:
    tenant_id: str
    origin: str
    expires_at: int


def issue_widget_token(tenant_id: str, origin: str) -> tuple[str, int]:
    """A signed widget token for ``tenant_id`` from ``origin`` (normalised) and its expiry."""
    now = int(time.time())
    claims = {
        "tid": tenant_id,
        "org": origin,
        "jti": new_id("jti", 16),
        "iat": now,
        "exp": now + WIDGET_TOKEN_TTL,
        "typ": "widget",
    }
    token = jwt.encode(claims, get_settings().jwt_secret, algorithm=JWT_ALGORITHM)
    return WIDGET_TOKEN_PREFIX + token, now + WIDGET_TOKEN_TTL


def decode_widget_token(token: str) -> WidgetClaims:
    """Raises invalid_api_key for anything but a well-signed, unexpired widget token."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token.removeprefix(WIDGET_TOKEN_PREFIX),
            get_settings().jwt_secret,
            algorithms=[JWT_ALGORITHM],
            options={"require": ["exp", "iat", "tid", "org"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise unauthenticated(
            "widget token expired: the widget fetches a new one from /v1/widget/config"
        ) from exc
    except jwt.PyJWTError as exc:
        raise unauthenticated("invalid widget token") from exc
    tid, origin = claims.get("tid"), claims.get("org")
    if claims.get("typ") != "widget" or not isinstance(tid, str) or not isinstance(origin, str):
        raise unauthenticated("invalid widget token")
    return WidgetClaims(tenant_id=tid, origin=origin, expires_at=int(claims["exp"]))


# --- API keys ------------------------------------------------------------------------

TENANT_KEY_PREFIX = "vk_"
SECRET_LIVE_PREFIX = "voc_sk_live_"  # noqa: S105 (a key prefix, not a secret)
SECRET_TEST_PREFIX = "voc_sk_test_"  # noqa: S105 (a key prefix, not a secret)
PUBLISHABLE_LIVE_PREFIX = "voc_pk_live_"
KEY_PREFIXES = (SECRET_LIVE_PREFIX, SECRET_TEST_PREFIX, PUBLISHABLE_LIVE_PREFIX)


def new_tenant_key() -> str:
    """The documented tenant key: ``vk_`` + 48 hex."""
    return TENANT_KEY_PREFIX + secrets.token_hex(24)


def _crc_suffix(body: str) -> str:
    crc = zlib.crc32(body.encode())
    out = ""
    for _ in range(6):
        crc, rem = divmod(crc, 62)
        out = BASE62[rem] + out
    return out


def new_prefixed_key(prefix: str) -> str:
    """``voc_sk_live_`` + 32 base62 + 6-char base62 CRC32, so scanners can reject look-alikes offline."""
    body = random_string(32)
    return prefix + body + _crc_suffix(prefix + body)


def key_checksum_ok(key: str) -> bool:
    for prefix in KEY_PREFIXES:
        if key.startswith(prefix):
            rest = key[len(prefix) :]
            return (
                len(rest) == 38
                and all(c in BASE62 for c in rest)
                and _crc_suffix(prefix + rest[:32]) == rest[32:]
            )
    return False


def tenant_key_format_ok(key: str) -> bool:
    rest = key[len(TENANT_KEY_PREFIX) :]
    return (
        key.startswith(TENANT_KEY_PREFIX)
        and len(rest) == 48
        and all(c in "0123456789abcdef" for c in rest)
    )


def mask_key(key: str) -> str:
    """``vk_a1b2…9f3c``: the prefix, four characters, an ellipsis, the last four."""
    for prefix in (TENANT_KEY_PREFIX, *KEY_PREFIXES):
        if key.startswith(prefix):
            rest = key[len(prefix) :]
            return f"{prefix}{rest[:4]}…{rest[-4:]}"
    return "…" + key[-4:]


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def mask_secret_value(value: str) -> str:
    """Header values of actions on read: ``abcd••••wxyz``; short values are fully hidden."""
    if len(value) >= 12:
        return f"{value[:4]}••••{value[-4:]}"
    return "••••"
