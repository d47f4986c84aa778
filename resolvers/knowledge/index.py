"""Hybrid search over one tenant's chunks in one language: BM25 and dense vectors, fused by
reciprocal rank.

Built once from the chunks and their vectors, then read-only (a change builds a new one), so
concurrent searches share it without locks. BM25 (k1 1.5, b 0.75) keeps each term's postings
as numpy arrays with the length-normalised term weight precomputed: a query adds
``idf * weight`` into one score array per term. The dense side is a matrix-vector product;
past ``EXACT_UP_TO`` rows it first ranks every row on the vectors' leading ``COARSE_DIM``
components (a quarter of the memory traffic), then rescores the best ``RESCORE`` exactly.
Reciprocal rank fusion (k = 60) merges the two rankings, each fetched at twice the limit.
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from resolvers import textnorm
from resolvers.knowledge import terms
from resolvers.knowledge.embedding import Vectors

K1, B = 1.5, 0.75
RRF_K = 60
EXACT_UP_TO = 20_000
COARSE_DIM = 64
RESCORE = 512
SNIPPET_CHARS = 220

Scores = npt.NDArray[np.float32]
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Hit:
    row: int  # the chunk's position in the list the index was built from
    score: float  # fused (reciprocal rank) score
    bm25: float
    dense: float
    bm25_rank: int | None  # 1-based, None when that side did not rank it
    dense_rank: int | None


@dataclass(frozen=True)
class Snippet:
    text: str
    highlights: list[tuple[int, int]]  # [start, end) character spans within ``text``


class SearchIndex:
    def __init__(self, texts: Sequence[str], vectors: Vectors) -> None:
        if len(texts) != len(vectors):
            raise ValueError("one vector per text")
        self.size = len(texts)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._coarse = np.ascontiguousarray(self.vectors[:, :COARSE_DIM])
        postings: dict[str, tuple[list[int], list[int]]] = {}
        lengths = np.zeros(self.size, dtype=np.float32)
        for row, text in enumerate(texts):
            counts: dict[str, int] = {}
            for term in terms.terms(text):
                counts[term] = counts.get(term, 0) + 1
            lengths[row] = sum(counts.values())
            for term, count in counts.items():
                rows, tfs = postings.setdefault(term, ([], []))
                rows.append(row)
                tfs.append(count)
        average = float(lengths.mean()) if self.size else 0.0
        norm = K1 * (1 - B + B * lengths / average) if average else np.ones_like(lengths)
        self._postings: dict[str, tuple[npt.NDArray[np.int32], Scores]] = {}
        self._idf: dict[str, float] = {}
        for term, (rows, tfs) in postings.items():
            row_array = np.asarray(rows, dtype=np.int32)
            tf = np.asarray(tfs, dtype=np.float32)
            self._postings[term] = (row_array, tf * (K1 + 1) / (tf + norm[row_array]))
            df = len(rows)
            self._idf[term] = math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    # --- the two rankings ------------------------------------------------------------------

    def bm25(self, query: str) -> Scores:
        scores = np.zeros(self.size, dtype=np.float32)
        for term in dict.fromkeys(terms.terms(query)):
            found = self._postings.get(term)
            if found is not None:
                rows, weights = found
                scores[rows] += self._idf[term] * weights
        return scores

    def dense(
        self, vector: Vectors, candidates: int | None = None
    ) -> tuple[npt.NDArray[np.int32], Scores]:
        """(rows, similarities) of the best ``candidates`` rows (all rows when None)."""
        if self.size == 0 or not np.any(vector):
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        if self.size <= EXACT_UP_TO or candidates is None:
            sims = self.vectors @ vector
            return _top(sims, candidates or self.size), sims
        coarse = self._coarse @ vector[:COARSE_DIM]
        shortlist = _top(coarse, max(RESCORE, candidates))
        exact = self.vectors[shortlist] @ vector
        order = np.argsort(-exact, kind="stable")[:candidates]
        sims = np.zeros(self.size, dtype=np.float32)
        sims[shortlist] = exact
        return shortlist[order], sims

    # --- hybrid ----------------------------------------------------------------------------

    def search(
        self, query: str, vector: Vectors, limit: int = 5, *, dense_weight: float = 1.0
    ) -> list[Hit]:
        """The best ``limit`` chunks. ``dense_weight`` scales the dense ranking's share of
        the fusion (an embedder that only sees spelling, like the offline default, adds
        less than one that knows meaning)."""
        if self.size == 0 or limit <= 0:
            return []
        fetch = min(self.size, max(2 * limit, 20))
        lexical = self.bm25(query)
        lexical_rows = _top(lexical, fetch)
        lexical_rows = lexical_rows[lexical[lexical_rows] > 0]
        dense_rows, sims = self.dense(vector, fetch)
        dense_rows = dense_rows[sims[dense_rows] > 0]
        fused: dict[int, float] = {}
        lexical_rank = {int(row): rank for rank, row in enumerate(lexical_rows, 1)}
        dense_rank = {int(row): rank for rank, row in enumerate(dense_rows, 1)}
        for ranks, weight in ((lexical_rank, 1.0), (dense_rank, dense_weight)):
            for row, rank in ranks.items():
                fused[row] = fused.get(row, 0.0) + weight / (RRF_K + rank)
        best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [
            Hit(
                row=row,
                score=score,
                bm25=float(lexical[row]),
                dense=float(sims[row]),
                bm25_rank=lexical_rank.get(row),
                dense_rank=dense_rank.get(row),
            )
            for row, score in best
        ]


def _top(scores: Scores, count: int) -> npt.NDArray[np.int32]:
    """The rows of the ``count`` highest scores, best first (ties: lower row first)."""
    count = min(count, len(scores))
    if count <= 0:
        return np.zeros(0, dtype=np.int32)
    if count < len(scores):
        part = np.argpartition(-scores, count - 1)[:count]
    else:
        part = np.arange(len(scores))
    order = np.lexsort((part, -scores[part]))
    return part[order].astype(np.int32)


def snippet(text: str, query: str, width: int = SNIPPET_CHARS) -> Snippet:
    """The passage of ``text`` around the most query words, and where they are in it."""
    wanted = terms.query_keys(query)
    spans = []
    for match in _WORD.finditer(text):
        folded = textnorm.tokens(textnorm.normalize(match.group()))
        if any(terms.matches(w, wanted) for w in folded):
            spans.append((match.start(), match.end()))
    if len(text) <= width:
        return Snippet(text, spans)
    start = 0
    if spans:
        # The window holding the most matches, starting at one of them.
        best = max(
            range(len(spans)),
            key=lambda i: sum(1 for s, e in spans[i:] if e <= spans[i][0] + width),
        )
        start = max(0, spans[best][0] - width // 5)
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start > 0 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    inside = [(s + shift, e + shift) for s, e in spans if s >= start and e <= end]
    return Snippet(prefix + text[start:end] + suffix, inside)
