"""Metered usage per tenant and billing period (calls, sessions) and gauges (kb entries)."""

from tortoise import fields
from tortoise.models import Model

from models.tenant import Tenant


class UsageCounter(Model):
    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="usage_counters", on_delete=fields.CASCADE
    )
    tenant_id: str
    period = fields.CharField(max_length=7)  # YYYY-MM (UTC)
    metric = fields.CharField(max_length=20)
    value = fields.BigIntField(default=0)

    class Meta:
        table = "usage_counters"
        unique_together = (("tenant", "period", "metric"),)


class QuotaAlert(Model):
    """A quota.warning sent: at most one per tenant, period, quota and threshold (80, 100)."""

    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="quota_alerts", on_delete=fields.CASCADE
    )
    tenant_id: str
    period = fields.CharField(max_length=7)
    metric = fields.CharField(max_length=20)
    threshold = fields.IntField()
    token = fields.CharField(max_length=40)  # who inserted the row: that writer sends the event
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "quota_alerts"
        unique_together = (("tenant", "period", "metric", "threshold"),)
