"""Credentials of a tenant: the documented vk_ key, secret keys and publishable keys."""

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from models.base import new_id
from models.credential import ApiKey
from models.tenant import Tenant
from resolvers import audit, revocation, validation
from resolvers.errors import invalid, not_found
from resolvers.principals import (
    Principal,
    get_owned,
    get_tenant,
    require_fresh_session,
    require_manager,
    tenant_scope,
)
from resolvers.security import (
    PUBLISHABLE_LIVE_PREFIX,
    SECRET_LIVE_PREFIX,
    SECRET_TEST_PREFIX,
    mask_key,
    new_prefixed_key,
    new_tenant_key,
    sha256_hex,
)

KEY_KINDS = ("secret", "publishable")
KEY_MODES = ("live", "test")
MAX_KEYS_PER_TENANT = 50
TENANT_KEY_NAME = "tenant key"


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # shown once


def _new_secret(kind: str, mode: str) -> str:
    if kind == "tenant":
        return new_tenant_key()
    if kind == "publishable":
        return new_prefixed_key(PUBLISHABLE_LIVE_PREFIX)
    return new_prefixed_key(SECRET_LIVE_PREFIX if mode == "live" else SECRET_TEST_PREFIX)


async def issue_key(tenant: Tenant, *, kind: str, mode: str = "live", name: str) -> IssuedKey:
    """A new key row of ``kind`` (tenant, secret, publishable) and its plaintext, returned
    this once: the database keeps only its hash and masked form. Runs in the caller's
    transaction, beside the caller's audit record."""
    clear = _new_secret(kind, mode)
    key = await ApiKey.create(
        id=new_id("key"),
        tenant=tenant,
        kind=kind,
        mode=mode,
        name=name,
        key_hash=sha256_hex(clear),
        masked=mask_key(clear),
    )
    return IssuedKey(key=key, secret=clear)


async def get_tenant_key(principal: Principal | None, tenant_id: str | None = None) -> ApiKey:
    """The active vk_ key, masked. Raises resource_not_found, insufficient_permissions."""
    p = require_manager(principal)
    tenant = await get_tenant(p, tenant_id)
    key = (
        await ApiKey.filter(tenant_id=tenant.id, kind="tenant", revoked_at=None)
        .order_by("-created_at")
        .first()
    )
    if key is None:
        raise not_found("api key")
    return key


async def rotate_tenant_key(
    principal: Principal | None, tenant_id: str | None = None, client_ip: str | None = None
) -> IssuedKey:
    """A new vk_ key, shown once; the old one stops working at once (its sockets close).
    Audit-logged. Raises invalid_api_key (a token older than the last password change),
    insufficient_permissions, resource_not_found."""
    p = require_manager(principal)
    tenant = await get_tenant(p, tenant_id)
    await require_fresh_session(p)
    now = datetime.now(UTC)
    async with in_transaction():
        old = ApiKey.filter(tenant_id=tenant.id, kind="tenant", revoked_at=None)
        old_ids = [str(i) for i in await old.values_list("id", flat=True)]
        revoked = await ApiKey.filter(id__in=old_ids, revoked_at=None).update(revoked_at=now)
        issued = await issue_key(tenant, kind="tenant", name=TENANT_KEY_NAME)
        await audit.record(
            tenant.id,
            "tenant.api_key_rotated",
            principal=p,
            target=issued.key.id,
            ip=client_ip,
            data={"revoked": revoked, "masked": issued.key.masked},
        )
    await revocation.revoke_keys(tenant.id, old_ids, "API key rotated")
    return issued


async def create_key(
    principal: Principal | None,
    *,
    kind: object,
    mode: object = "live",
    name: object = None,
    tenant_id: str | None = None,
) -> IssuedKey:
    """Create a voc_sk_live_, voc_sk_test_ or voc_pk_live_ key (shown once). Raises
    invalid_request, invalid_api_key (a token older than the last password change)."""
    p = require_manager(principal)
    tenant = await get_tenant(p, tenant_id)
    await require_fresh_session(p)
    kind_v = validation.choice(kind, "kind", KEY_KINDS)
    mode_v = validation.choice(mode, "mode", KEY_MODES)
    if kind_v == "publishable" and mode_v != "live":
        raise invalid("publishable keys exist in live mode only", param="mode")
    name_v = validation.text(name, "name", max_len=100) or ""
    if await ApiKey.filter(tenant_id=tenant.id, revoked_at=None).count() >= MAX_KEYS_PER_TENANT:
        raise invalid(f"a tenant may hold at most {MAX_KEYS_PER_TENANT} active keys", param="kind")
    async with in_transaction():
        issued = await issue_key(tenant, kind=kind_v, mode=mode_v, name=name_v)
        await audit.record(
            tenant.id,
            "api_key.created",
            principal=p,
            target=issued.key.id,
            data={"kind": kind_v, "mode": mode_v, "name": name_v},
        )
    return issued


async def list_keys(
    principal: Principal | None, tenant_id: str | None = None, include_revoked: bool = False
) -> list[ApiKey]:
    p = require_manager(principal)
    tenant = await get_tenant(p, tenant_id)
    qs = ApiKey.filter(tenant_id=tenant.id)
    if not include_revoked:
        qs = qs.filter(revoked_at=None)
    return list(await qs.order_by("-created_at", "id"))


async def revoke_key(
    principal: Principal | None, key_id: object, *, tenant_id: str | None = None
) -> ApiKey:
    """Revoke at once: requests and open sockets with it end (4401). Raises
    resource_not_found for an unknown key or another tenant's key (or tenant)."""
    p = require_manager(principal)
    scope = await tenant_scope(p, tenant_id)
    # Unlike a read, a missing id or unstorable text is a malformed request, before the lookup.
    if not isinstance(key_id, str):
        raise invalid("id is required", param="id")
    validation.storable(key_id, "id")
    key = await get_owned(ApiKey, scope, "api key", key_id)
    if key.revoked_at is None:
        async with in_transaction():
            key.revoked_at = datetime.now(UTC)
            await key.save(update_fields=["revoked_at", "updated_at"])
            await audit.record(key.tenant_id, "api_key.revoked", principal=p, target=key.id)
        await revocation.revoke_keys(key.tenant_id, [key.id], "API key revoked")
    return key
