"""GraphQL knowledge base: entries saved, listed and deleted, imports with per-item errors and
the plan's quota, search with highlights, crawl jobs followed by the kbJob subscription; never
another tenant's data, and only owners, admins and secret keys change anything."""

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.audit import AuditLog
from models.knowledge import KnowledgeChunk, KnowledgeDocument, KnowledgeJob
from resolvers import events, instance
from resolvers.knowledge import documents, jobs
from tests.factories import TenantCtx, make_key, make_tenant, make_user
from tests.graphql import bearer, data, gql, gql_error
from tests.schema.test_subscriptions import payloads
from tests.ws import serve, session, wait_for_subscribers

FAQ: list[dict[str, str]] = json.loads(
    (Path(__file__).parent.parent / "fixtures/kb_faq.json").read_text()
)["entries"]
ENTRY = "id key language title content source characters createdAt updatedAt"
SAVE = f"""
mutation($i: SaveKnowledgeEntryInput!, $t: ID) {{
  saveKnowledgeEntry(input: $i, tenantId: $t) {{ created entry {{ {ENTRY} }} }}
}}"""
LIST = f"""
query($language: String, $source: String, $limit: Int, $offset: Int, $t: ID) {{
  knowledgeEntries(language: $language, source: $source, limit: $limit, offset: $offset, tenantId: $t) {{
    total limit offset items {{ {ENTRY} }}
  }}
}}"""
DELETE = "mutation($id: ID!, $t: ID) { deleteKnowledgeEntry(id: $id, tenantId: $t) { id deleted } }"
IMPORT = """
mutation($data: JSON!, $language: String, $overwrite: Boolean, $t: ID) {
  importKnowledge(data: $data, language: $language, overwrite: $overwrite, tenantId: $t) {
    imported updated skipped total errors { index key param message }
  }
}"""
SEARCH = """
query($q: String!, $language: String, $limit: Int, $t: ID) {
  knowledgeSearch(q: $q, language: $language, limit: $limit, tenantId: $t) {
    entryId key title source language heading text score bm25 dense relevant
    snippet { text highlights { start end } }
  }
}"""
QUOTA = (
    "query($t: ID) { knowledgeQuota(tenantId: $t) { entries limit chunks characters languages } }"
)
JOB = "id status url language pages maxPages bytes queued skipped { url reason } error"
CRAWL = f"""
mutation($i: StartKnowledgeCrawlInput!, $t: ID) {{
  startKnowledgeCrawl(input: $i, tenantId: $t) {{ {JOB} }}
}}"""
GET_JOB = f"query($id: ID!, $t: ID) {{ kbJob(id: $id, tenantId: $t) {{ {JOB} }} }}"
CANCEL = f"mutation($id: ID!, $t: ID) {{ cancelKnowledgeJob(id: $id, tenantId: $t) {{ {JOB} }} }}"
FOLLOW = f"subscription($id: ID!) {{ kbJob(id: $id) {{ {JOB} }} }}"
FORBIDDEN = {"code": "insufficient_permissions", "status": 403}
TENANT_NOT_FOUND = {"code": "resource_not_found", "status": 404}
NOT_FOUND = {"code": "resource_not_found", "status": 404, "param": "id"}


def faq(language: str) -> list[dict[str, str]]:
    """The fixture's entries of one language as the reference's import array."""
    return [
        {"key": e["topic"], "question": e["question"], "response": e["answer"]}
        for e in FAQ
        if e["language"] == language
    ]


@pytest.fixture
async def pro(app: object) -> TenantCtx:
    return await make_tenant(plan="pro")


async def save(client: httpx.AsyncClient, headers: dict[str, str], **entry: Any) -> dict[str, Any]:
    saved: dict[str, Any] = data(await gql(client, SAVE, {"i": entry}, headers))[
        "saveKnowledgeEntry"
    ]
    return saved


async def import_faq(client: httpx.AsyncClient, headers: dict[str, str], language: str) -> None:
    body = await gql(client, IMPORT, {"data": faq(language), "language": language}, headers)
    report = data(body)["importKnowledge"]
    assert (report["imported"], report["errors"]) == (8, []), report


