"""The audit log. It keeps the tenant id as plain text so the erasure record outlives the tenant."""

from tortoise import fields
from tortoise.models import Model


class AuditLog(Model):
    id = fields.CharField(primary_key=True, max_length=40)
    tenant_id = fields.CharField(max_length=64, null=True, db_index=True)
    actor_id = fields.CharField(max_length=40, null=True)
    actor_kind = fields.CharField(max_length=20, default="user")
    action = fields.CharField(max_length=80)
    target = fields.CharField(max_length=200, null=True)
    data: dict[str, object] = fields.JSONField(default=dict)
    ip = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_logs"
