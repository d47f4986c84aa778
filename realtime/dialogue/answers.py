"""Answers to callers' questions from what the business wrote: the agent's FAQ first, then
the sentences of its instructions, then the knowledge-base tool's results.

A question and a candidate share content words (five-letter stems, so "horaires" meets
"horaire" and "ouverts" meets "ouverture") and topics (hours, price, location, services),
which bridge wordings and languages: "vous êtes ouverts ?" finds "Quels sont vos
horaires ?". Answers are read out, so they are cut to two sentences.
"""

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from realtime.dialogue.lexicons import DIRECTIVE_PREFIXES, INTENTS, STOPWORDS, TOPICS
from realtime.dialogue.matching import Matches
from resolvers.knowledge.terms import skeleton
from resolvers.textnorm import arabic_variants, is_arabic, normalize, tokens

_DIRECTIVES = tuple(
    normalize(prefix) + (" " if prefix.endswith(" ") else "") for prefix in DIRECTIVE_PREFIXES
)
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+|\n+")
_TOPIC_WEIGHT = 2
_STEM = 5
_MAX_SPOKEN = 300


def keys(
    toks: list[str], matches: Matches | None = None, *, arabizi: bool = False
) -> frozenset[str]:
    """Content stems and ``#topic`` marks of a tokenized text (``matches``: its lexicon
    matches, when already known), and the ``~consonant skeletons`` of its Arabic words (of
    all its words when it is Darija in Latin letters, ``arabizi``): a question in Arabizi
    meets an FAQ written in Arabic script through them ("wach kayn" and "واش كاين")."""
    matches = matches if matches is not None else INTENTS.match(toks)
    found = {"#" + topic for topic in TOPICS if topic in matches}
    for token in toks:
        if token in STOPWORDS or (len(token) < 3 and not token.isdigit()):
            continue
        if is_arabic(token):
            stem = arabic_variants(token)[-1]
            found.add(stem)
            found.add("~" + skeleton(token))
        else:
            found.add(token[:_STEM])
            if arabizi and not token.isdigit():
                found.add("~" + skeleton(token))
                if token.startswith("l") and len(token) >= 5:  # the article: l3arboun
                    found.add("~" + skeleton(token[1:]))
    return frozenset(k for k in found if not k.startswith("~") or len(k) >= 3)


@functools.lru_cache(maxsize=2048)
def text_keys(text: str) -> frozenset[str]:
    return keys(tokens(normalize(text)))


def _weight(items: Iterable[str]) -> int:
    return sum(_TOPIC_WEIGHT if item.startswith("#") else 1 for item in items)


def _score(asked: frozenset[str], candidate: frozenset[str]) -> tuple[int, float]:
    """Words shared, and their share of the candidate's, by spelling or by skeleton,
    whichever is closer (topics count in both)."""
    best = (0, 0.0)
    for kind in (False, True):
        side = frozenset(k for k in candidate if k.startswith("~") == kind or k[0] == "#")
        if kind and not any(k.startswith("~") for k in side):
            continue  # no skeletons (Latin text): topics alone are not a match
        shared = _weight(asked & side)
        best = max(best, (shared, shared / max(1, _weight(side))), key=lambda s: (s[1], s[0]))
    return best


def best_faq(faq: Iterable[Mapping[str, Any]], asked: frozenset[str]) -> str | None:
    """The answer of the FAQ entry closest to the question, when close enough."""
    best, best_score = None, 0.0
    for entry in faq:
        question, answer = entry.get("question"), entry.get("answer")
        if not isinstance(question, str) or not isinstance(answer, str) or not answer.strip():
            continue
        shared, score = _score(asked, text_keys(question))
        close = (shared >= 2 and score >= 0.3) or (shared >= 1 and score >= 0.5)
        if close and score > best_score:
            best, best_score = answer, score
    return spoken(best) if best else None


def best_instruction(instructions: str, asked: frozenset[str]) -> str | None:
    """A sentence of the instructions that answers the question (not one that directs the
    agent): it shares a topic and a detail, or several words with the question."""
    best, best_shared = None, 0
    for sentence in _SENTENCE_END.split(instructions):
        sentence = sentence.strip(" -•*\t")
        folded = normalize(sentence)
        if not sentence or folded.startswith(_DIRECTIVES):
            continue
        candidate = text_keys(sentence)
        shared_keys = asked & candidate
        topical = any(k.startswith("#") for k in shared_keys)
        detailed = any(ch.isdigit() for ch in sentence) or len(shared_keys) >= 2
        shared = _weight(shared_keys)
        if ((topical and detailed) or shared >= 3) and shared > best_shared:
            best, best_shared = sentence, shared
    return spoken(best) if best else None


def kb_answer(result: Mapping[str, Any]) -> str | None:
    """The first answer among search_knowledge_base's results ({results: [{question,
    answer}]}; other common shapes are read too)."""
    if "error" in result:
        return None
    hits: list[Any] = next(
        (
            result[k]
            for k in ("results", "hits", "matches", "entries")
            if isinstance(result.get(k), list)
        ),
        [],
    )
    for hit in hits:
        if isinstance(hit, str) and hit.strip():
            return spoken(hit)
        if isinstance(hit, Mapping):
            for key in ("answer", "text", "content", "response", "snippet"):
                value = hit.get(key)
                if isinstance(value, str) and value.strip():
                    return spoken(value)
    answer = result.get("answer")
    return spoken(answer) if isinstance(answer, str) and answer.strip() else None


def spoken(text: str) -> str:
    """At most two sentences and about 300 characters: it is read out on a call."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    short = " ".join(sentences[:2])
    if len(short) > _MAX_SPOKEN:
        cut = short[:_MAX_SPOKEN].rsplit(" ", 1)[0]
        short = cut.rstrip(",;:") + "…"
    return short
