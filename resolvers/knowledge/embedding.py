"""Dense vectors for knowledge-base search, from a pluggable embedder.

The offline default (``ngram``) needs no model and no download: each word contributes its
stem, its character 3- and 4-grams (so "réserver" meets "réservation" and a misspelling
meets its word) and its consonant skeleton (so Arabizi meets Arabic script), hashed with a
stable hash into ``DIM`` signed buckets; a text's vector is the L2-normalised sum of its
words' vectors, function words weighing little. It works the same for every script and
needs no training; what it cannot do is know that two unrelated spellings mean the same
thing ("prix" / "tarif"): that is what an OpenAI-compatible ``/v1/embeddings`` provider adds.

Vectors are float32 and unit length, so a dot product is the cosine similarity. Which
embedder the process uses is a setting (``VOCALIA_EMBEDDINGS_PROVIDER``); it belongs to the
process's services (``get_embedder()``), which open and close it.
"""

import functools
import hashlib
from collections.abc import Sequence
from typing import Any, Protocol

import httpx
import numpy as np
import numpy.typing as npt

from resolvers import services
from resolvers.errors import DomainError, ErrorCode
from resolvers.knowledge import terms
from resolvers.settings import Settings

Vectors = npt.NDArray[np.float32]

DIM = 256
# Each block about as heavy as the word itself, so "réserver" shares enough with
# "réservation" (half its n-grams) to rank near it.
_WORD, _GRAM, _SKELETON, _STOPWORD = 1.0, 1.0, 0.6, 0.15
_HALF = 0.5**0.5


class Embedder(Protocol):
    name: str  # stored with each vector: vectors of different embedders never mix
    # The dense ranking's share in the hybrid fusion (BM25's is 1).
    fusion_weight: float

    @property
    def dim(self) -> int: ...

    async def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit-length row per text (a zero row for a text without words)."""
        ...

    async def aclose(self) -> None:
        """Release what it holds (a connection pool); called when the services close."""
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

    async def aclose(self) -> None:
        pass  # holds nothing


# Requests stay well inside OpenAI's limits (2048 inputs, 300k tokens, 8192 tokens an input)
# whatever the script: Arabic can cost a token a character. Chunks are at most ~1,200 characters.
MAX_BATCH = 256
MAX_BATCH_CHARS = 100_000
MAX_INPUT_CHARS = 8_000
MAX_NAME = 40  # KnowledgeChunk.embedder
_PROBE = "dimension"


class OpenAIEmbedder:
    """Vectors from any OpenAI-compatible ``POST {base}/embeddings`` (OpenAI, Mistral, vLLM,
    Ollama...), asked in batches and put back in order. It knows meaning ("prix" near "tarif"),
    so its ranking weighs as much as BM25's. The dimension is the first answer's.

    One ``httpx.AsyncClient`` per instance, created on first use; ``aclose()`` releases it.
    Every failure is ``internal_error`` naming the status and the server's message, never the key.
    """

    fusion_weight = 1.0

    def __init__(self, settings: Settings) -> None:
        self.model = settings.openai_embeddings_model
        self.name = embedder_name(self.model)
        self._url = settings.openai_base_url.rstrip("/") + "/embeddings"
        self._key = settings.openai_api_key
        self._timeout = settings.openai_timeout
        self._client: httpx.AsyncClient | None = None
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        """The model's dimension, once it has answered (0 before)."""
        return self._dim or 0

    async def embed(self, texts: Sequence[str]) -> Vectors:
        # OpenAI refuses an empty input: a text without anything to read gets a zero row.
        rows = [row for row, text in enumerate(texts) if text.strip()]
        if texts and not rows and self._dim is None:
            await self._request([_PROBE])  # the zero rows need the dimension
        found: list[Vectors] = [await self._request(b) for b in _batches([texts[r] for r in rows])]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if rows:
            out[rows] = np.concatenate(found)
        return out

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            headers = {"User-Agent": "VocalIA"}
            if self._key:
                headers["Authorization"] = f"Bearer {self._key}"
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(self._timeout), headers=headers)
        return self._client

    def _error(self, problem: str) -> DomainError:
        return DomainError(
            ErrorCode.INTERNAL_ERROR, f"the embeddings provider ({self.model}) {problem}"
        )

    async def _request(self, batch: list[str]) -> Vectors:
        body = {"model": self.model, "input": batch, "encoding_format": "float"}
        try:
            response = await self._http().post(self._url, json=body)
        except httpx.TimeoutException as exc:
            raise self._error(f"did not answer within {self._timeout:g}s") from exc
        except httpx.HTTPError as exc:
            raise self._error(f"could not be reached ({type(exc).__name__})") from exc
        if not response.is_success:
            message = _server_message(response, self._key)
            raise self._error(f"answered {response.status_code}: {message}")
        try:
            payload = response.json()
        except ValueError as exc:
            raise self._error(f"answered {response.status_code} without JSON") from exc
        vectors = self._vectors(payload, len(batch))
        self._dim = vectors.shape[1]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    def _vectors(self, payload: Any, count: int) -> Vectors:
        """The answer's rows in ``index`` order, checked: one per input, all of one dimension."""
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list) or len(data) != count:
            got = len(data) if isinstance(data, list) else "no"
            raise self._error(f"answered {got} embeddings for {count} inputs")
        rows: dict[int, list[object]] = {}
        for item in data:
            index = item.get("index") if isinstance(item, dict) else None
            vector = item.get("embedding") if isinstance(item, dict) else None
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < count:
                raise self._error(f"answered an embedding with index {index!r}")
            if index in rows or not isinstance(vector, list) or not vector:
                raise self._error(f"answered a repeated or empty embedding at index {index}")
            rows[index] = vector
        try:
            out = np.array([rows[i] for i in range(count)], dtype=np.float32)
        except (ValueError, TypeError) as exc:
            raise self._error("answered embeddings that are not lists of numbers") from exc
        if out.ndim != 2 or not np.isfinite(out).all():
            raise self._error("answered embeddings of different lengths or non-finite values")
        if self._dim is not None and out.shape[1] != self._dim:
            raise self._error(f"answered {out.shape[1]} dimensions after {self._dim}")
        return out


