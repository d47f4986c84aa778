"""Calls (phone and web) and every status transition with its time."""

from tortoise import fields
from tortoise.models import Model

from models.base import TimestampedModel
from models.tenant import Tenant


class Call(TimestampedModel):
    id = fields.CharField(primary_key=True, max_length=40)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="calls", on_delete=fields.CASCADE
    )
    tenant_id: str
    agent_id = fields.CharField(max_length=64)
    direction = fields.CharField(max_length=10, default="outbound")
    status = fields.CharField(max_length=20, default="initiating", db_index=True)
    to_number = fields.CharField(max_length=20, null=True)
    from_number = fields.CharField(max_length=20, null=True)
    carrier = fields.CharField(max_length=20, default="simulated")
    carrier_call_id = fields.CharField(max_length=64, null=True, db_index=True)
    mode = fields.CharField(max_length=8, default="live")
    language = fields.CharField(max_length=8, default="fr")
    answered_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    duration = fields.IntField(null=True)
    transcript: list[dict[str, object]] = fields.JSONField(default=list)
    summary = fields.TextField(null=True)
    sentiment = fields.CharField(max_length=10, null=True)
    lead_score = fields.IntField(null=True)
    cost = fields.DecimalField(max_digits=12, decimal_places=4, null=True)
    ended_reason = fields.CharField(max_length=40, null=True)
    metadata: dict[str, object] = fields.JSONField(default=dict)
    webhook_url = fields.CharField(max_length=2048, null=True)
    recording_url = fields.CharField(max_length=2048, null=True)
    latency: dict[str, object] = fields.JSONField(default=dict)
    # The agent's tool calls in order: {id, name, arguments, result, at}.
    tool_calls: list[dict[str, object]] = fields.JSONField(default=list)
    transferred_to = fields.CharField(max_length=20, null=True)
    # The process that drives the call; a restart fails calls whose owner died.
    owner = fields.CharField(max_length=64, null=True, db_index=True)

    class Meta:
        table = "calls"
        indexes = (("tenant_id", "created_at"),)


class CallTransition(Model):
    id = fields.IntField(primary_key=True)
    call: fields.ForeignKeyRelation[Call] = fields.ForeignKeyField(
        "models.Call", related_name="transitions", on_delete=fields.CASCADE
    )
    call_id: str
    status = fields.CharField(max_length=20)
    at = fields.DatetimeField()
    reason = fields.CharField(max_length=40, null=True)

    class Meta:
        table = "call_transitions"
