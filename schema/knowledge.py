"""GraphQL for the knowledge base: entries, import, hybrid search, the plan's quota, and site
crawls with their progress live over graphql-transport-ws."""

from collections.abc import AsyncGenerator, Mapping
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from models.knowledge import KnowledgeDocument
from resolvers.knowledge import documents, importers, jobs, search
from schema.agents import Deletion, LimitArg, OffsetArg
from schema.context import Info
from schema.pagination import page_of
from schema.subscriptions import context_free, deliver, shared_root
from schema.tenants import TenantIdArg

LanguageArg = Annotated[
    str | None,
    strawberry.argument(description="fr, en, es, ar or ary; every language when omitted."),
]
JobIdArg = Annotated[
    strawberry.ID,
    strawberry.argument(
        description="The job's id (kbj_...). Another tenant's is resource_not_found."
    ),
]


@strawberry.type(description="One knowledge-base entry: a text the agent may answer from.")
class KnowledgeEntry:
    id: strawberry.ID = strawberry.field(description="kbd_...")
    key: str = strawberry.field(
        description="Unique per language within the tenant (a crawled page: its URL)."
    )
    language: str = strawberry.field(description="fr, en, es, ar or ary.")
    title: str = strawberry.field(description="The entry's question or title; empty for none.")
    content: str = strawberry.field(description="The entry's text.")
    source: str = strawberry.field(
        description="api, import:json, import:csv, import:md, import:txt, import:pdf, or the crawled page's URL."
    )
    characters: int = strawberry.field(description="Length of the content, in characters.")
    created_at: datetime = strawberry.field(description="When it was first stored (UTC).")
    updated_at: datetime = strawberry.field(description="Its last change (UTC).")

    @classmethod
    def from_model(cls, d: KnowledgeDocument) -> "KnowledgeEntry":
        return cls(
            id=strawberry.ID(d.id),
            key=d.key,
            language=d.language,
            title=d.title,
            content=d.content,
            source=d.source,
            characters=d.characters,
            created_at=d.created_at,
            updated_at=d.updated_at,
        )


@strawberry.type(description="A page of knowledge-base entries, most recently changed first.")
class KnowledgeEntryPage:
    items: list[KnowledgeEntry] = strawberry.field(description="The entries of this page.")
    total: int = strawberry.field(description="All entries matching the filters.")
    limit: int = strawberry.field(description="Page size (1-100).")
    offset: int = strawberry.field(description="Entries skipped.")


@strawberry.type(description="An entry as saved, and whether it is new.")
class SavedKnowledgeEntry:
    entry: KnowledgeEntry = strawberry.field(description="The stored entry.")
    created: bool = strawberry.field(
        description="True when the key was new in its language; false when it replaced (or already held) that text."
    )


@strawberry.type(description="An item of an import that could not be an entry; it was left out.")
class KnowledgeImportError:
    index: int = strawberry.field(description="Its position in the data (0-based).")
    key: str | None = strawberry.field(description="Its key, when it had one.")
    param: str | None = strawberry.field(description="The field at fault (items[3].content).")
    message: str = strawberry.field(description="What is wrong with it.")

    @classmethod
    def from_dict(cls, e: Mapping[str, Any]) -> "KnowledgeImportError":
        key, param = e.get("key"), e.get("param")
        return cls(
            index=int(e.get("index", -1)),
            key=key if isinstance(key, str) else None,
            param=param if isinstance(param, str) else None,
            message=str(e.get("message", "")),
        )


@strawberry.type(description="What an import did.")
class KnowledgeImportReport:
    imported: int = strawberry.field(description="New entries stored.")
    updated: int = strawberry.field(description="Existing entries whose text changed.")
    skipped: int = strawberry.field(
        description="Items left as they were: unchanged, kept (overwrite false), a key given twice, or in errors."
    )
    total: int = strawberry.field(description="Items in the data.")
    errors: list[KnowledgeImportError] = strawberry.field(
        description="The items that could not be entries, in order."
    )

    @classmethod
    def from_report(cls, r: documents.ImportReport) -> "KnowledgeImportReport":
        return cls(
            imported=r.imported,
            updated=r.updated,
            skipped=r.skipped,
            total=r.total,
            errors=[KnowledgeImportError.from_dict(e) for e in r.errors],
        )


