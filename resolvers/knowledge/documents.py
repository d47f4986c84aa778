"""Writing a tenant's knowledge base: one entry, or an import of many, each stored with its
chunks and their vectors in one transaction (all or nothing per entry), under the plan's
entry quota (all or nothing per request)."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from models.base import new_id
from models.knowledge import KnowledgeChunk, KnowledgeDocument
from models.tenant import Tenant
from resolvers import audit, usage, validation
from resolvers.errors import DomainError, ErrorCode, invalid
from resolvers.knowledge import chunking
from resolvers.knowledge.embedding import Embedder, get_embedder
from resolvers.pagination import Page, paginate
from resolvers.plans import plan_of
from resolvers.principals import Principal, get_owned, get_tenant, require_secret, require_writer

MAX_KEY = 255
MAX_TITLE = 500
MAX_CONTENT = 2_000_000  # characters of one entry (a 500-page PDF is about 1.5 million)
MAX_ITEMS = 1000  # entries of one import
MAX_SOURCE = 2048
KB = "the knowledge base"  # what require_writer names


@dataclass(frozen=True)
class Entry:
    """One entry to write, validated."""

    key: str
    content: str
    title: str = ""
    source: str = "api"

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(f"{self.title}\x00{self.content}".encode()).hexdigest()


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    total: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    documents: list[KnowledgeDocument] = field(default_factory=list)


def entry(
    key: object, content: object, *, title: object = None, source: str = "api", index: int = -1
) -> Entry:
    """A validated entry. Raises invalid_request naming the field (``items[i].key`` in an
    import)."""
    where = f"items[{index}]." if index >= 0 else ""
    checked_key = validation.text(key, f"{where}key", max_len=MAX_KEY, required=True) or ""
    body = validation.text(content, f"{where}content", max_len=MAX_CONTENT, required=True) or ""
    heading = validation.text(title, f"{where}title", max_len=MAX_TITLE) or ""
    return Entry(checked_key, body, heading, source[:MAX_SOURCE])


def chunk_texts(item: Entry) -> list[tuple[str, str]]:
    """(heading, text) of each chunk; a titled entry's title heads every chunk."""
    pieces = chunking.split(item.content)
    if not pieces:
        pieces = [chunking.Chunk(0, "", item.content)]
    out = []
    for piece in pieces:
        heading = " > ".join(h for h in (item.title, piece.heading) if h)
        out.append((heading[:MAX_TITLE], piece.text))
    return out


def searchable(heading: str, text: str) -> str:
    """What search reads of a chunk: its heading (an entry's question) and its text."""
    return f"{heading}\n{text}" if heading else text


async def write_entries(
    principal: Principal | None,
    items: Sequence[Entry],
    *,
    language: object,
    overwrite: bool = True,
    tenant_id: str | None = None,
    errors: Sequence[dict[str, Any]] = (),
    embedder: Embedder | None = None,
) -> ImportReport:
    """Store ``items`` in one language (the tenant's when None): new keys are imported, existing ones updated (when
    ``overwrite``) or skipped, unchanged ones skipped. Raises quota_exceeded (the plan's
    entries would be exceeded: nothing is written), invalid_request, resource_not_found."""
    p = require_writer(principal, KB)
    tenant = await get_tenant(p, tenant_id)
    return await store_entries(
        tenant,
        items,
        language=tenant.language if language is None else language,
        overwrite=overwrite,
        errors=errors,
        embedder=embedder,
        principal=p,
    )


async def store_entries(
    tenant: Tenant,
    items: Sequence[Entry],
    *,
    language: object,
    overwrite: bool = True,
    errors: Sequence[dict[str, Any]] = (),
    embedder: Embedder | None = None,
    principal: Principal | None = None,
    actor_id: str | None = None,
) -> ImportReport:
    """write_entries without the permission check: for the tenant's own jobs (a crawl)."""
    p = principal
    lang = validation.language(language)
    if len(items) > MAX_ITEMS:
        raise invalid(f"an import holds at most {MAX_ITEMS} entries", param="data")
    report = ImportReport(total=len(items) + len(errors), errors=list(errors))
    report.skipped = len(errors)
    latest: dict[str, Entry] = {}
    for item in items:  # a key given twice: the last one wins, the others are skipped
        if item.key in latest:
            report.skipped += 1
        latest[item.key] = item
    existing = {
        doc.key: doc
        for doc in await KnowledgeDocument.filter(
            tenant_id=tenant.id, language=lang, key__in=list(latest)
        )
    }
    todo: list[Entry] = []
    for key, item in latest.items():
        old = existing.get(key)
        if old is not None and (not overwrite or old.content_hash == item.content_hash):
            report.skipped += 1
        else:
            todo.append(item)
    # Embedding happens before the transaction: a slow provider never holds a write lock.
    chunks = [chunk_texts(item) for item in todo]
    model = embedder or get_embedder()
    flat = [searchable(h, t) for parts in chunks for h, t in parts]
    vectors = await model.embed(flat) if flat else np.zeros((0, model.dim), dtype=np.float32)
    async with in_transaction():
        entries = await _check_quota(tenant, sum(1 for item in todo if item.key not in existing))
        row = 0
        for item, parts in zip(todo, chunks, strict=True):
            old = existing.get(item.key)
            fields: dict[str, Any] = {
                "title": item.title,
                "content": item.content,
                "source": item.source,
                "content_hash": item.content_hash,
                "characters": len(item.content),
            }
            if old is None:
                doc = await KnowledgeDocument.create(
                    id=new_id("kbd"), tenant=tenant, language=lang, key=item.key, **fields
                )
                report.imported += 1
            else:
                doc = old
                for name, value in fields.items():
                    setattr(doc, name, value)
                await doc.save()
                await KnowledgeChunk.filter(document_id=doc.id).delete()
                report.updated += 1
            await KnowledgeChunk.bulk_create(
                [
                    KnowledgeChunk(
                        document_id=doc.id,
                        tenant_id=tenant.id,
                        language=lang,
                        position=position,
                        heading=heading,
                        text=text,
                        embedder=model.name,
                        vector=vectors[row + position].astype("<f4").tobytes(),
                    )
                    for position, (heading, text) in enumerate(parts)
                ]
            )
            row += len(parts)
            report.documents.append(doc)
        if report.imported or report.updated:
            await audit.record(
                tenant.id,
                "kb.written",
                principal=p,
                actor_id=actor_id,
                target=lang,
                data={"imported": report.imported, "updated": report.updated},
            )
    if report.imported:
        await usage.warn(tenant.id, "kb", entries, plan_of(tenant.plan).kb_entries)
    return report


