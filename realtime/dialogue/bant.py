"""Lead-qualification details (BANT) in one caller turn: the budget, the project's timeline
and whether the speaker decides, in French, English, Spanish, Modern Standard Arabic and
Darija (Arabic script and Arabizi), code-switching included.

``understand`` only tells whether a turn *mentions* a budget, a timeline or authority; the
CRM wants the values, normalised to the product's conventions:

- ``budget``: an amount and a currency (MAD, EUR, USD; MAD when none is said). Ranges and
  caps give the upper value. Darija counts big sums in centimes: "80 مليون", "15 mlyoun",
  "mlyoun w nass" are millions of centimes (10,000 MAD each) unless "dirham" follows the
  word; "million" is 1,000,000 in the other languages.
- ``timeline``: ``urgent``, ``within N days|weeks|months|years``, ``by YYYY-MM`` (a month,
  season or holiday named), ``before YYYY-MM-DD`` (an exact deadline) or ``in YYYY``,
  resolved against today. An appointment day ("demain à 10h") is not a timeline.
- ``authority``: True when the speaker decides (alone or with someone), False when someone
  else decides or must approve, None otherwise ("je veux parler au gérant" asks for a
  transfer, it says nothing about who decides).

Speech gives words more than digits, so amounts and counts are read from number words in
every language; a number only counts as money in a money context (a currency, a budget
word, a k/M suffix, a thousand or million word), so times, days of the month, phone
numbers and party sizes are not budgets. Everything is pure and table-driven and returns
None when unsure: a wrong value in a CRM is worse than none.
"""

import datetime as dt
import itertools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from realtime.dialogue.lexicons import DARIJA_MARKERS
from realtime.dialogue.matching import Lexicon
from realtime.dialogue.when import days
from realtime.dialogue.when import words as when_words
from realtime.dialogue.when.reading import among, lookup, read_number
from resolvers.textnorm import arabic_variants, is_arabic, normalize, tokens, variants

# A spoken turn is a few hundred characters; a pasted page is read from its beginning.
_MAX_CHARS = 2000


def _fold(words: str) -> tuple[str, ...]:
    return tuple(tokens(normalize(words)))


def _words(*groups: str) -> frozenset[str]:
    """The folded single words of space-separated lists."""
    return frozenset(word for group in groups for word in _fold(group))


def _spans_ends(spans: dict[str, list[tuple[int, int]]], *groups: str) -> set[int]:
    return {end for group in groups for _, end in spans.get(group, ())}


def _cued(toks: Sequence[str], pos: int, ends: set[int], fillers: frozenset[str]) -> bool:
    """Whether a cue phrase ends just before ``pos``, a filler word or two between
    ("avant *le* 15 janvier", "d'ici *la fin de* ...")."""
    k = pos
    for _ in range(3):
        if k in ends:
            return True
        if k <= 0 or toks[k - 1] not in fillers:
            return False
        k -= 1
    return False


# --------------------------------------------------------------------------------- budget


@dataclass(frozen=True)
class Budget:
    """What the caller can spend: ``amount`` in units of ``currency`` (MAD, EUR or USD)."""

    amount: int
    currency: str


@dataclass(frozen=True)
class _Piece:
    """What one token is to the number reader."""

    kind: str
    value: float = 0.0
    joined: bool = False  # an Arabic conjunction glued in front: وعشرين, ونص
    scale: float = 1.0  # a k/M suffix glued to digits: 50k, 2M
    grouped: bool = False  # digits written with thousands separators: 800 000
    currency: tuple[str, float] | None = None  # glued behind the digits: 500dh
    darija: bool = False  # a Darija spelling of "million" (mlyoun): millions of centimes
    arabic: bool = False  # an Arabic-script "million" (مليون): Darija or MSA, by the turn
    quarter: bool = False  # ربع: four, or a quarter before "million"
    teen_after: bool = False  # عشر after a unit makes a teen: خمسة عشر
    suffix: bool = False  # "k", "grand": a thousand that is money by itself


# The kinds of number words, and how they combine (see _Reading.take).
_BIG = {"thousand": 1e3, "thousand2": 1e3, "million": 1e6, "million2": 1e6, "billion": 1e9}
_MULTIPLIERS = frozenset({"hundred", *_BIG})
_SMALL = frozenset({"unit", "teen", "ten", "hundred", "hundreds", "digits"})

_NUMBER_GROUPS: tuple[tuple[str, float, str], ...] = (
    # Units, teens and tens beyond when.words.NUMBERS (its 0 and "oh" are not amounts).
    ("unit", 1, "wa7ed wahed wa7d wahd"),
    ("unit", 2, "zoj"),
    ("unit", 3, "ثلاث تلت تلات tlat tlt tleta"),
    ("unit", 4, "ربع rb3 reb3 rba3 arba"),
    ("unit", 5, "خمس khams khms 5ms khmes"),
    ("unit", 6, "ست sett stt setta"),
    ("unit", 7, "سبع seba3 sba3 sb3"),
    ("unit", 8, "تمن tmn tman tmen"),
    ("unit", 9, "تسع tsa3 tes3 ts3"),
    ("teen", 10, "3achr 3chr 3ashr achra 3echra"),
    ("teen", 13, "تلطاش tlettach tltach"),
    ("teen", 14, "ربعطاش rb3tach rba3tach reb3tach"),
    ("teen", 15, "خمسطاش khmstach khamstach 5mstach khmestach"),
    ("teen", 16, "سطاش settach sttach"),
    ("teen", 17, "سبعطاش sb3tach sba3tach"),
    ("teen", 18, "تمنطاش tmntach tmentach tmantach"),
    ("teen", 19, "تسعطاش ts3tach tsa3tach tes3tach"),
    ("ten", 20, "3chrin 3echrin 3ichrin achrin 3ishrin 3achrin 3chrine"),
    ("ten", 24, "veinticuatro"),
    ("ten", 25, "veinticinco"),
    ("ten", 26, "veintiséis"),
    ("ten", 27, "veintisiete"),
    ("ten", 28, "veintiocho"),
    ("ten", 29, "veintinueve"),
    ("ten", 30, "تلاتين tlatin tletin tlatine"),
    ("ten", 40, "ربعين rb3in reb3in arb3in arba3in"),
    ("ten", 50, "khamsin 5amsin khmsin khamsine"),
    ("ten", 60, "sixty soixante sesenta ستين ستون sttin settin stin"),
    ("ten", 70, "seventy septante setenta سبعين سبعون sb3in seb3in sab3in"),
    ("ten", 80, "eighty huitante octante ochenta ثمانين ثمانون تمانين تمنين tmanin tmnin"),
    ("ten", 90, "ninety nonante noventa تسعين تسعون ts3in tes3in tsa3in"),
    # Whole hundreds in one word.
    ("hundreds", 200, "doscientos doscientas مئتان مئتين مائتين مائتان مئتي مائتي ميتين"),
    ("hundreds", 200, "mitin mytin mitayn miyatayn mitine"),
    ("hundreds", 300, "trescientos trescientas ثلاثمائة ثلاثمئة تلتمية تلاتمية"),
    ("hundreds", 300, "tltmya tlatmya tltmia"),
    ("hundreds", 400, "cuatrocientos cuatrocientas أربعمائة أربعمئة ربعمية rb3mya"),
    ("hundreds", 500, "quinientos quinientas خمسمائة خمسمئة خمسمية khamsmya khmsmya"),
    ("hundreds", 500, "5msmya khamsmia khmsmia"),
    ("hundreds", 600, "seiscientos seiscientas ستمائة ستمئة ستمية sttmya settmya"),
    ("hundreds", 700, "setecientos setecientas سبعمائة سبعمئة سبعمية sb3mya seb3mya"),
    ("hundreds", 800, "ochocientos ochocientas ثمانمائة ثمانمئة تمنمية tmnmya tmenmya"),
    ("hundreds", 900, "novecientos novecientas تسعمائة تسعمئة تسعمية ts3mya tes3mya"),
    # Multipliers.
    ("hundred", 100, "cent cents hundred hundreds cien ciento مائة مئة مية ماية ميا ميات"),
    ("hundred", 100, "mya miya meya myat miyat"),
    ("thousand", 1e3, "mille thousand thousands mil ألف آلاف ألاف تالاف"),
    ("thousand", 1e3, "alf alef alaf alaaf talaf"),
    ("thousand2", 2e3, "ألفين ألفان alfayn alfin alfine alfain alfayen alfen"),
    ("million", 1e6, "million millions millon millones"),
    ("million2", 2e6, "مليونين مليونان"),
    ("billion", 1e9, "milliard milliards billion billions"),
    ("half", 0.5, "demi demie half medio media نص نصف nass ness nss noss"),
    ("quarter", 0.25, "quart quarter cuarto rob3"),
    ("article", 1, "a an"),
    ("conn", 0, "et and y و w o u ou wa"),
)
# Spellings that carry their own conventions.
_ARABIC_MILLIONS = (("million", 1e6, "مليون ملايين ملاين"), ("billion", 1e9, "مليار ملايير"))
_DARIJA_MILLIONS = (
    ("million", 1e6, "mlyoun melyoun malyoun mlyon milyoun mliyoun mlyun mlioun milyon"),
    ("million", 1e6, "malyon mlayn mlayen mlayin malayin"),
    ("million2", 2e6, "mlyounayn mlyonayn"),
    ("billion", 1e9, "mlyar milyar melyar"),
)
_SUFFIX_THOUSANDS = _words("k grand grands")
_QUARTER_FOUR = _words("ربع rb3 reb3 rba3")
_VINGT = _words("vingt vingts")  # quatre-vingt(s): 80


def _kind_of(value: int) -> str:
    return "unit" if value < 10 else "teen" if value < 20 else "ten"


def _number_words() -> dict[str, _Piece]:
    table: dict[str, _Piece] = {}
    for word, number in when_words.NUMBERS.items():
        if " " not in word and number > 0:
            teen_after = word in when_words.TEENS_AFTER
            table[word] = _Piece(_kind_of(number), float(number), teen_after=teen_after)
    for kind, value, words in _NUMBER_GROUPS:
        for word in _fold(words):
            table[word] = _Piece(
                kind,
                value,
                quarter=word in _QUARTER_FOUR,
                suffix=word in _SUFFIX_THOUSANDS,
            )
    for kind, value, words in _ARABIC_MILLIONS:
        table.update({word: _Piece(kind, value, arabic=True) for word in _fold(words)})
    for kind, value, words in _DARIJA_MILLIONS:
        table.update({word: _Piece(kind, value, darija=True) for word in _fold(words)})
    table.update({word: _Piece("thousand", 1e3, suffix=True) for word in _SUFFIX_THOUSANDS})
    return table


_NUMBER_WORDS = _number_words()

