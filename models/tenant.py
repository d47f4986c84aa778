"""Tenants and their configuration: origins, webhook endpoints, automation actions."""

from tortoise import fields

from models.base import TimestampedModel


class Tenant(TimestampedModel):
    id = fields.CharField(primary_key=True, max_length=64)
    name = fields.CharField(max_length=200)
    plan = fields.CharField(max_length=20, default="starter")
    language = fields.CharField(max_length=8, default="fr")
    timezone = fields.CharField(max_length=64, default="Africa/Casablanca")
    widget_config: dict[str, object] = fields.JSONField(default=dict)
    # Prepaid tenants pay calls from this balance; postpaid ones are invoiced.
    prepaid = fields.BooleanField(default=False)
    credit_balance = fields.DecimalField(max_digits=12, decimal_places=4, default=0)
    # Suspended by a platform superadmin: its keys, tokens and sockets stop working.
    suspended_at = fields.DatetimeField(null=True)
    suspended_reason = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "tenants"


class AllowedOrigin(TimestampedModel):
    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="allowed_origins", on_delete=fields.CASCADE
    )
    tenant_id: str
    origin = fields.CharField(max_length=255, db_index=True)
    position = fields.IntField(default=0)

    class Meta:
        table = "allowed_origins"
        unique_together = (("tenant", "origin"),)


class WebhookEndpoint(TimestampedModel):
    id = fields.CharField(primary_key=True, max_length=40)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="webhook_endpoints", on_delete=fields.CASCADE
    )
    tenant_id: str
    url = fields.CharField(max_length=2048)
    events: list[str] = fields.JSONField(default=list)
    enabled = fields.BooleanField(default=True)
    # Kept in clear server-side: it must sign. Never returned after creation or rotation.
    secret = fields.CharField(max_length=100)
    previous_secret = fields.CharField(max_length=100, null=True)
    previous_secret_expires_at = fields.DatetimeField(null=True)
    disabled_reason = fields.CharField(max_length=200, null=True)
    failing_since = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_endpoints"


class TenantAction(TimestampedModel):
    id = fields.CharField(primary_key=True, max_length=40)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="actions", on_delete=fields.CASCADE
    )
    tenant_id: str
    type = fields.CharField(max_length=20)
    event = fields.CharField(max_length=40)
    target_url = fields.CharField(max_length=2048)
    headers: dict[str, str] = fields.JSONField(default=dict)
    enabled = fields.BooleanField(default=True)
    position = fields.IntField(default=0)

    class Meta:
        table = "tenant_actions"