@strawberry.type(description="A span of a snippet that matches a word of the query.")
class KnowledgeHighlight:
    start: int = strawberry.field(description="Its first character in the snippet's text.")
    end: int = strawberry.field(description="The character after its last (exclusive).")


@strawberry.type(description="The part of a passage around the query's words.")
class KnowledgeSnippet:
    text: str = strawberry.field(description="At most about 220 characters; … marks a cut.")
    highlights: list[KnowledgeHighlight] = strawberry.field(
        description="Where the query's words are in text, in order."
    )


@strawberry.type(description="A passage of an entry that answers a search.")
class KnowledgeSearchResult:
    entry_id: strawberry.ID = strawberry.field(description="The entry it belongs to (kbd_...).")
    key: str = strawberry.field(description="The entry's key.")
    title: str = strawberry.field(description="The entry's title.")
    source: str = strawberry.field(description="Where the entry came from.")
    language: str = strawberry.field(description="The entry's language.")
    heading: str = strawberry.field(description="The headings above the passage, joined by >.")
    text: str = strawberry.field(description="The whole passage.")
    score: float = strawberry.field(description="Fused rank score: results are in its order.")
    bm25: float = strawberry.field(description="The passage's BM25 score (0: no query word).")
    dense: float = strawberry.field(description="Cosine similarity of the vectors.")
    relevant: bool = strawberry.field(
        description="A content word of the query is in the passage: what the agent requires to answer from it."
    )
    snippet: KnowledgeSnippet = strawberry.field(description="The passage around the query.")

    @classmethod
    def from_result(cls, r: search.SearchResult) -> "KnowledgeSearchResult":
        return cls(
            entry_id=strawberry.ID(r.entry_id),
            key=r.key,
            title=r.title,
            source=r.source,
            language=r.language,
            heading=r.heading,
            text=r.text,
            score=r.score,
            bm25=r.bm25,
            dense=r.dense,
            relevant=r.relevant,
            snippet=KnowledgeSnippet(
                text=r.snippet.text,
                highlights=[KnowledgeHighlight(start=s, end=e) for s, e in r.snippet.highlights],
            ),
        )


@strawberry.type(description="The knowledge base's use of the plan.")
class KnowledgeQuota:
    entries: int = strawberry.field(description="Entries stored, every language.")
    limit: int = strawberry.field(description="Entries the plan holds.")
    chunks: int = strawberry.field(description="Passages search reads.")
    characters: int = strawberry.field(description="Characters of every entry's content.")
    languages: list[str] = strawberry.field(description="The languages with entries, sorted.")


@strawberry.type(description="A page a crawl did not store, and why.")
class KnowledgeJobSkip:
    url: str = strawberry.field(description="The page.")
    reason: str = strawberry.field(description="disallowed by robots.txt, noindex, off the site…")


@strawberry.type(description="A crawl of a site into the knowledge base and how far it got.")
class KnowledgeJob:
    id: strawberry.ID = strawberry.field(description="kbj_...")
    status: str = strawberry.field(description="queued, running, completed, failed or canceled.")
    url: str = strawberry.field(description="Where the crawl started.")
    language: str = strawberry.field(description="The language its pages are stored in.")
    pages: int = strawberry.field(description="Pages stored as entries so far.")
    max_pages: int = strawberry.field(description="Pages it stores at most.")
    bytes: int = strawberry.field(description="Bytes downloaded so far.")
    queued: int = strawberry.field(description="Pages found and still to visit.")
    skipped: list[KnowledgeJobSkip] = strawberry.field(
        description="Pages not stored, in order (at most 200)."
    )
    error: str | None = strawberry.field(description="Why it failed; null otherwise.")

    @classmethod
    def from_progress(cls, p: Mapping[str, Any]) -> "KnowledgeJob":
        """From jobs.progress(), as read or as published on the bus."""
        return cls(
            id=strawberry.ID(str(p["id"])),
            status=str(p["status"]),
            url=str(p["url"]),
            language=str(p["language"]),
            pages=int(p["pages"]),
            max_pages=int(p["maxPages"]),
            bytes=int(p["bytes"]),
            queued=int(p["queued"]),
            skipped=[
                KnowledgeJobSkip(url=str(s.get("url", "")), reason=str(s.get("reason", "")))
                for s in p.get("skipped") or ()
                if isinstance(s, Mapping)
            ],
            error=p.get("error"),
        )


