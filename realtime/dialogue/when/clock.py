"""Clock times in a turn: "10h30", "3 pm", "ten in the morning", "dix heures et demie",
"a las tres de la tarde", "العاشرة صباحا", "m3a l3achra o ns", "half past two".

A number is an hour only in a clock context: its own form (10h, 3pm, an Arabic ordinal,
midi), a unit after it (heures, o'clock, horas), a cue before it (at, à, a las, الساعة,
مع, m3a), a part of the day after it, or when the caller was just asked for a time."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from realtime.dialogue.when import words as w
from realtime.dialogue.when.reading import (
    CLOCK_TOKEN,
    among,
    hour_cue,
    longest,
    lookup,
    part_after,
    phrase_at,
    read_number,
)
from resolvers.textnorm import normalize, tokens, variants


@dataclass
class _Hour:
    hour: int
    minute: int = 0
    end: int = 0
    strong: bool = False  # a clock time by its own form (10h30, 3pm, العاشرة, midi)
    meridiem: str | None = None  # am / pm
    fixed: bool = False  # noon or midnight: no afternoon shift


def _read_hour(toks: Sequence[str], i: int) -> _Hour | None:
    token = toks[i]
    clock = CLOCK_TOKEN.fullmatch(token)
    if clock:
        hour, minute = int(clock[1]), int(clock[2] or 0)
        if hour > 24 or minute > 59:
            return None
        if clock[3] == "am" and clock[1] == "3" and i > 0 and toks[i - 1].isdigit():
            return None  # Arabizi "30 3am" is thirty years (عام), not 3 a.m.
        return _Hour(hour, minute, i + 1, True, clock[3])
    for word in variants(token):
        if word in _NOON and not (i > 0 and toks[i - 1] in _AFTER):
            return _Hour(12 if _NOON[word] == "noon" else 0, 0, i + 1, True, fixed=True)
    ordinal = lookup(w.ORDINAL_HOURS, token)
    if ordinal is not None:
        end = i + 1
        if ordinal in (1, 2, 11, 12) and end < len(toks) and toks[end] in w.TEENS_AFTER:
            ordinal, end = (11 if ordinal in (1, 11) else 12), end + 1
        return _Hour(ordinal, 0, end, True)
    number = read_number(toks, i)
    if number is None or number[0] > 24:
        return None
    return _Hour(number[0], 0, number[1])


_NOON = {
    phrase[0]: part
    for phrase, part in w.PARTS.items()
    if part in ("noon", "midnight") and len(phrase) == 1
}


# The hours that are after noon when nothing else says so, by the part of the day named: a
# business hour from 1 to 7; "8 de la tarde" is 20:00, but "10 ... l'après-midi" is not 22:00.
_LAST_PM_HOUR = {None: 7, "afternoon": 8, "evening": 11}
_AFTER = frozenset(tokens(normalize("après apres بعد ba3d b3d")))


def _longest_phrase(
    toks: Sequence[str], j: int, table: dict[tuple[str, ...], int]
) -> tuple[int, int] | None:
    """The value of the longest phrase of ``table`` at ``j``: (value, next index)."""
    best: tuple[int, int] | None = None
    for phrase, value in table.items():
        if (best is None or j + len(phrase) > best[1]) and phrase_at(toks, j, phrase):
            best = (value, j + len(phrase))
    return best


def _minutes_after(toks: Sequence[str], j: int, had_unit: bool) -> tuple[int, int] | None:
    """Minutes after an hour at ``j``: (minutes, next index); negative before the hour."""
    best = _longest_phrase(toks, j, w.MINUTE_PHRASES)
    if best is not None:
        return best
    if j >= len(toks):
        return None
    k = j
    if toks[j] in w.MINUTES_JOIN and j + 1 < len(toks):
        k = j + 1  # "diez y diez", "ten oh five", "العاشرة و 10 دقائق", "m3a 4 o 20"
    number = read_number(toks, k)
    if number is None:
        return None
    minutes, end = number
    if (
        end < len(toks)
        and among(toks[end], w.NOT_HOUR_AFTER)
        and not among(toks[end], w.MINUTE_UNITS)
    ):
        return None  # "à 10h 5 personnes"
    unit_next = end < len(toks) and among(toks[end], w.MINUTE_UNITS)
    if toks[j] == "oh":
        minutes = minutes if minutes < 10 else -1
    elif k == j and not had_unit and minutes < 10:
        return None  # "at ten 2 people" is not 10:02
    elif k > j and minutes < 10 and toks[k].isdigit() and not unit_next:
        return None  # "bin 2 w 4" is a range, not 2:04 ("diez y cinco", "و 5 دقائق" are)
    if not 0 <= minutes <= 59:
        return None
    if end < len(toks) and among(toks[end], w.MINUTE_UNITS):
        end += 1
    return minutes, end


def clock_times(
    toks: Sequence[str], used: list[bool], part: str | None, *, bare_hour: bool
) -> list[tuple[int, dt.time]]:
    found: list[tuple[int, dt.time]] = []
    i = ended = 0
    while i < len(toks):
        if used[i]:
            i += 1
            continue
        before = _minutes_before(toks, i)
        start = before[1] if before else i
        hour = _read_hour(toks, start) if start < len(toks) and not used[start] else None
        if hour is None:
            i += 1
            continue
        # the end of a range whose start was just read: "mn 10 l 11"
        range_end = bool(found) and ended == i - 1 and _joins(toks[i - 1], True)
        moment = _complete(toks, i, hour, before, part, bare_hour=bare_hour or range_end)
        if moment is None:
            i += 1
            continue
        for k in range(i, moment[1]):
            used[k] = True
        found.append((i, moment[0]))
        i = ended = moment[1]
    return found


def _joins(token: str, ranged: bool) -> bool:
    """Whether ``token`` joins the two ends of a range of clock times (Arabizi and Arabic
    "l"/"ل" only after "from")."""
    return among(token, w.RANGE_JOINS) or (ranged and token in w.RANGE_JOINS_AFTER_FROM)


def _minutes_before(toks: Sequence[str], i: int) -> tuple[int, int] | None:
    """English minutes before the hour: "half past ten", "quarter to three"."""
    for phrase, minutes in w.MINUTES_BEFORE.items():
        if phrase_at(toks, i, phrase):
            return minutes, i + len(phrase)
    return None


def _complete(
    toks: Sequence[str],
    start: int,
    hour: _Hour,
    before: tuple[int, int] | None,
    part: str | None,
    *,
    bare_hour: bool,
) -> tuple[dt.time, int] | None:
    j = hour.end
    following = toks[j] if j < len(toks) else ""
    if among(following, w.NOT_HOUR_AFTER) and not hour.strong:
        return None
    had_unit = False
    if among(following, w.HOUR_UNITS):
        had_unit, j = True, j + 1
    elif any(phrase_at(toks, j, phrase) for phrase in w.HOUR_UNIT_PHRASES):
        had_unit, j = True, j + 2
    minute = hour.minute
    said_minutes = False  # "wa7da w nss", "dix et demie": a fraction of the hour is a time
    if before:
        minute = before[0]
    elif not hour.minute:
        said_minutes = _longest_phrase(toks, j, w.MINUTE_PHRASES) is not None
        after = _minutes_after(toks, j, had_unit or hour.strong)
        if after:
            minute, j = after
    meridiem = hour.meridiem
    if meridiem is None and j < len(toks) and toks[j] in ("am", "pm"):
        meridiem, j = toks[j], j + 1
    cue_at = start - 2 if start > 1 and toks[start - 1] in w.ARTICLES_APART else start - 1
    cued = cue_at >= 0 and hour_cue(toks[cue_at])
    part_next = part_after(toks, j)
    clue = hour.strong or had_unit or cued or meridiem or before or part_next or bare_hour
    clue = clue or said_minutes
    ranged = start > 0 and among(toks[start - 1], w.RANGE_FROM)
    if not clue and not had_unit and j + 1 < len(toks) and _joins(toks[j], ranged):
        # "from 3 to 5 pm", "de 3 a 5 de la tarde", "mn 10 l 11": the start of a range of
        # clock times (two bare numbers are one when "from" comes first)
        end = _read_hour(toks, j + 1)
        until = _complete(toks, j + 1, end, None, part, bare_hour=ranged) if end else None
        if until:
            clue = True
            if meridiem is None and hour.hour < 12 and hour.hour + 12 <= until[0].hour:
                meridiem = "pm"  # the end is in the afternoon, and so is the start
    if not clue or (hour.hour > 23 and not had_unit):
        return None
    value = hour.hour % 24
    if not hour.fixed:
        if meridiem == "pm" and value < 12:
            value += 12
        elif meridiem == "am" and value == 12:
            value = 0
        elif meridiem is None and 1 <= value <= _LAST_PM_HOUR.get(part, 0):
            value += 12  # afternoon or evening named, or a business hour from 1 to 7
    total = (value * 60 + minute) % (24 * 60)
    return dt.time(total // 60, total % 60), j


def part_of_day(toks: Sequence[str]) -> str | None:
    for i in range(len(toks)):
        match = longest(toks, i, w.PARTS)
        if match is not None and match[1] not in ("noon", "midnight"):
            return match[1]
    return None


def soon(toks: Sequence[str], used: list[bool], now: dt.datetime) -> list[tuple[int, dt.datetime]]:
    """Moments counted from now: "dans une heure", "in 20 minutes", "dentro de media hora",
    "بعد ساعة", "mn ba3d nss sa3a" (position, moment). Read before clock times, so "une
    heure" after "dans" is not one o'clock."""
    found: list[tuple[int, dt.datetime]] = []
    for i, token in enumerate(toks[:-1]):
        if used[i] or not among(token, w.SOON_WORDS):
            continue
        j = i + 1
        if among(toks[j], w.SOON_SKIP) and j + 1 < len(toks):
            j += 1
        amount = _duration(toks, j)
        if amount is None:
            continue
        minutes, end = amount
        if not 0 < minutes <= 12 * 60:
            continue
        for k in range(i, end):
            used[k] = True
        found.append((i, (now + dt.timedelta(minutes=minutes)).replace(second=0, microsecond=0)))
    return found