async def _check_quota(tenant: Tenant, new: int) -> int:
    """Inside the writing transaction; the plan's entries count every language. Returns the
    count once the ``new`` entries are written."""
    if new == 0:
        return 0
    # Serialise writers of one tenant (PostgreSQL: a row lock; SQLite writes are serial).
    await Tenant.select_for_update().filter(id=tenant.id).first()
    limit = plan_of(tenant.plan).kb_entries
    count = await KnowledgeDocument.filter(tenant_id=tenant.id).count()
    if count + new > limit:
        raise DomainError(
            ErrorCode.QUOTA_EXCEEDED,
            f"the {tenant.plan} plan holds {limit} knowledge-base entries; {count} are used and"
            f" this would add {new}: delete entries or upgrade the plan",
        )
    return count + new


async def delete_entry(
    principal: Principal | None,
    entry_id: object,
    tenant_id: str | None = None,
    *,
    by_key: bool = False,
    language: object = None,
) -> KnowledgeDocument:
    """By its id (``kbd_…``), or ``by_key`` in ``language`` (the tenant's by default) as the
    reference deletes. Raises resource_not_found (unknown id or key, another tenant's)."""
    p = require_writer(principal, KB)
    tenant = await get_tenant(p, tenant_id)
    what = "knowledge-base entry"
    if by_key:
        lang = validation.language(tenant.language if language is None else language)
        where = {"language": lang}
        doc = await get_owned(
            KnowledgeDocument, tenant.id, what, entry_id, field="key", where=where
        )
    else:
        doc = await get_owned(KnowledgeDocument, tenant.id, what, entry_id)
    async with in_transaction():
        await doc.delete()
        await audit.record(tenant.id, "kb.deleted", principal=p, target=doc.key)
    return doc


async def list_entries(
    principal: Principal | None,
    *,
    language: object = None,
    source: object = None,
    limit: int = validation.MAX_PAGE,
    offset: int = 0,
    tenant_id: str | None = None,
) -> Page[KnowledgeDocument]:
    """Newest first. Raises invalid_request, resource_not_found."""
    tenant = await get_tenant(require_secret(principal), tenant_id)
    # Bounds first: a bad limit is reported before a bad filter.
    validation.page_bounds(limit, offset)
    qs = KnowledgeDocument.filter(tenant_id=tenant.id)
    if language is not None:
        qs = qs.filter(language=validation.language(language))
    if source is not None:
        wanted = validation.text(source, "source", max_len=MAX_SOURCE, required=True)
        qs = qs.filter(source=wanted)
    return await paginate(qs, limit, offset, "-updated_at", "id")


@dataclass(frozen=True)
class KnowledgeQuota:
    entries: int
    limit: int
    chunks: int
    characters: int
    languages: list[str]

    @property
    def pct(self) -> int:
        """Entries used, in percent of the plan's (rounded half up, as the usage report)."""
        return int(self.entries * 100 / self.limit + 0.5) if self.limit else 100

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.entries)


async def quota(principal: Principal | None, tenant_id: str | None = None) -> KnowledgeQuota:
    tenant = await get_tenant(require_secret(principal), tenant_id)
    docs = KnowledgeDocument.filter(tenant_id=tenant.id)
    languages = await docs.distinct().order_by("language").values_list("language", flat=True)
    [totals] = await docs.annotate(n=Count("id"), chars=Sum("characters")).values("n", "chars")
    return KnowledgeQuota(
        entries=int(totals["n"] or 0),
        limit=plan_of(tenant.plan).kb_entries,
        chunks=await KnowledgeChunk.filter(tenant_id=tenant.id).count(),
        characters=int(totals["chars"] or 0),
        languages=[str(x) for x in languages],
    )