# --- entries -----------------------------------------------------------------------------


async def test_entries_are_saved_listed_replaced_and_deleted(
    client: httpx.AsyncClient, pro: TenantCtx
) -> None:
    h = pro.headers
    hours = await save(client, h, key="hours", value="Ouvert de 9h à 18h.", language="fr")
    assert hours["created"] is True
    entry = hours["entry"]
    assert entry["id"].startswith("kbd_")
    assert {k: entry[k] for k in ("key", "language", "title", "content", "source")} == {
        "key": "hours",
        "language": "fr",
        "title": "",
        "content": "Ouvert de 9h à 18h.",
        "source": "api",
    }
    assert entry["characters"] == len("Ouvert de 9h à 18h.")
    # An object value: its response is the text, its question the title; no language given
    # is the tenant's (fr at sign-up).
    parking = await save(
        client,
        h,
        key="parking",
        value={"question": "Où se garer ?", "response": "Parking en face.", "etage": 2},
    )
    assert parking["created"] is True
    assert (parking["entry"]["title"], parking["entry"]["content"]) == (
        "Où se garer ?",
        "Parking en face.\netage: 2",
    )
    assert parking["entry"]["language"] == pro.tenant.language
    # The same key in another language is another entry.
    english = await save(client, h, key="hours", value="Open 9am to 6pm.", language="en")
    assert english["created"] is True
    assert english["entry"]["id"] != entry["id"]

    # Saving the key again replaces its text, keeping the entry; saving the same text is a no-op.
    replaced = await save(client, h, key="hours", value="Ouvert de 8h à 20h.", language="fr")
    assert (replaced["created"], replaced["entry"]["id"]) == (False, entry["id"])
    assert replaced["entry"]["content"] == "Ouvert de 8h à 20h."
    same = await save(client, h, key="hours", value="Ouvert de 8h à 20h.", language="fr")
    assert (same["created"], same["entry"]["id"]) == (False, entry["id"])
    [chunk] = await KnowledgeChunk.filter(document_id=entry["id"])
    assert chunk.text == "Ouvert de 8h à 20h."

    page = data(await gql(client, LIST, {"limit": 2}, h))["knowledgeEntries"]
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
    # Most recently changed first: the replaced French entry, then the English one.
    assert [(e["key"], e["language"]) for e in page["items"]] == [("hours", "fr"), ("hours", "en")]
    assert page["items"][0] == replaced["entry"]
    rest = data(await gql(client, LIST, {"limit": 2, "offset": 2}, h))["knowledgeEntries"]
    assert [e["key"] for e in rest["items"]] == ["parking"]
    french = data(await gql(client, LIST, {"language": "fr"}, h))["knowledgeEntries"]
    assert sorted(e["key"] for e in french["items"]) == ["hours", "parking"]
    none = data(await gql(client, LIST, {"source": "import:csv"}, h))["knowledgeEntries"]
    assert (none["total"], none["items"]) == (0, [])
    for variables, param in (
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"language": "de"}, "language"),
        ({"source": ""}, "source"),
    ):
        expected = {"code": "invalid_request", "status": 400, "param": param}
        assert gql_error(await gql(client, LIST, variables, h)) == expected, variables

    deleted = data(await gql(client, DELETE, {"id": entry["id"]}, h))["deleteKnowledgeEntry"]
    assert deleted == {"id": entry["id"], "deleted": True}
    assert await KnowledgeDocument.filter(id=entry["id"]).count() == 0
    assert await KnowledgeChunk.filter(document_id=entry["id"]).count() == 0
    assert gql_error(await gql(client, DELETE, {"id": entry["id"]}, h)) == NOT_FOUND
    left = data(await gql(client, LIST, {}, h))["knowledgeEntries"]
    assert sorted((e["key"], e["language"]) for e in left["items"]) == [
        ("hours", "en"),
        ("parking", "fr"),
    ]
    assert await AuditLog.filter(tenant_id=pro.id, action="kb.deleted").count() == 1


