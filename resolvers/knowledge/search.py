"""Searching a tenant's knowledge base: for the dashboard (``GET …/kb/search``) and for the
agent (``search_knowledge_base``, the builtin dialogue manager, ``/respond``).

Each (tenant, language) has an in-memory SearchIndex built from its stored chunks and
vectors. It is reused while the language's fingerprint (entry count and last update, one
indexed query) is unchanged, so a write in any process is seen by the next search in every
process; building runs in a worker thread, one build per index at a time.
"""

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
from tortoise.functions import Count, Max

from models.knowledge import KnowledgeChunk, KnowledgeDocument
from resolvers import validation
from resolvers.errors import invalid
from resolvers.knowledge import terms
from resolvers.knowledge.documents import searchable
from resolvers.knowledge.embedding import Embedder, get_embedder
from resolvers.knowledge.index import RRF_K, SearchIndex, Snippet, snippet
from resolvers.principals import Principal, get_tenant, require_secret

MAX_QUERY = 500
MAX_RESULTS = 20
CACHED_INDEXES = 64


@dataclass(frozen=True)
class _Passage:
    chunk_id: int
    document_id: str
    key: str
    title: str
    source: str
    heading: str
    text: str


@dataclass(frozen=True)
class _Built:
    fingerprint: tuple[int, datetime | None]
    index: SearchIndex
    passages: list[_Passage]


@dataclass(frozen=True)
class SearchResult:
    entry_id: str
    key: str
    title: str
    source: str
    language: str
    heading: str
    text: str
    score: float
    bm25: float
    dense: float
    # Whether a content word of the query (by stem, or by skeleton across scripts) is in
    # the passage or its heading: what the agent requires before it answers from it.
    relevant: bool
    snippet: Snippet


_indexes: "OrderedDict[tuple[str, str, str], _Built]" = OrderedDict()
_locks: dict[tuple[str, str, str], asyncio.Lock] = {}


async def _fingerprint(tenant_id: str, language: str) -> tuple[int, datetime | None]:
    [row] = await (
        KnowledgeDocument.filter(tenant_id=tenant_id, language=language)
        .annotate(n=Count("id"), last=Max("updated_at"))
        .values("n", "last")
    )
    return int(row["n"] or 0), row["last"]


async def _load(
    tenant_id: str, language: str, embedder: Embedder
) -> tuple[list[_Passage], np.ndarray]:
    docs = {d.id: d for d in await KnowledgeDocument.filter(tenant_id=tenant_id, language=language)}
    rows = (
        await KnowledgeChunk.filter(tenant_id=tenant_id, language=language)
        .order_by("document_id", "position")
        .values_list("id", "document_id", "heading", "text", "embedder", "vector")
    )
    passages: list[_Passage] = []
    vectors = np.zeros((len(rows), embedder.dim), dtype=np.float32)
    stale: list[int] = []
    for chunk_id, doc_id, heading, text, made_by, blob in rows:
        doc = docs.get(str(doc_id))
        if doc is None:
            continue  # deleted while loading: the next fingerprint rebuilds
        passages.append(
            _Passage(int(chunk_id), doc.id, doc.key, doc.title, doc.source, str(heading), str(text))
        )
        raw = bytes(blob)
        if made_by == embedder.name and len(raw) == 4 * embedder.dim:
            vectors[len(passages) - 1] = np.frombuffer(raw, dtype="<f4")
        else:
            stale.append(len(passages) - 1)  # another embedder's vector: embed it again
    vectors = vectors[: len(passages)]
    if stale:
        again = await embedder.embed(
            [searchable(passages[i].heading, passages[i].text) for i in stale]
        )
        vectors[stale] = again
    return passages, vectors


