from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('models', '0005_idempotency_keys')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='PhoneNumber',
            name='number',
            field=fields.CharField(max_length=20),
        ),
        ops.AddConstraint(
            model_name='PhoneNumber',
            constraint=UniqueConstraint(fields=('tenant', 'number'), name=None),
        ),
    ]
