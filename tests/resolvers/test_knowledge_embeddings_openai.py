"""Knowledge-base vectors from an OpenAI-compatible ``/v1/embeddings``, against the fake OpenAI
on a loopback port (tests/realtime/fake_openai.py): batching and order, unit length, what
meaning adds to the offline default, vectors kept per embedder, and failures that write
nothing and never show the key."""

import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from models.knowledge import KnowledgeChunk, KnowledgeDocument
from resolvers import services
from resolvers.errors import DomainError
from resolvers.knowledge import documents, search
from resolvers.knowledge.embedding import (
    MAX_BATCH,
    MAX_BATCH_CHARS,
    MAX_INPUT_CHARS,
    Embedder,
    NgramEmbedder,
    OpenAIEmbedder,
    embedder_name,
    get_embedder,
    make_embedder,
)
from resolvers.settings import Settings, SettingsError
from tests.factories import TenantCtx, make_tenant
from tests.realtime.fake_openai import (
    API_KEY,
    EMBEDDING_DIM,
    DropOne,
    Fail,
    FakeOpenAI,
    Malformed,
    Reversed,
    Stall,
    fake_embedding,
)
from tests.servers import ROOT, free_port

NAME = "openai:text-embedding-3-small"
WRONG_KEY = "sk-wrong-" + "w" * 30
SECRET = "s" * 40

PRICING = documents.entry(
    "pricing", "Le prix de l'abonnement est de 99 dirhams par mois.", title="Abonnement"
)
HOURS = documents.entry(
    "hours", "Nous sommes ouverts du lundi au vendredi de 9h à 18h.", title="Horaires"
)
DELIVERY = documents.entry(
    "delivery", "La livraison à Casablanca prend deux jours ouvrés.", title="Livraison"
)
ENTRIES = [PRICING, HOURS, DELIVERY]
FAQ_FR = [
    documents.entry(e["topic"], e["answer"], title=e["question"])
    for e in json.loads((ROOT / "tests/fixtures/kb_faq.json").read_text())["entries"]
    if e["language"] == "fr"
]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


class Embedders:
    """OpenAI embedders pointed at the fake (settings overridable), all closed at the end."""

    def __init__(self, fake: FakeOpenAI) -> None:
        self.fake = fake
        self.made: list[OpenAIEmbedder] = []

    def __call__(self, **overrides: Any) -> OpenAIEmbedder:
        values = {
            "openai_base_url": self.fake.base_url,
            "openai_api_key": API_KEY,
            "embeddings_provider": "openai",
            **overrides,
        }
        embedder = make_embedder(Settings(**values))
        assert isinstance(embedder, OpenAIEmbedder)
        self.made.append(embedder)
        return embedder


@pytest.fixture
async def make(fake: FakeOpenAI) -> AsyncIterator[Embedders]:
    embedders = Embedders(fake)
    yield embedders
    for embedder in embedders.made:
        await embedder.aclose()


@pytest.fixture
def openai(make: Embedders) -> OpenAIEmbedder:
    return make()


def unit(vector: list[float]) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    return array / np.linalg.norm(array)


# --- the provider on its own ----------------------------------------------------------------


async def test_texts_go_in_batches_and_come_back_in_their_order(
    fake: FakeOpenAI, openai: OpenAIEmbedder
) -> None:
    texts = [f"question numero{i} sur le produit{i % 7}" for i in range(600)]
    fake.script_embeddings(Reversed(), Reversed())  # rows come back last index first
    vectors = await openai.embed(texts)
    sent = fake.embedding_inputs()
    assert [len(batch) for batch in sent] == [MAX_BATCH, MAX_BATCH, 600 - 2 * MAX_BATCH]
    assert [text for batch in sent for text in batch] == texts
    body = fake.requests("/v1/embeddings")[0].json
    assert (body["model"], body["encoding_format"]) == ("text-embedding-3-small", "float")
    assert vectors.shape == (600, EMBEDDING_DIM)
    assert vectors.dtype == np.float32
    for row in (0, 1, 255, 256, 300, 599):
        np.testing.assert_allclose(vectors[row], unit(fake_embedding(texts[row])), atol=1e-6)
    assert openai.dim == EMBEDDING_DIM