# Currencies: code and factor to it. Centimes and Moroccan rials are hundredths and
# twentieths of a dirham; a "brique" is 10,000 dirhams. Unknown currencies (code "") make
# an amount no budget of ours.
_CURRENCIES: dict[str, tuple[str, float]] = {
    **dict.fromkeys(
        _fold(
            "dirham dirhams dirhame dirhem dirhm dh dhs mad derham derhem drahem drahm drham "
            "dhirham درهم دراهم درهما"
        ),
        ("MAD", 1.0),
    ),
    **dict.fromkeys(_fold("euro euros eur يورو"), ("EUR", 1.0)),
    **dict.fromkeys(
        _fold("dollar dollars dolar dolares usd دولار دولارات bucks buck"), ("USD", 1.0)
    ),
    **dict.fromkeys(_fold("centime centimes santim santime centim سنتيم"), ("MAD", 0.01)),
    **dict.fromkeys(_fold("ryal ريال"), ("MAD", 0.05)),
    **dict.fromkeys(_fold("brique briques"), ("MAD", 1e4)),
    **dict.fromkeys(
        _fold(
            "livre livres pound pounds libra libras gbp riyal riyals dinar dinars franc francs peso "
            "pesos yen yuan"
        ),
        ("", 0.0),
    ),
    "€": ("EUR", 1.0),
    "$": ("USD", 1.0),
    "£": ("", 0.0),
}
_CURRENCY_BEFORE = frozenset({"€", "$", "£", *_fold("usd eur mad dh dhs")})
_CURRENCY_BRIDGE = _words("de d of en in dyal dial diyal del des ديال د les el los the l")
# Letters glued behind digits: a multiplier, a currency, or both (2mdh, 300kdh).
_DIGIT_SUFFIXES: dict[str, tuple[float, tuple[str, float] | None]] = {
    "": (1.0, None),
    "k": (1e3, None),
    "m": (1e6, None),
    "mln": (1e6, None),
    "mdh": (1e6, ("MAD", 1.0)),
    "mdhs": (1e6, ("MAD", 1.0)),
    "kdh": (1e3, ("MAD", 1.0)),
    "kdhs": (1e3, ("MAD", 1.0)),
    **{
        word: (1.0, code)
        for word, code in _CURRENCIES.items()
        if word.isascii() and word.isalpha() and len(word) > 1
    },
}

_GROUPED = re.compile(
    r"(?<![\d.,+_])([1-9]\d{0,2})(?P<sep>[ .,])(\d{3})((?:(?P=sep)\d{3})*)(?:[.,]\d{1,2})?(?![\d])"
)
_PHONE = re.compile(r"(?<![\d+])\+?\d[\d .-]{7,18}\d(?!\d)")
_VALID_GROUPING = re.compile(r"[1-9]\d{0,2}(?:([ .,])\d{3})(?:\1\d{3})*")
_MONEY_TOKEN = re.compile(r"[€$£%]|\d+(?:_\d{3})*(?:[.,]\d+)?[^\W\d_]*|[^\W_]+")
_DIGIT_TOKEN = re.compile(r"(\d+(?:_\d{3})*)(?:[.,](\d+))?([^\W\d_]*)")
_ARABIZI = re.compile(r"[a-z]*[a-z][23579][a-z]+|[23579]([a-z]{2,})")
_NOT_ARABIZI = _words(
    "eme ieme er ere nd rd th st am pm km kg mn min ans mois dh dhs mad mm cm ml mdh mdhs kdh "
    "kdhs mln eur usd euros"
)
_NOT_ARABIZI_WORDS = _words("b2b b2c c2c p2p")
_DARIJA = frozenset(
    word for phrase in DARIJA_MARKERS if len(words := _fold(phrase)) == 1 for word in words
) | _words(
    "ديالي ديالنا ديال بغيت بغينا باغي واش شنو شحال كيفاش دابا بزاف مزيان خاصني خصني كاين "
    "كاينه ماشي هادشي حنا غادي فلوس الفلوس بحال راه راني تلاتين تلاته ربعين تمانين نص ونص",
    "dyali diali dial dyal baghi bghina chno ch7al chhal kifach daba bzaf mzyan kayn kayna "
    "machi hadchi ghadi flous lflous bhal rah rani 3ndi 3andi 3endi mlyoun melyoun mlayn alf "
    "alaf mya derham drahem nass",
)

_BUDGET_WORDS = Lexicon(
    {
        # Budget words and "what I can spend": an amount near them is the budget.
        "strong": (
            *("budget*", "lbudget", "enveloppe", "presupuesto*", "ميزانية", "ميزانيتي"),
            *("ميزانيتنا", "mizaniya", "mizaniyti", "mizanya", "mizania", "lmizaniya"),
            *("prix max", "prix maximum", "prix maxi", "peux mettre", "pouvons mettre"),
            *("peut mettre", "compte mettre", "prêt à mettre", "prêt à payer", "peux payer"),
            *("peux investir", "peux dépenser", "can spend", "can afford", "willing to spend"),
            *("willing to pay", "can pay", "can invest", "puedo gastar", "puedo pagar"),
            *("puedo invertir", "podemos gastar", "podemos pagar", "نقدر نخلص", "أقدر أدفع"),
            *("يمكنني دفع", "n9der nkhelles", "n9dar nkhless", "nkhelles", "nkhless"),
            *("investir", "invertir", "invest", "spend", "afford"),
        ),
        # Words around an amount that make it money when it is big enough: about, at
        # most, between, the price.
        "weak": (
            *("dans les", "autour de", "autour des", "aux alentours de", "environ"),
            *("à peu près", "around", "about", "approximately", "roughly", "approx"),
            *("alrededor de", "aproximadamente", "unos", "unas", "حوالي", "تقريبا", "قرابة"),
            *("حدود", "7wali", "hwali", "ta9riban", "taqriban", "chi", "max", "maxi"),
            *("maximum", "pas plus de", "pas plus que", "jusqu'à", "jusqu'au", "up to"),
            *("no more than", "not more than", "at most", "hasta", "como máximo"),
            *("no más de", "máximo", "حتى", "لا يتجاوز", "ما يفوتش", "ما يتعداش", "على الأكثر"),
            *("أقصى", "ma yfoutch", "ma yfoutsh", "mayfoutch", "ma ydouzch", "ma yt3ddach"),
            *("entre", "between", "moins de", "less than", "under", "below", "menos de"),
            *("أقل من", "au moins", "at least", "al menos", "minimum", "prix", "price"),
            *("precio", "coût", "coûte", "cost", "costs", "tarif", "سعر", "ثمن", "taman"),
            *("tamane", "thaman", "flous", "فلوس", "argent", "money", "dinero", "payer"),
            *("pay", "pagar", "ndfa3"),
        ),
        # Quantities that are not money: "20 personnes", "50 000 km", "3 ans".
        "unit": (
            *("personne*", "people", "person", "persons", "persona*", "أشخاص", "شخص", "نفر"),
            *("nass", "ness", "invité*", "guest*", "invitado*", "km", "kilom*", "m2", "mètre*"),
            *("metro*", "meter*", "metre*", "متر", "habitant*", "an", "ans", "année*", "year*"),
            *("año*", "mois", "month*", "mes", "meses", "jour*", "day*", "día*", "semaine*"),
            *("week*", "semana*", "heure*", "hour*", "hora*", "minute*", "minuto*", "fois"),
            *("times", "veces", "مرة", "مرات", "pour cent", "pourcent", "percent", "por ciento"),
            *("follower*", "abonné*", "vues", "views", "visiteur*", "visitor*", "client*"),
            *("customer*", "employé*", "employee*", "salarié*", "empleado*", "appel*", "call*"),
            *("llamada*", "message*", "unité*", "unit*", "unidad*", "pièce*", "piece*"),
            *("article*", "item*", "produit*", "product*", "kg", "kilo*", "tonne*", "litre*"),
            *("liter*", "chambre*", "room*", "habitacion*", "nuit*", "night*", "noche*"),
            *("étage*", "floor*", "enfant*", "kid*", "child*", "niño*", "أطفال", "drari"),
            *("lits", "beds", "camas", "places", "seats", "plazas", "tables", "mesas", "cv"),
            *("chevaux", "hp", "cc", "go", "gb", "mo", "mb", "kw", "kwh", "hectare*", "ha"),
            *("يوم", "أيام", "ساعة", "ساعات", "دقيقة", "دقائق", "سنة", "سنوات", "شهر", "أشهر"),
            *("كيلو", "كلم", "iyam", "chhour", "snin", "ayam", "sa3a", "sa3at", "d9ay9"),
            *("bit", "byout", "بيوت", "غرف", "غرفة"),
        ),
        # Before a four-digit number, it is a year: "en 2027", "avant 2028".
        "year": (
            *("en", "in", "année", "year", "año", "sanat", "l3am", "3am", "عام", "سنة", "avant"),
            *("before", "by", "d'ici", "depuis", "since", "fin", "end", "début", "early"),
            *("late", "mi", "para", "pour", "for", "from", "until", "jusqu'en", "vers"),
            *("around", "في", "f", "fi", "qbel", "9bel", "قبل"),
        ),
        "correction": (
            *("non", "pardon", "plutôt", "sorry", "rather", "i mean", "perdón", "mejor dicho"),
            *("o sea", "لا", "عفوا", "بل", "smeh li", "smahli", "lla", "laa"),
        ),
    },
    fuzzy=False,
)
# Between the two ends of a range: "entre 40 et 50 000", "de 3 à 4 millions", "mn 20 l 30".
_RANGE_WORDS = _words("et and a to y o ou or و w l ila hta 7ta حتى الى hasta jusqu")
_FRACTION_FILLERS = _words("of a an de d un del dyal")
_MONTH_FILLERS = _words("de of del")
_WEAK_MIN = 1000  # an amount made money by an "about" word only
_WORDS_MIN = 10_000  # an amount made money by its thousand/million word only
_PLAIN_MIN = 100  # a bare number below this is a count, an hour or a day
_MIN_AMOUNT, _MAX_AMOUNT = 10, 100_000_000_000


@dataclass(frozen=True)
class _Amount:
    value: float
    start: int
    end: int
    words: bool  # a thousand/million word, or a k/M suffix
    suffix: bool  # a k/M suffix or "grand"
    million: bool
    darija: bool
    arabic: bool
    grouped: bool
    year_like: bool
    currency: tuple[str, float] | None


