"""Input checks shared by every transport; each failure is invalid_request naming its field."""

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import phonenumbers

from resolvers.errors import DomainError, ErrorCode, invalid

LANGUAGES = ("fr", "en", "es", "ar", "ary")
_EMAIL = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256


def storable(value: str, param: str) -> str:
    """NUL is refused by PostgreSQL text and a lone surrogate has no UTF-8 form: both are
    the client's error (invalid_request), whatever the transport."""
    if "\x00" in value:
        raise invalid(f"{param} must not contain NUL characters", param=param)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise invalid(f"{param} is not valid Unicode text", param=param) from exc
    return value


def email(value: Any, param: str = "email") -> str:
    if not isinstance(value, str) or len(value) > 254 or not _EMAIL.match(value.strip()):
        raise invalid("a valid email address is required", param=param)
    return storable(value.strip().lower(), param)


def password(value: Any, param: str = "password") -> str:
    if not isinstance(value, str):
        raise invalid("password must be a string", param=param)
    if len(value) < MIN_PASSWORD:
        raise invalid(f"password must be at least {MIN_PASSWORD} characters", param=param)
    if len(value) > MAX_PASSWORD:
        raise invalid(f"password must be at most {MAX_PASSWORD} characters", param=param)
    return storable(value, param)


def text(
    value: Any, param: str, *, max_len: int, min_len: int = 0, required: bool = False
) -> str | None:
    if value is None:
        if required:
            raise invalid(f"{param} is required", param=param)
        return None
    if not isinstance(value, str):
        raise invalid(f"{param} must be a string", param=param)
    value = storable(value, param).strip()
    if len(value) < max(min_len, 1 if required else 0):
        raise invalid(
            f"{param} must not be empty" if required else f"{param} is too short", param=param
        )
    if len(value) > max_len:
        raise invalid(f"{param} must be at most {max_len} characters", param=param)
    return value


def choice(value: Any, param: str, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        raise invalid(f"{param} must be one of: {', '.join(options)}", param=param)
    return value


def language(value: Any, param: str = "language") -> str:
    return choice(value, param, LANGUAGES)


def colour(value: Any, param: str) -> str:
    if not isinstance(value, str) or not _HEX_COLOUR.match(value):
        raise invalid(f"{param} must be a colour written #rrggbb", param=param)
    return value.lower()


def boolean(value: Any, param: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(f"{param} must be true or false", param=param)
    return value


MAX_PAGE = 100
MAX_OFFSET = 1_000_000_000


def page_bounds(limit: object, offset: object) -> tuple[int, int]:
    """Every list: 1 <= limit <= 100 and 0 <= offset <= 10^9 (larger values overflow the
    database's integer types)."""
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE:
        raise invalid(f"limit must be an integer from 1 to {MAX_PAGE}", param="limit")
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_OFFSET:
        raise invalid(f"offset must be an integer from 0 to {MAX_OFFSET}", param="offset")
    return limit, offset


def e164(value: Any, param: str = "to") -> str:
    """A phone number in E.164 form, validated with libphonenumber."""
    if not isinstance(value, str) or not value.startswith("+"):
        raise DomainError(
            ErrorCode.INVALID_PHONE_NUMBER,
            f"{param} must be an E.164 number such as +212612345678",
            param=param,
        )
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise DomainError(
            ErrorCode.INVALID_PHONE_NUMBER, f"{param} is not a phone number", param=param
        ) from exc
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if formatted != value or not phonenumbers.is_valid_number(parsed):
        raise DomainError(
            ErrorCode.INVALID_PHONE_NUMBER, f"{param} is not a valid E.164 number", param=param
        )
    return formatted


def moment(value: object, param: str, *, end: bool) -> datetime | None:
    """An ISO 8601 date or date-time filter (aware, UTC when no zone is given). A bare date
    as the ``end`` of a range is the start of the next day (the range's end is excluded)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise invalid(f"{param} must be an ISO 8601 date", param=param)
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            return datetime.combine(d + timedelta(days=1) if end else d, time.min, tzinfo=UTC)
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise invalid(f"{param} must be an ISO 8601 date such as 2026-01-01", param=param) from exc
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def date_range(
    date_from: object, date_to: object, params: tuple[str, str] = ("from", "to")
) -> tuple[datetime | None, datetime | None, bool]:
    """(start, stop, stop included): a bare ``to`` date covers that whole day (stop is the
    next midnight, excluded); a date-time ``to`` is included."""
    start = moment(date_from, params[0], end=False)
    stop = moment(date_to, params[1], end=True)
    return start, stop, stop is not None and len(str(date_to)) != 10
