"""A tenant's knowledge base through its resolvers: entries written with their chunks and
vectors, imported all-or-nothing under the plan's quota, searched per tenant and language
with the index rebuilt when any process changes an entry."""

import json
from pathlib import Path
from typing import Any

import pytest

from models.knowledge import KnowledgeChunk, KnowledgeDocument
from resolvers.errors import DomainError
from resolvers.knowledge import documents, search
from tests.factories import TenantCtx, make_tenant, make_user

pytestmark = pytest.mark.usefixtures("app")  # the database, emptied before each test

FAQ: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "fixtures/kb_faq.json").read_text()
)


def faq_entries(language: str) -> list[documents.Entry]:
    return [
        documents.entry(f"{e['topic']}", e["answer"], title=e["question"], source="import:json")
        for e in FAQ["entries"]
        if e["language"] == language
    ]


async def seeded(plan: str = "pro", languages: tuple[str, ...] = ("fr", "ar")) -> TenantCtx:
    t = await make_tenant(plan=plan)
    for language in languages:
        report = await documents.write_entries(
            t.principal, faq_entries(language), language=language
        )
        assert (report.imported, report.updated, report.skipped) == (8, 0, 0)
    return t


async def test_an_import_stores_each_entry_with_its_chunks_and_vectors() -> None:
    t = await seeded()
    docs = await KnowledgeDocument.filter(tenant_id=t.id).order_by("language", "key")
    assert [(d.language, d.key) for d in docs][:2] == [("ar", "address"), ("ar", "appointment")]
    assert len(docs) == 16
    chunks = await KnowledgeChunk.filter(tenant_id=t.id)
    assert len(chunks) >= 16
    assert {c.embedder for c in chunks} == {"ngram-v1"}
    assert all(len(bytes(c.vector)) == 4 * 256 for c in chunks)
    hours = next(d for d in docs if (d.language, d.key) == ("fr", "hours"))
    [chunk] = [c for c in chunks if c.document_id == hours.id]
    assert chunk.heading == "Quels sont vos horaires d'ouverture ?"
    assert chunk.text.startswith("Nous sommes ouverts du lundi au vendredi")


async def test_reimporting_skips_unchanged_updates_changed_and_keeps_with_overwrite_off() -> None:
    t = await seeded(languages=("fr",))
    items = faq_entries("fr")
    items[0] = documents.entry(items[0].key, "Ouvert 7j/7 de 8h à 22h.", title=items[0].title)
    report = await documents.write_entries(t.principal, items, language="fr")
    assert (report.imported, report.updated, report.skipped, report.total) == (0, 1, 7, 8)
    doc = await KnowledgeDocument.get(tenant_id=t.id, language="fr", key=items[0].key)
    assert doc.content == "Ouvert 7j/7 de 8h à 22h."
    assert [c.text for c in await KnowledgeChunk.filter(document_id=doc.id)] == [doc.content]
    kept = documents.entry(items[0].key, "autre chose", title="x")
    report = await documents.write_entries(t.principal, [kept], language="fr", overwrite=False)
    assert (report.imported, report.updated, report.skipped) == (0, 0, 1)
    assert (await KnowledgeDocument.get(id=doc.id)).content == "Ouvert 7j/7 de 8h à 22h."


async def test_the_plans_quota_refuses_the_whole_import() -> None:
    t = await make_tenant(plan="starter")  # 200 entries
    first = [documents.entry(f"k{i}", f"contenu {i}") for i in range(150)]
    await documents.write_entries(t.principal, first, language="fr")
    second = [documents.entry(f"n{i}", f"nouveau {i}") for i in range(51)]
    with pytest.raises(DomainError) as exc:
        await documents.write_entries(t.principal, second, language="en")
    assert exc.value.code == "quota_exceeded"
    assert "200" in exc.value.message
    # Nothing of the refused import was written; updates of existing keys still fit.
    assert await KnowledgeDocument.filter(tenant_id=t.id).count() == 150
    assert await KnowledgeChunk.filter(tenant_id=t.id, language="en").count() == 0
    fits = [documents.entry(f"n{i}", f"nouveau {i}") for i in range(50)]
    report = await documents.write_entries(t.principal, fits, language="en")
    assert report.imported == 50
    quota = await documents.quota(t.principal)
    assert (quota.entries, quota.limit, quota.languages) == (200, 200, ["en", "fr"])
    assert quota.characters == sum(len(e.content) for e in first + fits)


