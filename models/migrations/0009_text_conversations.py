from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_knowledge_jobs')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Conversation',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name='conversations', on_delete=OnDelete.CASCADE)),
                ('agent_id', fields.CharField(max_length=64)),
                ('channel', fields.CharField(default='text', max_length=10)),
                ('mode', fields.CharField(default='live', max_length=8)),
                ('language', fields.CharField(max_length=8)),
                ('transcript', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('tool_calls', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('state', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('turns', fields.IntField(default=0)),
                ('lead_score', fields.IntField(null=True)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_message_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'conversations', 'app': 'models', 'indexes': [Index(fields=['tenant_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
        ops.AddField(
            model_name='Booking',
            name='conversation_id',
            field=fields.CharField(null=True, db_index=True, max_length=40),
        ),
        ops.AddField(
            model_name='Callback',
            name='conversation_id',
            field=fields.CharField(null=True, db_index=True, max_length=40),
        ),
        ops.AddField(
            model_name='Lead',
            name='conversation_id',
            field=fields.CharField(null=True, unique=True, max_length=40),
        ),
    ]