def _duration(toks: Sequence[str], j: int) -> tuple[int, int] | None:
    """An amount of time at ``j``: (minutes, next index)."""
    best = _longest_phrase(toks, j, w.DURATION_PHRASES)
    if best is not None:
        return best
    if toks[j] in w.DURATION_HOUR:  # بعد ساعة: in an hour (not بعد الساعة 3: after three)
        return (60, j + 1) if j + 1 == len(toks) or read_number(toks, j + 1) is None else None
    count: tuple[int, int] | None
    count = (1, j + 1) if toks[j] in ("a", "an") else read_number(toks, j)
    if count is None or count[1] >= len(toks):
        return None
    value, k = count
    # "two and a half hours" / "deux heures et demie"
    half = next((h for h in w.DURATION_HALF if phrase_at(toks, k, h)), ())
    k += len(half)
    unit = toks[k] if k < len(toks) else ""
    if among(unit, w.MINUTE_UNITS) and not half:
        return value, k + 1
    if among(unit, w.DURATION_HOURS) or unit in w.DURATION_HOUR:
        end = k + 1
        if not half:
            half = next((h for h in w.DURATION_HALF if phrase_at(toks, end, h)), ())
            end += len(half)
        return 60 * value + (30 if half else 0), end
    return None


def shifts(toks: Sequence[str], used: list[bool]) -> list[int]:
    """Moves by an amount, in minutes (negative: earlier): "décaler d'une heure", "push it
    back an hour", "une semaine plus tard", "retrasar una hora", "تأخير موعدي ساعة". Read
    before clock times, so "une heure" here is not one o'clock."""
    earlier = any(t.startswith(w.EARLIER) for t in toks)
    verb_at = [k for k, t in enumerate(toks) if t.startswith(w.SHIFT_VERBS)]
    found = []
    i = 0
    while i < len(toks):
        if used[i]:
            i += 1
            continue
        by = toks[i] in w.SHIFT_WORDS and not (i and toks[i - 1] == "partir")
        amount = _span(toks, i + 1 if by else i)
        by = by or (
            amount is not None
            and toks[i].startswith("ب")
            and amount[1] == i + 1
            and not (i + 1 < len(toks) and lookup(w.WEEKDAYS, toks[i + 1]) is not None)
        )  # بساعة: by an hour (بيوم الخميس: on Thursday)
        if amount is None:
            i += 1
            continue
        minutes, end = amount
        said = end < len(toks) and (among(toks[end], w.LATER) or toks[end].startswith(w.EARLIER))
        if end + 1 < len(toks) and tuple(toks[end : end + 2]) in w.LATER_PHRASES:
            said, end = True, end + 2
        elif said:
            end += 1
        after_verb = any(0 < i - k <= 3 for k in verb_at) and toks[i] in w.ONE_WORDS
        cued = i > 0 and hour_cue(toks[i - 1])
        if not (by or said or after_verb) or cued:
            i += 1
            continue
        for k in range(i, end):
            used[k] = True
        found.append(-minutes if earlier else minutes)
        i = end
    return found


