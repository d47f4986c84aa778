"""Tolerant phrase matching over normalized tokens.

A lexicon maps group names (intents, signals, topics) to phrases written naturally in any of
the five languages. A phrase is one or more words; a word ending in ``*`` is a stem
("reserv*" matches réserver, reservation, reservar), a word starting with ``=`` only matches
exactly (for words one typo away from a common other word: booking/looking, llame/llamo).
Matching forgives what speech recognition does to words:

- Latin words of five letters or more also match at a small edit distance (one edit up to
  eight letters, two beyond): "rendevous", "conseillé", "apointment";
- a multi-word phrase also matches its letters run together or split elsewhere, one edit
  away at most ("rendezvous", "rende vous");
- Arabic words also match behind a conjunction and article or preposition (والموعد, بالحجز).

Fuzzy lookups go through a deletion index (SymSpell), so a token costs a few dictionary
probes, not a scan of the vocabulary; results are cached per token.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from resolvers.textnorm import (
    deletions,
    edit_distance,
    is_latin,
    normalize,
    tokens,
    variants,
)

_FUZZY_MIN = 5  # shorter words are too easy to confuse ("mardi"/"merdi" is fine, "un"/"in" is not)
_COMPACT_FUZZY_MIN = 8
_CACHE_MAX = 20_000


def _max_edits(word: str) -> int:
    return 1 if len(word) <= 8 else 2


def _phrase_words(phrase: str) -> tuple[tuple[str, ...], set[str]]:
    """The normalized words of a phrase and those of them that must match exactly."""
    words: list[str] = []
    exact: set[str] = set()
    for raw in phrase.split():
        parts = tokens(normalize(raw.strip("=*")))
        if raw.endswith("*") and parts:
            parts[-1] += "*"
        if raw.startswith("="):
            exact.update(parts)
        words.extend(parts)
    return tuple(words), exact


@dataclass
class Matches:
    """Where each group matched: group → [(start, end)] token spans, in text order."""

    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def __contains__(self, group: object) -> bool:
        return group in self.spans

    def first(self, group: str) -> tuple[int, int] | None:
        found = self.spans.get(group)
        return found[0] if found else None

    def covered(self, group: str) -> set[int]:
        return {i for start, end in self.spans.get(group, ()) for i in range(start, end)}


class Lexicon:
    def __init__(self, groups: Mapping[str, Iterable[str]], *, fuzzy: bool = True) -> None:
        self._fuzzy = fuzzy
        self._exact: set[str] = set()
        self._stems: dict[int, set[str]] = {}
        self._compact: set[str] = set()
        self._deletes: dict[str, set[str]] = {}
        self._edits: dict[str, int] = {}  # fuzzy word → edits allowed
        # first word of a phrase → [(group, phrase)]
        self._by_first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self._cache: dict[str, frozenset[str]] = {}
        entries: list[tuple[str, tuple[str, ...], int]] = []  # (group, words, edits)
        exact: set[str] = set()  # words marked "=" anywhere are never matched fuzzily
        for group, phrases in groups.items():
            for phrase in phrases:
                words, marked = _phrase_words(phrase)
                if not words:
                    continue
                exact |= marked
                entries.append((group, words, 2))
                if len(words) > 1 and all(is_latin(w) and not w.endswith("*") for w in words):
                    compact = "".join(words)
                    self._compact.add(compact)
                    # Run-together forms forgive one typo, and only when long enough not to
                    # meet other words ("hithere" is not "isthere").
                    if marked or len(compact) < _COMPACT_FUZZY_MIN:
                        exact.add(compact)
                    entries.append((group, (compact,), 1))
        for group, words, edits in entries:
            self._add(group, words, exact, edits)
        lengths = [len(word) for word in self._compact] or [0]
        self._compact_lengths = (min(lengths), max(lengths))

    def _add(self, group: str, words: tuple[str, ...], exact: set[str], edits: int) -> None:
        self._by_first.setdefault(words[0], []).append((group, words))
        for word in words:
            if word.endswith("*"):
                stem = word[:-1]
                self._stems.setdefault(len(stem), set()).add(stem)
                continue
            self._exact.add(word)
            if word in exact or not self._fuzzy or not is_latin(word) or len(word) < _FUZZY_MIN:
                continue
            allowed = min(edits, _max_edits(word))
            if allowed <= self._edits.get(word, 0):
                continue
            self._edits[word] = allowed
            for deleted in deletions(word, allowed):
                self._deletes.setdefault(deleted, set()).add(word)

    def words(self, token: str) -> frozenset[str]:
        """The lexicon words (stems with their ``*``) that ``token`` matches."""
        found = self._cache.get(token)
        if found is not None:
            return found
        hits: set[str] = set()
        for form in variants(token):
            if form in self._exact:
                hits.add(form)
            for length, stems in self._stems.items():
                if len(form) >= length and form[:length] in stems:
                    hits.add(form[:length] + "*")
        if self._fuzzy and is_latin(token) and len(token) >= _FUZZY_MIN - 1:
            # Two edits are only allowed on words of nine letters or more: a shorter token
            # meets them with fewer deletions of its own (SymSpell).
            hits |= self._near(token, 2 if len(token) >= 9 else 1)
        return self._remember(token, frozenset(hits))

    def _near(self, token: str, depth: int) -> set[str]:
        near = set()
        for deleted in deletions(token, depth):
            for word in self._deletes.get(deleted, ()):
                allowed = self._edits[word]
                if word not in near and edit_distance(token, word, allowed) <= allowed:
                    near.add(word)
        return near

    def _remember(self, key: str, found: frozenset[str]) -> frozenset[str]:
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[key] = found
        return found

    def _run_together(self, joined: str) -> frozenset[str]:
        """Compact phrase forms that adjacent tokens run together match ("rende"+"vous")."""
        key = "+" + joined
        found = self._cache.get(key)
        if found is not None:
            return found
        hits = {joined} if joined in self._compact else set()
        if (
            self._fuzzy
            and self._compact_lengths[0] - 1 <= len(joined) <= self._compact_lengths[1] + 1
        ):
            hits |= {word for word in self._near(joined, 1) if word in self._compact}
        return self._remember(key, frozenset(hits))

    def knows(self, token: str) -> bool:
        """Whether ``token`` is a lexicon word or has a lexicon stem, typos not forgiven."""
        return any(
            form in self._exact
            or any(form[:length] in stems for length, stems in self._stems.items())
            for form in variants(token)
        )

    def match(self, toks: Sequence[str]) -> Matches:
        # at[i]: lexicon word → how many text tokens it spans from i (2-3 when run together)
        at: list[dict[str, int]] = []
        for i, token in enumerate(toks):
            here = dict.fromkeys(self.words(token), 1)
            if is_latin(token):
                for n in (2, 3):
                    if i + n > len(toks) or not all(is_latin(t) for t in toks[i + 1 : i + n]):
                        break
                    for word in self._run_together("".join(toks[i : i + n])):
                        here.setdefault(word, n)
            at.append(here)
        found = Matches()
        for i, here in enumerate(at):
            for first in here:
                for group, phrase in self._by_first.get(first, ()):
                    end = _follow(at, i, phrase)
                    if end is not None:
                        found.spans.setdefault(group, []).append((i, end))
        return found


def _follow(at: list[dict[str, int]], start: int, phrase: tuple[str, ...]) -> int | None:
    position = start
    for word in phrase:
        if position >= len(at) or word not in at[position]:
            return None
        position += at[position][word]
    return position
