from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Agent',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('pk_id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name='agents', on_delete=OnDelete.CASCADE)),
                ('agent_id', fields.CharField(max_length=64)),
                ('name', fields.CharField(max_length=200)),
                ('language', fields.CharField(default='fr', max_length=8)),
                ('persona', fields.CharField(default='small_business', max_length=40)),
                ('instructions', fields.TextField(default='', unique=False)),
                ('greeting', fields.CharField(default='', max_length=500)),
                ('voice', fields.CharField(default='', max_length=64)),
                ('tools', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('faq', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('transfer_number', fields.CharField(null=True, max_length=20)),
                ('max_duration', fields.IntField(default=600)),
                ('enabled', fields.BooleanField(default=True)),
            ],
            options={'table': 'agents', 'app': 'models', 'unique_together': (('tenant', 'agent_id'),), 'pk_attr': 'pk_id'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Call',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name='calls', on_delete=OnDelete.CASCADE)),
                ('agent_id', fields.CharField(max_length=64)),
                ('direction', fields.CharField(default='outbound', max_length=10)),
                ('status', fields.CharField(default='initiating', db_index=True, max_length=20)),
                ('to_number', fields.CharField(null=True, max_length=20)),
                ('from_number', fields.CharField(null=True, max_length=20)),
                ('carrier', fields.CharField(default='simulated', max_length=20)),
                ('carrier_call_id', fields.CharField(null=True, db_index=True, max_length=64)),
                ('mode', fields.CharField(default='live', max_length=8)),
                ('language', fields.CharField(default='fr', max_length=8)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('duration', fields.IntField(null=True)),
                ('transcript', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('summary', fields.TextField(null=True, unique=False)),
                ('sentiment', fields.CharField(null=True, max_length=10)),
                ('lead_score', fields.IntField(null=True)),
                ('cost', fields.DecimalField(null=True, max_digits=12, decimal_places=4)),
                ('ended_reason', fields.CharField(null=True, max_length=40)),
                ('metadata', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('webhook_url', fields.CharField(null=True, max_length=2048)),
                ('recording_url', fields.CharField(null=True, max_length=2048)),
                ('latency', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('transferred_to', fields.CharField(null=True, max_length=20)),
                ('owner', fields.CharField(null=True, db_index=True, max_length=64)),
            ],
            options={'table': 'calls', 'app': 'models', 'indexes': [Index(fields=['tenant_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='CallTransition',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('call', fields.ForeignKeyField('models.Call', source_field='call_id', db_constraint=True, to_field='id', related_name='transitions', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharField(max_length=20)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reason', fields.CharField(null=True, max_length=40)),
            ],
            options={'table': 'call_transitions', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PhoneNumber',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name='phone_numbers', on_delete=OnDelete.CASCADE)),
                ('number', fields.CharField(unique=True, max_length=20)),
                ('label', fields.CharField(default='', max_length=100)),
                ('is_default', fields.BooleanField(default=False)),
                ('carrier', fields.CharField(default='simulated', max_length=20)),
            ],
            options={'table': 'phone_numbers', 'app': 'models', 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ProcessHeartbeat',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('last_seen', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'process_heartbeats', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookEvent',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name='webhook_events', on_delete=OnDelete.CASCADE)),
                ('type', fields.CharField(max_length=40)),
                ('body', fields.TextField(unique=False)),
                ('call_id', fields.CharField(null=True, db_index=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'webhook_events', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name='webhook_deliveries', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('models.WebhookEvent', source_field='event_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('endpoint', fields.ForeignKeyField('models.WebhookEndpoint', source_field='endpoint_id', null=True, db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.SET_NULL)),
                ('url', fields.CharField(max_length=2048)),
                ('status', fields.CharField(default='pending', db_index=True, max_length=12)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_status_code', fields.IntField(null=True)),
                ('last_error', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_deliveries', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookAttempt',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('delivery', fields.ForeignKeyField('models.WebhookDelivery', source_field='delivery_id', db_constraint=True, to_field='id', related_name='attempt_log', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status_code', fields.IntField(null=True)),
                ('error', fields.CharField(null=True, max_length=500)),
                ('duration_ms', fields.IntField(default=0)),
            ],
            options={'table': 'webhook_attempts', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Tenant',
            name='credit_balance',
            field=fields.DecimalField(default=0, max_digits=12, decimal_places=4),
        ),
        ops.AddField(
            model_name='Tenant',
            name='prepaid',
            field=fields.BooleanField(default=False),
        ),
    ]
