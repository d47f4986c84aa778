from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_calls_agents_webhooks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Booking',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.CASCADE)),
                ('call_id', fields.CharField(null=True, db_index=True, max_length=40)),
                ('agent_id', fields.CharField(null=True, max_length=64)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('timezone', fields.CharField(max_length=64)),
                ('name', fields.CharField(null=True, max_length=200)),
                ('phone', fields.CharField(null=True, max_length=32)),
                ('service', fields.CharField(null=True, max_length=200)),
                ('notes', fields.TextField(null=True, unique=False)),
                ('status', fields.CharField(default='confirmed', max_length=20)),
            ],
            options={'table': 'bookings', 'app': 'models', 'indexes': [Index(fields=['tenant_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Callback',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name='callbacks', on_delete=OnDelete.CASCADE)),
                ('call_id', fields.CharField(null=True, db_index=True, max_length=40)),
                ('agent_id', fields.CharField(null=True, max_length=64)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('timezone', fields.CharField(max_length=64)),
                ('phone', fields.CharField(null=True, max_length=32)),
                ('notes', fields.TextField(null=True, unique=False)),
                ('status', fields.CharField(default='scheduled', max_length=20)),
            ],
            options={'table': 'callbacks', 'app': 'models', 'indexes': [Index(fields=['tenant_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Lead',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name='leads', on_delete=OnDelete.CASCADE)),
                ('call_id', fields.CharField(null=True, unique=True, max_length=40)),
                ('agent_id', fields.CharField(null=True, max_length=64)),
                ('name', fields.CharField(null=True, max_length=200)),
                ('email', fields.CharField(null=True, max_length=254)),
                ('phone', fields.CharField(null=True, max_length=32)),
                ('need', fields.BooleanField(default=False)),
                ('timeline', fields.BooleanField(default=False)),
                ('budget', fields.BooleanField(default=False)),
                ('authority', fields.BooleanField(default=False)),
                ('score', fields.IntField(default=0)),
                ('qualified', fields.BooleanField(default=False)),
                ('qualified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('notes', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'leads', 'app': 'models', 'indexes': [Index(fields=['tenant_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
        ops.AddField(
            model_name='Call',
            name='tool_calls',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
