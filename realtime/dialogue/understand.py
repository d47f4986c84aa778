"""One caller turn, understood: the intents it matches, the moment it names, the caller's
name or phone number, the lead-qualification signals it carries and the language it is in.

Every lexicon matches whatever the agent's language is; the detected language only tells
the date reader which language to try for written dates, and the logs what was heard.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from realtime.dialogue.lexicons import INTENTS, STOPWORDS, TOPICS
from realtime.dialogue.matching import Matches
from realtime.dialogue.when import When, read_when
from realtime.dialogue.when import words as when_words
from resolvers.textnorm import is_arabic, normalize, tokens, variants

# What is analysed of one turn: a spoken turn is a few hundred characters; a pasted page
# in the widget's text box is read from its beginning.
MAX_CHARS = 2000
_AUTHORITY_GAP = 2  # words between "I am" and a title
_TRANSFER_GAP = 3  # words between "speak" and "someone"

_NAME_AFTER = re.compile(
    r"(?:\bmy name is|\bmy name's|\bje m['\u2019 ]appelle|\bmon nom est"
    r"|\bme llamo|\bmi nombre es|\bsmiti|\bana smiti|\besmi|\bismi|اسمي|إسمي|سميتي"
    r"|\bau nom de|\bà mon nom,?|\bunder the name(?: of)?|\ba nombre de|باسم|\bb smiya)"
    r"\s+([^\W\d_]+(?:[ -][^\W\d_]+)?)",
    re.IGNORECASE,
)
_NOT_NAME = frozenset(
    tokens(normalize("et and y و je i yo ana أنا le la el the de du pour for para voudrais"))
)
_PHONE = re.compile(r"(?<![\d+])(\+?\d[\d .-]{7,18}\d)(?!\d)")
_CURRENCY_SIGN = re.compile(r"\d\s*[€$]|[€$]\s*\d")
_ARABIZI_WORD = re.compile(r"[a-z]+[23579][a-z]+|[23579][a-z]{2,}")
_LATIN_MARKERS = {
    "fr": frozenset(
        tokens(
            "je le la les de des vous pour un une est demain oui bonjour voudrais merci avec suis"
        )
    ),
    "en": frozenset(
        tokens("i the to you is at my would like tomorrow please hello yes can want with")
    ),
    "es": frozenset(
        tokens("el los de quiero quisiera para una con manana hola gracias por cita usted las")
    ),
}


@dataclass
class Heard:
    text: str
    toks: list[str]
    matches: Matches
    when: When
    language: str
    name: str | None = None
    phone: str | None = None
    signals: dict[str, bool] = field(default_factory=dict)

    def has(self, *groups: str) -> bool:
        return any(group in self.matches for group in groups)

    @property
    def wants_transfer(self) -> bool:
        """ "un conseiller", or "parler à quelqu'un" (the person just after the verb: "je
        vais passer demain, on sera deux personnes" is not a transfer)."""
        if self.has("transfer_strong"):
            return True
        verbs = {end for _, end in self.matches.spans.get("transfer_verb", ())}
        return any(
            any(start - gap in verbs for gap in range(_TRANSFER_GAP + 1))
            for start, _ in self.matches.spans.get("transfer_who", ())
        )

    @property
    def wants_booking(self) -> bool:
        """Booking words, or "venir/come/nji" and "a table" with a day and a time."""
        if self.has("booking"):
            return True
        return self.has("visit") and self.when.date is not None and self.when.time is not None

    @property
    def asks(self) -> bool:
        """A question about the business (an FAQ or knowledge-base look-up is worth it): a
        question word or topic, or a question mark on words other than "allô ? oui"."""
        if self.has("question", *TOPICS):
            return True
        return "?" in self.text and any(
            not INTENTS.knows(t) and t not in STOPWORDS for t in self.toks
        )


def hear(
    text: str,
    now_local: dt.datetime,
    language: str,
    *,
    expecting_time: bool = False,
    part_hint: str | None = None,
) -> Heard:
    text = unicodedata.normalize("NFKC", text)[:MAX_CHARS].strip()
    toks = tokens(normalize(text))
    matches = INTENTS.match(toks)
    spoken = detect_language(toks, matches, language)
    when = read_when(text, spoken, now_local, bare_hour=expecting_time, part_hint=part_hint)
    heard = Heard(text, toks, matches, when, spoken, caller_name(text), phone_number(text))
    heard.signals = {
        "need": heard.has("need"),
        "timeline": heard.has("timeline") or when.date is not None,
        "budget": heard.has("budget") or _amount_with_currency(toks, matches, text),
        "authority": heard.has("authority_phrase") or _speaker_is_decider(matches),
    }
    return heard


def spoken_language(text: str, fallback: str) -> str:
    """The language ``text`` is written in (fr, en, es, ar, ary: Darija in Arabic script or
    in Arabizi); ``fallback`` when nothing tells."""
    toks = tokens(normalize(unicodedata.normalize("NFKC", text)[:MAX_CHARS]))
    return detect_language(toks, INTENTS.match(toks), fallback)


def detect_language(toks: list[str], matches: Matches, fallback: str) -> str:
    """fr, en, es, ar or ary from the words themselves; ``fallback`` when nothing tells."""
    if not toks:
        return fallback
    arabic = sum(1 for t in toks if is_arabic(t))
    darija = "darija" in matches or any(_ARABIZI_WORD.fullmatch(t) for t in toks)
    if arabic * 2 >= len(toks):
        return "ary" if darija else "ar"
    if darija:
        return "ary"
    scores = {lang: sum(t in words for t in toks) for lang, words in _LATIN_MARKERS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    if scores[best] == 0 or list(scores.values()).count(scores[best]) > 1:
        return fallback if fallback in scores or fallback in ("ar", "ary") else best
    return best


def caller_name(text: str) -> str | None:
    """The name after "my name is", "je m'appelle", "me llamo", "اسمي", "smiti"."""
    match = _NAME_AFTER.search(text)
    if match is None:
        return None
    words = []
    for word in match[1].replace("-", " - ").split():
        if word == "-":
            continue
        folded = normalize(word)
        if folded in _NOT_NAME or INTENTS.knows(folded):  # "smiti Youssef bghit ..."
            break
        words.append(word if not word.islower() or is_arabic(word) else word.capitalize())
    return " ".join(words) or None


def phone_number(text: str) -> str | None:
    """A phone number said as digits (9 to 15 of them), as said."""
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match[1])
        if 9 <= len(digits) <= 15:
            return ("+" if match[1].startswith("+") else "") + digits
    return None


def _amount_with_currency(toks: list[str], matches: Matches, text: str) -> bool:
    if _CURRENCY_SIGN.search(text):
        return True
    for start, _ in matches.spans.get("currency", ()):
        for k in (start - 1, start - 2):
            if k < 0:
                continue
            token = toks[k]
            if (
                token.isdigit()
                or any(form in when_words.NUMBERS for form in variants(token))
                or k in matches.covered("amount_word")
            ):
                return True
    return False


def _speaker_is_decider(matches: Matches) -> bool:
    """A title the speaker gives themselves: "je suis le gérant", "I'm the business owner",
    "أنا المدير" ("I am" and at most two words before it; "I am talking to the manager" is
    not one)."""
    ends = {end for _, end in matches.spans.get("speaker_is", ())}
    return any(
        any(start - gap in ends for gap in range(_AUTHORITY_GAP + 1))
        for start, _ in matches.spans.get("authority_title", ())
    )
