"""API keys: the tenant key (vk_), secret keys (voc_sk_live_/voc_sk_test_), publishable keys (voc_pk_live_)."""

from tortoise import fields

from models.base import TimestampedModel
from models.tenant import Tenant


class ApiKey(TimestampedModel):
    id = fields.CharField(primary_key=True, max_length=40)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="api_keys", on_delete=fields.CASCADE
    )
    tenant_id: str
    kind = fields.CharField(max_length=20)  # tenant | secret | publishable
    mode = fields.CharField(max_length=8, default="live")  # live | test
    name = fields.CharField(max_length=100, default="")
    # Only a SHA-256 of the key is stored; the clear key is shown once.
    key_hash = fields.CharField(max_length=64, unique=True)
    masked = fields.CharField(max_length=40)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_keys"
