"""A tenant's knowledge base: documents (one entry each) and the chunks search returns."""

from tortoise import fields
from tortoise.models import Model

from models.base import TimestampedModel
from models.tenant import Tenant


class KnowledgeDocument(TimestampedModel):
    """One knowledge-base entry, its key unique per tenant and language."""

    # The reference's {key, value, language}, an imported file's section or a crawled page.

    id = fields.CharField(primary_key=True, max_length=40)  # kbd_…
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="knowledge_documents", on_delete=fields.CASCADE
    )
    tenant_id: str
    language = fields.CharField(max_length=8)
    key = fields.CharField(max_length=255)
    title = fields.CharField(max_length=500, default="")
    content = fields.TextField()
    # Where it came from: "api", "import:json", "import:csv", "import:md", "import:txt",
    # "import:pdf", or the crawled page's URL.
    source = fields.CharField(max_length=2048, default="api")
    content_hash = fields.CharField(max_length=64)  # SHA-256 of title + content: re-imports skip
    characters = fields.IntField(default=0)  # len(content), for the quota report

    chunks: fields.ReverseRelation["KnowledgeChunk"]

    class Meta:
        table = "knowledge_documents"
        unique_together = (("tenant", "language", "key"),)
        indexes = (("tenant_id", "language", "updated_at"),)


class KnowledgeChunk(Model):
    """A passage of a document, with its vector: what search returns."""

    id = fields.IntField(primary_key=True)
    document: fields.ForeignKeyRelation[KnowledgeDocument] = fields.ForeignKeyField(
        "models.KnowledgeDocument", related_name="chunks", on_delete=fields.CASCADE
    )
    document_id: str
    # Denormalised from the document: search loads one tenant's language in one query.
    tenant_id = fields.CharField(max_length=64)
    language = fields.CharField(max_length=8)
    position = fields.IntField()
    heading = fields.CharField(max_length=500, default="")
    text = fields.TextField()
    embedder = fields.CharField(max_length=40)  # which embedder made ``vector``
    vector = fields.BinaryField()  # float32, little-endian, unit length

    class Meta:
        table = "knowledge_chunks"
        indexes = (("tenant_id", "language"),)


class KnowledgeJob(TimestampedModel):
    """A crawl of a site into the knowledge base, persisted step by step: a restart resumes
    it from its frontier."""

    id = fields.CharField(primary_key=True, max_length=40)  # kbj_…
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="knowledge_jobs", on_delete=fields.CASCADE
    )
    tenant_id: str
    kind = fields.CharField(max_length=20, default="crawl")
    # queued -> running -> completed | failed | canceled
    status = fields.CharField(max_length=20, default="queued")
    language = fields.CharField(max_length=8)
    url = fields.CharField(max_length=2048)
    max_pages = fields.IntField()
    max_depth = fields.IntField()
    max_bytes = fields.IntField()
    # [[url, depth], ...] still to visit, in order; every URL ever queued (no revisits).
    frontier: list[list[object]] = fields.JSONField(default=list)
    seen: list[str] = fields.JSONField(default=list)
    pages = fields.IntField(default=0)  # pages stored as entries
    bytes = fields.IntField(default=0)  # bytes downloaded
    skipped: list[dict[str, str]] = fields.JSONField(default=list)  # [{url, reason}], capped
    error = fields.CharField(max_length=500, null=True)
    owner = fields.CharField(max_length=64, null=True)  # the process running it
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "knowledge_jobs"
        indexes = (("tenant_id", "created_at"), ("status",))