@pytest.mark.parametrize(
    ("entry", "param"),
    [
        ({"key": "", "value": "texte"}, "key"),
        ({"key": "k" * 256, "value": "texte"}, "key"),
        ({"key": "k", "value": ""}, "value"),
        ({"key": "k", "value": 12}, "value"),
        ({"key": "k", "value": {"question": "Sans réponse ?"}}, "value"),
        ({"key": "k", "value": "texte", "language": "de"}, "language"),
    ],
)
async def test_an_entry_that_is_not_valid_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, pro: TenantCtx, entry: dict[str, Any], param: str
) -> None:
    error = gql_error(await gql(client, SAVE, {"i": entry}, pro.headers))
    assert error == {"code": "invalid_request", "status": 400, "param": param}
    assert await KnowledgeDocument.filter(tenant_id=pro.id).count() == 0


# --- import ------------------------------------------------------------------------------


async def test_an_import_reports_each_item_it_left_out(
    client: httpx.AsyncClient, pro: TenantCtx
) -> None:
    h = pro.headers
    items: list[Any] = [
        {"key": "hours", "question": "Horaires ?", "response": "De 9h à 18h."},
        {"question": "Sans clé", "response": "Texte"},
        {"key": "empty", "response": ""},
        42,
        {"key": "hours", "response": "De 10h à 19h."},  # given twice: the last one wins
        {"key": "returns", "answer": "Sous 14 jours."},
    ]
    body = await gql(client, IMPORT, {"data": items, "language": "fr"}, h)
    assert data(body)["importKnowledge"] == {
        "imported": 2,
        "updated": 0,
        "skipped": 4,
        "total": 6,
        "errors": [
            {
                "index": 1,
                "key": None,
                "param": "items[1].key",
                "message": "items[1].key is required",
            },
            {
                "index": 2,
                "key": "empty",
                "param": "items[2].content",
                "message": "items[2].content is required",
            },
            {
                "index": 3,
                "key": None,
                "param": "items[3]",
                "message": "an entry is a string or an object with a response",
            },
        ],
    }
    stored = {
        d.key: (d.title, d.content, d.source)
        for d in await KnowledgeDocument.filter(tenant_id=pro.id)
    }
    assert stored == {
        "hours": ("", "De 10h à 19h.", "import:json"),
        "returns": ("", "Sous 14 jours.", "import:json"),
    }

    # The object form, in the tenant's language when none is given (fr at sign-up); unchanged
    # keys are skipped, changed ones updated, unless overwrite is off.
    again = {"hours": "De 10h à 19h.", "returns": "Sous 30 jours.", "payment": "Carte ou espèces."}
    kept = data(await gql(client, IMPORT, {"data": again, "overwrite": False}, h))
    assert kept["importKnowledge"] == {
        "imported": 1,
        "updated": 0,
        "skipped": 2,
        "total": 3,
        "errors": [],
    }
    assert (await KnowledgeDocument.get(tenant_id=pro.id, key="returns")).content == (
        "Sous 14 jours."
    )
    assert (await KnowledgeDocument.get(tenant_id=pro.id, key="payment")).language == "fr"
    updated = data(await gql(client, IMPORT, {"data": again, "language": "fr"}, h))
    assert updated["importKnowledge"] == {
        "imported": 0,
        "updated": 1,
        "skipped": 2,
        "total": 3,
        "errors": [],
    }
    assert (await KnowledgeDocument.get(tenant_id=pro.id, key="returns")).content == (
        "Sous 30 jours."
    )
    for variables, param in (
        ({"data": "text", "language": "fr"}, "data"),
        ({"data": {f"k{i}": "x" for i in range(1001)}, "language": "fr"}, "data"),
        ({"data": {"a": "b"}, "language": "xx"}, "language"),
    ):
        expected = {"code": "invalid_request", "status": 400, "param": param}
        assert gql_error(await gql(client, IMPORT, variables, h)) == expected, param
    assert await KnowledgeDocument.filter(tenant_id=pro.id).count() == 3


