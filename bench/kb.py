"""Knowledge-base search: the hybrid index (BM25 + dense vectors, reciprocal rank fusion) next
to a plain numpy brute-force dense search, on one core, at 1k, 10k and 100k chunks.

    .venv/bin/python bench/kb.py [--sizes 1000,10000,100000] [--repeat 5] [--seed 7]

The corpus is the labelled FAQ of tests/fixtures/kb_faq.json (32 entries: 8 topics in fr,
en, ar and Darija) hidden among generated distractor chunks: 40-90 words each, three in four
pseudo-words drawn Zipf-like from a Latin and an Arabic-script vocabulary, one in four real
words of the FAQ itself (so distractors do share words with the answers, as a real
knowledge base's other pages would). Every chunk is embedded with the offline default
(resolvers.knowledge.embedding.NgramEmbedder). The 40 labelled questions (fr, en, ar, Darija
in Arabic script and in Arabizi) each have one relevant entry.

Per size, in the same run and on the same vectors:
  (a) hybrid   SearchIndex.search(query, vector, 5): BM25 and dense (coarse then exact
               rescoring past 20k rows), fused by reciprocal rank with the embedder's
               fusion_weight; the query's embedding is included in the time.
  (b) dense    the baseline: embed the query, `vectors @ q`, np.argpartition, top 5 (exact).
  (c) bm25     SearchIndex.bm25 alone, top 5 (recall only).
Reported: p50 and p95 over every query x --repeat, and recall@5 of each on the labelled set.
BLAS runs on one thread (set before numpy loads). Target: hybrid p95 <= 10 ms at 100k
chunks, and hybrid recall@5 >= dense recall@5.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from resolvers.knowledge import terms  # noqa: E402
from resolvers.knowledge.embedding import NgramEmbedder  # noqa: E402
from resolvers.knowledge.index import SearchIndex, _top  # noqa: E402

FAQ = json.loads((ROOT / "tests/fixtures/kb_faq.json").read_text())
LATIN = "bcdfghjklmnprstvz"
VOWELS = "aeiou"
ARABIC = "بتجدرزسشصطعفقكلمنهوي"


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words = set()
    while len(words) < size:
        if rng.random() < 0.6:
            word = "".join(rng.choice(LATIN) + rng.choice(VOWELS) for _ in range(rng.randint(2, 4)))
        else:
            word = "".join(rng.choice(ARABIC) for _ in range(rng.randint(3, 6)))
        words.add(word)
    return sorted(words)


def corpus(size: int, seed: int) -> tuple[list[str], list[int]]:
    """The chunks (the labelled entries at random places) and each entry's row."""
    rng = random.Random(seed)
    entries = [f"{e['question']}\n{e['answer']}" for e in FAQ["entries"]]
    real = sorted({w for text in entries for w in text.split()})
    vocab = _vocabulary(rng, 30_000)
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]
    chunks = []
    for _ in range(size - len(entries)):
        count = rng.randint(40, 90)
        fake = rng.choices(vocab, weights=weights, k=count - count // 4)
        words = fake + rng.choices(real, k=count // 4)
        rng.shuffle(words)
        chunks.append(" ".join(words) + ".")
    rows = sorted(rng.sample(range(size), len(entries)))
    for row, text in zip(rows, entries, strict=True):
        chunks.insert(row, text)
    return chunks, rows


def relevant_row(query: dict[str, str], rows: list[int]) -> int:
    for i, entry in enumerate(FAQ["entries"]):
        if (entry["topic"], entry["language"]) == (query["topic"], query["language"]):
            return rows[i]
    raise LookupError(query)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def run(size: int, repeat: int, seed: int) -> dict[str, object]:
    embedder = NgramEmbedder()
    chunks, rows = corpus(size, seed)
    started = time.perf_counter()
    vectors = embedder.embed_now(chunks)
    embedded = time.perf_counter() - started
    started = time.perf_counter()
    index = SearchIndex(chunks, vectors)
    built = time.perf_counter() - started
    queries = FAQ["queries"]
    weight = embedder.fusion_weight
    targets = [relevant_row(q, rows) for q in queries]

    def hybrid(text: str) -> list[int]:
        vector = embedder.embed_now([text])[0]
        return [hit.row for hit in index.search(text, vector, 5, dense_weight=weight)]

    def dense(text: str) -> list[int]:
        sims = vectors @ embedder.embed_now([text])[0]
        best = np.argpartition(-sims, 5)[:5]
        return [int(row) for row in best[np.argsort(-sims[best])]]

    def bm25(text: str) -> list[int]:
        return [int(row) for row in _top(index.bm25(text), 5)]

    out: dict[str, object] = {
        "chunks": size,
        "embed_s": embedded,
        "build_s": built,
        "mb": vectors.nbytes / 1e6,
    }
    for name, search in (("hybrid", hybrid), ("dense", dense), ("bm25", bm25)):
        for q in queries[:5]:  # warm the word caches and the allocator
            search(q["text"])
        samples, found = [], 0
        for _ in range(repeat):
            for q, target in zip(queries, targets, strict=True):
                start = time.perf_counter()
                top = search(q["text"])
                samples.append((time.perf_counter() - start) * 1000)
                found += target in top
        p50, p95 = percentiles(samples)
        out[name] = {"p50": p50, "p95": p95, "recall": found / (repeat * len(queries))}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(
        f"{len(FAQ['queries'])} labelled queries; words per query: "
        f"{statistics.mean(len(terms.words(q['text'])) for q in FAQ['queries']):.1f}"
    )
    header = (
        f"{'chunks':>7} {'embed s':>8} {'build s':>8} {'MB':>6} | "
        f"{'hybrid p50/p95 ms':>18} {'dense p50/p95 ms':>17} {'p95 ratio':>9} | "
        f"{'recall@5 hybrid':>15} {'dense':>6} {'bm25':>6}"
    )
    print(header)
    print("-" * len(header))
    failures = []
    for size in (int(s) for s in args.sizes.split(",")):
        r = run(size, args.repeat, args.seed)
        h, d, b = r["hybrid"], r["dense"], r["bm25"]
        assert isinstance(h, dict)
        assert isinstance(d, dict)
        assert isinstance(b, dict)
        print(
            f"{size:>7} {r['embed_s']:>8.1f} {r['build_s']:>8.1f} {r['mb']:>6.0f} | "
            f"{h['p50']:>8.2f} /{h['p95']:>7.2f}  {d['p50']:>7.2f} /{d['p95']:>7.2f}  "
            f"{h['p95'] / d['p95']:>8.2f}x | "
            f"{h['recall']:>15.2f} {d['recall']:>6.2f} {b['recall']:>6.2f}",
            flush=True,
        )
        if size >= 100_000 and h["p95"] > 10:
            failures.append(f"hybrid p95 {h['p95']:.2f} ms > 10 ms at {size} chunks")
        if h["recall"] < d["recall"]:
            failures.append(f"hybrid recall@5 {h['recall']:.2f} < dense {d['recall']:.2f}")
    print("targets:", "met" if not failures else "; ".join(failures))


if __name__ == "__main__":
    main()
