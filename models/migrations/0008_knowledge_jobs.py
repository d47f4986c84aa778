from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_knowledge_base')]

    initial = False

    operations = [
        ops.CreateModel(
            name='KnowledgeJob',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name='knowledge_jobs', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(default='crawl', max_length=20)),
                ('status', fields.CharField(default='queued', max_length=20)),
                ('language', fields.CharField(max_length=8)),
                ('url', fields.CharField(max_length=2048)),
                ('max_pages', fields.IntField()),
                ('max_depth', fields.IntField()),
                ('max_bytes', fields.IntField()),
                ('frontier', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('seen', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('pages', fields.IntField(default=0)),
                ('bytes', fields.IntField(default=0)),
                ('skipped', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('error', fields.CharField(null=True, max_length=500)),
                ('owner', fields.CharField(null=True, max_length=64)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'knowledge_jobs', 'app': 'models', 'indexes': [Index(fields=['tenant_id', 'created_at']), Index(fields=['status'])], 'pk_attr': 'id', 'table_description': 'A crawl of a site into the knowledge base, persisted step by step: a restart resumes'},
            bases=['TimestampedModel'],
        ),
    ]
