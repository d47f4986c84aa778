"""Voice agents of a tenant and the tenant's phone numbers."""

from tortoise import fields

from models.base import TimestampedModel
from models.tenant import Tenant


class Agent(TimestampedModel):
    # A surrogate key: the public id is a slug chosen per tenant (agent_support_fr), so two
    # tenants may both have one with the same name.
    pk_id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="agents", on_delete=fields.CASCADE
    )
    tenant_id: str
    agent_id = fields.CharField(max_length=64)
    name = fields.CharField(max_length=200)
    language = fields.CharField(max_length=8, default="fr")
    persona = fields.CharField(max_length=40, default="small_business")
    instructions = fields.TextField(default="")
    greeting = fields.CharField(max_length=500, default="")
    voice = fields.CharField(max_length=64, default="")
    tools: list[str] = fields.JSONField(default=list)
    faq: list[dict[str, str]] = fields.JSONField(default=list)
    transfer_number = fields.CharField(max_length=20, null=True)
    max_duration = fields.IntField(default=600)
    enabled = fields.BooleanField(default=True)

    class Meta:
        table = "agents"
        unique_together = (("tenant", "agent_id"),)


class PhoneNumber(TimestampedModel):
    id = fields.CharField(primary_key=True, max_length=40)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="phone_numbers", on_delete=fields.CASCADE
    )
    tenant_id: str
    # Unique per tenant, not globally: refusing a number another tenant registered would tell
    # this tenant that it exists elsewhere. Which tenant answers an inbound call to a number
    # is decided by the carrier that owns it (the number in that tenant's carrier account),
    # not by who typed it in first.
    number = fields.CharField(max_length=20)
    label = fields.CharField(max_length=100, default="")
    is_default = fields.BooleanField(default=False)
    carrier = fields.CharField(max_length=20, default="simulated")

    class Meta:
        table = "phone_numbers"
        unique_together = (("tenant", "number"),)