@dataclass
class _Reading:
    """A number being read word by word: ``total`` holds the thousands and millions read,
    ``current`` the part below the last multiplier (``level``)."""

    total: float = 0.0
    current: float = 0.0
    level: float = math.inf
    last: str = ""
    last_value: float = 0.0
    fraction: bool = False  # "half", "quarter" waiting for their multiplier
    closed: bool = False  # "et demi" ends a number
    words: bool = False
    suffix: bool = False
    million: bool = False
    darija: bool = False
    arabic: bool = False
    grouped: bool = False
    currency: tuple[str, float] | None = None

    def take(self, piece: _Piece, joined: bool, token: str, ahead: _Piece | None) -> bool:
        if self.closed or (self.fraction and piece.kind not in _MULTIPLIERS):
            return False
        kind = self._apply(piece, joined, token, ahead)
        if kind is None:
            return False
        self.last, self.last_value = kind, piece.value
        return True

    def _apply(self, p: _Piece, joined: bool, token: str, ahead: _Piece | None) -> str | None:
        start = self.last in ("", "article")
        after_big = self.last in _BIG and self.current == 0
        small = self.current % 100
        if p.kind == "digits":
            return self._digits(p, start, after_big)
        if p.kind == "unit":
            if p.quarter and self.last == "" and ahead is not None and ahead.kind == "million":
                self.current, self.fraction = 0.25, True  # ربع مليون
                return "quarter"
            if not (
                start
                or after_big
                or (self.last == "ten" and self.current % 10 == 0)
                or (self.last in ("hundred", "hundreds") and small == 0)
                or (self.last == "teen" and small == 10 and not joined)  # dix-sept
            ):
                return None
            self.current += p.value
            return "unit"
        if p.kind == "teen":
            if p.teen_after and self.last == "unit" and not joined and 0 < small < 10:
                self.current += 10  # خمسة عشر
                return "teen"
            if not (
                start
                or after_big
                or (self.last in ("hundred", "hundreds") and small == 0)
                or (self.last == "ten" and small in (60, 80))  # soixante-dix, quatre-vingt-dix
            ):
                return None
            self.current += p.value
            return "teen"
        if p.kind == "ten":
            if token in _VINGT and self.last == "unit" and self.last_value == 4 and small == 4:
                self.current += 76  # quatre-vingt
                return "ten"
            reverse = self.last == "unit" and joined and 0 < small < 10 and p.value % 10 == 0
            if not (
                start
                or after_big
                or (self.last in ("hundred", "hundreds") and small == 0)
                or reverse  # خمسة وعشرين, khamsa w 3chrin
            ):
                return None
            self.current += p.value
            return "ten"
        if p.kind == "hundreds":
            if not (start or after_big):
                return None
            self.current += p.value
            return "hundreds"
        if p.kind == "hundred":
            if start or after_big:
                self.current += 100
            elif self.last in _SMALL and 0 < self.current < 100:
                self.current *= 100
            else:
                return None
            return "hundred"
        if p.kind in _BIG:
            return self._big(p)
        if p.kind == "half":
            return self._half(joined, ahead)
        if p.kind == "quarter" and (start or self._just_one(joined)):
            self.current, self.fraction = 0.25, True
            return "quarter"
        return None

    def _digits(self, p: _Piece, start: bool, after_big: bool) -> str | None:
        if self.last == "article" or not (start or (after_big and p.value < self.level)):
            return None
        self.grouped |= p.grouped
        if p.currency is not None:
            self.currency, self.closed = p.currency, True
        if p.scale > 1:
            if p.scale >= self.level:
                return None
            self.total += p.value * p.scale
            self.level = p.scale
            self.words = self.suffix = True
            self.million |= p.scale >= 1e6
            return "million" if p.scale >= 1e6 else "thousand"
        self.current += p.value
        return "digits"

    def _big(self, p: _Piece) -> str | None:
        level = _BIG[p.kind]
        if level >= self.level or self.current >= 1000:
            return None
        if p.suffix and self.last not in _SMALL:
            return None  # "k" and "grand" only after a number
        if p.kind in ("thousand2", "million2"):
            if self.last not in ("", *_BIG) or self.current:
                return None
            self.total += p.value
        elif self.last in ("", "article"):
            self.total += level
        elif self.last in _SMALL or self.fraction:
            self.total += self.current * level
        else:
            return None
        self.current, self.level, self.fraction = 0.0, level, False
        self.words = True
        self.suffix |= p.suffix
        if level >= 1e6:
            self.million = True
            self.darija |= p.darija
            self.arabic |= p.arabic
        return p.kind

    def _half(self, joined: bool, ahead: _Piece | None) -> str | None:
        if self.last in _BIG and joined and self.current == 0:
            self.total += 0.5 * self.level  # un million et demi, mlyoun w nass
            self.closed = True
            return "half"
        if self.last in ("", "article") or self._just_one(joined):
            self.current, self.fraction = 0.5, True  # half a million, un demi-million
            return "half"
        if (
            self.last in ("unit", "teen", "ten", "digits")
            and joined
            and ahead is not None
            and ahead.kind in _MULTIPLIERS
        ):
            self.current += 0.5  # one and a half million
            self.fraction = True
            return "half"
        return None

    def _just_one(self, joined: bool) -> bool:
        return self.last == "unit" and self.last_value == 1 and self.current == 1 and not joined


def _piece(token: str) -> _Piece | None:
    """The number reader's view of a token, None for other words."""
    if token[0].isdigit():
        match = _DIGIT_TOKEN.fullmatch(token)
        if match is not None:
            whole, decimals, letters = match.groups()
            suffix = _DIGIT_SUFFIXES.get(letters)
            if suffix is not None:
                if len(whole) > 1 and whole[0] == "0":
                    return None  # 06 12 ..., 0612345678: not an amount
                digits = whole.replace("_", "")
                if len(digits) > 15:
                    return None
                value = float(f"{digits}.{decimals}" if decimals else digits)
                return _Piece(
                    "digits", value, scale=suffix[0], grouped="_" in whole, currency=suffix[1]
                )
    found = _NUMBER_WORDS.get(token)
    if found is not None or not is_arabic(token):
        return found
    # A glued conjunction is kept apart even on short words (ونص); articles go as usual.
    forms = (token[1:],) if token.startswith("و") else ()
    for form in (*forms, *arabic_variants(token)[1:]):
        found = _NUMBER_WORDS.get(form)
        if found is not None:
            joined = token.startswith("و") and found.kind not in ("conn", "article")
            return _Piece(
                found.kind,
                found.value,
                joined=joined,
                arabic=found.arabic,
                quarter=found.quarter,
                teen_after=found.teen_after,
            )
    return None


def _read_amount(
    toks: Sequence[str], pieces: Sequence[_Piece | None], start: int
) -> _Amount | None:
    reading = _Reading()
    joined = False
    end = j = start
    while j < len(pieces):
        piece, token = pieces[j], toks[j]
        if reading.fraction and token in _FRACTION_FILLERS:  # half *a* million
            j += 1
            continue
        if piece is None:
            break
        ahead = pieces[j + 1] if j + 1 < len(pieces) else None
        if piece.kind == "conn":
            if not reading.last or joined:
                break
            joined = True
            j += 1
            continue
        if piece.kind == "article":
            if joined and ahead is not None and ahead.kind == "half":  # and *a* half
                j += 1
                continue
            if (
                reading.last
                or ahead is None
                or ahead.kind not in (*_MULTIPLIERS, "half", "quarter")
            ):
                break
            reading.last = "article"
            j += 1
            continue
        if not reading.take(piece, joined or piece.joined, token, ahead):
            break
        joined = False
        j += 1
        end = j
    if end == start or reading.fraction:
        return None
    value = reading.total + reading.current
    first = pieces[start]
    year_like = (
        end == start + 1
        and first is not None
        and first.kind == "digits"
        and not first.grouped
        and first.scale == 1
        and value.is_integer()
        and 1900 <= value <= 2100
    )
    return _Amount(
        value,
        start,
        end,
        reading.words,
        reading.suffix,
        reading.million,
        reading.darija,
        reading.arabic,
        reading.grouped,
        year_like,
        reading.currency,
    )


def _amounts(toks: Sequence[str], pieces: Sequence[_Piece | None]) -> list[_Amount]:
    found = []
    i = 0
    while i < len(toks):
        piece = pieces[i]
        if piece is not None and piece.kind != "conn":
            amount = _read_amount(toks, pieces, i)
            if amount is not None:
                found.append(amount)
                i = amount.end
                continue
        i += 1
    return found


def _mask_phone(match: re.Match[str]) -> str:
    """Phone numbers out of the way: 9 to 15 digits not grouped by thousands."""
    said = match[0]
    digits = sum(c.isdigit() for c in said)
    if 9 <= digits <= 15 and (said[0] in "+0" or not _VALID_GROUPING.fullmatch(said)):
        return " "
    return said


def _mask_date(match: re.Match[str]) -> str:
    """Written dates out of the way (15/01, 2026-12-01), not ranges ("40-50 000")."""
    said = match[0]
    if "-" in said and not match[1]:
        return said
    return " " if days.numeric_dates(said, dt.date(2000, 1, 1)) or match[1] else said


def _money_tokens(text: str) -> list[str]:
    folded = normalize(text[:_MAX_CHARS])
    folded = days.NUMERIC_DATE.sub(_mask_date, folded)
    folded = _PHONE.sub(_mask_phone, folded)
    folded = _GROUPED.sub(lambda m: m[1] + "_" + m[3] + m[4].replace(m["sep"], "_"), folded)
    return _MONEY_TOKEN.findall(folded)


def _currency_at(toks: Sequence[str], i: int) -> tuple[str, float] | None:
    if not 0 <= i < len(toks):
        return None
    for form in variants(toks[i]):
        if form in _CURRENCIES:
            return _CURRENCIES[form]
    return None


def _currency_of(toks: Sequence[str], amount: _Amount) -> tuple[str, float] | None:
    """The currency said with an amount: glued, after it ("de dirhams", "ديال الدراهم")
    or as a sign or code before it ("$500", "MAD 300 000")."""
    if amount.currency is not None:
        return amount.currency
    k = amount.end
    for _ in range(3):
        found = _currency_at(toks, k)
        if found is not None:
            return found
        if k >= len(toks) or toks[k] not in _CURRENCY_BRIDGE:
            break
        k += 1
    if amount.start > 0 and toks[amount.start - 1] in _CURRENCY_BEFORE:
        return _currency_at(toks, amount.start - 1)
    return None


def is_darija(toks: Iterable[str]) -> bool:
    """Whether a turn is (partly) Darija: a Darija word, or an Arabizi word (letters with
    3/7/9/2/5 for ع/ح/ق/ء/خ: "3chrin", "l3am", "m3a"), units like "5km" aside."""
    for token in toks:
        if token in _DARIJA:
            return True
        if token.isascii() and token not in _NOT_ARABIZI_WORDS:
            match = _ARABIZI.fullmatch(token)
            if match is not None and (match[1] is None or match[1] not in _NOT_ARABIZI):
                return True
    return False


def _is_month(toks: Sequence[str], i: int) -> bool:
    return 0 <= i < len(toks) and lookup(when_words.MONTHS, toks[i]) is not None


@dataclass
class _Candidate:
    amount: _Amount
    currency: tuple[str, float] | None
    eligible: bool  # not a count, an hour, a day or a year
    money: bool
    strong: bool  # near a budget word


def _candidate(
    toks: Sequence[str],
    amount: _Amount,
    strong_spans: list[tuple[int, int]],
    weak_ends: set[int],
    units: set[int],
) -> _Candidate:
    currency = _currency_of(toks, amount)
    start, end, value = amount.start, amount.end, amount.value
    strong = any(
        (e <= start and start - e <= 8) or (s >= end and s - end <= 1) for s, e in strong_spans
    )
    close = any(e <= start and start - e <= 3 for _, e in strong_spans)
    weak = any(start - 3 <= e <= start for e in weak_ends)
    bridged = end + 1 if end < len(toks) and toks[end] in _CURRENCY_BRIDGE else end
    unit_after = end in units or bridged in units or (end < len(toks) and toks[end] == "%")
    # "le 3 décembre", "3 de diciembre", "mars 2027": a day or a year
    month_near = _is_month(toks, start - 1) or _is_month(toks, end) or _is_month(toks, bridged)
    if currency is not None or amount.suffix:
        eligible = value >= _MIN_AMOUNT
        return _Candidate(amount, currency, eligible, eligible, strong)
    plain = not amount.words
    eligible = (
        value >= _MIN_AMOUNT
        and not unit_after
        and not month_near
        and not (plain and value < _PLAIN_MIN)
        and not (amount.year_like and not close)
    )
    money = eligible and (
        strong
        or (weak and (value >= _WEAK_MIN or amount.words))
        or (amount.words and value >= _WORDS_MIN)
        or (amount.grouped and value >= _WORDS_MIN)
    )
    return _Candidate(amount, currency, eligible, money, strong)


