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
from dataclasses import dataclass, replace
from typing import TypeVar

from realtime.dialogue.when import days
from realtime.dialogue.when.clock import clock_times, part_of_day, shifts, soon
from realtime.dialogue.when.fallback import dateparser_date, search_dates
from realtime.dialogue.when.reading import hour_cue, phrase_at
from resolvers.textnorm import normalize, tokens

_CORRECTIONS = frozenset(
    tokens(normalize("non no plutôt rather actually mejor بل لا la lla wla ولا"))
)
_INSTEAD = tuple(
    tuple(tokens(normalize(phrase)))
    for phrase in (
        *("au lieu de", "au lieu du", "au lieu d", "à la place de", "à la place du"),
        *("instead of", "rather than", "en vez de", "en vez del", "en lugar de", "en lugar del"),
        *("بدل", "بدلا من", "عوض", "عوض من", "فبلاصة", "في بلاصة", "blast", "fblast", "f blast"),
        *("bdal", "3wed", "3ouad", "3iwad"),
    )
)
# "à la même heure", "same time": a booking being moved keeps its clock time
_SAME_TIME = tuple(
    tuple(tokens(normalize(phrase)))
    for phrase in (
        *("même heure", "meme heure", "same time", "misma hora", "نفس الساعة", "نفس الوقت"),
        *("nfs sa3a", "nefs sa3a", "nafs sa3a", "nfs lwe9t", "nfs lwa9t", "nefs lwe9t"),
        *("نفس الوقيتة", "nfs l w9t", "nafs lwa9t"),
    )
)
# What sends a booking to the day after it: "to Friday", "à lundi", "al viernes", "إلى
# الجمعة", "l jem3a" (and للجمعة, one Arabic word)
_TO_DAY = frozenset(tokens(normalize("to à a au al إلى الى حتى l ل pour para for")))
_DAY_ARTICLES = frozenset(tokens(normalize("le el the يوم nhar lnhar")))
_T = TypeVar("_T")
_BARE_TOKENS = 4


@dataclass(frozen=True)
class When:
    """What the text says about a moment: a day, a clock time, and the part of the day
    (``morning``, ``afternoon``, ``evening``) when one is named. ``date_to`` and ``time_to``
    are the last day and time named when there are two: where a booking being moved goes
    (``moved()``: "de jeudi à vendredi", "from 3 to 5", "الخميس للجمعة", "mon rendez-vous de
    lundi, mardi à la même heure"), while a new one starts at the first ("de 15h à 17h")."""

    date: dt.date | None = None
    time: dt.time | None = None
    part: str | None = None
    date_to: dt.date | None = None
    time_to: dt.time | None = None
    shift: int | None = None  # minutes a moment is moved by ("d'une heure", "a week later")
    # the only clock time named is the one of the booking being moved ("my 10 o'clock
    # appointment, to Friday", "mon rendez-vous de 15h demain, à lundi")
    old_time: bool = False

    def moved(self) -> "When":
        """The moment a booking being changed goes to: the last one named, else the one
        named moved by the shift ("mon rendez-vous de jeudi 15h, décalez-le d'une heure")."""
        day, clock = self.date_to or self.date, self.time_to or self.time
        if self.old_time and not self.time_to and not self.shift:
            clock = None  # where it goes was said as a day: its time is still to be asked
        if self.shift and not (self.date_to or self.time_to):
            if abs(self.shift) >= 24 * 60:
                day = day and day + dt.timedelta(minutes=self.shift)
            elif clock:
                moment = dt.datetime.combine(day or dt.date(2000, 1, 1), clock)
                moment += dt.timedelta(minutes=self.shift)
                day = day and moment.date()
                clock = moment.time()
        return replace(self, date=day, time=clock)


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
    moves = shifts(toks, used)
    later = soon(toks, used, now_local)
    dates += [(pos, 0, moment.date()) for pos, moment in later]
    # A lone number answers "at what time?"; in a longer turn it counts something.
    bare = bare_hour and len(toks) <= _BARE_TOKENS
    times = [(pos, moment.time()) for pos, moment in later]
    times += clock_times(toks, used, part, bare_hour=bare)
    day, day_to = _choose(toks, dates), _choose(toks, dates, moves=True)
    if day is None and not dates:
        day = dateparser_date(text, toks, language, now_local)
    clocks = [(pos, 0, moment) for pos, moment in times]
    clock, clock_to = _choose(toks, clocks), _choose(toks, clocks, moves=True)
    return When(
        day,
        clock,
        part if part in ("morning", "afternoon", "evening") else None,
        day_to if day_to != day else None,
        clock_to if clock_to != clock else None,
        moves[-1] if moves else None,
        _time_left_behind(toks, dates, times),
    )


def _time_left_behind(
    toks: Sequence[str], dates: list[tuple[int, int, dt.date]], times: list[tuple[int, dt.time]]
) -> bool:
    """Whether the one clock time named comes before the day a booking is sent to (a second
    day, or one after "to"/"à"/"al"/"إلى"), with no "same time": the moved booking's old
    time, not its new one."""
    if (
        len(times) != 1
        or not dates
        or any(phrase_at(toks, i, phrase) for phrase in _SAME_TIME for i in range(len(toks)))
    ):
        return False
    at = max(pos for pos, _, _ in dates)
    if times[0][0] > at:
        return False
    if len({day for _, _, day in dates}) > 1:
        return True
    before = at - 1
    if before >= 0 and toks[before] in _DAY_ARTICLES:
        before -= 1
    return (before >= 0 and toks[before] in _TO_DAY) or toks[at].startswith("لل")


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


def _instead(toks: Sequence[str], pos: int) -> bool:
    """Whether the moment at ``pos`` is the one the caller does not want: "vendredi au lieu
    de jeudi", "instead of Thursday", "en vez del jueves", "بدل الخميس", "blast lkhmis"."""
    end = pos
    while end > 0 and pos - end < 2 and _is_cue(toks[end - 1]):
        end -= 1  # "au lieu de 15h", "بدلا من الساعة الرابعة", "bdal m3a 4"
    return any(
        at >= len(phrase) and tuple(toks[at - len(phrase) : at]) == phrase
        for phrase in _INSTEAD
        for at in {pos, end}
    )


def _is_cue(token: str) -> bool:
    return hour_cue(token) or token in ("las", "the", "le")


def _choose(
    toks: Sequence[str], candidates: list[tuple[int, int, _T]], *, moves: bool = False
) -> _T | None:
    """The best-ranked candidate, the first of equals; the last one when the caller
    corrected themselves in between ("demain, non, après-demain"). A moment said to be
    replaced ("au lieu de jeudi") is never chosen over another. For ``moves`` (a booking
    being changed), the moment it goes to: the last one ("de jeudi à vendredi", "from
    Thursday to Friday", "من الخميس إلى الجمعة", "الخميس للجمعة", "mon rendez-vous de
    lundi, mardi à la même heure")."""
    kept = [c for c in candidates if not _instead(toks, c[0])]
    if not kept:
        kept = candidates
    if not kept:
        return None
    ordered = sorted(kept, key=lambda c: c[0])
    first, last = ordered[0][0], ordered[-1][0]
    if any(toks[k] in _CORRECTIONS for k in range(first + 1, last + 1)):
        return ordered[-1][2]
    if moves and first != last:
        return ordered[-1][2]
    return max(ordered, key=lambda c: c[1])[2]