async def test_an_import_past_the_quota_writes_nothing(client: httpx.AsyncClient) -> None:
    t = await make_tenant(plan="starter")  # 200 entries
    full = [documents.entry(f"k{i}", f"contenu {i}") for i in range(199)]
    await documents.write_entries(t.principal, full, language="fr")
    before = await KnowledgeDocument.filter(tenant_id=t.id).count()
    chunks = await KnowledgeChunk.filter(tenant_id=t.id).count()
    audits = await AuditLog.filter(tenant_id=t.id, action="kb.written").count()
    # Two new keys where one fits: the whole import is refused, updates in it included.
    items = {"k0": "changé", "new1": "un", "new2": "deux"}
    error = gql_error(await gql(client, IMPORT, {"data": items, "language": "fr"}, t.headers))
    assert error == {"code": "quota_exceeded", "status": 402}
    assert await KnowledgeDocument.filter(tenant_id=t.id).count() == before == 199
    assert await KnowledgeChunk.filter(tenant_id=t.id).count() == chunks
    assert await KnowledgeDocument.filter(tenant_id=t.id, key__in=["new1", "new2"]).count() == 0
    assert (await KnowledgeDocument.get(tenant_id=t.id, key="k0")).content == "contenu 0"
    assert await AuditLog.filter(tenant_id=t.id, action="kb.written").count() == audits
    # The quota counts every language; one more entry fits, then none, but updates still do.
    await save(client, t.headers, key="last", value="dernier", language="en")
    quota = data(await gql(client, QUOTA, {}, t.headers))["knowledgeQuota"]
    assert (quota["entries"], quota["limit"]) == (200, 200)
    refused = gql_error(
        await gql(client, SAVE, {"i": {"key": "one-more", "value": "x"}}, t.headers)
    )
    assert refused == {"code": "quota_exceeded", "status": 402}
    changed = await save(client, t.headers, key="k1", value="modifié", language="fr")
    assert (changed["created"], changed["entry"]["content"]) == (False, "modifié")
    assert await KnowledgeDocument.filter(tenant_id=t.id).count() == 200


# --- search and quota --------------------------------------------------------------------


async def test_search_finds_the_entry_and_highlights_the_query_words(
    client: httpx.AsyncClient, pro: TenantCtx
) -> None:
    h = pro.headers
    await import_faq(client, h, "fr")
    await import_faq(client, h, "en")
    delivery = await KnowledgeDocument.get(tenant_id=pro.id, language="fr", key="delivery")
    q = "livraison gratuite à Casablanca ?"
    body = await gql(client, SEARCH, {"q": q, "language": "fr", "limit": 3}, h)
    results = data(body)["knowledgeSearch"]
    assert 1 <= len(results) <= 3
    best = results[0]
    assert (best["entryId"], best["key"], best["language"], best["source"]) == (
        delivery.id,
        "delivery",
        "fr",
        "import:json",
    )
    assert best["title"] == best["heading"] == "Livrez-vous à domicile ?"
    assert best["text"] == delivery.content
    assert best["relevant"] is True
    assert best["bm25"] > 0
    assert 0 < best["dense"] <= 1.0001  # cosine of unit vectors, in float32
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    snippet = best["snippet"]
    assert snippet["text"] == delivery.content  # a short passage is its own snippet
    marked = [snippet["text"][s["start"] : s["end"]] for s in snippet["highlights"]]
    assert marked == ["livraison", "gratuite", "Casablanca"]
    # Another language, and the limit.
    english = data(await gql(client, SEARCH, {"q": "free delivery", "language": "en"}, h))
    assert english["knowledgeSearch"][0]["key"] == "delivery"
    assert {r["language"] for r in english["knowledgeSearch"]} == {"en"}
    one = await gql(client, SEARCH, {"q": "horaires", "language": "fr", "limit": 1}, h)
    assert [(r["key"], r["language"]) for r in data(one)["knowledgeSearch"]] == [("hours", "fr")]
    for variables, param in (
        ({"q": ""}, "q"),
        ({"q": "x" * 501}, "q"),
        ({"q": "horaires", "limit": 21}, "limit"),
        ({"q": "horaires", "limit": 0}, "limit"),
        ({"q": "horaires", "language": "de"}, "language"),
    ):
        expected = {"code": "invalid_request", "status": 400, "param": param}
        assert gql_error(await gql(client, SEARCH, variables, h)) == expected, variables


