"""The features of one caller turn, shared by training and inference.

A turn is folded like every transcript (``resolvers.textnorm.normalize``: case, accents,
tashkeel, Arabic letter forms, Eastern digits, clock times) and described by:

- its words and word pairs (``w:``, ``b:``), numbers reduced to their shape, so "à 10h" and
  "à 15h30" are the same feature and a phone number is one;
- the character n-grams of each word with its boundaries (``c:``, 2 to 5 letters), which
  forgive typos, inflections and spellings ("rendevous", "bghite", "mañna");
- the character n-grams of each word's *consonant skeleton* (``s:``), written the same way
  whatever the script (``resolvers.knowledge.terms.skeleton``, which search uses too): Darija
  in Arabic letters and in Arabizi meet there ("غدا" and "ghda" are both ``gd``, "كاين" and
  "kayn" both ``kn``), as do spellings that differ only in vowels ("bghit"/"bghet");
- its *cues* (``g:``, ``p:``, ``len:``, ``t:``): which groups of the agent's multilingual
  lexicons it matches (and whether one opens the turn: "non, plutôt…"), a question mark,
  its length, and whether it names a day, a clock time or a part of the day. They carry what
  the rule-based reader knows (typo-tolerant keywords, dates in five languages) into the
  model, counted twice so that a handful of them weighs against a hundred n-grams.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence

from realtime.dialogue.lexicons import INTENTS
from realtime.dialogue.matching import Matches
from realtime.dialogue.when import When, read_when
from resolvers.knowledge.terms import skeleton
from resolvers.textnorm import normalize, tokens

MAX_CHARS = 600  # a spoken turn; a pasted page is classified from its beginning
_CHAR_NGRAMS = (2, 5)
_SKELETON_NGRAMS = (2, 4)

_NUMBER = re.compile(r"\d+")
_CLOCK = re.compile(r"\d{1,2}h(\d{2})?|\d{1,2}(am|pm)")
# Arabizi: letters between digits that stand for Arabic letters stay words ("3afak", "m3a").
_ARABIZI = re.compile(r"[a-z]*[a-z][2379][a-z]*|[2379][a-z]+")


def _shape(token: str) -> str:
    """Numbers by shape: clock times, short numbers (days, counts, hours) and long ones
    (amounts, phone numbers); other words as they are."""
    if token.isdigit():
        return "<n>" if len(token) <= 2 else "<nn>" if len(token) <= 6 else "<phone>"
    if _CLOCK.fullmatch(token):
        return "<clock>"
    if any(ch.isdigit() for ch in token) and not _ARABIZI.fullmatch(token):
        return _NUMBER.sub("0", token)
    return token


def words(text: str) -> list[str]:
    """The folded words of a turn, numbers by shape."""
    folded = normalize(unicodedata.normalize("NFKC", text)[:MAX_CHARS])
    return [_shape(t) for t in tokens(folded)]


def _grams(word: str, low: int, high: int, prefix: str, out: list[str]) -> None:
    padded = f"<{word}>"
    for n in range(low, high + 1):
        for i in range(len(padded) - n + 1):
            out.append(prefix + padded[i : i + n])


def cues(text: str, toks: Sequence[str], matches: Matches, when: When) -> list[str]:
    """The turn's cues from what the reader found in it (its folded tokens, lexicon
    matches and moment), each twice."""
    out = []
    for group, spans in matches.spans.items():
        out.append("g:" + group)
        if spans[0][0] == 0:
            out.append("g0:" + group)
    if "?" in text or "؟" in text:
        out.append("p:?")
    n = len(toks)
    out.append("len:" + ("1" if n <= 1 else "2" if n <= 3 else "4" if n <= 7 else "8"))
    if when.date:
        out.append("t:date")
    if when.time:
        out.append("t:time")
    if when.part:
        out.append("t:part")
    if when.date_to or when.time_to or when.shift:
        out.append("t:to")  # two moments: "de jeudi à vendredi", "vendredi au lieu de jeudi"
    return out * 2


# Training reads dates against a fixed moment (only whether a day or time is named matters).
_REFERENCE = dt.datetime(2026, 1, 7, 10, 0)  # noqa: DTZ001 - a naive local moment by design


def cues_of(text: str, language: str) -> list[str]:
    """The cues of a raw turn, read the way ``understand.hear`` reads it."""
    text = unicodedata.normalize("NFKC", text)[:MAX_CHARS]
    toks = tokens(normalize(text))
    return cues(text, toks, INTENTS.match(toks), read_when(text, language, _REFERENCE))


def features(text: str, turn_cues: Sequence[str] = ()) -> list[str]:
    """Every feature of a turn, repeated as often as it occurs (``turn_cues``: its cues)."""
    toks = words(text)
    out: list[str] = list(turn_cues)
    for i, token in enumerate(toks):
        out.append("w:" + token)
        if i + 1 < len(toks):
            out.append(f"b:{token} {toks[i + 1]}")
        if token.startswith("<"):
            continue
        _grams(token, *_CHAR_NGRAMS, "c:", out)
        skel = skeleton(token)
        if len(skel) >= 2:
            _grams(skel, *_SKELETON_NGRAMS, "s:", out)
    if not toks:
        out.append("w:<empty>")
    return out
