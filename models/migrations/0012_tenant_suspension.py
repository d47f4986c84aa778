from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_meter_events_quota_alerts')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Tenant',
            name='suspended_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Tenant',
            name='suspended_reason',
            field=fields.CharField(null=True, max_length=500),
        ),
    ]
