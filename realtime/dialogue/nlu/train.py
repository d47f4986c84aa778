"""Train the dialogue-act classifier from the corpus and write ``model.zip``.

    python -m realtime.dialogue.nlu.train            # train on the whole corpus, write the model
    python -m realtime.dialogue.nlu.train --check    # retrain and compare with the committed one
    python -m realtime.dialogue.nlu.train --dev      # hold out 15 % of the templates, report

scikit-learn (the ``train`` extra; the test extra has it too) fits a sublinear TF-IDF over
the features of ``features.py`` and two logistic regressions; the server only reads their
weights (``model.py``). Training is deterministic: seeded corpus, a deterministic solver and
weights rounded to float16, so the same corpus gives the same file and the same checksum
on one machine; on another, whose floating-point kernels round differently, ``--check``
accepts weights within a float16 step of the committed ones (the features must be the same).

The held-out evaluation set of ``bench/data/understanding`` is never read here.
"""

import argparse
import hashlib
import multiprocessing
import os
import random
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from realtime.dialogue.nlu import generate, model
from realtime.dialogue.nlu.features import cues_of, features

MAX_FEATURES = 60_000
MIN_DF = 2
C_INTENT = 8.0
C_KB = 4.0
DEV_SHARE = 0.15


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def documents(samples: list[generate.Sample]) -> list[tuple[str, list[str]]]:
    """What the vectorizer reads of each sample: its text and its cues."""
    return [(s.text, cues_of(s.text, s.language)) for s in samples]


def _analyze(pairs: list[tuple[str, str]]) -> list[list[str]]:
    return [features(text, cues_of(text, language)) for text, language in pairs]


# Below this many samples, starting worker processes costs more than it saves.
_PARALLEL_FROM = 5000