def _link_ranges(toks: Sequence[str], candidates: list[_Candidate]) -> None:
    """Both ends of a range are money when one is ("entre 40 000 et 50 000 euros"), with
    its currency and budget word."""
    for a, b in itertools.pairwise(candidates):
        gap = toks[a.amount.end : b.amount.start]
        if len(gap) > 2 or any(t not in _RANGE_WORDS for t in gap):
            continue
        if a.eligible and b.eligible and (a.money or b.money):
            a.money = b.money = True
            a.strong = b.strong = a.strong or b.strong
            a.currency = a.currency or b.currency
            b.currency = b.currency or a.currency


def _as_budget(
    candidate: _Candidate, darija: bool, fallback: tuple[str, float] | None
) -> Budget | None:
    """The candidate in its currency (the turn's when it has none said with it, MAD when
    the turn has none), millions of centimes made dirhams; None when out of range."""
    amount = candidate.amount
    value = amount.value
    if candidate.currency is not None:
        code, factor = candidate.currency
        value *= factor
    else:
        # Darija counts millions in centimes ("80 مليون", "15 mlyoun"): 10,000 MAD each.
        # An Arabic-script million without Darija words is one too when it counts ten or
        # more (80 million dirhams is not a caller's budget).
        arabic_centimes = amount.arabic and amount.value >= 1e7
        if amount.million and (amount.darija or darija or arabic_centimes):
            value /= 100
        code = fallback[0] if fallback is not None else "MAD"
    if not code:
        return None
    rounded = round(value)
    if not _MIN_AMOUNT <= rounded <= _MAX_AMOUNT:
        return None
    return Budget(rounded, code)


def budget(text: str) -> Budget | None:
    """The budget the caller states, or None: "entre 40 et 50 000 €" is Budget(50000,
    "EUR"); "15 mlyoun" is Budget(150000, "MAD")."""
    if not isinstance(text, str) or not text:
        return None
    toks = _money_tokens(text)
    if not toks:
        return None
    pieces = [_piece(token) for token in toks]
    amounts = _amounts(toks, pieces)
    if not amounts:
        return None
    spans = _BUDGET_WORDS.match(toks).spans
    strong_spans = spans.get("strong", [])
    weak_ends = _spans_ends(spans, "weak")
    units = {start for start, _ in spans.get("unit", ())}
    candidates = [_candidate(toks, a, strong_spans, weak_ends, units) for a in amounts]
    _link_ranges(toks, candidates)
    money = [c for c in candidates if c.money]
    if not money:
        return None
    pool = [c for c in money if c.strong] or money
    corrections = {start for start, _ in spans.get("correction", ())}
    corrected = any(
        any(a.amount.end <= k < b.amount.start for k in corrections)
        for a, b in itertools.pairwise(pool)
    )
    darija = is_darija(toks)
    fallback = next((c for c in (_currency_at(toks, i) for i in range(len(toks))) if c), None)
    fallback = fallback if fallback is not None and fallback[0] else None
    budgets = [(found, c) for c in pool if (found := _as_budget(c, darija, fallback)) is not None]
    if not budgets:
        return None
    if corrected:  # "500 000, non, 400 000": the last one said
        return budgets[-1][0]
    return max(budgets, key=lambda pair: pair[0].amount)[0]


# ------------------------------------------------------------------------------- timeline

_TIMELINE = Lexicon(
    {
        "urgent": (
            *("asap", "a s a p", "as soon as possible", "le plus vite possible", "au plus vite"),
            *("le plus rapidement possible", "dès que possible", "le plus tôt possible"),
            *("au plus tôt", "urgent", "urgente", "urgence", "urgemment", "c'est pressé"),
            *("suis pressé", "suis pressée", "sommes pressés", "est pressé", "très vite"),
            *("immédiatement", "immediately", "right away", "urgently", "cuanto antes"),
            *("lo antes posible", "lo más pronto posible", "lo más rápido posible"),
            *("de inmediato", "inmediatamente", "ya mismo", "في أقرب وقت", "في أسرع وقت"),
            *("بأسرع وقت", "عاجل", "مستعجل", "مستعجلة", "فورا", "daba daba", "دابا دابا"),
            *("dghya", "dghia", "دغيا", "zerba", "bzerba", "زربة", "mzrob", "mzroub", "مزروب"),
            *("msta3jel", "mst3jel", "f a9rab wa9t", "f asra3 wa9t", "cette semaine"),
            *("this week", "esta semana", "هذا الأسبوع", "هاد الأسبوع", "هاد السيمانة"),
            *("had simana", "had ssimana", "had l2osbo3"),
        ),
        # "pas urgent", "no rush": the caller is not in a hurry.
        "calm": (
            *("pas pressé", "pas pressée", "pas d'urgence", "aucune urgence", "rien d'urgent"),
            *("no rush", "no hurry", "not in a hurry", "no hay prisa", "sin prisa"),
            *("no tengo prisa", "ماشي مستعجل", "مش مستعجل", "ليس عاجلا", "ما كاين زربة"),
            *("ماكاين زربة", "ma kayn zerba", "makayn zerba", "ma kayna zerba", "machi msta3jel"),
        ),
        "deadline": (
            *("avant", "d'ici", "au plus tard", "pas plus tard que", "before", "by", "until"),
            *("till", "no later than", "antes de", "antes del", "hasta", "hasta el", "قبل"),
            *("بحلول", "في موعد أقصاه", "إلى غاية", "لغاية", "9bel", "qbel", "9bl", "qbl"),
            *("7ta l", "hta l", "deadline", "date limite"),
        ),
        "late": ("au plus tard", "at the latest", "a más tardar", "como muy tarde", "على الأكثر"),
        "month_cue": (
            *("avant", "d'ici", "en", "pour", "vers", "fin", "début", "mi", "courant"),
            *("à partir de", "dès", "jusqu'à", "jusqu'en", "attendre", "pendant", "by"),
            *("before", "in", "until", "till", "around", "for", "end of", "early", "late"),
            *("mid", "from", "wait", "during", "para", "antes de", "hasta", "a finales de"),
            *("a principios de", "a mediados de", "desde", "esperar", "durante", "قبل", "في"),
            *("حتى", "خلال", "بحلول", "مع", "من", "ف", "f", "fi", "fe", "9bel", "qbel", "7ta"),
            *("hta", "m3a", "mn", "ila", "أواخر", "أوائل", "بداية", "نهاية", "آخر", "منتصف"),
            *("lekher", "akhir", "7ta l", "hta l", "à"),
        ),
        "this": ("cet", "cette", "this", "este", "esta", "هذا", "هاد", "had"),
        "within": (
            *("dans", "d'ici", "sous", "en", "within", "in", "dentro de", "en los próximos"),
            *("en las próximas", "délai de", "horizon", "خلال", "في غضون", "غضون", "بعد"),
            *("في", "ف", "f", "fi", "fe", "mn daba l", "men daba l", "mn hna l", "ba3d"),
            *("b3d", "qbel", "9bel", "9bl", "avant", "before", "moins de", "less than"),
            *("menos de", "max", "maximum", "au maximum", "next", "coming"),
        ),
        "year_in": (
            *("en", "in", "pour", "for", "d'ici", "by", "para", "durant", "courant", "début"),
            *("early", "في", "ف", "f", "fi", "hta", "7ta", "until", "jusqu'en", "vers"),
            *("around", "sometime in", "à partir de", "from", "mi", "mid", "خلال", "during"),
            *("بحلول", "principios de", "comienzos de", "inicios de", "بداية", "أوائل"),
        ),
        "year_before": ("avant", "before", "antes de", "antes del", "قبل", "9bel", "qbel", "9bl"),
        "year_end_cue": (
            *("fin", "fin de", "end of", "late", "finales de", "fines de", "final de"),
            *("نهاية", "أواخر", "آخر", "lekher", "akhir"),
        ),
        "year_next": (
            *("année prochaine", "an prochain", "next year", "año que viene", "próximo año"),
            *("año próximo", "año entrante", "السنة الجاية", "السنة القادمة", "السنة المقبلة"),
            *("العام القادم", "العام المقبل", "العام الجاي", "l3am jay", "l3am ljay"),
            *("l3am jaya", "l3am lijay", "l3am lmqbel", "3am jay", "sana jaya", "ssana jaya"),
            *("l'année d'après",),
        ),
        "year_this": (
            *("cette année", "this year", "este año", "هذه السنة", "هذا العام", "هاد العام"),
            *("هاد السنة", "had l3am", "hadi l3am", "had l3am hada", "courant de l'année"),
            *("dans l'année", "within the year"),
        ),
        "year_end": (
            *("fin d'année", "fin de l'année", "fin de cette année", "end of the year"),
            *("end of this year", "year end", "by year end", "fin de año", "finales de año"),
            *("final de año", "finales del año", "fin del año", "نهاية السنة", "نهاية العام"),
            *("آخر السنة", "آخر العام", "أواخر السنة", "akhir l3am", "lekher dyal l3am"),
            *("lekher d l3am", "lekher l3am", "لاخر ديال العام", "fin de annee"),
        ),
        "year_end_next": (
            *("end of next year", "fin de l'an prochain", "finales del año que viene"),
            *("finales del próximo año", "fin del año que viene", "fin del próximo año"),
        ),
        "month_end": (
            *("fin du mois", "fin de mois", "end of the month", "end of this month"),
            *("month end", "fin de mes", "finales de mes", "final de mes", "fin del mes"),
            *("نهاية الشهر", "آخر الشهر", "akhir chhar", "lekher d chhar"),
            *("lekher dyal chhar", "lekher chhar"),
        ),
        "month_next": (
            *("mois prochain", "next month", "mes que viene", "próximo mes", "mes próximo"),
            *("الشهر القادم", "الشهر المقبل", "الشهر الجاي", "chhar jay", "chher jay"),
            *("chhar ljay", "chhar jayi"),
        ),
        "month_this": (
            *("ce mois", "ce mois-ci", "this month", "este mes", "هذا الشهر", "هاد الشهر"),
            *("had chhar", "had chher"),
        ),
        "week_next": (
            *("semaine prochaine", "next week", "semana que viene", "próxima semana"),
            *("semana próxima", "الأسبوع القادم", "الأسبوع المقبل", "الأسبوع الجاي"),
            *("السيمانة الجاية", "simana jaya", "simana ljaya", "ssimana jaya"),
        ),
        "season_3": ("printemps", "spring", "primavera", "الربيع", "rbi3", "rebi3"),
        "season_6": ("été", "summer", "verano", "الصيف", "sif", "saif", "sayf", "ssif", "ssayf"),
        "season_9": ("automne", "autumn", "fall", "otoño", "الخريف", "lkhrif", "khrif"),
        "season_12": ("hiver", "winter", "invierno", "الشتاء", "الشتا", "chta", "ch-ta"),
        "christmas": ("noël", "christmas", "navidad"),
        "rentree": ("rentrée", "back to school"),
        "ramadan": ("ramadan", "رمضان", "remdan", "rmdan", "ramdan", "ramadhan"),
        "eid": ("aïd", "aid", "eid", "العيد", "l3id", "3id"),
        "eid_fitr": (
            *("aïd el fitr", "aid el fitr", "aïd al fitr", "eid al fitr", "eid ul fitr"),
            *("aïd el seghir", "عيد الفطر", "العيد الصغير", "l3id sghir", "l3id sgher"),
        ),
        "eid_adha": (
            *("aïd el kebir", "aid el kebir", "aïd el adha", "aid el adha", "aïd al adha"),
            *("eid al adha", "eid ul adha", "عيد الأضحى", "العيد الكبير", "l3id lkbir"),
            *("l3id lekbir", "l3id kbir"),
        ),
        # An appointment is being booked: "next week" is its day, not the project's.
        "booking": (
            *("rendez-vous", "rdv", "réserver", "réservation", "appointment", "book"),
            *("booking", "reservation", "cita", "reservar", "موعد", "حجز", "نحجز"),
            *("maw3id", "n7jez", "nhjez", "une table", "a table"),
        ),
    },
    fuzzy=False,
)

