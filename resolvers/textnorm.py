"""Normalisation of noisy text for matching, in Latin and Arabic scripts: speech transcripts
for the dialogue manager, knowledge-base entries and queries for search.

Speech recognition spells the same word many ways: accents come and go ("réservé",
"reserve"), hyphens split or vanish ("rendez-vous", "rendez vous"), Arabic carries optional
vowel marks and several alef, hamza, ta marbuta and ya forms. Everything we match is first
folded here, so the lexicons can be written naturally and compared as plain tokens.
"""

import re
import unicodedata

_DIGITS = "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"
_FOLD = str.maketrans(
    {
        # alef forms whose hamza/madda NFD does not split off, ta marbuta, alef maqsura
        "ٱ": "\u0627",  # alef wasla → alef
        "ة": "\u0647",  # ta marbuta → ha
        "ى": "ي",
        # Persian and Maghrebi letters Whisper sometimes writes for Darija
        "ک": "ك",
        "ی": "ي",
        "ڭ": "ك",
        "گ": "ك",
        "ڤ": "ف",
        "پ": "ب",
        "ـ": None,  # tatweel
        "،": ",",
        "؟": "?",
        "؛": ";",
        **{d: str(i % 10) for i, d in enumerate(_DIGITS)},
    }
)
# Lowercase, then split the marks off (é → e + acute, alef with hamza → alef + hamza) so that dropping the
# combining marks removes accents and Arabic tashkeel and hamza seats in one pass.
_MARKS = re.compile(r"[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_APOSTROPHE = re.compile(
    "['`\u2019\u00b4\u02bc]"
)  # ASCII, grave, right quotation mark, acute, modifier apostrophe
# A hyphen next to a letter joins words ("rendez-vous", "dix-sept"); between digits it is a date.
_WORD_HYPHEN = re.compile(r"(?<=[^\W\d_])-|-(?=[^\W\d_])")
_AM_PM = re.compile(r"\b([ap])\s?\.\s?m\b\.?")
# Clock times glued into one token: 10:30 / 10 h 30 / 10h → 10h30 / 10h; 10 am → 10am.
_CLOCK = re.compile(r"(?<![\w/.:-])(\d{1,2})\s*(?::|h)\s*(\d{2})(?![\d/:])")
_HOUR_H = re.compile(r"(?<![\w/.:-])(\d{1,2})\s*h(?![^\W_])")
_HOUR_AMPM = re.compile(r"(?<![\w/.:-])(\d{1,2})\s*(am|pm)\b")
_DOT_CLOCK = re.compile(r"(?<![\w/.:-])(\d{1,2})\.(\d{2})\s*(am|pm)\b")  # 2.30pm, 2.30 pm
_TOKEN = re.compile(r"[^\W_]+")
_SPACES = re.compile(r"\s+")

# Article and conjunction clitics glued to Arabic words: والموعد, بالصباح, فالعشية, للساعة.
_AR_CONJ = ("و", "ف")
_AR_ARTICLES = ("بال", "كال", "لل", "ال", "ب", "ل")


def normalize(text: str) -> str:
    """Folded text for matching: NFKC, lowercase, no accents or tashkeel, unified Arabic
    letters and digits, apostrophes and word hyphens as spaces, clock times as one token."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = _MARKS.sub("", unicodedata.normalize("NFD", folded))
    folded = unicodedata.normalize("NFC", folded).translate(_FOLD)
    folded = _APOSTROPHE.sub(" ", folded)
    folded = _WORD_HYPHEN.sub(" ", folded)
    folded = _AM_PM.sub(r"\1m", folded)
    folded = _DOT_CLOCK.sub(r" \1h\2 \3 ", folded)
    folded = _CLOCK.sub(r" \1h\2 ", folded)
    folded = _HOUR_H.sub(r" \1h ", folded)
    folded = _HOUR_AMPM.sub(r" \1\2 ", folded)
    return _SPACES.sub(" ", folded).strip()


def tokens(normalized: str) -> list[str]:
    """The words of a normalized text (letters and digits; Arabizi keeps its digits)."""
    return _TOKEN.findall(normalized)


def is_arabic(token: str) -> bool:
    return bool(token) and "\u0600" <= token[0] <= "\u06ff"


def is_latin(token: str) -> bool:
    return bool(token) and token.isascii()


def arabic_variants(token: str) -> tuple[str, ...]:
    """The token and its forms without a leading conjunction and article or preposition:
    والساعه → والساعه, الساعه, ساعه. Short remainders are not produced (وقت stays whole)."""
    out = [token]
    if len(token) > 3 and token[0] in _AR_CONJ:
        out.append(token[1:])
    for form in list(out):
        for article in _AR_ARTICLES:
            if form.startswith(article) and len(form) - len(article) >= 3:
                out.append(form[len(article) :])
                break
    return tuple(dict.fromkeys(out))


def variants(token: str) -> tuple[str, ...]:
    return arabic_variants(token) if is_arabic(token) else (token,)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, or limit + 1 once it is
    certain to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def deletions(word: str, depth: int) -> set[str]:
    """Every string obtained by deleting up to ``depth`` letters of ``word`` (itself included)."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))} - found
        found |= frontier
    return found