def analyzed(samples: list[generate.Sample]) -> list[list[str]]:
    """What the vectorizer counts of each sample: the features of its text and cues. The
    reading is pure per sample: a large corpus is read by one process per core, in order."""
    pairs = [(s.text, s.language) for s in samples]
    workers = min(os.cpu_count() or 1, 4)
    if len(pairs) < _PARALLEL_FROM or workers < 2:
        return _analyze(pairs)
    size = -(-len(pairs) // (workers * 4))
    chunks = [pairs[i : i + size] for i in range(0, len(pairs), size)]
    # spawn: a fresh interpreter per worker, whatever threads the parent runs (pytest, uvicorn).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return [feats for chunk in pool.map(_analyze, chunks) for feats in chunk]


def _already_analyzed(document: list[str]) -> list[str]:
    return document


def select_vocabulary(counted: list[list[str]]) -> list[str]:
    """The features kept, in alphabetical order: those of at least MIN_DF samples, the
    MAX_FEATURES most frequent of them. Ties are broken by the feature itself, here rather
    than by scikit-learn's unstable argsort, whose order among equal counts depends on the
    CPU's sorting instructions (the same corpus then kept other features on another machine)."""
    counts: Counter[str] = Counter()
    docs: Counter[str] = Counter()
    for feats in counted:
        counts.update(feats)
        docs.update(set(feats))
    kept = [f for f, n in docs.items() if n >= MIN_DF]
    kept.sort(key=lambda f: (-counts[f], f))
    return sorted(kept[:MAX_FEATURES])


def fit(
    samples: list[generate.Sample], dtype: type[np.floating[Any]] = np.float16
) -> tuple[dict[str, np.ndarray], dict[str, Any], Any]:
    """The model's arrays (weights rounded to ``dtype``), its metadata, and the fitted
    scikit-learn objects (vectorizer, act classifier, knowledge-question classifier)."""
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise SystemExit(
            "training needs scikit-learn: pip install -e '.[train]' (or '.[test]')"
        ) from exc
    started = time.perf_counter()
    counted = analyzed(samples)
    vectorizer = TfidfVectorizer(
        analyzer=_already_analyzed,
        sublinear_tf=True,
        vocabulary=select_vocabulary(counted),
        dtype=np.float32,
    )
    matrix = vectorizer.fit_transform(counted)
    log(f"features of {len(samples)} samples in {time.perf_counter() - started:.1f} s")
    intents = LogisticRegression(C=C_INTENT, max_iter=3000, solver="lbfgs", class_weight="balanced")
    kb = LogisticRegression(C=C_KB, max_iter=3000, solver="lbfgs")
    # One thread: scikit-learn's loss sums in parallel (OpenMP), and parallel float sums
    # change with the scheduling; one thread gives the same weights on every run.
    started = time.perf_counter()
    with threadpool_limits(limits=1):
        intents.fit(matrix, [s.intent for s in samples])
        kb.fit(matrix, [int(s.kb) for s in samples])
    log(f"fitted in {time.perf_counter() - started:.1f} s")
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    arrays = {
        "vocabulary": np.frombuffer("\n".join(vocabulary).encode(), dtype=np.uint8),
        "idf": vectorizer.idf_.astype(dtype),
        "intent_weights": intents.coef_.T.astype(dtype),
        "intent_bias": intents.intercept_.astype(dtype),
        "kb_weights": kb.coef_[0].astype(dtype),
        "kb_bias": kb.intercept_.astype(dtype),
    }
    meta = {
        "format": model.FORMAT,
        "classes": [str(c) for c in intents.classes_],
        "samples": len(samples),
        "features": len(vocabulary),
        "corpus_sha256": generate.digest(),
        "seed": generate.SEED,
        "settings": {"max_features": MAX_FEATURES, "min_df": MIN_DF, "C": [C_INTENT, C_KB]},
    }
    return arrays, meta, (vectorizer, intents, kb)


def dev_report(samples: list[generate.Sample]) -> None:
    """Train on 85 % of the templates and report on the samples of the other 15 %."""
    sources = sorted({s.source for s in samples})
    split = random.Random(generate.SEED)  # noqa: S311 - a reproducible split
    held = set(split.sample(sources, int(len(sources) * DEV_SHARE)))
    train = [s for s in samples if s.source not in held]
    dev = [s for s in samples if s.source in held]
    started = time.perf_counter()
    arrays, meta, _ = fit(train)
    trained = model.IntentModel(arrays, meta)
    print(f"trained on {len(train)} samples in {time.perf_counter() - started:.1f} s")
    hits: dict[str, list[int]] = defaultdict(list)
    by_file: dict[str, list[int]] = defaultdict(list)
    confusion: Counter[tuple[str, str]] = Counter()
    kb_right = 0
    confidences: list[tuple[float, bool]] = []
    for sample in dev:
        predicted = trained.predict(sample.text, language=sample.language)
        right = predicted.intent == sample.intent
        hits[sample.intent].append(right)
        by_file[sample.source.split(":")[0]].append(right)
        confidences.append((predicted.confidence, right))
        kb_right += (predicted.kb >= 0.5) == sample.kb
        if not right:
            confusion[(sample.intent, predicted.intent)] += 1
    total = sum(sum(v) for v in hits.values()) / max(1, len(dev))
    print(f"dev: {len(dev)} samples of {len(held)} unseen templates; accuracy {total:.3f}")
    for name, values in sorted(by_file.items()):
        print(f"  {name:10} {sum(values) / len(values):.3f}  ({len(values)})")
    for intent, values in sorted(hits.items()):
        print(f"  {intent:15} {sum(values) / len(values):.3f}  ({len(values)})")
    print(f"  kb flag        {kb_right / max(1, len(dev)):.3f}")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        kept = [right for conf, right in confidences if conf >= threshold]
        share = len(kept) / max(1, len(confidences))
        print(
            f"  conf >= {threshold}: {share:.3f} kept, accuracy {sum(kept) / max(1, len(kept)):.3f}"
        )
    print("  most confused (true → predicted):")
    for (true, guessed), n in confusion.most_common(15):
        print(f"    {true} → {guessed}: {n}")


# float16 keeps 11 significant bits: a weight near 4 moves by 0.002 to its neighbour.
WEIGHT_TOLERANCE = 0.01


def compare(retrained: model.IntentModel, committed: model.IntentModel) -> list[str]:
    """What differs between two models beyond floating-point rounding: the corpus, the
    features and the classes exactly, the weights and biases by more than WEIGHT_TOLERANCE."""
    differences = []
    if retrained.meta != committed.meta:
        differences.append(f"metadata: {retrained.meta} != {committed.meta}")
    if retrained.index != committed.index:
        differences.append(f"features: {len(set(retrained.index) ^ set(committed.index))} differ")
        return differences
    for name in ("idf", "intent_weights", "intent_bias", "kb_weights"):
        a, b = getattr(retrained, name), getattr(committed, name)
        gap = float(np.max(np.abs(a - b))) if a.shape == b.shape else float("inf")
        if gap > WEIGHT_TOLERANCE:
            differences.append(f"{name}: differs by up to {gap}")
    if abs(retrained.kb_bias - committed.kb_bias) > WEIGHT_TOLERANCE:
        differences.append(f"kb_bias: {retrained.kb_bias} != {committed.kb_bias}")
    return differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m realtime.dialogue.nlu.train")
    parser.add_argument("--check", action="store_true", help="compare with the committed model")
    parser.add_argument("--dev", action="store_true", help="report on held-out templates")
    parser.add_argument("--out", type=Path, default=model.MODEL_PATH)
    args = parser.parse_args(argv)
    samples = generate.generate(generate.load())
    counts = Counter(s.intent for s in samples)
    print(f"{len(samples)} samples: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if args.dev:
        dev_report(samples)
        return 0
    started = time.perf_counter()
    arrays, meta, _ = fit(samples)
    out = args.out.with_suffix(".check.zip") if args.check else args.out
    checksum = model.write(out, arrays, meta)
    print(f"trained in {time.perf_counter() - started:.1f} s: {meta['features']} features")
    if args.check:
        retrained = model.read(out, checksum_path=None)
        out.unlink()
        pinned = model.CHECKSUM_PATH.read_text().split()[0]
        committed = hashlib.sha256(model.MODEL_PATH.read_bytes()).hexdigest()
        print(f"retrained {checksum}\npinned    {pinned}\ncommitted {committed}")
        if checksum == pinned == committed:
            print("reproduced, byte for byte")
            return 0
        differences = compare(retrained, model.read())
        if pinned == committed and not differences:
            # Another CPU's floating-point kernels may round a weight to its float16 neighbour.
            print(f"reproduced within {WEIGHT_TOLERANCE} per weight (float16 rounding)")
            return 0
        print("DIFFERENT: commit the retrained model or the corpus")
        for line in differences:
            print(f"  {line}")
        return 1
    model.CHECKSUM_PATH.write_text(f"{checksum}  {args.out.name}\n")
    print(f"wrote {out} ({out.stat().st_size} bytes), sha256 {checksum}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
