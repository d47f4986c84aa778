from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_billing')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MeterEvent',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name='meter_events', on_delete=OnDelete.CASCADE)),
                ('call_id', fields.CharField(max_length=64)),
                ('event_name', fields.CharField(max_length=100)),
                ('customer_id', fields.CharField(max_length=255)),
                ('value', fields.BigIntField()),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('next_attempt_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('error', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'meter_events', 'app': 'models', 'unique_together': (('call_id', 'event_name'),), 'pk_attr': 'id', 'table_description': 'Usage owed to Stripe Billing Meters, queued in the transaction that ends the call: one'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='QuotaAlert',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name='quota_alerts', on_delete=OnDelete.CASCADE)),
                ('period', fields.CharField(max_length=7)),
                ('metric', fields.CharField(max_length=20)),
                ('threshold', fields.IntField()),
                ('token', fields.CharField(max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'quota_alerts', 'app': 'models', 'unique_together': (('tenant', 'period', 'metric', 'threshold'),), 'pk_attr': 'id', 'table_description': 'A quota.warning sent: at most one per tenant, period, quota and threshold (80, 100).'},
            bases=['Model'],
        ),
    ]
