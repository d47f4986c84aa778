"""Billing with Stripe: a tenant's customer and subscription as Stripe last told us, and the
Stripe events received (stored before they are applied, so a crash loses none and a replay
applies nothing twice)."""

from tortoise import fields
from tortoise.models import Model

from models.base import TimestampedModel
from models.tenant import Tenant


class BillingAccount(TimestampedModel):
    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="billing_accounts", on_delete=fields.CASCADE
    )
    tenant_id: str
    customer_id = fields.CharField(max_length=255, null=True, unique=True)
    subscription_id = fields.CharField(max_length=255, null=True, db_index=True)
    # Stripe's subscription status (active, past_due, canceled...) and the Price it bills.
    status = fields.CharField(max_length=30, null=True)
    price_id = fields.CharField(max_length=255, null=True)
    current_period_start = fields.DatetimeField(null=True)
    current_period_end = fields.DatetimeField(null=True)
    cancel_at_period_end = fields.BooleanField(default=False)
    # The first unpaid invoice's failure: after the grace period the tenant goes to starter.
    past_due_since = fields.DatetimeField(null=True)

    class Meta:
        table = "billing_accounts"
        unique_together = (("tenant",),)


class StripeEvent(Model):
    id = fields.CharField(primary_key=True, max_length=255)  # Stripe's evt_...
    type = fields.CharField(max_length=100)
    payload: dict[str, object] = fields.JSONField()
    received_at = fields.DatetimeField(auto_now_add=True)
    processed_at = fields.DatetimeField(null=True, db_index=True)
    attempts = fields.IntField(default=0)
    error = fields.TextField(null=True)
    # The tenant it was applied to, when it names one of ours (erased with it).
    tenant: fields.ForeignKeyNullableRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="stripe_events", on_delete=fields.CASCADE, null=True
    )
    tenant_id: str | None

    class Meta:
        table = "stripe_events"


class MeterEvent(Model):
    """Usage owed to Stripe Billing Meters, queued in the transaction that ends the call: one
    row per call and meter. Its id is the meter event's ``identifier``, so a resend (a retry,
    two processes sending at once) is never billed twice."""

    id = fields.CharField(primary_key=True, max_length=40)  # mev_...
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="meter_events", on_delete=fields.CASCADE
    )
    tenant_id: str
    call_id = fields.CharField(max_length=64)
    event_name = fields.CharField(max_length=100)
    customer_id = fields.CharField(max_length=255)
    value = fields.BigIntField()
    occurred_at = fields.DatetimeField()
    next_attempt_at = fields.DatetimeField(db_index=True)
    sent_at = fields.DatetimeField(null=True, db_index=True)
    attempts = fields.IntField(default=0)
    error = fields.TextField(null=True)

    class Meta:
        table = "meter_events"
        unique_together = (("call_id", "event_name"),)