async def test_search_finds_the_entry_in_its_language_and_nothing_of_another_tenant() -> None:
    t = await seeded()
    other = await make_tenant(plan="pro")
    results = await search.search(t.principal, "la livraison est gratuite à Casablanca ?")
    assert results[0].key == "delivery"
    assert results[0].language == "fr"
    assert results[0].relevant
    marked = [results[0].snippet.text[s:e] for s, e in results[0].snippet.highlights]
    assert "livraison" in [m.lower() for m in marked]
    arabic = await search.search(t.principal, "هل التوصيل مجاني؟", language="ar")
    assert (arabic[0].key, arabic[0].language) == ("delivery", "ar")
    assert await search.search(other.principal, "livraison gratuite Casablanca") == []


async def test_a_search_of_every_language_ranks_them_together() -> None:
    """Without a language, the best passage wins whatever its language: each language's
    fused scores only rank within its own index, so they are ranked again together."""
    t = await seeded(languages=("fr", "en"))
    results = await search.search(t.principal, "la livraison est gratuite à Casablanca ?")
    assert (results[0].key, results[0].language) == ("delivery", "fr")
    english = await search.search(t.principal, "is delivery free in Casablanca?")
    assert (english[0].key, english[0].language) == ("delivery", "en")
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)


async def test_an_entry_is_deleted_by_id_or_by_key_never_one_for_the_other() -> None:
    t = await seeded(languages=("fr", "en"))
    delivery = await KnowledgeDocument.get(tenant_id=t.id, language="fr", key="delivery")
    with pytest.raises(DomainError):  # a key is no id
        await documents.delete_entry(t.principal, "delivery")
    with pytest.raises(DomainError):  # an id is no key
        await documents.delete_entry(t.principal, delivery.id, by_key=True)
    gone = await documents.delete_entry(t.principal, "delivery", by_key=True, language="en")
    assert (gone.key, gone.language) == ("delivery", "en")
    assert await KnowledgeDocument.exists(id=delivery.id)


async def test_an_entry_written_or_deleted_is_seen_by_the_next_search() -> None:
    t = await seeded(languages=("fr",))
    assert (await search.search(t.principal, "parking vélo", language="fr"))[0].key == "address"
    report = await documents.write_entries(
        t.principal,
        [documents.entry("bike", "Un parking vélo gratuit est devant l'entrée.")],
        language="fr",
    )
    found = await search.search(t.principal, "parking vélo", language="fr")
    assert found[0].key == "bike"
    await documents.delete_entry(t.principal, report.documents[0].id)
    assert "bike" not in [r.key for r in await search.search(t.principal, "parking vélo")]
    assert await KnowledgeChunk.filter(document_id=report.documents[0].id).count() == 0


async def test_another_tenants_entry_cannot_be_deleted_and_looks_unknown() -> None:
    t = await seeded(languages=("fr",))
    other = await make_tenant(plan="pro")
    doc = await KnowledgeDocument.filter(tenant_id=t.id).first()
    assert doc is not None
    for entry_id in (doc.id, "kbd_doesnotexist", 12, "x" * 500):
        with pytest.raises(DomainError) as exc:
            await documents.delete_entry(other.principal, entry_id)
        assert (exc.value.code, exc.value.param) == ("resource_not_found", "id")
    assert await KnowledgeDocument.exists(id=doc.id)


async def test_members_read_but_cannot_write() -> None:
    t = await seeded(languages=("fr",))
    member, _ = await make_user(t, role="member")
    principal = t.principal.__class__(
        kind="user", tenant_id=t.id, role="member", plan="pro", user_id=member.id
    )
    assert (await documents.list_entries(principal)).total == 8
    with pytest.raises(DomainError) as exc:
        await documents.write_entries(principal, faq_entries("fr"), language="fr")
    assert exc.value.code == "insufficient_permissions"


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"key": "", "content": "x"}, "key"),
        ({"key": "k", "content": ""}, "content"),
        ({"key": "k" * 256, "content": "x"}, "key"),
        ({"key": "k", "content": "x" * (documents.MAX_CONTENT + 1)}, "content"),
        ({"key": "k", "content": "a\x00b"}, "content"),
        ({"key": 7, "content": "x"}, "key"),
    ],
)
def test_entries_are_validated(kwargs: dict[str, Any], param: str) -> None:
    with pytest.raises(DomainError) as exc:
        documents.entry(**kwargs)
    assert (exc.value.code, exc.value.param) == ("invalid_request", param)


async def test_search_input_is_validated() -> None:
    t = await make_tenant(plan="pro")
    for kwargs, param in (
        ({"query": ""}, "q"),
        ({"query": "x" * 501}, "q"),
        ({"query": "prix", "limit": 0}, "limit"),
        ({"query": "prix", "limit": True}, "limit"),
        ({"query": "prix", "language": "de"}, "language"),
    ):
        with pytest.raises(DomainError) as exc:
            await search.search(t.principal, **kwargs)
        assert (exc.value.code, exc.value.param) == ("invalid_request", param)
