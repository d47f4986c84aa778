"""The dialogue-act classifier: its corpus, its training, its committed artefact.

The artefact must be what the corpus trains (byte for byte, checksum pinned), read the way
scikit-learn would compute it, and refused when it is not the pinned file. Accuracy is
measured by bench/understanding.py on the held-out set, not here.
"""

import hashlib
import os
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from realtime.dialogue.nlu import features, generate, model, train


def test_the_committed_model_is_the_pinned_one_and_knows_the_twelve_acts() -> None:
    pinned = model.CHECKSUM_PATH.read_text().split()[0]
    assert hashlib.sha256(model.MODEL_PATH.read_bytes()).hexdigest() == pinned
    loaded = model.read()
    assert sorted(loaded.classes) == sorted(generate.INTENTS)
    assert loaded.meta["corpus_sha256"] == generate.digest(), (
        "the corpus changed since the model was trained: run python -m realtime.dialogue.nlu.train"
    )


@pytest.mark.skipif(
    os.environ.get("VOCALIA_TEST_BACKEND") == "postgres",
    reason="no database involved: the SQLite pass retrains once (about 30 s of CPU)",
)
def test_training_reproduces_the_committed_model() -> None:
    assert train.main(["--check"]) == 0


def test_the_features_kept_are_the_most_frequent_ties_broken_by_the_feature(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(train, "MAX_FEATURES", 3)
    monkeypatch.setattr(train, "MIN_DF", 2)
    counted = [["b", "a", "c", "z"], ["z", "y", "a", "c"], ["y", "b", "c", "z"], ["q", "q", "q"]]
    # c and z in 3 samples; a, b, y in 2 (tied: a wins); q in 1 sample only, however often.
    assert train.select_vocabulary(counted) == ["a", "c", "z"]
    # The order the samples come in changes nothing.
    assert train.select_vocabulary(counted[::-1]) == ["a", "c", "z"]


def test_check_accepts_float16_rounding_and_nothing_more() -> None:
    committed = model.read()
    arrays = {
        "vocabulary": np.frombuffer("\n".join(committed.index).encode(), dtype=np.uint8),
        "idf": committed.idf.copy(),
        "intent_weights": committed.intent_weights.copy(),
        "intent_bias": committed.intent_bias.copy(),
        "kb_weights": committed.kb_weights.copy(),
        "kb_bias": np.array([committed.kb_bias], dtype=np.float32),
    }
    assert train.compare(model.IntentModel(arrays, committed.meta), committed) == []
    arrays["intent_weights"][5, 2] += 0.004  # a float16 step of a weight near 8
    assert train.compare(model.IntentModel(arrays, committed.meta), committed) == []
    arrays["intent_weights"][5, 2] += 0.1
    [difference] = train.compare(model.IntentModel(arrays, committed.meta), committed)
    assert difference.startswith("intent_weights: differs by up to 0.10")
    other = dict(arrays, vocabulary=np.frombuffer(b"a\nb", dtype=np.uint8))
    assert train.compare(model.IntentModel(other, committed.meta), committed)[0].startswith(
        "features:"
    )


def test_a_model_that_is_not_the_pinned_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model.zip"
    data = bytearray(model.MODEL_PATH.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(model.ModelFileError, match="pinned checksum"):
        model.read(copy, model.CHECKSUM_PATH)
    with pytest.raises(model.ModelFileError, match="cannot be read"):
        model.read(tmp_path / "missing.zip", model.CHECKSUM_PATH)


def test_inference_computes_what_scikit_learn_computes() -> None:
    """numpy inference over the exported arrays equals the fitted pipeline's
    predict_proba (a small model of a few hundred samples, exported unrounded)."""
    samples = generate.generate(generate.load())
    chosen = random.Random(7).sample(samples, 1500)
    arrays, meta, (vectorizer, intents, kb) = train.fit(chosen[:1200], dtype=np.float32)
    ours = model.IntentModel(arrays, meta)
    extra = [generate.Sample(t, "chitchat", False, "x") for t in ("", "?!", "ok " * 300, "٣ 🙂")]
    tested = chosen[1200:] + extra
    texts = [s.text for s in tested]
    matrix = vectorizer.transform(train.analyzed(tested))
    expected = intents.predict_proba(matrix)
    expected_kb = kb.predict_proba(matrix)[:, 1]
    for i, text in enumerate(texts):
        got = ours.predict(text, language=tested[i].language)
        assert [got.p(c) for c in intents.classes_] == pytest.approx(list(expected[i]), abs=1e-4)
        assert got.kb == pytest.approx(expected_kb[i], abs=1e-4)


def test_the_corpus_is_checked_when_loaded(tmp_path: Path) -> None:
    for path in generate.CORPUS_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    broken = tmp_path / "fr.toml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("[intents]", "[intents]\nbooking_typo = ['x']"),
        encoding="utf-8",
    )
    with pytest.raises(generate.CorpusError, match="unknown"):
        generate.load(tmp_path)
    broken.write_text('language = "fr"\n[intents]\nbooking_new = ["{nope}"]\n', encoding="utf-8")
    with pytest.raises(generate.CorpusError, match="missing intents"):
        generate.load(tmp_path)


def test_the_corpus_is_generated_the_same_way_every_time() -> None:
    files = generate.load()
    first, second = generate.generate(files), generate.generate(files)
    assert first == second
    assert len(first) > 20_000
    counts = dict.fromkeys(generate.INTENTS, 0)
    for sample in first:
        counts[sample.intent] += 1
    assert min(counts.values()) > 500, counts
    assert {s.source.split(":")[0] for s in first} == {
        "fr",
        "en",
        "es",
        "ar",
        "ary_arab",
        "ary_latn",
    }


@pytest.mark.parametrize(
    ("arabic", "arabizi"),
    [("غدا", "ghda"), ("موعد", "maw3id"), ("بغيت", "bghit"), ("كاين", "kayn")],
)
def test_darija_in_both_scripts_shares_its_skeleton_features(arabic: str, arabizi: str) -> None:
    def skeletons(text: str) -> set[str]:
        return {f for f in features.features(text) if f.startswith("s:")}

    assert skeletons(arabic) & skeletons(arabizi) == skeletons(arabic)


def test_numbers_are_features_by_shape() -> None:
    assert features.words("demain à 10h30 au 0612345678, 800 000 DH") == [
        "demain",
        "a",
        "<clock>",
        "au",
        "<phone>",
        "<nn>",
        "<nn>",
        "dh",
    ]
    assert features.words("m3a l3achra") == ["m3a", "l3achra"]  # Arabizi keeps its digits