def embedder_name(model: str) -> str:
    """``openai:<model>``, within the stored column; a longer one keeps a hash of the whole, so
    two long model names sharing a prefix never mix their vectors."""
    name = f"openai:{model}"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.blake2b(name.encode(), digest_size=4).hexdigest()
    return f"{name[: MAX_NAME - 9]}~{digest}"


def _batches(texts: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    size = 0
    for text in texts:
        piece = text[:MAX_INPUT_CHARS]
        if not out or len(out[-1]) >= MAX_BATCH or size + len(piece) > MAX_BATCH_CHARS:
            out.append([])
            size = 0
        out[-1].append(piece)
        size += len(piece)
    return out


def _server_message(response: httpx.Response, api_key: str) -> str:
    """The server's explanation of a refusal: OpenAI's ``{"error": {"message"}}``, or a plain
    ``{"error"}``/``{"message"}`` (vLLM, Ollama), else the reason phrase; the key masked before
    the cut (OpenAI's 401 quotes the key it was given)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message: object = None
    if isinstance(body, dict):
        error = body.get("error")
        message = error.get("message") if isinstance(error, dict) else error or body.get("message")
    text = str(message) if message else response.reason_phrase or "no details"
    if api_key:
        text = text.replace(api_key, "***")
    return text[:300]


def make_embedder(settings: Settings) -> Embedder:
    """The embedder ``settings`` choose (``embeddings_provider``)."""
    if settings.embeddings_provider == "openai":
        return OpenAIEmbedder(settings)
    return NgramEmbedder()


def get_embedder() -> Embedder:
    """The embedder new vectors are made with: the process's services' (outside an app, the
    offline default)."""
    return services.current().embedder