async def test_long_texts_are_batched_by_characters(
    fake: FakeOpenAI, openai: OpenAIEmbedder
) -> None:
    texts = [(f"passage{i:03d} " + "mot " * 250)[:1000] for i in range(300)]
    vectors = await openai.embed(texts)
    sent = fake.embedding_inputs()
    per_request = MAX_BATCH_CHARS // 1000
    assert [len(batch) for batch in sent] == [per_request] * (300 // per_request)
    assert [text for batch in sent for text in batch] == texts
    np.testing.assert_allclose(vectors[299], unit(fake_embedding(texts[299])), atol=1e-6)
    # One text past a model's input window is cut, not refused.
    await openai.embed(["début " + "x" * 20_000])
    assert [len(text) for text in fake.embedding_inputs()[-1]] == [MAX_INPUT_CHARS]


async def test_rows_are_unit_length_and_blank_texts_are_not_sent(
    fake: FakeOpenAI, openai: OpenAIEmbedder
) -> None:
    raw = np.linalg.norm(fake_embedding("Le prix de la livraison"))
    assert raw > 1.5  # the fake does not normalise: the client must
    vectors = await openai.embed(["Le prix de la livraison", "", "   \n", "???", "tarif"])
    assert fake.embedding_inputs() == [["Le prix de la livraison", "???", "tarif"]]
    norms = np.linalg.norm(vectors, axis=1)
    np.testing.assert_allclose(norms[[0, 4]], [1.0, 1.0], atol=1e-6)
    # Blank texts get zero rows without being sent; a zero answer ("???") stays zero.
    assert norms[1] == norms[2] == norms[3] == 0.0
    assert float(vectors[0] @ vectors[4]) == pytest.approx(1 / 2**0.5, abs=1e-6)


async def test_the_dimension_is_the_first_answers_and_a_change_is_an_error(
    fake: FakeOpenAI, make: Embedders
) -> None:
    blank_first = make()
    assert blank_first.dim == 0
    zeros = await blank_first.embed(["", " "])
    assert zeros.shape == (2, EMBEDDING_DIM)  # learnt from one probe
    assert not zeros.any()
    assert len(fake.embedding_inputs()) == 1
    fake.embedding_dim = 32
    with pytest.raises(DomainError) as exc:
        await blank_first.embed(["prix"])
    assert exc.value.code == "internal_error"
    assert exc.value.message == (
        "the embeddings provider (text-embedding-3-small) answered 32 dimensions"
        f" after {EMBEDDING_DIM}"
    )
    fresh = make()
    assert (await fresh.embed(["prix"])).shape == (1, 32)


def test_the_name_fits_the_stored_column_and_keeps_long_models_apart() -> None:
    assert embedder_name("text-embedding-3-small") == NAME
    long_a = embedder_name("intfloat/multilingual-e5-large-instruct-v1")
    long_b = embedder_name("intfloat/multilingual-e5-large-instruct-v2")
    assert len(long_a) == len(long_b) == 40
    assert long_a.startswith("openai:intfloat/multilingual-e5~")
    assert long_a != long_b
    settings = Settings(embeddings_provider="openai", openai_embeddings_model="m")
    assert (make_embedder(settings).name, make_embedder(settings).fusion_weight) == (
        "openai:m",
        1.0,
    )
    assert isinstance(make_embedder(Settings()), NgramEmbedder)


async def test_the_fake_refuses_what_openai_refuses(fake: FakeOpenAI) -> None:
    # So a client that sent a blank text or too many would fail the tests above.
    headers = {"Authorization": f"Bearer {API_KEY}"}
    model = "text-embedding-3-small"
    async with httpx.AsyncClient(base_url=fake.base_url, headers=headers) as client:
        for body, status in [
            ({"model": model, "input": ["prix", ""]}, 400),
            ({"model": model, "input": ["x"] * 2049}, 400),
            ({"model": model, "input": [1, 2]}, 400),
            ({"input": ["prix"]}, 400),
            ({"model": model, "input": "prix"}, 200),
        ]:
            response = await client.post("/embeddings", json=body)
            assert response.status_code == status, body
        answer = response.json()
        assert answer["object"] == "list"
        assert answer["model"] == model
        assert answer["data"] == [
            {"object": "embedding", "index": 0, "embedding": fake_embedding("prix")}
        ]
        assert answer["usage"] == {"prompt_tokens": 1, "total_tokens": 1}
        refused = await client.post(
            "/embeddings", json={"model": model, "input": "prix"}, headers={"Authorization": ""}
        )
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "invalid_api_key"


# --- failures ---------------------------------------------------------------------------------


async def _refusal(embedder: OpenAIEmbedder, texts: list[str] | None = None) -> str:
    with pytest.raises(DomainError) as exc:
        await embedder.embed(texts or ["prix", "tarif", "livraison"])
    assert (exc.value.code, exc.value.status) == ("internal_error", 500)
    return exc.value.message


async def test_a_wrong_key_is_the_servers_401_without_the_key(
    fake: FakeOpenAI, make: Embedders
) -> None:
    message = await _refusal(make(openai_api_key=WRONG_KEY))
    assert message.startswith(
        "the embeddings provider (text-embedding-3-small) answered 401: Incorrect API key"
        " provided: ***."
    )
    assert WRONG_KEY not in message
    assert fake.requests("/v1/embeddings")[0].headers["authorization"] == f"Bearer {WRONG_KEY}"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (
            Fail(500, "The server had an error", "server_error"),
            "answered 500: The server had an error",
        ),
        (Fail(429, "Rate limit reached", "requests"), "answered 429: Rate limit reached"),
        (Fail(500, f"your key {API_KEY} is bad"), "answered 500: your key *** is bad"),
        (Malformed(), "answered 200 without JSON"),
        (DropOne(), "answered 2 embeddings for 3 inputs"),
        (Stall(3), "did not answer within 1s"),
    ],
)
async def test_failures_name_the_status_and_the_servers_message(
    fake: FakeOpenAI, make: Embedders, script: Any, expected: str
) -> None:
    fake.script_embeddings(script)
    message = await _refusal(make(openai_timeout=1.0))
    assert message == f"the embeddings provider (text-embedding-3-small) {expected}"
    assert API_KEY not in message


