"""The knowledge base's search core: chunking, folding (Arabizi meets Arabic script), the
offline embedder and the hybrid index, on the labelled FAQ of tests/fixtures/kb_faq.json."""

import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from resolvers.knowledge import chunking, index, terms
from resolvers.knowledge.embedding import NgramEmbedder, ngram_vector
from resolvers.knowledge.index import SearchIndex, snippet
from tests.servers import ROOT

FAQ: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "fixtures/kb_faq.json").read_text()
)
EMBEDDER = NgramEmbedder()


# --- chunking -------------------------------------------------------------------------------


def test_chunks_follow_headings_and_stay_within_the_limit() -> None:
    sentences = " ".join(f"Phrase {i} sur la livraison à Casablanca." for i in range(60))
    text = f"# Tarifs\nIntro.\n\n## Livraison\n{sentences}\n\nHoraires\n========\nOuvert à 9h.\n"
    chunks = chunking.split(text, max_chars=300, overlap=80)
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert chunks[0] == chunking.Chunk(0, "Tarifs", "Intro.")
    assert chunks[-1] == chunking.Chunk(len(chunks) - 1, "Horaires", "Ouvert à 9h.")
    middle = [c for c in chunks if c.heading == "Tarifs > Livraison"]
    assert len(middle) >= 8
    assert all(len(c.text) <= 300 for c in chunks)
    # Each chunk repeats the end of the one before (whole sentences), and nothing is lost.
    for before, after in itertools.pairwise(middle):
        first = after.text.split(". ")[0] + "."
        assert first in before.text
    every = " ".join(c.text for c in middle)
    assert all(f"Phrase {i} " in every for i in range(60))


def test_a_sentence_longer_than_a_chunk_is_cut_at_words() -> None:
    text = " ".join(["mot"] * 400)
    chunks = chunking.split(text, max_chars=100, overlap=20)
    assert all(0 < len(c.text) <= 100 for c in chunks)
    assert sum(c.text.count("mot") for c in chunks) >= 400


@pytest.mark.parametrize("text", ["", "   \n\n  ", "# Titre seul\n"])
def test_text_without_body_gives_no_chunk(text: str) -> None:
    assert chunking.split(text) == []


# --- terms ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arabizi", "arabic"),
    [
        ("kayn", "كاين"),
        ("chhal", "شحال"),
        ("tawsil", "التوصيل"),
        ("mzyan", "مزيان"),
        ("bghit", "بغيت"),
    ],
)
def test_arabizi_and_arabic_spellings_share_a_skeleton(arabizi: str, arabic: str) -> None:
    assert terms.skeleton(arabizi) == terms.skeleton(arabic)
    assert f"~{terms.skeleton(arabizi)}" in terms.terms(arabic)
    assert f"~{terms.skeleton(arabizi)}" in terms.terms(arabizi)


def test_function_words_share_a_skeleton_but_are_not_skeleton_terms() -> None:
    assert terms.skeleton("wach") == terms.skeleton("واش") == "wc"
    assert terms.terms("wach") == ["wach"]


def test_terms_fold_accents_plurals_and_articles() -> None:
    assert terms.terms("Réservations")[0] == terms.terms("reservation")[0] == "reservation"
    assert terms.stem("garanties") == terms.stem("garantie") == terms.stem("garantis")
    assert terms.stem("والتوصيل") == terms.stem("التوصيل") == "توصيل"
    # Function words are terms (BM25's idf discounts them) but have no skeleton.
    assert terms.terms("Le prix à Casa") == ["le", "prix", "~prx", "casa", "~cs"]


# --- the offline embedder -------------------------------------------------------------------


def test_vectors_are_unit_length_and_zero_without_words() -> None:
    vectors = EMBEDDER.embed_now(["Livraison gratuite à Casablanca", "", "?!"])
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, EMBEDDER.dim)
    assert abs(float(np.linalg.norm(vectors[0])) - 1) < 1e-5
    assert not vectors[1].any()
    assert not vectors[2].any()