# Published progress goes to every subscriber of the job (schema.subscriptions): plain data.
context_free(KnowledgeJob)


@strawberry.input(description="One entry to create or replace (the reference's {key, value}).")
class SaveKnowledgeEntryInput:
    key: str = strawberry.field(description="At most 255 characters, unique per language.")
    value: JSON = strawberry.field(
        description='The text, or an object: {"response": "...", "question": "..."} (answer, content or text for the response, title for the question; other fields are kept as "name: value" lines).'
    )
    language: str | None = strawberry.field(
        default=None, description="fr, en, es, ar or ary; the tenant's language when omitted."
    )


@strawberry.input(description="A site to crawl into the knowledge base.")
class StartKnowledgeCrawlInput:
    url: str = strawberry.field(description="The first page: a public http(s) URL.")
    language: str | None = strawberry.field(
        default=None, description="The pages' language; the tenant's when omitted."
    )
    max_pages: int | None = strawberry.field(
        default=None, description="Pages to store at most, 1 to 200 (20)."
    )
    max_depth: int | None = strawberry.field(
        default=None, description="Links followed from the first page, 1 to 5 (2)."
    )
    max_bytes: int | None = strawberry.field(
        default=None, description="Bytes to download at most, up to 20,000,000 (5,000,000)."
    )

    def to_data(self) -> dict[str, Any]:
        given = {
            "url": self.url,
            "language": self.language,
            "maxPages": self.max_pages,
            "maxDepth": self.max_depth,
            "maxBytes": self.max_bytes,
        }
        return {k: v for k, v in given.items() if v is not None}


@strawberry.type
class KnowledgeQuery:
    @strawberry.field(
        description="The knowledge base's entries, most recently changed first. Errors: invalid_request, resource_not_found, insufficient_permissions."
    )
    async def knowledge_entries(
        self,
        info: Info,
        tenant_id: TenantIdArg = None,
        language: LanguageArg = None,
        source: Annotated[
            str | None,
            strawberry.argument(description="Only this source (api, import:csv, a page's URL…)."),
        ] = None,
        limit: LimitArg = 20,
        offset: OffsetArg = 0,
    ) -> KnowledgeEntryPage:
        page = await documents.list_entries(
            info.context.caller(),
            language=language,
            source=source,
            limit=limit,
            offset=offset,
            tenant_id=tenant_id,
        )
        return page_of(KnowledgeEntryPage, page, KnowledgeEntry.from_model)

    @strawberry.field(
        description="The passages that best answer q (BM25 and vectors, fused), best first. Errors: invalid_request, resource_not_found, insufficient_permissions."
    )
    async def knowledge_search(
        self,
        info: Info,
        q: Annotated[str, strawberry.argument(description="The question, at most 500 characters.")],
        language: LanguageArg = None,
        limit: Annotated[int, strawberry.argument(description="Results, 1 to 20.")] = 5,
        tenant_id: TenantIdArg = None,
    ) -> list[KnowledgeSearchResult]:
        results = await search.search(
            info.context.caller(), q, language=language, limit=limit, tenant_id=tenant_id
        )
        return [KnowledgeSearchResult.from_result(r) for r in results]

    @strawberry.field(
        description="Entries used and held by the plan. Errors: resource_not_found, insufficient_permissions."
    )
    async def knowledge_quota(self, info: Info, tenant_id: TenantIdArg = None) -> KnowledgeQuota:
        q = await documents.quota(info.context.caller(), tenant_id)
        return KnowledgeQuota(
            entries=q.entries,
            limit=q.limit,
            chunks=q.chunks,
            characters=q.characters,
            languages=list(q.languages),
        )

    @strawberry.field(
        description="A crawl job as it stands. Errors: resource_not_found, insufficient_permissions."
    )
    async def kb_job(self, info: Info, id: JobIdArg, tenant_id: TenantIdArg = None) -> KnowledgeJob:
        job = await jobs.get_job(info.context.caller(), str(id), tenant_id)
        return KnowledgeJob.from_progress(jobs.progress(job))