async def test_an_unknown_model_and_an_unreachable_server_are_errors(make: Embedders) -> None:
    message = await _refusal(make(openai_embeddings_model="no-such-model"))
    assert message == (
        "the embeddings provider (no-such-model) answered 404: The model `no-such-model`"
        " does not exist or you do not have access to it."
    )
    closed = make(openai_base_url=f"http://127.0.0.1:{free_port()}/v1")
    assert await _refusal(closed) == (
        "the embeddings provider (text-embedding-3-small) could not be reached (ConnectError)"
    )


# --- through the knowledge base -----------------------------------------------------------------


async def _write(t: TenantCtx, embedder: Embedder, items: list[documents.Entry]) -> None:
    report = await documents.write_entries(t.principal, items, language="fr", embedder=embedder)
    assert report.imported + report.updated == len(items)


async def _ranked(t: TenantCtx, query: str, embedder: Embedder) -> list[search.SearchResult]:
    return await search.search_tenant(t.id, query, languages=["fr"], embedder=embedder)


@pytest.mark.usefixtures("app")
async def test_a_synonym_finds_the_entry_that_the_offline_default_ranks_lower(
    openai: OpenAIEmbedder,
) -> None:
    ngram = NgramEmbedder()
    with_ngram, with_openai = await make_tenant(plan="pro"), await make_tenant(plan="pro")
    await _write(with_ngram, ngram, FAQ_FR)
    await _write(with_openai, openai, FAQ_FR)
    # The price entry says "coûte", never "tarif": no shared word for BM25, no shared
    # n-gram for the offline vectors, which rank other entries above it by chance.
    offline = [(r.key, r.bm25) for r in await _ranked(with_ngram, "tarif", ngram)]
    assert offline[0][0] != "price"
    assert [key for key, _ in offline].index("price") >= 1
    assert all(bm25 == 0 for _, bm25 in offline)
    found = await _ranked(with_openai, "tarif", openai)
    # "coûte" is a price word: the price entry (twice) and the delivery one (its fee).
    assert [r.key for r in found] == ["price", "delivery"]
    assert found[0].bm25 == 0
    passage = documents.searchable(found[0].heading, found[0].text)
    expected = float(unit(fake_embedding("tarif")) @ unit(fake_embedding(passage)))
    assert found[0].dense == pytest.approx(expected, abs=1e-5)
    # coûte, consultation and dirhams twice, six other words once: 6 / sqrt(3*36 + 6*9).
    assert expected == pytest.approx(6 / 162**0.5)
    # Across scripts too: the Arabic word for price, which the offline default ranks last.
    offline_ar = [r.key for r in await _ranked(with_ngram, "سعر", ngram)]
    assert offline_ar.index("price") == len(offline_ar) - 1 > 0
    assert (await _ranked(with_openai, "سعر", openai))[0].key == "price"


