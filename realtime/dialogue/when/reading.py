"""Readers of numbers, day numbers and phrases over normalized tokens, shared by the day
and clock-time parsers. Arabic tokens are compared with their clitic-free forms (والساعة
is الساعة), so the word tables hold one form per word."""

import re
from collections.abc import Sequence

from realtime.dialogue.when import words as w
from resolvers.textnorm import variants


def forms(token: str) -> tuple[str, ...]:
    """The token's clitic-free forms, and for لل (to the) the form with its article:
    للاثنين is الاثنين (to Monday), not اثنين (two)."""
    found = variants(token)
    if token.startswith("لل") and len(token) > 4:
        found = ("ال" + token[2:], *found)
    return found


def lookup(table: dict[str, int], token: str) -> int | None:
    for form in forms(token):
        if form in table:
            return table[form]
    return None


def among(token: str, words: frozenset[str]) -> bool:
    return any(form in words for form in forms(token))


def hour_cue(token: str) -> bool:
    """Whether ``token`` is a word that makes the number after it a clock time ("à",
    "at", "a las", "الساعة", "m3a")."""
    return among(token, w.HOUR_CUES) or token in w.HOUR_CUES_ARABIZI


def phrase_at(toks: Sequence[str], i: int, phrase: tuple[str, ...]) -> bool:
    if i + len(phrase) > len(toks):
        return False
    return all(word in variants(toks[i + k]) for k, word in enumerate(phrase))


def longest(
    toks: Sequence[str], i: int, phrases: dict[tuple[str, ...], str]
) -> tuple[tuple[str, ...], str] | None:
    best: tuple[tuple[str, ...], str] | None = None
    for phrase, meaning in _by_first(phrases).get(_first_key(toks[i], phrases), ()):
        if (best is None or len(phrase) > len(best[0])) and phrase_at(toks, i, phrase):
            best = (phrase, meaning)
    return best


# The phrase tables are module constants of ``words``: indexed by first word on first use.
_FIRST_INDEX: dict[int, dict[str, list[tuple[tuple[str, ...], str]]]] = {}


def _by_first(phrases: dict[tuple[str, ...], str]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    index = _FIRST_INDEX.get(id(phrases))
    if index is None:
        index = {}
        for phrase, meaning in phrases.items():
            index.setdefault(phrase[0], []).append((phrase, meaning))
        _FIRST_INDEX[id(phrases)] = index
    return index


def _first_key(token: str, phrases: dict[tuple[str, ...], str]) -> str:
    index = _by_first(phrases)
    for form in variants(token):
        if form in index:
            return form
    return token


_FUSED_ARTICLE = re.compile(r"l\d{1,2}")


def read_number(toks: Sequence[str], i: int) -> tuple[int, int] | None:
    """A number from 0 to 59 written as digits or words at ``i``: (value, next index).
    Reads compounds: vingt et un, twenty one, treinta y cinco, dix-sept, احدى عشر."""
    if i >= len(toks):
        return None
    token = toks[i]
    if token.isdigit() and len(token) <= 2:
        return int(token), i + 1
    if _FUSED_ARTICLE.fullmatch(token):  # Arabizi's article on digits: "m3a l9 w nss"
        return int(token[1:]), i + 1
    value = lookup(w.NUMBERS, token)
    if value is None:
        return None
    j = i + 1
    if value in (20, 30, 40, 50) and j < len(toks):
        k = j + 1 if toks[j] in w.TENS_JOIN else j
        unit = lookup(w.NUMBERS, toks[k]) if k < len(toks) else None
        if unit is not None and 1 <= unit <= 9:
            return value + unit, k + 1
    if value == 10 and j < len(toks):
        unit = lookup(w.NUMBERS, toks[j])
        if unit in (7, 8, 9):
            return 10 + unit, j + 1
    if 1 <= value <= 9 and j < len(toks) and among(toks[j], w.TEENS_AFTER):
        return 10 + value, j + 1
    return value, j


_DAY_NUMBER = re.compile(r"(\d{1,2})(?:st|nd|rd|th|er|re|e|eme|o|a)?")


def day_number(token: str) -> int | None:
    match = _DAY_NUMBER.fullmatch(token)
    value = int(match[1]) if match else lookup(w.ORDINAL_DAYS, token)
    return value if value is not None and 1 <= value <= 31 else None


CLOCK_TOKEN = re.compile(r"(\d{1,2})(?:h(\d{2})?|(am|pm))")


def looks_like_hour(toks: Sequence[str], i: int) -> bool:
    following = toks[i + 1] if i + 1 < len(toks) else ""
    return (
        among(following, w.HOUR_UNITS)
        or following in ("am", "pm")
        or among(following, w.NOT_HOUR_AFTER)
        or CLOCK_TOKEN.fullmatch(toks[i]) is not None
        or part_after(toks, i + 1)  # "sebt 4 d l3chiya": four in the afternoon
    )


def part_after(toks: Sequence[str], j: int) -> bool:
    """Whether a part of the day starts at ``j``, or just after "d", "dyal", "ديال" ("10 d
    sba7", "الجوج ديال العشية")."""
    if j < len(toks) and toks[j] in w.OF_PART:
        j += 1
    return j < len(toks) and longest(toks, j, w.PARTS) is not None
