"""Days named in a turn: relative days, weekdays, day and month, numeric dates, "in three
days". Each reader marks the tokens it used (the clock reader skips them) and returns
candidates (token position, rank, date); a higher rank is more specific."""

import datetime as dt
import re
from collections.abc import Sequence

from realtime.dialogue.when import words as w
from realtime.dialogue.when.reading import (
    among,
    day_number,
    forms,
    longest,
    looks_like_hour,
    lookup,
    read_number,
)

NUMERIC_DATE = re.compile(
    r"(?<![\d/.-])(?:(\d{4})-(\d{1,2})-(\d{1,2})"
    r"|(\d{1,2})([/-])(\d{1,2})(?:\5(\d{2,4}))?"
    r"|(\d{1,2})\.(\d{1,2})\.(\d{2,4}))(?![\d/.-])"
)


def numeric_dates(normalized: str, today: dt.date) -> list[dt.date]:
    found = []
    for match in NUMERIC_DATE.finditer(normalized):
        g = match.groups()
        if g[0]:
            year, month, day = int(g[0]), int(g[1]), int(g[2])
        elif g[3]:
            day, month, year = int(g[3]), int(g[5]), int(g[6]) if g[6] else 0
        else:
            day, month, year = int(g[7]), int(g[8]), int(g[9])
        if 0 < year < 100:
            year += 2000
        resolved = _calendar_date(today, month, day, year or None)
        if resolved is not None:
            found.append(resolved)
    return found


def _calendar_date(today: dt.date, month: int, day: int, year: int | None) -> dt.date | None:
    """The date, in the next year to come when none is given; None when it does not exist."""
    for candidate_year in [year] if year else [today.year, today.year + 1]:
        try:
            candidate = dt.date(candidate_year, month, day)
        except ValueError:
            continue
        if year or candidate >= today:
            return candidate
    return None


def relative_days(
    toks: Sequence[str], used: list[bool], today: dt.date
) -> list[tuple[int, int, dt.date]]:
    found = []
    i = 0
    while i < len(toks):
        match = longest(toks, i, w.RELATIVE_DAYS)
        # "la mañana" / "por la mañana" is the morning, not tomorrow
        if match and match[0] == ("manana",) and i > 0 and toks[i - 1] in w.MORNING_ARTICLES:
            match = None
        # "ليوم الخميس", "ليوم 15": for the day of (Darija ليوم alone is today)
        if match and match[0] in w.FOR_THE_DAY and _names_a_day(toks, i + 1):
            match = None
        if match is None:
            i += 1
            continue
        phrase, offset = match
        for k in range(i, i + len(phrase)):
            used[k] = True
        found.append((i, 2, today + dt.timedelta(days=int(offset))))
        i += len(phrase)
    return found


def _names_a_day(toks: Sequence[str], i: int) -> bool:
    if i >= len(toks):
        return False
    token = toks[i]
    return (
        lookup(w.WEEKDAYS, token) is not None
        or day_number(token) is not None
        or token.isdigit()
        or lookup(w.NUMBERS, token) is not None
        or among(token, w.ORDINAL_ONE)
    )


def in_days(
    toks: Sequence[str], used: list[bool], today: dt.date
) -> list[tuple[int, int, dt.date]]:
    found = []
    for i, token in enumerate(toks[:-1]):
        if used[i] or not among(token, w.IN_WORDS):
            continue
        after = toks[i + 1]
        if after in ("a", "an") and i + 2 < len(toks):
            after = "1"
            toks = [*toks[: i + 1], "1", *toks[i + 2 :]]
        if among(after, w.DUAL_DAYS) or among(after, w.DUAL_WEEKS):
            days, end = (2 if among(after, w.DUAL_DAYS) else 14), i + 2
        else:
            number = read_number(toks, i + 1)
            count, unit_at = (1, i + 1) if number is None else number
            if unit_at >= len(toks):
                continue
            unit = toks[unit_at]
            if among(unit, w.DAY_UNITS):
                days = count
            elif among(unit, w.WEEK_UNITS):
                days = 7 * count
            else:
                continue
            end = unit_at + 1
        if 0 < days <= 400:
            for k in range(i, end):
                used[k] = True
            found.append((i, 2, today + dt.timedelta(days=days)))
    return found


def _day_before(toks: Sequence[str], month_at: int) -> tuple[int, int] | None:
    """The day of the month just before a month name ("le 3 décembre", "el tres de
    diciembre", "the 3rd of December", "vingt-cinq décembre"): (day, first token)."""
    j = month_at - 1
    if j >= 0 and toks[j] in w.OF_WORDS:
        j -= 1
    if j < 0:
        return None
    compound = _arabic_ordinal(toks, j)
    if compound is not None:
        return compound
    day = day_number(toks[j])
    if day is not None:
        return day, j
    for start in (j - 2, j - 1, j):
        if start >= 0:
            number = read_number(toks, start)
            if number is not None and number[1] == j + 1 and 1 <= number[0] <= 31:
                return number[0], start
    return None


