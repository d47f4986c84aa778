"""Checks of what a language model passed to a tool: local dates and times, phone numbers,
short texts. Each failure is invalid_request with a message the model can act on."""

import logging
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from models.call import Call
from models.tenant import Tenant
from resolvers import validation
from resolvers.errors import invalid

log = logging.getLogger("vocalia.agent_tools")

DEFAULT_TIMEZONE = "Africa/Casablanca"
MAX_TEXT = 200
MAX_NOTES = 1000
HORIZON = timedelta(days=2 * 366)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_PHONE_NOISE = re.compile(r"[\s().\-/]")


def tenant_zone(tenant: Tenant) -> ZoneInfo:
    try:
        return ZoneInfo(tenant.timezone or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("tenant %s has an unknown time zone %r", tenant.id, tenant.timezone)
        return ZoneInfo(DEFAULT_TIMEZONE)


def text(args: dict[str, Any], key: str, max_len: int = MAX_TEXT) -> str | None:
    return validation.text(args.get(key), key, max_len=max_len) or None


def local_moment(args: dict[str, Any], zone: ZoneInfo, now: datetime) -> datetime:
    """``date`` (YYYY-MM-DD) and ``time`` (HH:MM) in ``zone`` as an aware datetime in that
    zone: a real wall-clock time, in the future, within two years."""
    raw_date, raw_time = args.get("date"), args.get("time")
    if not isinstance(raw_date, str) or not _DATE.match(raw_date):
        raise invalid("date is required, written YYYY-MM-DD (for example 2026-03-14)", param="date")
    match = _TIME.match(raw_time) if isinstance(raw_time, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise invalid(
            "time is required, written HH:MM on 24 hours (for example 14:30)", param="time"
        )
    try:
        day = date.fromisoformat(raw_date)
    except ValueError:
        raise invalid(f"{raw_date} is not a calendar date", param="date") from None
    wall = datetime.combine(day, time(int(match[1]), int(match[2])))
    moment = wall.replace(tzinfo=zone)
    # A wall time skipped by a clock change does not survive the round trip through UTC.
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise invalid(
            f"{raw_date} {raw_time} does not exist in {zone.key} (the clocks change then); "
            "choose another time",
            param="time",
        )
    local_now = now.astimezone(zone)
    if moment <= local_now:
        raise invalid(
            f"{raw_date} {raw_time} is in the past in {zone.key} (it is now "
            f"{local_now:%Y-%m-%d %H:%M}); ask for a later date or time",
            param="date",
        )
    if moment - local_now > HORIZON:
        raise invalid("the date must be within the next two years", param="date")
    return moment


def caller_number(call: Call | None) -> str | None:
    """The other party's number: the callee of an outbound call, the caller of an inbound one
    (none for a web call or a text conversation)."""
    if call is None:
        return None
    if call.direction == "outbound":
        return call.to_number
    if call.direction == "inbound":
        return call.from_number
    return None


def phone(value: object, call: Call | None) -> str | None:
    """A number as the caller said it, normalised to E.164 (national forms are read in the
    country of the other party's number); that number when none was given."""
    if value is None or value == "":
        return caller_number(call)
    message = "phone must be a phone number, best in international form such as +212612345678"
    if not isinstance(value, str) or len(value) > 40:
        raise invalid(message, param="phone")
    compact = _PHONE_NOISE.sub("", validation.storable(value, "phone"))
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    region = None
    known = caller_number(call)
    if not compact.startswith("+") and known:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(known, None))
    try:
        parsed = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException:
        raise invalid(message, param="phone") from None
    if not phonenumbers.is_valid_number(parsed):
        raise invalid(message, param="phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def flag(args: dict[str, Any], key: str, previous: bool) -> bool:
    if key not in args or args[key] is None:
        return previous
    return validation.boolean(args[key], key)


def local_iso(moment: datetime, zone: ZoneInfo) -> str:
    """ISO 8601 with the zone's offset, to the minute: 2026-03-14T10:00:00+01:00."""
    return moment.astimezone(zone).replace(microsecond=0).isoformat()