async def _index(tenant_id: str, language: str, embedder: Embedder) -> _Built:
    key = (tenant_id, language, embedder.name)
    fingerprint = await _fingerprint(tenant_id, language)
    built = _indexes.get(key)
    if built is not None and built.fingerprint == fingerprint:
        _indexes.move_to_end(key)
        return built
    lock = _locks.setdefault(key, asyncio.Lock())
    async with lock:
        built = _indexes.get(key)
        if built is not None and built.fingerprint == fingerprint:
            return built
        passages, vectors = await _load(tenant_id, language, embedder)
        texts = [searchable(p.heading, p.text) for p in passages]
        index = await asyncio.to_thread(SearchIndex, texts, vectors)
        built = _Built(fingerprint, index, passages)
        _indexes[key] = built
        _indexes.move_to_end(key)
        while len(_indexes) > CACHED_INDEXES:
            _indexes.popitem(last=False)
        return built


def _relevant(query: str, passage: _Passage) -> bool:
    keys = terms.query_keys(query)
    return any(terms.matches(w, keys) for w in terms.words(f"{passage.heading} {passage.text}"))


async def search_tenant(
    tenant_id: str,
    query: str,
    *,
    languages: list[str],
    limit: int = 5,
    embedder: Embedder | None = None,
) -> list[SearchResult]:
    """The best passages of the tenant's entries in ``languages`` (merged by fused score).
    No permission check: for the agent of a call or session of this tenant."""
    model = embedder or get_embedder()
    [vector] = await model.embed([query])
    results: list[SearchResult] = []
    for language in languages:
        built = await _index(tenant_id, language, model)
        hits = built.index.search(query, vector, limit, dense_weight=model.fusion_weight)
        for hit in hits:
            p = built.passages[hit.row]
            results.append(
                SearchResult(
                    entry_id=p.document_id,
                    key=p.key,
                    title=p.title,
                    source=p.source,
                    language=language,
                    heading=p.heading,
                    text=p.text,
                    score=hit.score,
                    bm25=hit.bm25,
                    dense=hit.dense,
                    relevant=_relevant(query, p),
                    snippet=snippet(p.text, query),
                )
            )
    if len(languages) > 1:
        results = _fuse_languages(results, model.fusion_weight)
    results.sort(key=lambda r: -r.score)
    return results[:limit]


def _fuse_languages(results: list[SearchResult], dense_weight: float) -> list[SearchResult]:
    """One ranking of several languages' results. Each language's fused scores only rank
    within its own index (every language's best scores about the same), so the candidates
    are ranked again together, by their BM25 scores and by their cosine similarities (one
    embedder: comparable across languages), and fused by reciprocal rank as in one index."""
    by_bm25 = sorted((r for r in results if r.bm25 > 0), key=lambda r: -r.bm25)
    by_dense = sorted((r for r in results if r.dense > 0), key=lambda r: -r.dense)
    score = {id(r): 0.0 for r in results}
    for rank, r in enumerate(by_bm25, 1):
        score[id(r)] += 1.0 / (RRF_K + rank)
    for rank, r in enumerate(by_dense, 1):
        score[id(r)] += dense_weight / (RRF_K + rank)
    return [replace(r, score=score[id(r)]) for r in results]


async def search(
    principal: Principal | None,
    query: object,
    *,
    language: object = None,
    limit: object = 5,
    tenant_id: str | None = None,
) -> list[SearchResult]:
    """Raises invalid_request (q missing or too long, limit 1-20, unknown language),
    resource_not_found."""
    tenant = await get_tenant(require_secret(principal), tenant_id)
    text = validation.text(query, "q", max_len=MAX_QUERY, required=True) or ""
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_RESULTS:
        raise invalid(f"limit must be an integer from 1 to {MAX_RESULTS}", param="limit")
    if language is not None:
        languages = [validation.language(language)]
    else:
        present = (
            await KnowledgeDocument.filter(tenant_id=tenant.id)
            .distinct()
            .values_list("language", flat=True)
        )
        languages = sorted(str(x) for x in present)
    return await search_tenant(tenant.id, text, languages=languages, limit=limit)


def forget() -> None:
    """Drop every cached index (tests; a tenant's erasure)."""
    _indexes.clear()
    _locks.clear()
