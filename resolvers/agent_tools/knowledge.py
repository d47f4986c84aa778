"""The knowledge search of search_knowledge_base: word overlap with the agent's FAQ, until
the knowledge base brings a real index (replace ``search``, keep its signature)."""

import re
import unicodedata

from models.agent import Agent

SEARCH_LIMIT = 3
_WORD = re.compile(r"\w+")
_STOPWORDS = frozenset(
    {
        *("le", "la", "les", "un", "une", "des", "de", "du", "et", "ou", "au", "aux", "en"),
        *("est", "ce", "que", "qui", "quoi", "pour", "par", "sur", "avec", "vos", "votre"),
        *("nous", "vous", "je", "tu", "il", "elle", "on", "the", "an", "of", "to", "and"),
        *("or", "is", "are", "do", "does", "what", "how", "for", "in", "with", "your"),
        *("you", "we", "it", "el", "los", "las", "es", "como", "para", "por", "con"),
    }
)


def _words(text: str) -> set[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return {w for w in _WORD.findall(folded) if len(w) > 1 and w not in _STOPWORDS}


def search(agent: Agent | None, query: str, limit: int = SEARCH_LIMIT) -> list[dict[str, str]]:
    """The agent's FAQ entries sharing the most words with ``query`` (a word of the question
    counts twice one of the answer), best first; none when nothing matches."""
    wanted = _words(query)
    if agent is None or not wanted:
        return []
    scored: list[tuple[int, int, dict[str, str]]] = []
    for position, entry in enumerate(agent.faq or []):
        if not isinstance(entry, dict):
            continue
        question, answer = str(entry.get("question", "")), str(entry.get("answer", ""))
        score = 2 * len(wanted & _words(question)) + len(wanted & _words(answer))
        if score:
            scored.append((-score, position, {"question": question, "answer": answer}))
    scored.sort(key=lambda s: (s[0], s[1]))
    return [entry for _, _, entry in scored[:limit]]
