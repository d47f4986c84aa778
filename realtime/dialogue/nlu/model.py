"""The trained dialogue-act classifier, read from its committed artefact.

``model.zip`` (written by ``python -m realtime.dialogue.nlu.train``) holds the feature
vocabulary with its inverse document frequencies and two linear heads: the twelve dialogue
acts (multinomial logistic regression) and whether the turn asks something the knowledge base
answers (binary). Inference is numpy only: the turn's features are looked up, weighted
(sublinear TF-IDF, L2-normalised, as scikit-learn's TfidfVectorizer does) and multiplied by
the weight rows they select, a fraction of a millisecond per turn.

The artefact's SHA-256 is pinned in ``model.sha256``; a file that does not match is refused,
so a truncated checkout or a stale model cannot answer callers silently.
"""

import hashlib
import io
import json
import math
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from realtime.dialogue.nlu.features import cues_of, features

MODEL_PATH = Path(__file__).with_name("model.zip")
CHECKSUM_PATH = Path(__file__).with_name("model.sha256")
FORMAT = 1


class ModelFileError(RuntimeError):
    pass


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float  # the winning act's probability
    probabilities: dict[str, float]
    kb: float  # probability that the turn asks the knowledge base something

    def p(self, intent: str) -> float:
        return self.probabilities.get(intent, 0.0)


class IntentModel:
    def __init__(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        self.meta = meta
        self.classes: tuple[str, ...] = tuple(meta["classes"])
        vocabulary = arrays["vocabulary"].tobytes().decode("utf-8").split("\n")
        self.index = {feature: i for i, feature in enumerate(vocabulary)}
        self.idf = arrays["idf"].astype(np.float32)
        self.intent_weights = arrays["intent_weights"].astype(np.float32)  # (features, classes)
        self.intent_bias = arrays["intent_bias"].astype(np.float32)
        self.kb_weights = arrays["kb_weights"].astype(np.float32)  # (features,)
        self.kb_bias = float(arrays["kb_bias"][0])

    def vector(self, text: str, turn_cues: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The turn's feature indices and their TF-IDF values (L2-normalised)."""
        found = map(self.index.get, features(text, turn_cues))
        counts = Counter(i for i in found if i is not None)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), np.float32, len(counts))
        values = tf * self.idf[idx]
        norm = float(np.sqrt(np.dot(values, values)))
        return idx, values / norm if norm else values

    def predict(
        self, text: str, turn_cues: Sequence[str] | None = None, language: str = "fr"
    ) -> Prediction:
        """The turn's act; ``turn_cues`` as ``features.cues`` gives them when the reader
        has already read the turn (else they are read here, in ``language``)."""
        if turn_cues is None:
            turn_cues = cues_of(text, language)
        idx, values = self.vector(text, turn_cues)
        scores = values @ self.intent_weights[idx] + self.intent_bias
        scores = np.exp(scores - scores.max())
        probabilities = scores / scores.sum()
        best = int(probabilities.argmax())
        kb_score = float(values @ self.kb_weights[idx]) + self.kb_bias
        return Prediction(
            intent=self.classes[best],
            confidence=float(probabilities[best]),
            probabilities={c: float(p) for c, p in zip(self.classes, probabilities, strict=True)},
            kb=1.0 / (1.0 + math.exp(-kb_score)),
        )


def write(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> str:
    """Write an artefact byte for byte the same for the same content (fixed zip dates);
    returns its SHA-256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entries = {"meta.json": json.dumps(meta, sort_keys=True, indent=1).encode()}
        for name, array in sorted(arrays.items()):
            raw = io.BytesIO()
            np.save(raw, array, allow_pickle=False)
            entries[f"{name}.npy"] = raw.getvalue()
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    data = buffer.getvalue()
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def read(path: Path = MODEL_PATH, checksum_path: Path | None = CHECKSUM_PATH) -> IntentModel:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"the dialogue-act model {path} cannot be read: {exc}") from exc
    if checksum_path is not None:
        expected = checksum_path.read_text().split()[0]
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise ModelFileError(
                f"{path.name} does not match its pinned checksum ({actual[:12]}… is not "
                f"{expected[:12]}…): retrain with `python -m realtime.dialogue.nlu.train`"
            )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        meta = json.loads(archive.read("meta.json"))
        if meta.get("format") != FORMAT:
            raise ModelFileError(f"{path.name}: format {meta.get('format')} is not {FORMAT}")
        arrays = {
            name.removesuffix(".npy"): np.load(io.BytesIO(archive.read(name)), allow_pickle=False)
            for name in archive.namelist()
            if name.endswith(".npy")
        }
    return IntentModel(arrays, meta)


@cache
def default() -> IntentModel:
    """The committed model, loaded once per process."""
    return read()
