"""Text conversations: a POST /respond session with an agent (calls are conversations too:
their rows are in models.call)."""

from tortoise import fields

from models.base import TimestampedModel
from models.tenant import Tenant


class Conversation(TimestampedModel):
    id = fields.CharField(primary_key=True, max_length=40)  # conv_…
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="conversations", on_delete=fields.CASCADE
    )
    tenant_id: str
    agent_id = fields.CharField(max_length=64)
    channel = fields.CharField(max_length=10, default="text")
    mode = fields.CharField(max_length=8, default="live")  # test keys: sandbox, not counted
    language = fields.CharField(max_length=8)
    # [{role: "user"|"assistant", content, at}], in order.
    transcript: list[dict[str, object]] = fields.JSONField(default=list)
    # The agent's tool calls in order: {id, name, arguments, result, at}.
    tool_calls: list[dict[str, object]] = fields.JSONField(default=list)
    # The language model's memory between turns (the builtin agent's pending intent, slots).
    state: dict[str, object] = fields.JSONField(default=dict)
    turns = fields.IntField(default=0)
    lead_score = fields.IntField(null=True)
    ended_at = fields.DatetimeField(null=True)
    last_message_at = fields.DatetimeField(null=True)

    class Meta:
        table = "conversations"
        indexes = (("tenant_id", "created_at"),)