async def test_the_quota_counts_entries_chunks_and_characters(
    client: httpx.AsyncClient, pro: TenantCtx
) -> None:
    empty = data(await gql(client, QUOTA, {}, pro.headers))["knowledgeQuota"]
    assert empty == {"entries": 0, "limit": 2000, "chunks": 0, "characters": 0, "languages": []}
    await import_faq(client, pro.headers, "fr")
    await import_faq(client, pro.headers, "ar")
    quota = data(await gql(client, QUOTA, {}, pro.headers))["knowledgeQuota"]
    docs = await KnowledgeDocument.filter(tenant_id=pro.id)
    assert quota == {
        "entries": 16,
        "limit": 2000,
        "chunks": await KnowledgeChunk.filter(tenant_id=pro.id).count(),
        "characters": sum(len(d.content) for d in docs),
        "languages": ["ar", "fr"],
    }
    assert quota["chunks"] >= 16
    assert quota["characters"] == sum(
        len(e["answer"]) for e in FAQ if e["language"] in ("fr", "ar")
    )


# --- who may do what ---------------------------------------------------------------------


async def test_another_tenants_entries_and_jobs_are_not_found_and_never_shown(
    client: httpx.AsyncClient, pro: TenantCtx
) -> None:
    other = await make_tenant(plan="pro")
    theirs = await save(client, other.headers, key="secret-menu", value="Recette secrète Zarqa.")
    their_id = theirs["entry"]["id"]
    their_job = await KnowledgeJob.create(
        id="kbj_theirs",
        tenant=other.tenant,
        language="fr",
        url="https://other.example/",
        max_pages=1,
        max_depth=1,
        max_bytes=1000,
        status="completed",
    )
    h = pro.headers
    bodies = []
    for query, variables, expected in (
        (DELETE, {"id": their_id}, NOT_FOUND),
        (GET_JOB, {"id": their_job.id}, NOT_FOUND),
        (CANCEL, {"id": their_job.id}, NOT_FOUND),
        (LIST, {"t": other.id}, TENANT_NOT_FOUND),
        (QUOTA, {"t": other.id}, TENANT_NOT_FOUND),
        (SEARCH, {"q": "recette secrète", "t": other.id}, TENANT_NOT_FOUND),
        (DELETE, {"id": their_id, "t": other.id}, TENANT_NOT_FOUND),
        (IMPORT, {"data": {"x": "y"}, "language": "fr", "t": other.id}, TENANT_NOT_FOUND),
        (SAVE, {"i": {"key": "x", "value": "y"}, "t": other.id}, TENANT_NOT_FOUND),
        (CRAWL, {"i": {"url": "http://127.0.0.1:9/"}, "t": other.id}, TENANT_NOT_FOUND),
    ):
        body = await gql(client, query, variables, h)
        assert gql_error(body) == expected, query
        bodies.append(json.dumps(body))
    # An unknown id reads exactly like theirs.
    unknown = await gql(client, DELETE, {"id": "kbd_doesnotexist"}, h)
    assert json.loads(bodies[0])["errors"][0]["message"] == unknown["errors"][0]["message"]
    # Their entry is in no answer, and no search of ours reaches it.
    mine = data(await gql(client, SEARCH, {"q": "recette secrète Zarqa"}, h))["knowledgeSearch"]
    assert mine == []
    assert data(await gql(client, LIST, {}, h))["knowledgeEntries"]["total"] == 0
    assert not any("Zarqa" in b or "secret-menu" in b for b in bodies)
    # Nothing of theirs changed, nothing was written for us.
    doc = await KnowledgeDocument.get(id=their_id)
    assert (doc.tenant_id, doc.content) == (other.id, "Recette secrète Zarqa.")
    assert (await KnowledgeJob.get(id=their_job.id)).status == "completed"
    assert await KnowledgeDocument.filter(tenant_id=pro.id).count() == 0
    assert await KnowledgeJob.filter(tenant_id=pro.id).count() == 0