def _arabic_ordinal(toks: Sequence[str], j: int) -> tuple[int, int] | None:
    """An Arabic compound ordinal day ending at ``j``: الخامس عشر (15th), الحادي عشر
    (11th), الثاني والعشرين (22nd): (day, first token)."""
    if j < 1:
        return None
    tens = 10 if among(toks[j], w.TEENS_AFTER) else None
    if tens is None:
        tens = next((w.ORDINAL_TENS[f] for f in forms(toks[j]) if f in w.ORDINAL_TENS), None)
    if tens is None:
        return None
    unit = 1 if among(toks[j - 1], w.ORDINAL_ONE) else lookup(w.ORDINAL_DAYS, toks[j - 1])
    if unit is not None and 1 <= unit <= 9 and tens + unit <= 31:
        return tens + unit, j - 1
    return None


def _day_after(toks: Sequence[str], month_at: int) -> tuple[int, int] | None:
    """The day after a month name ("December 3rd", "December the third"): (day, end)."""
    j = month_at + 1
    if j < len(toks) and toks[j] == "the":
        j += 1
    if j >= len(toks):
        return None
    day = day_number(toks[j])
    if day is not None and not (j + 1 < len(toks) and among(toks[j + 1], w.HOUR_UNITS)):
        return day, j + 1
    return None


def day_month(
    toks: Sequence[str], used: list[bool], today: dt.date
) -> list[tuple[int, int, dt.date]]:
    found = []
    for i, token in enumerate(toks):
        month = lookup(w.MONTHS, token)
        if month is None or used[i]:
            continue
        before = _day_before(toks, i)
        after = None if before else _day_after(toks, i)
        if before:
            day, start, end = before[0], before[1], i + 1
        elif after:
            day, start, end = after[0], i, after[1]
        else:
            continue
        year = None
        if end < len(toks) and re.fullmatch(r"20\d\d", toks[end]):
            year, end = int(toks[end]), end + 1
        resolved = _calendar_date(today, month, day, year)
        if resolved is None:
            continue
        # "du 3 au 5 août", "from the 3rd to the 5th of May": the first day is in that month
        first = _range_start(toks, start)
        if first is not None and (begins := _calendar_date(today, month, first[0], year)):
            start = first[1]
            found.append((start, 3, begins))
        for k in range(start, end):
            used[k] = True
        found.append((start if first is None else end - 1, 3, resolved))
    return found


def _range_start(toks: Sequence[str], day_at: int) -> tuple[int, int] | None:
    """The day of the month before "au", "to", "al" that starts a range ending at
    ``day_at``: (day, its position)."""
    j = day_at - 1
    if j >= 1 and toks[j] == "the":
        j -= 1
    if j < 1 or not among(toks[j], w.RANGE_TO):
        return None
    k = j - 1
    if k >= 1 and toks[k] == "the":
        k -= 1
    day = day_number(toks[k])
    return (day, k) if day is not None and not looks_like_hour(toks, k) else None


def _next_day_of_month(today: dt.date, day: int) -> dt.date | None:
    year, month = today.year, today.month
    for _ in range(3):
        resolved = _calendar_date(today, month, day, year)
        if resolved is not None and resolved >= today:
            return resolved
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def weekdays(
    toks: Sequence[str], used: list[bool], today: dt.date
) -> list[tuple[int, int, dt.date]]:
    found = []
    for i, token in enumerate(toks):
        weekday = lookup(w.WEEKDAYS, token)
        if weekday is None and token in w.AFTER_NHAR:
            before = i - 2 if i > 1 and toks[i - 1] in ("el", "l") else i - 1
            after = i + 1 < len(toks) and among(toks[i + 1], w.NEXT_WORDS)
            if (before >= 0 and toks[before] in w.NHAR) or (after and token not in w.THIS):
                weekday = w.AFTER_NHAR[token]
        if weekday is None or used[i]:
            continue
        used[i] = True
        for k in (i - 1, i + 1):
            if 0 <= k < len(toks) and among(toks[k], w.NEXT_WORDS):
                used[k] = True
        if i + 2 < len(toks) and (toks[i + 1], toks[i + 2]) == ("que", "viene"):
            used[i + 1] = used[i + 2] = True
        ahead = (weekday - today.weekday()) % 7 or 7
        found.append((i, 2, today + dt.timedelta(days=ahead)))
        # "vendredi 4", "Friday the 4th": the weekday names a day of the month
        at = i + 2 if i + 2 < len(toks) and toks[i + 1] == "the" else i + 1
        if at < len(toks) and not used[at]:
            day = day_number(toks[at])
            if day is not None and not looks_like_hour(toks, at):
                resolved = _next_day_of_month(today, day)
                # "vendredi 4" names a Friday the 4th; on another weekday it is no date
                if resolved is not None and resolved.weekday() == weekday:
                    for k in range(i + 1, at + 1):
                        used[k] = True
                    found.append((i, 3, resolved))
    return found


def day_of_month(
    toks: Sequence[str], used: list[bool], today: dt.date
) -> list[tuple[int, int, dt.date]]:
    """ "le 15", "the 3rd", "el 20", "nhar 12": the next such day of a month."""
    found = []
    for i, token in enumerate(toks[:-1]):
        if used[i] or used[i + 1] or token not in w.DAY_ARTICLES:
            continue
        day = day_number(toks[i + 1])
        if day is None or looks_like_hour(toks, i + 1):
            continue
        resolved = _next_day_of_month(today, day)
        if resolved is not None:
            used[i] = used[i + 1] = True
            found.append((i, 1, resolved))
    return found
