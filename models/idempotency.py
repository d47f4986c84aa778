"""Idempotency keys: the first answer to a request, replayed for its retries (Stripe semantics)."""

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.tenant import Tenant


class IdempotencyKey(Model):
    id = fields.CharField(primary_key=True, max_length=40)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="idempotency_keys", on_delete=fields.CASCADE
    )
    tenant_id: str
    # What the key was used for ("POST /v1/calls"): one key may not be reused elsewhere.
    operation = fields.CharField(max_length=64)
    key = fields.CharField(max_length=255)
    # SHA-256 of the request body in canonical form: the same key with another body is a conflict.
    fingerprint = fields.CharField(max_length=64)
    # None while the first request is still running.
    status = fields.IntField(null=True)
    response: Any = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotency_keys"
        unique_together = (("tenant", "operation", "key"),)
