"""Dates and clock times in what a caller said, in five languages, resolved in the tenant's
local time.

Speech gives words more than digits ("ten in the morning", "dix heures et demie", "a las
diez", "العاشرة صباحا", "m3a l3achra", "mn ba3d ghda"), which general date parsers miss or
misread (dateparser reads "tomorrow at ten" as tomorrow at the current time). So the
common spoken forms are read here, token by token; dateparser is the fallback for written
dates outside them ("December the 3rd 2026", "dans deux semaines").

Conventions: a weekday means its next occurrence after today ("next Monday" too); a day of
the month without a year is the next one to come; an hour from 1 to 7 with no morning or
afternoon mark is in the afternoon (business hours: "à trois heures" is 15:00); "demain
matin" gives the date and the part of the day but no time (ask for it).
"""

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from realtime.dialogue.when import days
from realtime.dialogue.when.clock import clock_times, part_of_day
from realtime.dialogue.when.fallback import dateparser_date, search_dates
from resolvers.textnorm import normalize, tokens

_CORRECTIONS = frozenset(
    tokens(normalize("non no plutôt rather actually mejor بل لا la lla wla ولا"))
)
_TOWARDS = frozenset(tokens(normalize("à a au to until al hasta pour para إلى الى حتى l")))
_TOWARDS_CLITICS = ("ل", "لل")  # للجمعة: to Friday
_T = TypeVar("_T")
_BARE_TOKENS = 4


@dataclass(frozen=True)
class When:
    """What the text says about a moment: a day, a clock time, and the part of the day
    (``morning``, ``afternoon``, ``evening``) when one is named."""

    date: dt.date | None = None
    time: dt.time | None = None
    part: str | None = None


def parse_when(
    text: str, language: str, now_local: dt.datetime
) -> tuple[dt.date | None, dt.time | None]:
    """The date and the time ``text`` names, relative to ``now_local`` (naive, tenant time)."""
    found = read_when(text, language, now_local)
    return found.date, found.time


def read_when(
    text: str,
    language: str,
    now_local: dt.datetime,
    *,
    bare_hour: bool = False,
    part_hint: str | None = None,
) -> When:
    """``parse_when`` with the part of the day. ``bare_hour`` reads a lone number as the
    hour (the answer to "at what time?"); ``part_hint`` is a part of the day named earlier
    ("demain après-midi" ... "à trois heures" is 15:00)."""
    today = now_local.date()
    normalized = normalize(text)
    dates: list[tuple[int, int, dt.date]] = []  # (token position, rank, date)
    numeric = days.numeric_dates(normalized, today)
    toks = tokens(days.NUMERIC_DATE.sub(" ", normalized))
    used = [False] * len(toks)
    dates += [(0, 3, day) for day in numeric]
    for reader in (
        days.relative_days,
        days.in_days,
        days.day_month,
        days.weekdays,
        days.day_of_month,
    ):
        dates += reader(toks, used, today)
    part = part_of_day(toks) or part_hint
    # A lone number answers "at what time?"; in a longer turn it counts something.
    bare = bare_hour and len(toks) <= _BARE_TOKENS
    times = clock_times(toks, used, part, bare_hour=bare)
    day = _choose(toks, dates, moves=True)
    if day is None and not dates:
        day = dateparser_date(text, toks, language, now_local)
    clock = _choose(toks, [(pos, 0, moment) for pos, moment in times])
    return When(day, clock, part if part in ("morning", "afternoon", "evening") else None)


def warm_up(languages: Iterable[str] = ("fr", "en", "es", "ar")) -> float:
    """Load dateparser's language data and our tables before the first call (the first
    dateparser call in a language costs tens of milliseconds). Returns the seconds spent."""
    started = time.perf_counter()
    now = dt.datetime(2026, 1, 5, 9, 0)  # noqa: DTZ001 - a naive local moment by design
    for language in languages:
        for sample in _WARM_UP.get(language, ()):
            search_dates(sample, language, now)
            read_when(sample, language, now)
    return time.perf_counter() - started


_WARM_UP = {
    "fr": ("le 3 décembre 2027 à 10h", "dans deux mois", "le mois prochain"),
    "en": ("3 December 2027 at 10 am", "in two months", "next month"),
    "es": ("3 de diciembre de 2027 a las diez", "en dos meses", "el mes que viene"),
    "ar": ("3 ديسمبر 2027 الساعة العاشرة", "بعد شهرين", "الشهر القادم"),
}


def _choose(
    toks: Sequence[str], candidates: list[tuple[int, int, _T]], *, moves: bool = False
) -> _T | None:
    """The best-ranked candidate, the first of equals; the last one when the caller
    corrected themselves in between ("demain, non, après-demain") or, for days (``moves``),
    moves something from one to the other ("de jeudi à vendredi", "from Thursday to Friday",
    "من الخميس إلى الجمعة", "الخميس للجمعة"): the day it goes to is the one that matters."""
    if not candidates:
        return None
    ordered = sorted(candidates, key=lambda c: c[0])
    first, last = ordered[0][0], ordered[-1][0]
    if any(toks[k] in _CORRECTIONS for k in range(first + 1, last + 1)):
        return ordered[-1][2]
    if (
        moves
        and first != last
        and (
            any(toks[k] in _TOWARDS for k in range(first + 1, last))
            or toks[last].startswith(_TOWARDS_CLITICS)
        )
    ):
        return ordered[-1][2]
    return max(ordered, key=lambda c: c[1])[2]