def _span(toks: Sequence[str], j: int) -> tuple[int, int] | None:
    """An amount of time or of days at ``j``: (minutes, next index)."""
    if j >= len(toks):
        return None
    if toks[j].startswith("ب") and len(toks[j]) > 3:  # بساعة, بيوم: by an hour, a day
        rest = _span([toks[j][1:], *toks[j + 1 : j + 2]], 0)
        if rest is not None and rest[1] == 1:
            return rest[0], j + 1
    amount = _duration(toks, j)
    if amount is not None:
        return amount
    if among(toks[j], w.DAY_ALONE):
        return 24 * 60, j + 1
    if among(toks[j], w.DUAL_DAYS):
        return 2 * 24 * 60, j + 1
    if among(toks[j], w.DUAL_WEEKS):
        return 14 * 24 * 60, j + 1
    if among(toks[j], w.WEEK_ALONE):
        return 7 * 24 * 60, j + 1
    count = (1, j + 1) if toks[j] in ("a", "an") else read_number(toks, j)
    if count is None or count[1] >= len(toks):
        return None
    value, k = count
    if among(toks[k], w.DAY_UNITS):
        return value * 24 * 60, k + 1
    if among(toks[k], w.WEEK_UNITS):
        return value * 7 * 24 * 60, k + 1
    return None
