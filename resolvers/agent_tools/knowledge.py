"""What search_knowledge_base finds: the agent's own FAQ (word overlap) and the tenant's
knowledge base (resolvers.knowledge: hybrid search in the call's language), each result
citing where it comes from."""

import re
import unicodedata

from models.agent import Agent
from resolvers.knowledge import search as kb_search

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


# A Darija caller is answered from Darija entries first, then Modern Standard Arabic ones
# (and the reverse): the same script, most of the same words.
RELATED_LANGUAGES = {"ary": ["ary", "ar"], "ar": ["ar", "ary"]}


async def search(
    tenant_id: str, agent: Agent | None, query: str, language: str, limit: int = SEARCH_LIMIT
) -> list[dict[str, str]]:
    """The agent's FAQ matches, then the knowledge base's relevant passages (never one that
    only resembles the query in spelling), at most ``limit``; none when nothing matches."""
    found = faq_search(agent, query, limit)
    languages = RELATED_LANGUAGES.get(language, [language])
    for hit in await kb_search.search_tenant(tenant_id, query, languages=languages, limit=limit):
        if len(found) >= limit:
            break
        if hit.relevant:
            found.append(
                {
                    "id": hit.entry_id,
                    "question": hit.heading or hit.title,
                    "answer": hit.text,
                    "source": hit.source,
                }
            )
    return found


def faq_search(agent: Agent | None, query: str, limit: int = SEARCH_LIMIT) -> list[dict[str, str]]:
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