_DATE_FILLERS = _words("le la l the el del de du يوم نهار nhar on")
_MONTH_FILLERS_T = _words("le la l the el de du d of mois month mes شهر chhar dyal del")
_WITHIN_FILLERS = _words("les the los las a l le la next coming")
_AFTER_COUNT = _words("prochains prochaines proximos proximas next coming of de")
_YEAR_FILLERS = _words("l le la the el annee year ano de del of سنه عام l3am an cours")
_NEGATORS = _words("pas not no n ne machi mashi ماشي ليس مش ما ma sin aucune aucun rien nada isn")
_MONTH_NUMBER_WORDS = _words("chhar شهر lchhar")
_MONTH_OF = _words("f fi في ف de mn")
_PAST = _words("dernier derniere passe passee pasado pasada الماضي الفايت lifat fat ldaz")
_YEAR_UNITS = _words(
    "an ans annee annees year years ano anos año años sana snin sanawat 3am a3wam عام أعوام "
    "سنة سنوات سنين"
)
_MONTH_UNITS = when_words.MONTH_UNITS | _words("chhor chher shhour shhar اشهر")
_DUAL = {
    "day": when_words.DUAL_DAYS | _words("yumayn yomayn"),
    "week": when_words.DUAL_WEEKS | _words("simanatayn"),
    "month": _words("شهرين chahrayn chhrayn chehrayn chahrin"),
    "year": _words("سنتين سنتان عامين عامان 3amayn 3amin 3aamayn sntayn"),
}
# A unit without a count after the cue means one: "خلال شهر", "dans la semaine".
_SINGULAR = _words(
    "semaine week semana اسبوع أسبوع سيمانة simana mois month mes شهر chhar annee year ano "
    "año سنة عام sana 3am"
)
_FEW = {**dict.fromkeys(_fold("quelques few unos unas algunos algunas بضعة بضع"), 3), "couple": 2}
_UNIT_LIMITS = {"day": 365, "week": 104, "month": 120, "year": 30}
_SEASONS = {"season_3": 3, "season_6": 6, "season_9": 9, "season_12": 12}
_FIXED_MONTHS = {"christmas": 12, "rentree": 9}
# First days of Ramadan and of the two Eids (Morocco, within a day or two): holidays move
# eleven days earlier every year, so they are listed, not computed.
_HOLIDAYS = {
    "ramadan": (
        *("2025-03-01", "2026-02-18", "2027-02-08", "2028-01-28", "2029-01-16", "2030-01-06"),
        *("2030-12-26", "2031-12-16", "2032-12-04", "2033-11-24", "2034-11-13", "2035-11-02"),
    ),
    "eid_fitr": (
        *("2025-03-31", "2026-03-20", "2027-03-10", "2028-02-27", "2029-02-14", "2030-02-05"),
        *("2031-01-25", "2032-01-14", "2033-01-02", "2033-12-23", "2034-12-12", "2035-12-01"),
    ),
    "eid_adha": (
        *("2025-06-07", "2026-05-27", "2027-05-16", "2028-05-05", "2029-04-24", "2030-04-13"),
        *("2031-04-02", "2032-03-22", "2033-03-11", "2034-03-01", "2035-02-18"),
    ),
}
_HOLIDAY_DATES = {
    name: tuple(dt.date.fromisoformat(day) for day in dates) for name, dates in _HOLIDAYS.items()
}
_HOLIDAY_DATES["eid"] = tuple(sorted(_HOLIDAY_DATES["eid_fitr"] + _HOLIDAY_DATES["eid_adha"]))

# Ranks: the most specific reading wins when a turn has several.
_BEFORE, _BY, _WITHIN, _IN, _URGENT = 5, 4, 3, 2, 1
_Found = list[tuple[int, int, str]]  # (rank, token position, phrase)


def _by(year: int, month: int) -> str:
    return f"by {year:04d}-{month:02d}"


def _next_month(today: dt.date, month: int) -> int:
    """The year of the next such month: this one when it has not passed."""
    return today.year if month >= today.month else today.year + 1


def _span_end(used: Sequence[bool], start: int) -> int:
    end = start
    while end < len(used) and used[end]:
        end += 1
    return end


def _deadlines(
    toks: list[str],
    used: list[bool],
    ends: dict[str, set[int]],
    dates: dict[str, dt.date],
    today: dt.date,
) -> _Found:
    """Exact deadlines: a date or weekday after avant/before/d'ici/قبل/9bel, or a date
    followed by "au plus tard". A date without them is an appointment."""
    found: _Found = []
    cue = ends["deadline"]

    def deadline(start: int, end: int) -> bool:
        return _cued(toks, start, cue, _DATE_FILLERS) or end in ends["late_start"]

    for start, _, day in days.day_month(toks, used, today):
        if deadline(start, _span_end(used, start)):
            found.append((_BEFORE, start, f"before {day.isoformat()}"))
    for i, token in enumerate(toks):
        if token in dates:
            used[i] = True
            if deadline(i, i + 1):
                found.append((_BEFORE, i, f"before {dates[token].isoformat()}"))
    best: dict[int, tuple[int, dt.date]] = {}
    for i, rank, day in days.weekdays(toks, used, today):
        if i not in best or rank > best[i][0]:
            best[i] = (rank, day)
    for i, (_, day) in best.items():
        if _cued(toks, i, cue, _DATE_FILLERS):
            found.append((_BEFORE, i, f"before {day.isoformat()}"))
    for i, _, _ in days.relative_days(toks, used, today):
        if _cued(toks, i, cue, _DATE_FILLERS):  # "d'ici demain"
            found.append((_URGENT, i, "urgent"))
    return found


def _phrases(
    spans: dict[str, list[tuple[int, int]]],
    toks: list[str],
    used: list[bool],
    today: dt.date,
    booking: bool,
) -> _Found:
    """Fixed phrases: next year, this year, the end of the year or month, next month...
    "Next week" in a turn that books an appointment is the appointment's week."""
    found: _Found = []
    next_month = (today.year + (today.month == 12), today.month % 12 + 1)

    def then(end: int) -> bool:  # "fin de l'année *prochaine*"
        return end < len(toks) and among(toks[end], when_words.NEXT_WORDS)

    readings: tuple[tuple[str, Callable[[int], tuple[int, str]]], ...] = (
        ("year_end_next", lambda end: (_BY, _by(today.year + 1, 12))),
        ("year_end", lambda end: (_BY, _by(today.year + then(end), 12))),
        (
            "month_end",
            lambda end: (_BY, _by(*(next_month if then(end) else (today.year, today.month)))),
        ),
        ("month_next", lambda end: (_BY, _by(*next_month))),
        ("month_this", lambda end: (_BY, _by(today.year, today.month))),
        ("year_next", lambda end: (_IN, f"in {today.year + 1}")),
        ("year_this", lambda end: (_IN, f"in {today.year}")),
        ("week_next", lambda end: (_WITHIN, "within 2 weeks")),
    )
    for group, read in readings:
        for start, end in spans.get(group, ()):
            if any(used[start:end]) or (booking and group == "week_next"):
                continue
            rank, phrase = read(end)
            found.append((rank, start, phrase))
            stop = end + 1 if group in ("year_end", "month_end") and then(end) else end
            for k in range(start, stop):
                used[k] = True
    return found


def _months(
    spans: dict[str, list[tuple[int, int]]],
    toks: list[str],
    used: list[bool],
    ends: dict[str, set[int]],
    today: dt.date,
) -> _Found:
    """A month, season or holiday named with a cue: "d'ici mars", "avant l'été", "before
    Ramadan", "f chhar 6", "mars 2027"."""
    found: _Found = []
    cues = ends["month_cue"] | ends["deadline"]
    next_year = bool(spans.get("year_next"))

    def cued(start: int, end: int) -> bool:
        return _cued(toks, start, cues, _MONTH_FILLERS_T) or (
            end < len(toks) and among(toks[end], when_words.NEXT_WORDS)
        )

    def year_of(month: int) -> int:
        year = _next_month(today, month)
        return today.year + 1 if next_year and year == today.year else year

    for i, token in enumerate(toks):
        if used[i]:
            continue
        month = lookup(when_words.MONTHS, token)
        end = i + 1
        # Darija names months by number ("f chhar 6"); "nhar 3 f chhar 12" is a day.
        day_before = i >= 2 and toks[i - 2].isdigit() and toks[i - 1] in _MONTH_OF
        if month is None and token in _MONTH_NUMBER_WORDS and i + 1 < len(toks) and not day_before:
            number = read_number(toks, i + 1)
            if number is not None and 1 <= number[0] <= 12:
                month, end = number[0], number[1]
        if month is None or (end < len(toks) and toks[end] in _PAST):
            continue  # "en mars dernier" is past
        year: int | None = None
        if end < len(toks) and re.fullmatch(r"20\d\d", toks[end]):
            year, end = int(toks[end]), end + 1
        if year is None and not cued(i, end):
            continue
        for k in range(i, end):
            used[k] = True
        found.append((_BY, i, _by(year or year_of(month), month)))
    for group in ("eid_fitr", "eid_adha", "ramadan", "eid", *_SEASONS, *_FIXED_MONTHS):
        for start, end in spans.get(group, ()):
            if any(used[start:end]):
                continue
            this = _cued(toks, start, ends["this"], _MONTH_FILLERS_T)
            if not (this or cued(start, end)):
                continue
            for k in range(start, end):
                used[k] = True
            if group in _HOLIDAY_DATES:
                coming = [day for day in _HOLIDAY_DATES[group] if day > today]
                if coming:
                    found.append((_BY, start, _by(coming[0].year, coming[0].month)))
                continue
            month = _SEASONS.get(group) or _FIXED_MONTHS[group]
            if this and group in _SEASONS and 0 <= (today.month - month) % 12 < 3:
                found.append((_BY, start, _by(today.year, today.month)))  # cet été, in July
            else:
                found.append((_BY, start, _by(year_of(month), month)))
    return found