async def test_members_and_viewers_read_but_only_owners_admins_and_secret_keys_write(
    client: httpx.AsyncClient, pro: TenantCtx
) -> None:
    entry = (await save(client, pro.headers, key="hours", value="Ouvert de 9h à 18h."))["entry"]
    job = await KnowledgeJob.create(
        id="kbj_running",
        tenant=pro.tenant,
        language="fr",
        url="https://shop.example/",
        max_pages=1,
        max_depth=1,
        max_bytes=1000,
        status="running",
        # This live process's, so the heartbeat's sweep of orphaned crawls leaves it alone
        # (an ownerless running job is claimed and run to its end mid-test).
        owner=instance.INSTANCE_ID,
    )
    writes: list[tuple[str, dict[str, Any]]] = [
        (SAVE, {"i": {"key": "new", "value": "texte"}}),
        (SAVE, {"i": {"key": "hours", "value": "changé"}}),
        (IMPORT, {"data": {"new": "texte"}, "language": "fr"}),
        (DELETE, {"id": entry["id"]}),
        (CRAWL, {"i": {"url": "http://127.0.0.1:9/"}}),
        (CANCEL, {"id": job.id}),
    ]
    reads: list[tuple[str, dict[str, Any]]] = [
        (LIST, {}),
        (SEARCH, {"q": "ouvert"}),
        (QUOTA, {}),
        (GET_JOB, {"id": job.id}),
    ]
    # What the owner reads, the others read too.
    seen = [data(await gql(client, query, v, pro.headers)) for query, v in reads]
    assert seen[0]["knowledgeEntries"]["total"] == 1
    assert seen[1]["knowledgeSearch"][0]["entryId"] == entry["id"]
    assert seen[3]["kbJob"]["status"] == "running"
    for role in ("viewer", "member"):
        _, headers = await make_user(pro, role=role)
        for query, variables in writes:
            assert gql_error(await gql(client, query, variables, headers)) == FORBIDDEN, (
                role,
                query,
            )
        assert [data(await gql(client, q, v, headers)) for q, v in reads] == seen, role
    assert data(await gql(client, LIST, {}, bearer(pro.api_key)))["knowledgeEntries"]["total"] == 1
    [doc] = await KnowledgeDocument.filter(tenant_id=pro.id)
    assert (doc.id, doc.content) == (entry["id"], "Ouvert de 9h à 18h.")
    assert (await KnowledgeJob.get(id=job.id)).status == "running"
    assert await KnowledgeJob.filter(tenant_id=pro.id).count() == 1
    # An admin and a secret key may.
    _, admin = await make_user(pro, role="admin")
    assert (await save(client, admin, key="hours", value="De 8h à 20h."))["created"] is False
    key = bearer(await make_key(pro))
    assert (await save(client, key, key="returns", value="Sous 14 jours."))["created"] is True
    assert (
        data(await gql(client, CANCEL, {"id": job.id}, key))["cancelKnowledgeJob"]["status"]
        == "canceled"
    )


async def test_a_publishable_key_reaches_no_knowledge_operation(
    client: httpx.AsyncClient, pro: TenantCtx
) -> None:
    entry = (await save(client, pro.headers, key="hours", value="De 9h à 18h."))["entry"]
    await gql(
        client, 'mutation { setAllowedOrigins(origins: ["https://shop.example"]) }', {}, pro.headers
    )
    publishable = {
        **bearer(await make_key(pro, kind="publishable")),
        "Origin": "https://shop.example",
    }
    for query, variables in (
        (LIST, {}),
        (SEARCH, {"q": "horaires"}),
        (QUOTA, {}),
        (GET_JOB, {"id": "kbj_any"}),
        (SAVE, {"i": {"key": "new", "value": "texte"}}),
        (IMPORT, {"data": {"new": "texte"}, "language": "fr"}),
        (DELETE, {"id": entry["id"]}),
        (CRAWL, {"i": {"url": "http://127.0.0.1:9/"}}),
        (CANCEL, {"id": "kbj_any"}),
    ):
        body = await gql(client, query, variables, publishable)
        assert gql_error(body) == FORBIDDEN, query
        assert "De 9h" not in json.dumps(body)
    [doc] = await KnowledgeDocument.filter(tenant_id=pro.id)
    assert (doc.id, doc.content) == (entry["id"], "De 9h à 18h.")
    assert await KnowledgeJob.filter(tenant_id=pro.id).count() == 0


