"""A small offline text agent: greeting, FAQ answers and the common intents, in the five
languages. The realtime voice issue replaces it with the full dialogue manager; carriers
only depend on ``greeting()`` and ``reply()``."""

import re
import unicodedata
from dataclasses import dataclass

from models.agent import Agent
from resolvers.agents import default_greeting

_WORD = re.compile(r"\w+", re.UNICODE)

_GOODBYE = (
    "au revoir",
    "bonne journée",
    "goodbye",
    "bye",
    "adiós",
    "adios",
    "hasta luego",
    "مع السلامة",
    "بسلامة",
    "bslama",
    "beslama",
    "thalla",
)
_HUMAN = (
    "conseiller",
    "humain",
    "une personne",
    "agent humain",
    "human",
    "real person",
    "representative",
    "someone",
    "asesor",
    "persona",
    "موظف",
    "شي واحد",
    "chi wa7ed",
    "chi wahed",
)
_BOOK = (
    "rendez-vous",
    "rdv",
    "réserver",
    "appointment",
    "book",
    "booking",
    "cita",
    "reservar",
    "موعد",
    "نحجز",
    "maw3id",
    "rendez",
)
_HOURS = (
    "horaire",
    "horaires",
    "ouvert",
    "heures",
    "hours",
    "open",
    "horario",
    "abierto",
    "الساعة",
    "مفتوح",
    "wqt",
    "lwe9t",
)

_TEXTS = {
    "bye": {
        "fr": "Merci de votre appel, au revoir.",
        "en": "Thank you for calling, goodbye.",
        "es": "Gracias por su llamada, adiós.",
        "ar": "شكرا على اتصالك، مع السلامة.",
        "ary": "شكرا على الاتصال، بسلامة.",
    },
    "human": {
        "fr": "Je vous mets en relation avec un conseiller.",
        "en": "I'll connect you with an advisor.",
        "es": "Le paso con un asesor.",
        "ar": "سأحولك إلى أحد المستشارين.",
        "ary": "غادي نحولك لواحد المستشار.",
    },
    "book": {
        "fr": "Avec plaisir. Quel jour et à quelle heure vous conviendraient ?",
        "en": "Gladly. Which day and time would suit you?",
        "es": "Con gusto. ¿Qué día y a qué hora le vendría bien?",
        "ar": "بكل سرور. ما اليوم والساعة المناسبان لك؟",
        "ary": "مرحبا. شمن نهار وشمن ساعة كتناسبك؟",
    },
    "fallback": {
        "fr": "Je note votre demande. Pouvez-vous m'en dire un peu plus ?",
        "en": "I've noted your request. Could you tell me a little more?",
        "es": "Tomo nota de su solicitud. ¿Puede contarme un poco más?",
        "ar": "سجلت طلبك. هل يمكنك أن تخبرني بالمزيد؟",
        "ary": "سجلت الطلب ديالك. واش تقدر تزيدني شوية ديال التفاصيل؟",
    },
}


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _has(text: str, phrases: tuple[str, ...]) -> bool:
    words = set(_WORD.findall(text))
    return any((p in text) if " " in p or not p.isascii() else (p in words) for p in phrases)


@dataclass(frozen=True)
class Reply:
    text: str
    intent: str
    end: bool = False


class TextAgent:
    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.language = agent.language if agent.language in _TEXTS["bye"] else "fr"

    def greeting(self) -> str:
        return default_greeting(self.agent)

    def _say(self, key: str) -> str:
        return _TEXTS[key][self.language]

    def reply(self, text: str) -> Reply:
        said = _norm(text)
        if _has(said, _GOODBYE):
            return Reply(self._say("bye"), "goodbye", end=True)
        answer = self._faq(said)
        if answer is not None:
            return Reply(answer, "faq")
        if _has(said, _HUMAN):
            return Reply(self._say("human"), "transfer")
        if _has(said, _BOOK):
            return Reply(self._say("book"), "booking")
        return Reply(self._say("fallback"), "fallback")

    def _faq(self, said: str) -> str | None:
        words = set(_WORD.findall(said))
        best, best_score = None, 0.0
        for item in self.agent.faq:
            q = set(_WORD.findall(_norm(item.get("question", ""))))
            if not q:
                continue
            score = len(words & q) / len(q)
            if score > best_score:
                best, best_score = item.get("answer"), score
        return best if best_score >= 0.5 else None
