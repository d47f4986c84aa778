"""One caller turn, understood: its dialogue act (the trained classifier of ``nlu``, fed the
lexicon matches and the moment as cues), the lexicon groups it matches, the moment it names,
the caller's name or phone number, the lead's BANT details (``bant``: budget with its
currency, timeline, who decides) and the language it is in.

Every lexicon matches whatever the agent's language is; the detected language only tells
the date reader which language to try for written dates, and the logs what was heard.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

import phonenumbers

from realtime.dialogue import bant
from realtime.dialogue.lexicons import INTENTS, STOPWORDS, TOPICS
from realtime.dialogue.matching import Matches
from realtime.dialogue.nlu.features import cues
from realtime.dialogue.nlu.model import Prediction
from realtime.dialogue.nlu.model import default as act_model
from realtime.dialogue.when import When, read_when
from realtime.dialogue.when.reading import lookup
from realtime.dialogue.when.words import NUMBERS
from resolvers.textnorm import is_arabic, normalize, tokens

# What is analysed of one turn: a spoken turn is a few hundred characters; a pasted page
# in the widget's text box is read from its beginning.
MAX_CHARS = 2000
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
    act: Prediction
    today: dt.date
    name: str | None = None
    phone: str | None = None
    signals: dict[str, bool] = field(default_factory=dict)
    budget: bant.Budget | None = None
    timeline: str | None = None
    authority: bool | None = None

    def has(self, *groups: str) -> bool:
        return any(group in self.matches for group in groups)

    def opens_with(self, group: str) -> bool:
        """Whether the turn's first words are of ``group`` ("yes please, tomorrow at 10")."""
        spans = self.matches.spans.get(group) or []
        return bool(spans) and spans[0][0] == 0

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
        return ("?" in self.text or "؟" in self.text) and any(
            not INTENTS.knows(t) and t not in STOPWORDS for t in self.toks
        )


DENY_MIN = 0.15  # how likely a no must be for a correction without a new value to be one
CHANGE_MIN = 0.4  # how likely a change must be for the moment to be where the booking goes


def _gives_value(heard: Heard) -> bool:
    """Whether the turn states a value a correction could put in place: a day, a time, a
    name, a phone number, an amount or any number (a party size)."""
    return bool(
        heard.when.date
        or heard.when.time
        or heard.name
        or heard.phone
        or heard.budget
        or any(ch.isdigit() for ch in heard.text)
        or any(lookup(NUMBERS, t) is not None for t in heard.toks)
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
    act = act_model().predict(text, cues(text, toks, matches, when))
    if act.p("booking_change") >= CHANGE_MIN:  # "de jeudi à vendredi" goes to Friday
        when = when.moved()
    heard = Heard(
        text,
        toks,
        matches,
        when,
        spoken,
        act=act,
        today=now_local.date(),
        name=caller_name(text),
        phone=phone_number(text),
        budget=bant.budget(text),
        timeline=bant.timeline(text, now_local.date()),
        authority=bant.authority(text),
    )
    if act.intent == "correction" and act.p("deny") >= DENY_MIN and not _gives_value(heard):
        # a correction replaces a value; "non, 10h c'est trop tôt pour moi" gives none: a no
        heard.act = replace(act, intent="deny", confidence=act.p("deny"))
    heard.signals = {
        "need": heard.act.intent == "lead_info" or heard.has("need"),
        "timeline": heard.timeline is not None,
        "budget": heard.budget is not None,
        "authority": heard.authority is True,
    }
    return heard


def slots_of(heard: Heard) -> dict[str, Any]:
    """What the turn itself states, in plain values: date (ISO), time (HH:MM), name, phone
    (E.164), budget ({amount, currency}), timeline, authority."""
    found: dict[str, Any] = {}
    if heard.when.date:
        found["date"] = heard.when.date.isoformat()
    if heard.when.time:
        found["time"] = heard.when.time.strftime("%H:%M")
    if heard.name:
        found["name"] = heard.name
    if heard.phone and (number := e164(heard.phone)):
        found["phone"] = number
    if heard.budget:
        found["budget"] = {"amount": heard.budget.amount, "currency": heard.budget.currency}
    if heard.timeline:
        found["timeline"] = heard.timeline
    if heard.authority is not None:
        found["authority"] = heard.authority
    return found


def e164(said: str, region: str = "MA") -> str | None:
    """A number as said, in E.164; national forms are read in ``region`` (Morocco first)."""
    try:
        parsed = phonenumbers.parse(said, None if said.startswith("+") else region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


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