def _years(toks: list[str], used: list[bool], ends: dict[str, set[int]], today: dt.date) -> _Found:
    """A year with a cue: "en 2028" → in 2028; "fin 2027" → by 2027-12; "avant 2028" →
    by 2027-12."""
    found: _Found = []
    for i, token in enumerate(toks):
        if used[i] or len(token) != 4 or not token.isdigit():
            continue
        year = int(token)
        if not today.year <= year <= today.year + 30:
            continue
        if _cued(toks, i, ends["year_end_cue"], _YEAR_FILLERS):
            found.append((_BY, i, _by(year, 12)))
        elif _cued(toks, i, ends["year_before"], _YEAR_FILLERS):
            found.append((_BY, i, _by(year - 1, 12)))
        elif _cued(toks, i, ends["year_in"], _YEAR_FILLERS):
            found.append((_IN, i, f"in {year}"))
        else:
            continue
        used[i] = True
    return found


# Word → (unit of time, whether an Arabic dual: شهرين is two months).
_UNITS: dict[str, tuple[str, bool]] = {
    **{
        word: (unit, False)
        for unit, words in (
            ("year", _YEAR_UNITS),
            ("month", _MONTH_UNITS),
            ("week", when_words.WEEK_UNITS),
            ("day", when_words.DAY_UNITS),
        )
        for word in words
    },
    **{word: (unit, True) for unit, duals in _DUAL.items() for word in duals},
}


def _unit(token: str) -> tuple[str | None, bool]:
    """The unit of time a token names ("mois" → month, "شهرين" → two months)."""
    for form in variants(token):
        if form in _UNITS:
            return _UNITS[form]
    return None, False


def _count_before(toks: Sequence[str], end: int) -> tuple[int, int] | None:
    """The count ending just before ``end``: (count, first token). Digits, number words
    (six, ستة, tlata), "a"/"un" for one, "quelques"/"a few" for three."""
    if end <= 0:
        return None
    token = toks[end - 1]
    if token.isdigit() and len(token) <= 3:
        return int(token), end - 1
    if token in ("a", "an"):
        return 1, end - 1
    if token in _FEW:
        return _FEW[token], end - 1
    for first in (end - 3, end - 2, end - 1):
        if first >= 0:
            number = read_number(toks, first)
            if number is not None and number[1] == end and number[0] > 0:
                return number[0], first
    return None


def _within(toks: list[str], used: list[bool], ends: dict[str, set[int]], booking: bool) -> _Found:
    """A period after a cue: "dans six mois", "within 3 weeks", "en dos meses", "خلال ستة
    أشهر", "f 6 chhour", "d'ici un an". Hours and minutes are not a project's timeline."""
    found: _Found = []
    cue = ends["within"]
    for u, token in enumerate(toks):
        if used[u]:
            continue
        unit, dual = _unit(token)
        if unit is None:
            continue
        if dual:
            count, first = 2, u
        else:
            k = u
            while k > 0 and toks[k - 1] in _AFTER_COUNT:
                k -= 1
            counted = _count_before(toks, k)
            if counted is not None:
                count, first = counted
            elif among(token, _SINGULAR) and not (u + 1 < len(toks) and toks[u + 1].isdigit()):
                count, first = 1, u
            else:
                continue
        if not _cued(toks, first, cue, _WITHIN_FILLERS) or not 1 <= count <= _UNIT_LIMITS[unit]:
            continue
        if booking and (unit == "day" or (unit == "week" and count <= 2)):
            continue  # "un rendez-vous dans 3 jours": the appointment's day
        used[u] = True
        found.append((_WITHIN, first, f"within {count} {unit}{'s' if count != 1 else ''}"))
    return found


def _urgency(spans: dict[str, list[tuple[int, int]]], toks: list[str], used: list[bool]) -> _Found:
    calm = {k for start, end in spans.get("calm", ()) for k in range(start, end)}
    found: _Found = []
    for start, end in spans.get("urgent", ()):
        if any(used[start:end]) or start in calm:
            continue
        if any(toks[k] in _NEGATORS for k in range(max(0, start - 2), start)):
            continue  # "pas urgent", "no es urgente", "machi urgent"
        found.append((_URGENT, start, "urgent"))
    return found


def timeline(text: str, today: dt.date) -> str | None:
    """When the project or purchase happens, as ``urgent``, ``within N months``, ``by
    YYYY-MM``, ``before YYYY-MM-DD`` or ``in YYYY`` resolved against ``today``; None when
    the turn does not say."""
    if not isinstance(text, str) or not text or not isinstance(today, dt.date):
        return None
    if isinstance(today, dt.datetime):
        today = today.date()
    if today.year >= 9000:
        return None
    dates: dict[str, dt.date] = {}

    def placeholder(match: re.Match[str]) -> str:
        key = f"zzdate{len(dates)}zz"
        resolved = days.numeric_dates(match[0], today)
        if resolved:
            dates[key] = resolved[0]
        return f" {key} "

    toks = tokens(days.NUMERIC_DATE.sub(placeholder, normalize(text[:_MAX_CHARS])))
    if not toks:
        return None
    spans = _TIMELINE.match(toks).spans
    ends = {
        group: _spans_ends(spans, group)
        for group in ("deadline", "month_cue", "this", "within", "year_in", "year_before")
    }
    ends["year_end_cue"] = _spans_ends(spans, "year_end_cue")
    ends["late_start"] = {start for start, _ in spans.get("late", ())}
    used = [False] * len(toks)
    found = _deadlines(toks, used, ends, dates, today)
    booking = "booking" in spans
    found += _phrases(spans, toks, used, today, booking)
    found += _months(spans, toks, used, ends, today)
    found += _years(toks, used, ends, today)
    found += _within(toks, used, ends, booking)
    found += _urgency(spans, toks, used)
    if not found:
        return None
    return max(found, key=lambda c: (c[0], -c[1]))[2]


# ------------------------------------------------------------------------------ authority


def _alt(phrases: str) -> str:
    """A regex group of '|'-separated phrases, folded like transcripts (accents, hamza,
    ta marbuta and apostrophes as ``normalize`` leaves them)."""
    options = {" ".join(_fold(phrase)) for phrase in phrases.split("|")}
    options.discard("")
    ordered = sorted(options, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(o).replace("\\ ", " ") for o in ordered) + ")"


def _seq(*slots: str) -> str:
    """Words in a row over ' '-joined tokens (each word followed by a space): a slot is
    '|'-separated phrases; '~' makes it optional; 're:' gives a raw regex; '…' allows up
    to three words of any kind."""
    out = [" "]
    for slot in slots:
        if slot == "…":
            out.append(r"(?:\S+ ){0,3}")
        elif slot.startswith("re:"):
            out.append(f"(?:{slot[3:]}) ")
        elif slot.startswith("~"):
            out.append(f"(?:{_alt(slot[1:])} )?")
        else:
            out.append(_alt(slot) + " ")
    return "".join(out)


_SPEAKER = (
    "je suis|moi je suis|c est moi|je suis moi même|i am|i'm|im|yo soy|soy|أنا|وأنا|انا هو"
    "|أنا هي|ana|rani|راني|ana hwa|ana hiya|ana howa"
)
_TITLE = (
    "gérant|gérante|patron|patronne|propriétaire|directeur|directrice|responsable|fondateur"
    "|fondatrice|pdg|dg|dirigeant|dirigeante|décideur|décideuse|chef d entreprise|président"
    "|présidente|associé|associée|owner|manager|boss|ceo|founder|co founder|director"
    "|managing director|decision maker|president|proprietor|partner|dueño|dueña|gerente"
    "|directora|propietario|propietaria|jefe|jefa|fundador|fundadora|encargado|encargada"
    "|presidente|socio|socia|المدير|مدير|المديرة|مديرة|المالك|مالك|صاحب|صاحبة|المسؤول"
    "|المسؤولة|مسؤول|المسير|مسير|الرئيس|مول|مولات|الشريك|lmodir|modir|lmoudir|lmudir"
    "|lmas2oul|mas2oul|lmasoul|lmsayer|msayer|lpatron|patron|mol|moul|mola|moulat|molat"
    "|sa7eb|sahb|sa7b|lmalik"
)
_ARTICLE = "~le|la|l|the|a|an|el|un|une|una"
_ADJECTIVE = (
    "~seul|seule|nouveau|nouvelle|co|actuel|actuelle|sole|new|general|managing|business"
    "|company|shop|store|restaurant|only|único|única|nuevo|nueva|actual"
)
_STAFF = (
    "employé|employée|salarié|salariée|secrétaire|assistant|assistante|stagiaire"
    "|réceptionniste|employee|secretary|receptionist|intern|staff|empleado|empleada"
    "|secretaria|secretario|asistente|recepcionista|becario|becaria|موظف|موظفة|مستخدم"
    "|مستخدمة|الكاتبة|كاتبة|سكرتير|سكرتيرة|مساعد|مساعدة|خدام|خدامة|mkhdem|khddam|khdama"
    "|mowadaf|mwadaf"
)
_PERSON_FR = (
    "mari|femme|épouse|époux|associé|associée|associés|patron|patronne|chef|directeur"
    "|directrice|père|mère|conjoint|conjointe|supérieur|supérieure|responsable|boss|gérant"
    "|gérante|comptable|banquier|banque|direction|hiérarchie|famille|parents|frère|sœur|soeur"
    "|compagnon|compagne|partenaire|propriétaire|conseil|manager|président|siège|équipe"
    "|collègue|fils|fille|enfants|copine|copain|moitié|chérie|mec|banquière|notaire|avocat"
)
_PERSON_EN = (
    "wife|husband|partner|partners|spouse|boss|manager|director|supervisor|owner|ceo|board"
    "|father|dad|mother|mom|mum|parents|family|business partner|accountant|bank|management"
    "|head office|headquarters|team lead|cofounder|co founder|landlord|committee|other half"
    "|girlfriend|boyfriend|fiance|fiancee|brother|sister|son|daughter|lawyer|superior"
    "|principal|president|chairman|associate|bosses|managers|directors|owners|team"
)
_PERSON_ES = (
    "esposo|esposa|marido|mujer|socio|socia|socios|jefe|jefa|jefes|pareja|padre|madre"
    "|padres|gerente|director|directora|dueño|dueña|familia|junta|novio|novia|hermano"
    "|hermana|hijo|hija|contador|contadora|banco|superior|supervisor|consejo|directiva"
    "|gerencia"
)
_PERSON_AR = (
    "زوجي|زوجتي|مراتي|راجلي|شريكي|مديري|المدير|الباطرون|باطروني|رئيسي|الرئيس|أبي|بابا"
    "|الواليد|الوالد|الوالدة|الواليدة|أمي|ماما|خويا|أختي|العائلة|العايلة|الإدارة|الشريك"
    "|المرا ديالي|الراجل ديالي|المدير ديالي|الباطرون ديالي|الشريك ديالي|مول الشي|مول الشركة"
    "|صاحب الشركة|مدام|المسؤول"
)
_PERSON_AZ = (
    "mrati|mrti|lmra dyali|rajli|zawji|zawjti|bba|baba|bouya|lwalid|lwalida|mama|mma|yemma"
    "|cherik|chrik|charik|sharik|chriki|cheriki|lcherik|lpatron|patron dyali|lmodir|lmoudir"
    "|lmudir|lboss|boss dyali|khouya|khti|lfamilia|l3a2ila|l3ayla|sa7bi|mol chi|moul chi"
    "|lmas2oul|lmasoul|ladara|ladministration|chef dyali|lchef|rajel dyali|madame"
)
_VERB_AZ_DECIDE = r"kan[9qk][ae]?r+[ae]?r*|kandecidi|kan[9q]arar"
_VERB_AZ_DECIDE3 = (
    r"(?:kay|kat|ghay|ghat|y|t|ghadi y|ghadi t)(?:[9qk][ae]?r+[ae]?r*|decidi)\w*"
    r"|(?:kay|kat|y|t)wafe[9q]\w*|khas+[oaha]* ywafe[9q]\w*"
)
_OBLIGATION_AR = (
    "خاصني|خصني|خاص|يجب أن|يجب علي أن|يجب علي|لازم|لازمني|لازم علي|علي أن|ينبغي أن"
    "|ينبغي علي أن|سوف|غادي|خاصنا|خصنا|يلزمني|يتعين علي|خليني|دعني|اسمح لي"
)
_OBLIGATION_AZ = (
    "khasni|khassni|5asni|5assni|khsni|5sni|khas|khass|lazem|lazm|lazemni|lazmni|ghadi|ghan"
    "|khasna|khassna|khelini|khallini|khlini|khass ni|5ass"
)
_SHARED_FR = (
    "ma femme|mon mari|mon épouse|mon époux|mon associé|mon associée|ma compagne"
    "|mon compagnon|mon conjoint|ma conjointe|mon partenaire|ma partenaire|mon frère|ma sœur"
    "|ma soeur|mon fils|ma fille|mon père|ma mère"
)
_SHARED_EN = (
    "my wife|my husband|my partner|my spouse|my business partner|my cofounder|my co founder"
    "|my brother|my sister|my associate|my son|my daughter|my father|my mother|my dad|my mom"
)
_SHARED_ES = (
    "mi esposa|mi esposo|mi mujer|mi marido|mi socio|mi socia|mi pareja|mi hermano"
    "|mi hermana|mi padre|mi madre|mi hijo|mi hija"
)
_SHARED_AR = (
    "زوجتي|زوجي|مراتي|راجلي|شريكي|الشريك|المرا ديالي|mrati|rajli|cherik|chriki|zawjti"
    "|zawji|lmra dyali|sharik|cheriki"
)

