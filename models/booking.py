"""What the agent's tools leave behind: bookings, qualified leads and callbacks to make."""

from tortoise import fields

from models.base import TimestampedModel
from models.tenant import Tenant


class Booking(TimestampedModel):
    id = fields.CharField(primary_key=True, max_length=40)  # bkg_...
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="bookings", on_delete=fields.CASCADE
    )
    tenant_id: str
    # The call or text conversation that made it; plain columns, so a booking outlives them.
    call_id = fields.CharField(max_length=40, null=True, db_index=True)
    conversation_id = fields.CharField(max_length=40, null=True, db_index=True)
    agent_id = fields.CharField(max_length=64, null=True)
    starts_at = fields.DatetimeField()  # aware, stored UTC
    timezone = fields.CharField(max_length=64)  # IANA, the zone the caller's date was in
    name = fields.CharField(max_length=200, null=True)
    phone = fields.CharField(max_length=32, null=True)
    service = fields.CharField(max_length=200, null=True)
    notes = fields.TextField(null=True)
    status = fields.CharField(max_length=20, default="confirmed")

    class Meta:
        table = "bookings"
        indexes = (("tenant_id", "created_at"),)


class Lead(TimestampedModel):
    id = fields.CharField(primary_key=True, max_length=40)  # lead_...
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="leads", on_delete=fields.CASCADE
    )
    tenant_id: str
    # One lead per call or conversation: qualify_lead called again updates it.
    call_id = fields.CharField(max_length=40, null=True, unique=True)
    conversation_id = fields.CharField(max_length=40, null=True, unique=True)
    agent_id = fields.CharField(max_length=64, null=True)
    name = fields.CharField(max_length=200, null=True)
    email = fields.CharField(max_length=254, null=True)
    phone = fields.CharField(max_length=32, null=True)
    need = fields.BooleanField(default=False)
    timeline = fields.BooleanField(default=False)
    budget = fields.BooleanField(default=False)
    authority = fields.BooleanField(default=False)
    score = fields.IntField(default=0)
    qualified = fields.BooleanField(default=False)
    # Set once, when the score first reached the threshold (lead.qualified went out then).
    qualified_at = fields.DatetimeField(null=True)
    notes = fields.TextField(null=True)

    class Meta:
        table = "leads"
        indexes = (("tenant_id", "created_at"),)


class Callback(TimestampedModel):
    id = fields.CharField(primary_key=True, max_length=40)  # cbk_...
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="callbacks", on_delete=fields.CASCADE
    )
    tenant_id: str
    call_id = fields.CharField(max_length=40, null=True, db_index=True)
    conversation_id = fields.CharField(max_length=40, null=True, db_index=True)
    agent_id = fields.CharField(max_length=64, null=True)
    at = fields.DatetimeField()  # aware, stored UTC
    timezone = fields.CharField(max_length=64)
    phone = fields.CharField(max_length=32, null=True)
    notes = fields.TextField(null=True)
    status = fields.CharField(max_length=20, default="scheduled")

    class Meta:
        table = "callbacks"
        indexes = (("tenant_id", "created_at"),)