# --- crawl jobs and their subscription ---------------------------------------------------


def html(title: str, text: str, links: tuple[str, ...] = ()) -> bytes:
    anchors = "".join(f'<a href="{href}">{href}</a> ' for href in links)
    return (
        f"<html><head><title>{title}</title></head><body><main><h1>{title}</h1>"
        f"<p>{text}</p><nav>{anchors}</nav></main></body></html>"
    ).encode()


class Site:
    """Three pages on loopback; /livraison waits for ``gate``, so a test can follow a crawl
    while it runs."""

    PAGES = {
        "/": html(
            "Accueil", "Bienvenue chez Atlas, magasin de Casablanca. " * 3, ("/livraison", "/zones")
        ),
        "/livraison": html("Livraison", "La livraison est gratuite dès 300 dirhams. " * 3),
        "/zones": html("Zones", "Nous livrons Casablanca, Rabat et Marrakech. " * 3),
    }

    def __init__(self) -> None:
        self.gate = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                if path == "/livraison":
                    site.gate.wait(10)
                body = site.PAGES.get(path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def site() -> Iterator[Site]:
    # Loopback is the one private address the test settings let the crawler reach.
    running = Site()
    threading.Thread(target=running.server.serve_forever, daemon=True).start()
    try:
        yield running
    finally:
        running.gate.set()
        running.server.shutdown()
        running.server.server_close()


@pytest.fixture(scope="session")
async def ws_url(app: object) -> AsyncIterator[str]:
    async with serve(app) as url:
        yield url


async def wait_job(job_id: str, done: Any, timeout: float = 15) -> KnowledgeJob:
    async with asyncio.timeout(timeout):
        while True:
            job = await KnowledgeJob.get(id=job_id)
            if done(job):
                return job
            await asyncio.sleep(0.02)


async def stopped(job_id: str, timeout: float = 15) -> None:
    """The crawl's task is over (so it writes nothing into the next test's tables)."""
    async with asyncio.timeout(timeout):
        while job_id in jobs.get_runner().running:
            await asyncio.sleep(0.02)


async def test_a_crawl_is_visible_and_its_subscription_follows_it_to_completion(
    client: httpx.AsyncClient, pro: TenantCtx, site: Site, ws_url: str
) -> None:
    key = await make_key(pro)
    started = data(
        await gql(
            client,
            CRAWL,
            {"i": {"url": site.base + "/", "language": "fr", "maxPages": 5, "maxDepth": 1}},
            bearer(key),
        )
    )["startKnowledgeCrawl"]
    job_id = started["id"]
    assert job_id.startswith("kbj_")
    assert {k: v for k, v in started.items() if k != "id"} == {
        "status": "queued",
        "url": site.base + "/",
        "language": "fr",
        "pages": 0,
        "maxPages": 5,
        "bytes": 0,
        "queued": 1,
        "skipped": [],
        "error": None,
    }
    # The first page is stored; the crawl now waits on /livraison.
    await wait_job(job_id, lambda j: j.pages == 1)
    now = data(await gql(client, GET_JOB, {"id": job_id}, bearer(key)))["kbJob"]
    assert (now["status"], now["pages"], now["queued"]) == ("running", 1, 2)

    async with session(ws_url, key) as ws:
        await ws.subscribe("job", FOLLOW, {"id": job_id})
        first = await ws.receive()
        assert first["type"] == "next", first
        # Its current state first, before anything new happens.
        assert first["payload"]["data"]["kbJob"] == now
        await wait_for_subscribers(events.tenant_channel(pro.id, "kb_jobs"))
        site.gate.set()
        rest = payloads(await ws.until_complete("job"), "kbJob")
        await wait_for_subscribers(events.tenant_channel(pro.id, "kb_jobs"), 0)
    await stopped(job_id)

    steps = [(p["status"], p["pages"], p["queued"]) for p in rest]
    assert steps == [("running", 2, 1), ("running", 3, 0), ("completed", 3, 0)]
    assert [p["bytes"] for p in rest] == sorted(p["bytes"] for p in rest)
    final = data(await gql(client, GET_JOB, {"id": job_id}, bearer(key)))["kbJob"]
    assert rest[-1] == final
    assert final["bytes"] == sum(len(body) for body in Site.PAGES.values())
    stored = {d.key: d.title for d in await KnowledgeDocument.filter(tenant_id=pro.id)}
    assert stored == {
        site.base + "/": "Accueil",
        site.base + "/livraison": "Livraison",
        site.base + "/zones": "Zones",
    }
    # The crawled pages answer searches at once.
    found = data(await gql(client, SEARCH, {"q": "livraison gratuite", "limit": 1}, bearer(key)))
    assert [r["key"] for r in found["knowledgeSearch"]] == [site.base + "/livraison"]
    # A finished job's subscription gives its state and completes.
    async with session(ws_url, key) as ws:
        await ws.subscribe("late", FOLLOW, {"id": job_id})
        assert payloads(await ws.until_complete("late"), "kbJob") == [final]


async def test_a_canceled_crawl_ends_its_subscription_and_cannot_be_canceled_again(
    client: httpx.AsyncClient, pro: TenantCtx, site: Site, ws_url: str
) -> None:
    key = await make_key(pro)
    variables = {"i": {"url": site.base + "/", "maxDepth": 1}}
    job_id = data(await gql(client, CRAWL, variables, bearer(key)))["startKnowledgeCrawl"]["id"]
    await wait_job(job_id, lambda j: j.pages == 1)
    async with session(ws_url, key) as ws:
        await ws.subscribe("job", FOLLOW, {"id": job_id})
        first = await ws.receive()
        assert first["payload"]["data"]["kbJob"]["status"] == "running", first
        await wait_for_subscribers(events.tenant_channel(pro.id, "kb_jobs"))
        canceled = data(await gql(client, CANCEL, {"id": job_id}, bearer(key)))
        assert canceled["cancelKnowledgeJob"]["status"] == "canceled"
        rest = payloads(await ws.until_complete("job"), "kbJob")
    assert [(p["status"], p["pages"]) for p in rest] == [("canceled", 1)]
    again = gql_error(await gql(client, CANCEL, {"id": job_id}, bearer(key)))
    assert again == {"code": "conflict", "status": 409}
    site.gate.set()
    await stopped(job_id)
    assert (await KnowledgeJob.get(id=job_id)).status == "canceled"


async def test_the_subscription_to_another_tenants_job_is_not_found(
    pro: TenantCtx, ws_url: str
) -> None:
    other = await make_tenant(plan="pro")
    theirs = await KnowledgeJob.create(
        id="kbj_theirs",
        tenant=other.tenant,
        language="fr",
        url="https://other.example/",
        max_pages=1,
        max_depth=1,
        max_bytes=1000,
        status="running",
        owner=instance.INSTANCE_ID,  # not an orphan for the sweep to resume
    )
    async with session(ws_url, await make_key(pro)) as ws:
        for op, job_id in (("theirs", theirs.id), ("unknown", "kbj_doesnotexist")):
            await ws.subscribe(op, FOLLOW, {"id": job_id})
            [result, complete] = await ws.until_complete(op)
            assert complete == {"id": op, "type": "complete"}
            assert result["payload"]["data"] is None
            [error] = result["payload"]["errors"]
            assert error["extensions"] == NOT_FOUND
            assert error["message"] == "knowledge-base job not found"
            assert "other.example" not in json.dumps(result)
    assert events.get_bus().local_subscribers(events.tenant_channel(other.id, "kb_jobs")) == 0