@pytest.mark.usefixtures("app")
async def test_vectors_are_stored_with_the_embedders_name_and_redone_when_it_changes(
    fake: FakeOpenAI, openai: OpenAIEmbedder
) -> None:
    t = await make_tenant(plan="pro")
    ngram = NgramEmbedder()
    await _write(t, ngram, ENTRIES)
    assert fake.embedding_inputs() == []
    chunks = await KnowledgeChunk.filter(tenant_id=t.id).order_by("id")
    assert {c.embedder for c in chunks} == {"ngram-v1"}
    # The provider changes: the stored n-gram vectors are embedded again, once, at load.
    found = await _ranked(t, "tarif", openai)
    assert found[0].key == "pricing"
    sent = fake.embedding_inputs()
    assert sent[0] == ["tarif"]
    assert sorted(sent[1]) == sorted(documents.searchable(c.heading, c.text) for c in chunks)
    await _ranked(t, "tarif", openai)
    assert len(fake.embedding_inputs()) == 3  # the query only: the index is kept

    await _write(t, openai, [documents.entry("pricing", "Le tarif est de 120 dirhams.")])
    [doc] = await KnowledgeDocument.filter(tenant_id=t.id, key="pricing")
    [chunk] = await KnowledgeChunk.filter(document_id=doc.id)
    assert chunk.embedder == NAME
    stored = np.frombuffer(bytes(chunk.vector), dtype="<f4")
    assert stored.shape == (EMBEDDING_DIM,)
    assert float(np.linalg.norm(stored)) == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(
        stored, unit(fake_embedding("Le tarif est de 120 dirhams.")), atol=1e-6
    )
    # And back to the offline default: the provider's vectors are redone locally.
    before = len(fake.embedding_inputs())
    assert (await _ranked(t, "tarif 120 dirhams", ngram))[0].key == "pricing"
    assert len(fake.embedding_inputs()) == before


@pytest.mark.usefixtures("app")
@pytest.mark.parametrize(
    "script",
    [Fail(401, "Incorrect API key provided"), Fail(500, "The server had an error"), Malformed()],
)
async def test_a_failing_provider_writes_nothing(
    fake: FakeOpenAI, openai: OpenAIEmbedder, script: Any
) -> None:
    t = await make_tenant(plan="pro")
    await _write(t, openai, [PRICING])
    [old] = await KnowledgeChunk.filter(tenant_id=t.id)
    # 300 entries: two requests, the second fails after the first succeeded.
    items = [documents.entry(f"k{i}", f"Réponse numero {i}.") for i in range(300)]
    items.append(documents.entry("pricing", "Le tarif a changé."))
    fake.script_embeddings(Stall(0), script)
    with pytest.raises(DomainError) as exc:
        await documents.write_entries(t.principal, items, language="fr", embedder=openai)
    assert exc.value.code == "internal_error"
    assert f"answered {script.status if isinstance(script, Fail) else 200}" in exc.value.message
    assert len(fake.embedding_inputs()) == 3
    assert await KnowledgeDocument.filter(tenant_id=t.id).count() == 1
    [kept] = await KnowledgeChunk.filter(tenant_id=t.id)
    assert (kept.id, kept.text, bytes(kept.vector)) == (old.id, old.text, bytes(old.vector))