# "me and my wife decide" is shared, not someone else's decision.
_NOT_SHARED = r"(?<!\band)(?<!\bet)(?<!\by)(?<! و)(?<!\bw)"

# Someone else decides, approval is needed, or the speaker says they do not decide.
_NOT_DECIDER = re.compile(
    "|".join(
        (
            # French
            _seq("c est|ce sont", "mon|ma|mes|notre|nos|le|la|les|l|son|sa", "…", "qui")
            + _alt(
                "décide|décident|décidera|décideront|tranche|tranchera|choisit|valide"
                "|validera|signe|a le dernier mot|prend la décision|prend les décisions"
                "|prendra la décision|doit valider|doit décider"
            ),
            _NOT_SHARED
            + _seq("mon|ma|notre|le|la|mes|nos|les", _PERSON_FR, "~qui|seul|seule|aussi")
            + _alt(
                "décide|décidera|décident|doit valider|doivent valider|doit approuver"
                "|doit donner son accord|doit signer|tranche|tranchera|a le dernier mot"
                "|prend la décision|prend les décisions|prendra la décision|valide|validera"
                "|signe|choisit|choisira|doit décider|décide de tout|décident de tout"
            ),
            _seq(
                "je dois|il faut que je|il faut que j|il faudra que je|il faudra que j"
                "|faut que je|faut que j|je vais devoir|je devrai|je devrais|je vais|j dois",
                "~d abord|encore|quand même|absolument|aussi|d abord en",
                "en parler|parler|discuter|en discuter|voir|consulter|demander|vérifier"
                "|valider|checker|en référer|référer|me concerter|en parle|parle|discute"
                "|en discute|voie|consulte|demande|vérifie|valide|en réfère",
                "~ça|cela|tout ça|ca",
                "~avec|à|au|aux",
                "~mon|ma|mes|notre|nos|le|la|les|l|son|sa|leur",
            )
            + _alt(_PERSON_FR),
            r" (?:besoin|faut|dois avoir|dois obtenir|attendre|reserve|attends) (?:de )?"
            r"(?:l |son |sa |leur |du |de la )?(?:accord|aval|validation|approbation"
            r"|feu vert|autorisation|permission) ",
            r" doit etre (?:valide|validee|approuve|approuvee|signe|signee) par ",
            _seq("pas moi qui|pas à moi de|pas a moi de", "décide|décider|prends"),
            _seq("je ne|je", "décide pas|prends pas"),
            _seq(
                "je ne décide pas|je décide pas|je ne suis pas le décideur"
                "|je ne suis pas la décideuse|je ne suis pas seul à décider"
                "|je ne suis pas seule à décider|je ne suis pas le seul à décider"
                "|je ne prends pas les décisions|la décision ne me revient pas"
                "|la décision ne m appartient pas|ça ne dépend pas de moi"
                "|cela ne dépend pas de moi|je ne peux pas décider seul"
                "|je ne peux pas décider seule|je peux pas décider seul"
            ),
            _seq(
                "je ne suis pas|je suis pas|i m not|i am not|no soy|لست|انا لست", _ARTICLE, _TITLE
            ),
            _seq(
                "je suis juste|je ne suis que|je suis simplement|je suis seulement|je suis"
                "|i m just|i am just|i m only|i am only|i m|i am|soy|yo soy|soy solo"
                "|soy solamente|أنا|انا غير|أنا فقط|أنا مجرد|ana|ana ghir|rani|ana gha",
                _ARTICLE,
                _STAFF,
            ),
            _seq("i m|i am|im", "the", _TITLE, "s", "~personal|executive|own", _STAFF),
            # English
            _NOT_SHARED
            + _seq("my|our|the", "~business", _PERSON_EN, "~is the one who|is who|s the one who")
            + _alt(
                "decides|will decide|would decide|makes the call|makes the calls"
                "|makes the final call|makes the decision|makes the decisions"
                "|makes the final decision|makes all the decisions|has to approve"
                "|needs to approve|must approve|has to sign off|needs to sign off"
                "|must sign off|signs off|approves|has to agree|needs to agree|has the final say"
                "|has the last word|has the final word|calls the shots|is the decision maker"
                "|s the decision maker|decide|make the decisions|make the decision"
                "|have to approve|need to approve|have the final say|sign off|approve"
                "|has to okay|needs to okay|has to sign|needs to sign"
            ),
            _seq(
                "i need|i ll need|i will need|i d need|i must|we need|we ll need|i would need"
                "|i still need|i have to get|i ve got to get|i have to ask for|we have to get"
                "|i must get|i need to get|i ll need to get|we need to get",
                "~to get|to have|to ask for|to wait for|to obtain|to ask",
                "~my|our|the|his|her|their",
                "~" + _PERSON_EN,
                "~s",
            )
            + _alt(
                "approval|sign off|green light|permission|go ahead|blessing|authorization"
                "|authorisation|consent|validation|agreement|sign-off|say so"
            ),
            _seq(
                "i need|i ll need|i will need|i d need|i have|i ll have|i will have|i d have"
                "|i must|i ve got|i got|i should|let me|i gotta|gotta|we need|we have|we ll have"
                "|we ll need|i would have|i need first",
                "~to",
                "~first",
                "check|talk|speak|discuss|consult|ask|confirm|run it|run this|run that|clear it"
                "|clear this|go over it|go over this|go over that|see|discuss it|discuss this"
                "|talk it over|check it|check this|run everything|talk this over|talk that over"
                "|double check",
                "~it|this|that|things|everything",
                "~over|through|first",
                "~with|by|past|to",
            )
            + "(?:(?:my|our) "
            + _alt(_PERSON_EN)
            + "|the (?:board|bank|management|committee|head office|headquarters|family"
            + "|partners|other partners|owners)) ",
            _seq(
                "it s not my call|its not my call|it is not my call|not my call"
                "|not my decision|not up to me|isn t up to me|i don t decide|i do not decide"
                "|i don t make the decisions|i don t make the decision|i don t make the call"
                "|i don t have the final say|i m not the decision maker"
                "|i am not the decision maker|i m not the one who decides"
                "|i am not the one who decides|i can t decide alone|i can t decide by myself"
                "|i can t decide on my own|i cannot decide alone|i can t make that decision"
                "|i can t make this decision|i can t decide that alone"
            ),
            _seq("up to my|up to our|decision is my|decision is our|call is my|call is our")
            + _alt(_PERSON_EN),
            # Spanish
            _seq(
                "tengo que|tendría que|tendré que|necesito|debo|debería|hay que|tenemos que"
                "|necesitamos|debemos|tendríamos que",
                "~primero|antes",
                "consultarlo|consultar|consultarle|hablarlo|hablar|hablarle|preguntar"
                "|preguntarle|preguntárselo|comentarlo|comentárselo|comentar|verlo|discutirlo"
                "|discutir|decírselo|decirle|consultarla|consultárselo|platicarlo|platicar"
                "|checarlo|revisarlo|confirmarlo|confirmar|consultarlo primero|hablarlo primero",
                "~con|a|al|le a|les a",
                "~mi|mis|nuestro|nuestra|nuestros|el|la|los|las|su",
            )
            + _alt(_PERSON_ES),
            _NOT_SHARED
            + _seq(
                "~mi|nuestro|nuestra|el|la|mis|los",
                _PERSON_ES,
                "~es quien|es el que|es la que|son los que|son quienes",
            )
            + _alt(
                "decide|deciden|decidirá|tiene que aprobar|debe aprobar|tiene la última palabra"
                "|toma las decisiones|toma la decisión|aprueba|firma|tiene que firmar"
                "|da el visto bueno|tiene que dar el visto bueno|tiene que decidir"
            ),
            _seq("lo decide|la decide|decide|lo decide el|lo decide la", "mi|el|la|nuestro|nuestra")
            + _alt(_PERSON_ES),
            _seq(
                "no decido yo|yo no decido|no decido|no soy yo quien decide|no soy quien decide"
                "|no soy el que decide|no soy la que decide|no me toca decidir|no depende de mí"
                "|no es mi decisión|no es decisión mía|no tomo las decisiones"
                "|no tomo la decisión|no puedo decidir solo|no puedo decidir sola"
                "|necesito aprobación|necesito la aprobación|necesito el visto bueno"
                "|necesito permiso|necesito autorización|necesito el permiso"
                "|necesito la autorización|depende de mi "
                + _PERSON_ES.replace("|", "|depende de mi ")
            ),
            # Arabic script (MSA and Darija)
            _seq(
                _OBLIGATION_AR,
                "نشاور|نتشاور|نستشير|أستشير|أشاور|أتشاور|ناخد رأي|آخذ رأي|أخذ رأي|ناخذ رأي"
                "|ناخذ موافقة|آخذ موافقة|أحصل على موافقة|نطلب الإذن|أطلب الإذن|نستأذن|أستأذن"
                "|ناخد الموافقة|ناخد الإذن",
            ),
            _seq(
                _OBLIGATION_AR,
                "نسول|نسقسي|أسأل|نسأل|نهضر|نتكلم|أتحدث|أتكلم|نشوف|أشوف|نراجع|أراجع|نعرض"
                "|أعرض|نتفاهم|نقول|نگول",
                "~مع|على|ل|الى",
            )
            + _alt(_PERSON_AR),
            _seq(
                "نشاور مع|نتشاور مع|أتشاور مع|أستشير|نستشير|سأستشير|سأتشاور|سأشاور|غادي نشاور"
                "|سأسأل|سأتحدث مع|سأتكلم مع"
            ),
            _seq(_PERSON_AR, "~هو|هي", "~اللي|لي|الذي|التي|من")
            + _alt(
                "يقرر|تقرر|كيقرر|كتقرر|سيقرر|ستقرر|غادي يقرر|غادي تقرر|يتخذ القرار"
                "|تتخذ القرار|كيدير القرار|صاحب القرار|صاحبة القرار|عنده القرار|عندها القرار"
                "|يوافق|توافق|خاصو يوافق|خاصها توافق|لازم يوافق|يجب أن يوافق|يجب أن توافق"
                "|كيوافق|يعطي الموافقة|يحسم"
            ),
            r" القرار (?:عند|بيد|في يد|ديال|ماشي|ليس|مش|مشي|مو|للمدير|لزوجي|لزوجتي|لمراتي"
            r"|لراجلي|لشريكي|للشريك|للاداره|لبابا|للوالد|للواليد) ",
            r" القرار (?:كي)?(?:يرجع|راجع|يعود) (?!لي |ليا |الي |لي انا )\S+ ",
            _seq(
                "لست صاحب القرار|ماشي أنا صاحب القرار|ماشي أنا اللي كنقرر|ماشي أنا لي كنقرر"
                "|ما كنقررش|ماكنقررش|لا أقرر|أنا ماشي اللي كنقرر|أنا ماشي لي كنقرر"
                "|أنا مشي اللي كنقرر|ليس أنا من يقرر|لست من يقرر|لست أنا من يقرر"
                "|لا أستطيع أن أقرر وحدي|ما نقدرش نقرر|مانقدرش نقرر|أحتاج موافقة"
                "|أحتاج إلى موافقة|نحتاج موافقة|يحتاج موافقة|خاصني الموافقة|خاص الموافقة"
                "|خاصني موافقة|بعد موافقة|خاصني الإذن|خاصني ناخد الإذن|لازم ناخد الموافقة"
            ),
            _seq(
                "أنا ماشي|أنا مشي|ماشي أنا|ana machi|ana mashi|ana mchi|machi ana|mashi ana",
                _ARTICLE,
                _TITLE,
            ),
            # Arabizi
            r" l[9q]a?rar (?:3end|3nd|3and|3ind|and|f yedd?|f id|dyal|dial|d|l) \S+ ",
            r" l[9q]a?rar (?:machi|mashi|mchi|ma chi|mahoch|mashy) ",
            _seq(_OBLIGATION_AZ, r"re:n?t?chaw[ae]?r\w*|n?chaor\w*|nconsulti\w*"),
            _seq(
                _OBLIGATION_AZ,
                r"re:n?(?:hd[ae]r|tkel+em|tkal+em|tfahem|chouf|choof|s[ae]?[9q]si|saksi|sow+el"
                r"|swel|sew+el|demandi|goul|qoul)\w*",
                "~m3a|m3|ma3a|mea|ma3|l|ila",
            )
            + _alt(_PERSON_AZ),
            _seq("nchawer m3a|nchawer|ntchawer m3a|nchawr m3a|ghan chawer"),
            _seq(
                _PERSON_AZ, "~hwa|hiya|howa|hia|huwa", "~li|lli|elli|illi", "re:" + _VERB_AZ_DECIDE3
            ),
            _seq(
                "machi ana li|mashi ana li|machi ana lli|mchi ana li|ana machi li|ana mashi li"
                "|ana machi lli|ana mchi li|machi ana|ana ma",
                "re:" + _VERB_AZ_DECIDE,
            ),
            r" (?:ma ?kan[9qk][ae]?r+[ae]?r*ch|ma ?n[9q]derch n[9q]ar+er) ",
            _seq("khasni|khass|khassni|khas", "~l", "mowaf9a|mowafaqa|lmowaf9a|lmowafaqa|accord"),
        )
    )
)

