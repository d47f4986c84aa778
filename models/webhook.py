"""The webhook outbox: events written with the state change, deliveries and their attempts."""

from tortoise import fields
from tortoise.models import Model

from models.tenant import Tenant, WebhookEndpoint


class WebhookEvent(Model):
    id = fields.CharField(primary_key=True, max_length=40)  # evt_...
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="webhook_events", on_delete=fields.CASCADE
    )
    tenant_id: str
    type = fields.CharField(max_length=40)
    # The exact body that is signed and sent (kept as text so retries are byte-identical).
    body = fields.TextField()
    call_id = fields.CharField(max_length=40, null=True, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_events"


class WebhookDelivery(Model):
    id = fields.CharField(primary_key=True, max_length=40)  # dlv_...
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="webhook_deliveries", on_delete=fields.CASCADE
    )
    tenant_id: str
    event: fields.ForeignKeyRelation[WebhookEvent] = fields.ForeignKeyField(
        "models.WebhookEvent", related_name="deliveries", on_delete=fields.CASCADE
    )
    event_id: str
    # Null for a call's own webhookUrl; then url holds the destination.
    endpoint: fields.ForeignKeyNullableRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", null=True, on_delete=fields.SET_NULL
    )
    endpoint_id: str | None
    url = fields.CharField(max_length=2048)
    status = fields.CharField(
        max_length=12, default="pending", db_index=True
    )  # pending|succeeded|failed
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True, db_index=True)
    locked_until = fields.DatetimeField(null=True)
    last_status_code = fields.IntField(null=True)
    last_error = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    completed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_deliveries"


class WebhookAttempt(Model):
    id = fields.IntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[WebhookDelivery] = fields.ForeignKeyField(
        "models.WebhookDelivery", related_name="attempt_log", on_delete=fields.CASCADE
    )
    delivery_id: str
    at = fields.DatetimeField()
    status_code = fields.IntField(null=True)
    error = fields.CharField(max_length=500, null=True)
    duration_ms = fields.IntField(default=0)

    class Meta:
        table = "webhook_attempts"
