"""Live server processes, so a restarted or surviving process can tell which calls lost their owner."""

from tortoise import fields
from tortoise.models import Model


class ProcessHeartbeat(Model):
    id = fields.CharField(primary_key=True, max_length=64)
    last_seen = fields.DatetimeField()
    started_at = fields.DatetimeField()

    class Meta:
        table = "process_heartbeats"