# The speaker decides, alone or with someone.
_DECIDER = re.compile(
    "|".join(
        (
            _seq(_SPEAKER, _ARTICLE, _ADJECTIVE, _TITLE) + "(?!s )",
            _seq(
                "~le|la|l|the|el",
                _TITLE,
                "c est moi|is me|it s me|soy yo|هو أنا|هي أنا|hwa ana|hiya ana|howa ana",
            ),
            # French
            _seq("c est moi qui|c est nous qui|moi qui|c moi qui")
            + _alt(
                "décide|décidons|décident|prends la décision|prends les décisions"
                "|prend la décision|prend les décisions|prenons les décisions|tranche|signe"
                "|valide|choisis|choisit|ai le dernier mot|aurai le dernier mot|décide de tout"
            ),
            _seq(
                "je décide|je prends les décisions|je prends la décision|je tranche"
                "|j ai le dernier mot|je suis le seul à décider|je suis la seule à décider"
                "|je suis seul à décider|je suis seule à décider|je décide seul|je décide seule"
                "|c est ma décision|la décision me revient|la décision m appartient"
                "|ça dépend de moi|cela dépend de moi|ça ne dépend que de moi"
                "|je suis à mon compte|je suis mon propre patron|c est mon entreprise"
                "|c est ma société|c est ma boîte|c est moi le chef|je suis le chef"
                "|on décide ensemble|nous décidons ensemble|nous décidons|on décide à deux"
                "|c est nous qui décidons|nous prenons les décisions|je décide de tout"
            ),
            _seq(_SHARED_FR + "|moi", "et moi|et", "~on|nous|" + _SHARED_FR)
            + _alt(
                "décidons|décidons ensemble|décidera|décideront|décide|prenons la décision"
                "|prenons les décisions|sommes les décideurs|on décide|qui décidons"
                "|décidons à deux|allons décider|décidons tous les deux|on décide ensemble"
            ),
            # English
            _seq(
                "i decide|i make the call|i make the calls|i make the final call"
                "|i make the decision|i make the decisions|i make all the decisions"
                "|i make the final decision|i call the shots|i have the final say"
                "|i have the last word|i have the final word|i sign off|i m the one who decides"
                "|i am the one who decides|i m the one making the decision"
                "|i m the decision maker|i am the decision maker|it s my call|its my call"
                "|it is my call|it s my decision|its my decision|it is my decision"
                "|the decision is mine|the call is mine|it s up to me|its up to me"
                "|it is up to me|up to me|i own the business|i own the company|i own the shop"
                "|i own the store|i own the restaurant|i own it|i own this|i own the place"
                "|i run the business|i run the company|i run the shop|i m in charge"
                "|i am in charge|i ll decide|i will decide|i can decide|i m my own boss"
                "|we decide|we make the decision|we make the decisions|we make the call"
                "|we ll decide|we will decide|we decide together|i decide everything"
            ),
            _seq(
                _SHARED_EN + "|me", "and i|and me|and", "~will|both|together|jointly|" + _SHARED_EN
            )
            + _alt(
                "decide|make the decision|make the decisions|make the call|will decide"
                "|decide together|are the decision makers|both decide|decide jointly|own"
                "|make decisions|make all the decisions|are deciding|ll decide"
            ),
            # Spanish
            _seq(
                "yo decido|decido yo|lo decido yo|la decisión es mía|es mi decisión"
                "|soy quien decide|yo soy quien decide|soy el que decide|soy la que decide"
                "|yo tomo las decisiones|tomo las decisiones|tomo la decisión"
                "|yo tomo la decisión|depende de mí|soy mi propio jefe|soy mi propia jefa"
                "|la última palabra la tengo yo|tengo la última palabra|nosotros decidimos"
                "|decidimos nosotros|decidimos juntos|lo decidimos nosotros|decido todo"
            ),
            _seq(_SHARED_ES + "|yo", "y yo|y", "~" + _SHARED_ES)
            + _alt(
                "decidimos|tomamos la decisión|tomamos las decisiones|lo decidimos|vamos a decidir"
            ),
            # Arabic script (MSA and Darija)
            _seq(
                "أنا صاحب القرار|أنا صاحبة القرار|أنا من يقرر|أنا الذي يقرر|أنا التي تقرر"
                "|أنا من يتخذ القرار|أنا اللي كنقرر|أنا لي كنقرر|أنا اللي كيقرر|القرار ديالي"
                "|القرار عندي|القرار بيدي|القرار في يدي|القرار لي|القرار قراري|القرار يرجع لي"
                "|القرار راجع ليا|القرار يعود لي|القرار يعود إلي|أنا اللي كندير القرار"
                "|القرار النهائي لي|القرار النهائي عندي|أنا اللي كنقرر فكلشي|أنا من يقرر"
                "|أنا اللي كنختار|أنا من يختار"
            ),
            _seq("أنا|وأنا|ana", "و|w|o|u", _SHARED_AR)
            + _alt(
                "نقرر|كنقررو|نقررو|نتخذ القرار|نتخذو القرار|اللي كنقررو|لي كنقررو|كنديرو القرار"
                "|kan9arrou|kan9rrou|kan9arro|kanqarrou|kandecidiw|li kan9arrou|lli kan9arrou"
                "|kan9erro|kan9erou|kan9rro|kan9arou"
            ),
            r" (?:أنا|انا|وانا) و(?:زوجتي|زوجي|مراتي|راجلي|شريكي) (?:\S+ )?(?:نقرر|كنقررو|نقررو|نتخذ) ",
            # Arabizi
            _seq("ana|rani|w ana", "li|lli|elli|illi|hiya li|hwa li", "re:" + _VERB_AZ_DECIDE),
            _seq(
                "ana li kaydir lqarar|ana li kandir lqarar|ana lli kandir lqarar|lqarar dyali"
                "|lqarar diali|lqarar 3endi|lqarar 3ndi|lqarar 3andi|lqarar f yeddi|lqarar f idi"
                "|lqarar liya|lqarar lia|l9arar dyali|l9arar 3endi|l9rar dyali|ana sa7eb lqarar"
                "|ana moul lqarar|ana mol lqarar|ana sahb lqarar|lqarar f yedi"
            ),
        )
    )
)


def authority(text: str) -> bool | None:
    """True when the speaker decides ("c'est moi qui décide", "I'm the owner", "ana li
    kan9arrer", "ma femme et moi décidons"); False when someone else decides or approves
    ("je dois en parler à mon associé", "lqarar 3end bba"); None otherwise. Approval needed
    wins over a title ("je suis le gérant mais je dois voir avec mon associé")."""
    if not isinstance(text, str) or not text:
        return None
    said = " " + " ".join(tokens(normalize(text[:_MAX_CHARS]))) + " "
    if _NOT_DECIDER.search(said):
        return False
    if _DECIDER.search(said):
        return True
    return None