@pytest.mark.usefixtures("app")
async def test_a_search_while_the_provider_fails_is_the_same_error(
    fake: FakeOpenAI, openai: OpenAIEmbedder
) -> None:
    t = await make_tenant(plan="pro")
    await _write(t, openai, ENTRIES)
    fake.fail_next("/v1/embeddings", Fail(503, "The engine is currently overloaded"))
    with pytest.raises(DomainError) as exc:
        await _ranked(t, "tarif", openai)
    assert exc.value.message == (
        "the embeddings provider (text-embedding-3-small) answered 503:"
        " The engine is currently overloaded"
    )


# --- the process's embedder -------------------------------------------------------------------


@pytest.mark.usefixtures("app")
async def test_writes_and_searches_use_the_services_embedder(
    fake: FakeOpenAI, openai: OpenAIEmbedder
) -> None:
    current = services.current()
    assert isinstance(get_embedder(), NgramEmbedder)
    previous = current.embedder
    current.embedder = openai
    try:
        assert get_embedder() is openai
        t = await make_tenant(plan="pro")
        await documents.write_entries(t.principal, ENTRIES, language="fr")
        chunks = await KnowledgeChunk.filter(tenant_id=t.id)
        assert {c.embedder for c in chunks} == {NAME}
        found = await search.search(t.principal, "tarif", language="fr")
        assert found[0].key == "pricing"
        assert len(fake.embedding_inputs()) == 2
    finally:
        current.embedder = previous


def test_services_outside_an_app_have_the_offline_default() -> None:
    fresh = services.in_memory()
    embedder = fresh.embedder
    assert isinstance(embedder, NgramEmbedder)
    assert fresh.embedder is embedder


SCRIPT = """
import asyncio, sys
from pathlib import Path
from resolvers import services
from resolvers.knowledge.embedding import NgramEmbedder, OpenAIEmbedder, get_embedder
from resolvers.settings import Settings
from tests.realtime.fake_openai import API_KEY, FakeOpenAI

async def main(var: str) -> None:
    with FakeOpenAI() as fake:
        settings = Settings(
            database_url=f"sqlite://{var}/s.sqlite3", var_dir=Path(var), jwt_secret="s" * 40,
            embeddings_provider="openai", openai_base_url=fake.base_url, openai_api_key=API_KEY,
        )
        async with services.open_services(settings) as svc:
            embedder = get_embedder()
            assert embedder is svc.embedder and isinstance(embedder, OpenAIEmbedder)
            print("DIM", (await embedder.embed(["prix"])).shape[1], flush=True)
            client = embedder._client
            assert client is not None and not client.is_closed
        assert client.is_closed and embedder._client is None
        assert isinstance(get_embedder(), NgramEmbedder)
        print("CLOSED", flush=True)

asyncio.run(main(sys.argv[1]))
"""


def test_open_services_makes_the_settings_embedder_and_closes_it(tmp_path: Path) -> None:
    # In a fresh interpreter: the suite's own app holds Tortoise's global connections.
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["DIM", str(EMBEDDING_DIM), "CLOSED"]


# --- settings ---------------------------------------------------------------------------------


def test_settings_read_the_provider_and_the_model() -> None:
    base = {"VOCALIA_JWT_SECRET": SECRET}
    default = Settings.from_env(base)
    assert (default.embeddings_provider, default.openai_embeddings_model) == (
        "ngram",
        "text-embedding-3-small",
    )
    chosen = Settings.from_env(
        {
            **base,
            "VOCALIA_EMBEDDINGS_PROVIDER": " OpenAI ",
            "VOCALIA_OPENAI_EMBEDDINGS_MODEL": " text-embedding-3-large ",
        }
    )
    assert (chosen.embeddings_provider, chosen.openai_embeddings_model) == (
        "openai",
        "text-embedding-3-large",
    )
    assert make_embedder(chosen).name == "openai:text-embedding-3-large"


def test_settings_refuse_an_unknown_provider() -> None:
    with pytest.raises(SettingsError) as exc:
        Settings.from_env({"VOCALIA_JWT_SECRET": SECRET, "VOCALIA_EMBEDDINGS_PROVIDER": "cohere"})
    assert (
        str(exc.value) == "VOCALIA_EMBEDDINGS_PROVIDER must be one of ngram, openai, not 'cohere'"
    )