def test_vectors_are_the_same_in_every_process() -> None:
    # They are stored: a hash seeded per process (Python's hash()) would scramble them.
    code = (
        "from resolvers.knowledge.embedding import ngram_vector;"
        "print(ngram_vector('واش كاين التوصيل لكازا? livraison').tobytes().hex())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    here = ngram_vector("واش كاين التوصيل لكازا? livraison")
    assert out.stdout.strip() == here.tobytes().hex()


def test_spelling_neighbours_are_closer_than_strangers() -> None:
    def sim(a: str, b: str) -> float:
        return float(ngram_vector(a) @ ngram_vector(b))

    assert sim("réservation", "réserver") > sim("réservation", "livraison") + 0.1
    assert sim("wach kayn tawsil", "واش كاين التوصيل") > 0.25


# --- the hybrid index -----------------------------------------------------------------------


def _faq_index() -> tuple[SearchIndex, list[dict[str, str]]]:
    entries = FAQ["entries"]
    texts = [f"{e['question']}\n{e['answer']}" for e in entries]
    return SearchIndex(texts, EMBEDDER.embed_now(texts)), entries


def test_each_labelled_question_finds_its_entry() -> None:
    search, entries = _faq_index()
    first, top3 = 0, 0
    for query in FAQ["queries"]:
        vector = EMBEDDER.embed_now([query["text"]])[0]
        hits = search.search(query["text"], vector, 3, dense_weight=EMBEDDER.fusion_weight)
        found = [(entries[h.row]["topic"], entries[h.row]["language"]) for h in hits]
        wanted = (query["topic"], query["language"])
        first += found[:1] == [wanted]
        top3 += wanted in found
    # 40 questions in fr, en, ar, Darija (Arabic script and Arabizi), other words than the
    # entries': measured 33 first and 39 in the top three.
    assert first >= 32
    assert top3 >= 38


def test_darija_in_arabizi_finds_the_arabic_script_entry() -> None:
    search, entries = _faq_index()
    query = "wach kayn tawsil l casa?"
    [best] = search.search(query, EMBEDDER.embed_now([query])[0], 1, dense_weight=0.5)
    assert (entries[best.row]["topic"], entries[best.row]["language"]) == ("delivery", "ary")
    assert best.bm25_rank == 1


def test_hits_report_both_rankings_and_are_ordered() -> None:
    search, _ = _faq_index()
    query = "la livraison est-elle gratuite à Casablanca ?"
    hits = search.search(query, EMBEDDER.embed_now([query])[0], 5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].bm25_rank == 1
    assert hits[0].dense_rank is not None
    assert hits[0].bm25 > 0
    assert hits[0].dense > 0
    assert len({h.row for h in hits}) == len(hits)


def test_nothing_matches_an_unrelated_query_lexically() -> None:
    search, _ = _faq_index()
    query = "zzyzx qwerty"
    hits = search.search(query, EMBEDDER.embed_now([query])[0], 5)
    assert all(h.bm25_rank is None for h in hits)


def test_an_empty_index_and_an_empty_query_answer_nothing() -> None:
    empty = SearchIndex([], np.zeros((0, EMBEDDER.dim), dtype=np.float32))
    assert empty.search("prix", EMBEDDER.embed_now(["prix"])[0]) == []
    search, _ = _faq_index()
    assert search.search("", EMBEDDER.embed_now([""])[0]) == []


def test_the_coarse_dense_pass_keeps_the_exact_top(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((3000, EMBEDDER.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    # Each query near one row (noise of norm ~0.5), as a paraphrase is near its entry.
    noise = 0.5 / EMBEDDER.dim**0.5
    queries = vectors[:50] + noise * rng.standard_normal((50, EMBEDDER.dim)).astype(np.float32)
    search = SearchIndex([""] * len(vectors), vectors)
    exact = [list(search.dense(q, 5)[0]) for q in queries]
    monkeypatch.setattr(index, "EXACT_UP_TO", 100)
    monkeypatch.setattr(index, "RESCORE", 200)
    coarse = [list(search.dense(q, 5)[0]) for q in queries]
    assert [a[0] for a in exact] == list(range(50))
    assert [a[0] for a in coarse] == list(range(50))


def test_snippets_mark_the_query_words() -> None:
    text = ("Autre sujet. " * 30) + "La livraison est gratuite à Casablanca dès 300 dirhams."
    cut = snippet(text, "livraison gratuite", width=80)
    assert cut.text.startswith("…")
    assert len(cut.text) <= 82
    marked = [cut.text[s:e] for s, e in cut.highlights]
    assert marked == ["livraison", "gratuite"]
    whole = snippet("Livraisons gratuites", "livraison gratuite")
    assert [whole.text[s:e] for s, e in whole.highlights] == ["Livraisons", "gratuites"]
