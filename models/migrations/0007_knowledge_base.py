from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_phone_numbers_per_tenant')]

    initial = False

    operations = [
        ops.CreateModel(
            name='KnowledgeDocument',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name='knowledge_documents', on_delete=OnDelete.CASCADE)),
                ('language', fields.CharField(max_length=8)),
                ('key', fields.CharField(max_length=255)),
                ('title', fields.CharField(default='', max_length=500)),
                ('content', fields.TextField(unique=False)),
                ('source', fields.CharField(default='api', max_length=2048)),
                ('content_hash', fields.CharField(max_length=64)),
                ('characters', fields.IntField(default=0)),
            ],
            options={'table': 'knowledge_documents', 'app': 'models', 'unique_together': (('tenant', 'language', 'key'),), 'indexes': [Index(fields=['tenant_id', 'language', 'updated_at'])], 'pk_attr': 'id', 'table_description': 'One knowledge-base entry, its key unique per tenant and language.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='KnowledgeChunk',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('document', fields.ForeignKeyField('models.KnowledgeDocument', source_field='document_id', db_constraint=True, to_field='id', related_name='chunks', on_delete=OnDelete.CASCADE)),
                ('tenant_id', fields.CharField(max_length=64)),
                ('language', fields.CharField(max_length=8)),
                ('position', fields.IntField()),
                ('heading', fields.CharField(default='', max_length=500)),
                ('text', fields.TextField(unique=False)),
                ('embedder', fields.CharField(max_length=40)),
                ('vector', fields.BinaryField()),
            ],
            options={'table': 'knowledge_chunks', 'app': 'models', 'indexes': [Index(fields=['tenant_id', 'language'])], 'pk_attr': 'id', 'table_description': 'A passage of a document, with its vector: what search returns.'},
            bases=['Model'],
        ),
    ]
