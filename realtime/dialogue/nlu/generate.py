"""The training corpus: hand-written templates, expanded.

Each file of ``corpus/`` (one language and script: ``fr``, ``en``, ``es``, ``ar``,
``ary_arab``, ``ary_latn``) holds fillers, slot values and, for each of the twelve dialogue
acts, templates written as callers speak. A template becomes several samples: its
``{placeholders}`` filled from the file's slot values (Darija also from French ones, as
Moroccans switch), fillers added at the start, in the middle or at the end, casing,
punctuation and accents dropped, typos made (a letter dropped, doubled or swapped, as on a
keyboard or in a transcript). Compositions add the turns that are two acts at once: a booking
or a lead detail with a knowledge question on its end.

Everything is drawn from one seeded generator: the same files give the same corpus, sample
for sample, so the trained model is reproducible (``python -m realtime.dialogue.nlu.train``).
"""

import hashlib
import random
import re
import tomllib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS_DIR = Path(__file__).with_name("corpus")
INTENTS = (
    "booking_new",
    "booking_change",
    "booking_cancel",
    "callback",
    "transfer",
    "lead_info",
    "question",
    "goodbye",
    "affirm",
    "deny",
    "correction",
    "chitchat",
)
SLOTS = (
    "day",
    "time",
    "part",
    "name",
    "phone",
    "service",
    "staff",
    "budget",
    "timeline",
    "place",
    "count",
)
SEED = 20261125
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SAMPLES_LITERAL = 3  # samples of a template without placeholders
_SAMPLES_FILLED = 7  # and of one with them
_COMPOSED_PER_FILE = 500  # booking/lead + question samples per file
_SWITCH_FROM = {"ary_arab": "fr", "ary_latn": "fr"}  # whose slot values a file borrows
_SWITCH_RATE = 0.25


@dataclass(frozen=True)
class Sample:
    text: str
    intent: str
    kb: bool  # asks something the knowledge base answers
    source: str  # "<file>:<intent>:<template index>", to split by template
    language: str = "fr"  # fr, en, es, ar, ary


class CorpusError(ValueError):
    pass


def load(directory: Path = CORPUS_DIR) -> dict[str, dict[str, Any]]:
    """The corpus files by name, checked: the twelve intents, known placeholders only."""
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        intents = data.get("intents", {})
        missing = [intent for intent in INTENTS if not intents.get(intent)]
        unknown = sorted(set(intents) - set(INTENTS))
        if missing or unknown:
            raise CorpusError(f"{path.name}: missing intents {missing}, unknown {unknown}")
        slots = data.get("slots", {})
        for intent, templates in intents.items():
            for template in templates:
                for name in _PLACEHOLDER.findall(template):
                    if name not in SLOTS:
                        raise CorpusError(f"{path.name}: {intent}: unknown {{{name}}}")
                    if not slots.get(name):
                        raise CorpusError(f"{path.name}: no values for {{{name}}}")
        files[path.stem] = data
    if not files:
        raise CorpusError(f"no corpus files in {directory}")
    return files


def digest(directory: Path = CORPUS_DIR) -> str:
    """A checksum of the corpus files, recorded in the model it trains."""
    sha = hashlib.sha256()
    for path in sorted(directory.glob("*.toml")):
        sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def generate(files: dict[str, dict[str, Any]], seed: int = SEED) -> list[Sample]:
    """Every sample of the corpus, deduplicated, in a reproducible order."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible corpus, not a secret
    seen: set[tuple[str, str]] = set()
    out: list[Sample] = []
    for name, data in files.items():
        expander = _Expander(name, data, files.get(_SWITCH_FROM.get(name, "")), rng)
        for sample in expander.samples():
            key = (sample.text.casefold(), sample.intent)
            if key not in seen:
                seen.add(key)
                out.append(sample)
    return out


class _Expander:
    def __init__(
        self,
        name: str,
        data: dict[str, Any],
        borrowed: dict[str, Any] | None,
        rng: random.Random,
    ) -> None:
        self.name = name
        self.rng = rng
        self.fillers: dict[str, list[str]] = data.get("fillers", {})
        self.slots: dict[str, list[str]] = data.get("slots", {})
        self.borrowed: dict[str, list[str]] = (borrowed or {}).get("slots", {})
        self.intents: dict[str, list[str]] = data["intents"]
        self.arabic = data.get("script") == "arabic"
        self.language = str(data.get("language") or name.split("_")[0])

    def samples(self) -> Iterator[Sample]:
        for intent in INTENTS:
            for index, template in enumerate(self.intents[intent]):
                source = f"{self.name}:{intent}:{index}"
                count = _SAMPLES_FILLED if _PLACEHOLDER.search(template) else _SAMPLES_LITERAL
                for k in range(count):
                    text = self.fill(template)
                    if k:  # the first sample is the template as written
                        text = self.noisy(text)
                    yield Sample(text, intent, intent == "question", source, self.language)
        yield from self.composed()

    def composed(self) -> Iterator[Sample]:
        """A booking or a lead detail with a question on its end ("demain à 10h, c'est
        combien la consultation ?"): the act is the first part's, and it asks."""
        questions = self.intents["question"]
        for _ in range(_COMPOSED_PER_FILE):
            intent = self.rng.choice(("booking_new", "booking_new", "lead_info"))
            first = self.rng.randrange(len(self.intents[intent]))
            asked = self.rng.randrange(len(questions))
            text = self.fill(self.intents[intent][first]).rstrip(" .!?؟")
            joint = self.rng.choice((", ", ". ", " et ", " ", "… ")) if not self.arabic else " "
            text = self.noisy(text + joint + self.fill(questions[asked]))
            yield Sample(text, intent, True, f"{self.name}:{intent}:{first}", self.language)

    def fill(self, template: str) -> str:
        def value(match: re.Match[str]) -> str:
            slot = match[1]
            pool = self.slots[slot]
            if self.borrowed.get(slot) and self.rng.random() < _SWITCH_RATE:
                pool = self.borrowed[slot]
            return self.rng.choice(pool)

        return _PLACEHOLDER.sub(value, template)

    def noisy(self, text: str) -> str:
        rng = self.rng
        if rng.random() < 0.35 and self.fillers.get("start"):
            text = f"{rng.choice(self.fillers['start'])} {text}"
        if rng.random() < 0.15 and self.fillers.get("middle"):
            words = text.split()
            if len(words) > 2:
                at = rng.randrange(1, len(words))
                words.insert(at, rng.choice(self.fillers["middle"]))
                text = " ".join(words)
        if rng.random() < 0.2 and self.fillers.get("end"):
            text = f"{text.rstrip(' .!?')} {rng.choice(self.fillers['end'])}"
        if rng.random() < 0.5:
            text = text.lower()
        if rng.random() < 0.3:
            text = re.sub(r"[.,!?¿¡؟،;:…]", "", text)
        if not self.arabic and rng.random() < 0.2:
            text = _strip_accents(text)
        if rng.random() < 0.4:
            text = _typo(text, rng)
        return re.sub(r"\s+", " ", text).strip()


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _typo(text: str, rng: random.Random) -> str:
    """One slip in a word of four letters or more: a letter dropped, doubled or swapped."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = words[i]
    at = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        word = word[:at] + word[at + 1 :]
    elif kind == 1:
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    words[i] = word
    return " ".join(words)
