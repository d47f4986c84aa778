"""Dense vectors for knowledge-base search, from a pluggable embedder.

The offline default (``ngram``) needs no model and no download: each word contributes its
stem, its character 3- and 4-grams (so "réserver" meets "réservation" and a misspelling
meets its word) and its consonant skeleton (so Arabizi meets Arabic script), hashed with a
stable hash into ``DIM`` signed buckets; a text's vector is the L2-normalised sum of its
words' vectors, function words weighing little. It works the same for every script and
needs no training; what it cannot do is know that two unrelated spellings mean the same
thing ("prix" / "tarif"): that is what an OpenAI-compatible ``/v1/embeddings`` provider adds.

Vectors are float32 and unit length, so a dot product is the cosine similarity.
"""

import functools
import hashlib
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from resolvers.knowledge import terms

Vectors = npt.NDArray[np.float32]

DIM = 256
# Each block about as heavy as the word itself, so "réserver" shares enough with
# "réservation" (half its n-grams) to rank near it.
_WORD, _GRAM, _SKELETON, _STOPWORD = 1.0, 1.0, 0.6, 0.15
_HALF = 0.5**0.5


class Embedder(Protocol):
    name: str  # stored with each vector: vectors of different embedders never mix
    dim: int
    # The dense ranking's share in the hybrid fusion (BM25's is 1).
    fusion_weight: float

    async def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit-length row per text (a zero row for a text without words)."""
        ...


def _buckets(feature: str, dim: int) -> list[tuple[int, float]]:
    """Two signed buckets per feature (one unlucky collision costs half as much), from
    BLAKE2b: stable across processes, and unlike CRC32 not linear, so similar strings do
    not collide together."""
    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    out = []
    for half in (digest[:4], digest[4:]):
        h = int.from_bytes(half, "little")
        out.append((h % dim, (_HALF if h & 0x80000000 else -_HALF)))
    return out


@functools.lru_cache(maxsize=200_000)
def _word_vector(word: str, dim: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """The sparse features of one folded word, as (bucket, signed weight) pairs."""
    weight = _STOPWORD if word in terms.STOPWORDS else 1.0
    stem = terms.stem(word)
    features: dict[str, float] = {f"w:{stem}": _WORD}
    padded = f"<{stem}>"
    grams = [padded[i : i + n] for n in (3, 4) for i in range(len(padded) - n + 1)]
    for gram in grams:
        features[f"g:{gram}"] = features.get(f"g:{gram}", 0.0) + _GRAM / len(grams) ** 0.5
    skeleton = terms.skeleton(word)
    if len(skeleton) >= 2:
        features[f"s:{skeleton}"] = _SKELETON
    buckets: dict[int, float] = {}
    for feature, value in features.items():
        for index, sign in _buckets(feature, dim):
            buckets[index] = buckets.get(index, 0.0) + sign * value * weight
    return tuple(buckets), tuple(buckets.values())


def ngram_vector(text: str, dim: int = DIM) -> Vectors:
    vector = np.zeros(dim, dtype=np.float32)
    counts: dict[str, int] = {}
    for word in terms.words(text):
        counts[word] = counts.get(word, 0) + 1
    for word, count in counts.items():
        index, values = _word_vector(word, dim)
        # Sublinear: a word said five times is not five times the topic.
        vector[list(index)] += np.asarray(values, dtype=np.float32) * (1.0 + np.log(count))
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


class NgramEmbedder:
    """The offline default: hashed word, character n-gram and skeleton features."""

    name = "ngram-v1"
    # It sees spelling, not meaning: on the labelled set (bench/kb.py) it breaks BM25's ties
    # and adds what BM25 misses, but at an equal share its near misses outrank BM25's hits.
    fusion_weight = 0.5

    def __init__(self, dim: int = DIM) -> None:
        self.dim = dim

    async def embed(self, texts: Sequence[str]) -> Vectors:
        return self.embed_now(texts)

    def embed_now(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = ngram_vector(text, self.dim)
        return out


_default: Embedder | None = None


def get_embedder() -> Embedder:
    """The embedder new vectors are made with (the offline default)."""
    global _default
    if _default is None:
        _default = NgramEmbedder()
    return _default