@strawberry.type
class KnowledgeMutation:
    @strawberry.mutation(
        description="Create an entry, or replace the text of the key in its language. Errors: invalid_request, quota_exceeded, resource_not_found, insufficient_permissions (owner, admin or secret key)."
    )
    async def save_knowledge_entry(
        self,
        info: Info,
        input: Annotated[SaveKnowledgeEntryInput, strawberry.argument(description="The entry.")],
        tenant_id: TenantIdArg = None,
    ) -> SavedKnowledgeEntry:
        data: dict[str, Any] = {"key": input.key, "value": input.value}
        if input.language is not None:
            data["language"] = input.language
        saved = await importers.save_entry(info.context.caller(), data, tenant_id)
        return SavedKnowledgeEntry(
            entry=KnowledgeEntry.from_model(saved.document), created=saved.created
        )

    @strawberry.mutation(
        description="Import many entries in one language: new keys are stored, changed ones updated (unless overwrite is false), items that cannot be entries reported in errors. Errors: invalid_request, quota_exceeded (nothing is written), resource_not_found, insufficient_permissions."
    )
    async def import_knowledge(
        self,
        info: Info,
        data: Annotated[
            JSON,
            strawberry.argument(
                description='An object (key: text or {"response", "question"}) or an array of objects each with a key; at most 1,000 items.'
            ),
        ],
        language: Annotated[
            str | None,
            strawberry.argument(
                description="The entries' language: fr, en, es, ar or ary; the tenant's when omitted."
            ),
        ] = None,
        overwrite: Annotated[
            bool, strawberry.argument(description="False keeps the text of keys already stored.")
        ] = True,
        tenant_id: TenantIdArg = None,
    ) -> KnowledgeImportReport:
        report = await importers.import_data(
            info.context.caller(),
            data,
            language=language,
            overwrite=overwrite,
            tenant_id=tenant_id,
        )
        return KnowledgeImportReport.from_report(report)

    @strawberry.mutation(
        description="Delete an entry and its passages. Errors: resource_not_found, insufficient_permissions."
    )
    async def delete_knowledge_entry(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="The entry's id (kbd_...). Another tenant's is resource_not_found."
            ),
        ],
        tenant_id: TenantIdArg = None,
    ) -> Deletion:
        await documents.delete_entry(info.context.caller(), str(id), tenant_id)
        return Deletion(id=id, deleted=True)

    @strawberry.mutation(
        description="Start crawling a site (same host, robots.txt honoured) into the knowledge base; follow it with the kbJob subscription. Errors: invalid_request, resource_not_found, insufficient_permissions."
    )
    async def start_knowledge_crawl(
        self,
        info: Info,
        input: Annotated[StartKnowledgeCrawlInput, strawberry.argument(description="The crawl.")],
        tenant_id: TenantIdArg = None,
    ) -> KnowledgeJob:
        job = await jobs.start_crawl(info.context.caller(), input.to_data(), tenant_id)
        return KnowledgeJob.from_progress(jobs.progress(job))

    @strawberry.mutation(
        description="Stop a queued or running crawl; the pages stored so far stay. Errors: resource_not_found, conflict (already over), insufficient_permissions."
    )
    async def cancel_knowledge_job(
        self, info: Info, id: JobIdArg, tenant_id: TenantIdArg = None
    ) -> KnowledgeJob:
        job = await jobs.cancel_job(info.context.caller(), str(id), tenant_id)
        return KnowledgeJob.from_progress(jobs.progress(job))


@strawberry.type
class KnowledgeSubscription:
    @strawberry.subscription(
        description="A crawl's progress: its state now, then each page, until completed, failed or canceled, then the stream completes. Errors: resource_not_found, insufficient_permissions."
    )
    async def kb_job(
        self, info: Info, id: JobIdArg, tenant_id: TenantIdArg = None
    ) -> AsyncGenerator[KnowledgeJob, None]:
        source = jobs.job_progress(info.context.caller(), str(id), tenant_id)
        try:
            async for progress in source:
                root = shared_root(progress, KnowledgeJob.from_progress)
                if not await deliver(root):
                    yield root
        finally:
            await source.aclose()
