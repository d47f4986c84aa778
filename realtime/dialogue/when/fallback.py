"""dateparser, for written dates the spoken-form readers do not know. Only its findings
that name a month or a period with a number are kept: on its own it reads "je" as a date
and a bare month name as that month's day of today."""

import datetime as dt
import logging
import re
from collections.abc import Callable, Sequence

from realtime.dialogue.when import words as w
from realtime.dialogue.when.reading import among, lookup
from resolvers.textnorm import normalize, tokens

log = logging.getLogger("vocalia.dialogue")

_DATEPARSER_LANGUAGES = {"fr": "fr", "en": "en", "es": "es", "ar": "ar", "ary": "ar"}
_DATEPARSER_WINDOW = 200


def dateparser_date(
    text: str, toks: Sequence[str], language: str, now_local: dt.datetime
) -> dt.date | None:
    """A written date our rules do not know, when the text names a month or a period."""
    if not any(_names_day(t) for t in toks):
        return None
    for said, moment in search_dates(text[:_DATEPARSER_WINDOW], language, now_local):
        words = tokens(normalize(said))
        names_day = any(_names_day(t) for t in words)
        counted = any(t.isdigit() or lookup(w.NUMBERS, t) is not None for t in words)
        if names_day and counted and moment.date() >= now_local.date():
            return moment.date()
    return None


def search_dates(text: str, language: str, now_local: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """dateparser's (substring, datetime) findings in ``text``, relative to ``now_local``."""
    search = _dateparser_search()
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now_local.replace(tzinfo=None),
        "RETURN_AS_TIMEZONE_AWARE": False,
        "DATE_ORDER": "DMY",
    }
    try:
        found = search(
            text, languages=[_DATEPARSER_LANGUAGES.get(language, "fr")], settings=settings
        )
    except (ValueError, OverflowError, KeyError, re.error) as exc:
        log.debug("dateparser could not read %r: %s", text, exc)
        return []
    return list(found or [])


def _dateparser_search() -> Callable[..., list[tuple[str, dt.datetime]] | None]:
    # Imported on first use: dateparser costs ~0.1 s to import; warm_up() pays it early.
    from dateparser import search

    return search.search_dates


def _names_day(token: str) -> bool:
    return lookup(w.MONTHS, token) is not None or any(
        among(token, units) for units in (w.DAY_UNITS, w.WEEK_UNITS, w.MONTH_UNITS)
    )
