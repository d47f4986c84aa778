"""One key issuer (resolvers.keys.issue_key) behind sign-up, rotation and new keys: the
plaintext is returned once, the row keeps its hash and mask only, and the key works."""

import pytest
from tortoise.transactions import in_transaction

from models.credential import ApiKey
from resolvers import keys
from resolvers.principals import authenticate
from resolvers.security import mask_key, sha256_hex
from tests.factories import make_tenant


@pytest.mark.parametrize(
    ("kind", "mode", "prefix", "principal_kind"),
    [
        ("tenant", "live", "vk_", "tenant_key"),
        ("secret", "live", "voc_sk_live_", "secret_key"),
        ("secret", "test", "voc_sk_test_", "secret_key"),
    ],
)
async def test_issued_key_is_shown_once_stored_hashed_and_works(
    app: object, kind: str, mode: str, prefix: str, principal_kind: str
) -> None:
    t = await make_tenant()
    async with in_transaction():
        issued = await keys.issue_key(t.tenant, kind=kind, mode=mode, name="n")
    assert issued.secret.startswith(prefix)
    row = await ApiKey.get(id=issued.key.id)
    assert (row.kind, row.mode, row.name, row.tenant_id) == (kind, mode, "n", t.id)
    assert (row.key_hash, row.masked) == (sha256_hex(issued.secret), mask_key(issued.secret))
    assert issued.secret not in {row.key_hash, row.masked}
    principal = await authenticate(issued.secret)
    assert (principal.kind, principal.tenant_id, principal.mode) == (principal_kind, t.id, mode)


async def test_publishable_keys_and_every_caller_use_it(app: object) -> None:
    t = await make_tenant()
    issued = await keys.issue_key(t.tenant, kind="publishable", name="widget")
    assert issued.secret.startswith("voc_pk_live_")
    # Sign-up's vk_ key and a rotation's come from the same issuer.
    signup = await ApiKey.get(key_hash=sha256_hex(t.api_key))
    rotated = await keys.rotate_tenant_key(t.principal)
    assert {signup.name, rotated.key.name} == {keys.TENANT_KEY_NAME}
    assert rotated.key.masked == mask_key(rotated.secret)
