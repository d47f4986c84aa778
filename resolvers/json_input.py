"""The one JSON parser for input from every transport: REST bodies, GraphQL requests (HTTP and
WebSocket messages) and voice stream frames.

Anything a client can send that is not a JSON object we can store and use is its error
(invalid_request), never a 500: bytes that are not UTF-8, syntax errors, integers longer than
Python converts (over 4,300 digits raise ValueError inside json), numbers that overflow to
infinity or the NaN/Infinity words (not JSON, but Python accepts them), nesting deeper than
MAX_NESTING (Python's parser recurses and would raise RecursionError near 1,000 levels; our
own code and the drivers walk values recursively too), and strings holding NUL (PostgreSQL
text refuses it) or lone surrogates (no UTF-8 form, so every database driver fails).
"""

import json
import math
from typing import Any

from resolvers.errors import invalid

MAX_NESTING = 64
MAX_INT_DIGITS = 1000


def _int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:
        raise ValueError(f"an integer of more than {MAX_INT_DIGITS} digits")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text[:20]}… is out of range")
    return value


def _constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


_decoder = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant)


def parse_json(raw: bytes | str, *, what: str = "the body") -> Any:
    """Any JSON value, checked as the module says. Raises invalid_request."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
        if text.startswith("\ufeff"):
            text = text[1:]
        value = _decoder.decode(text)
    except UnicodeDecodeError as exc:
        raise invalid(f"malformed JSON: {what} is not UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise invalid(f"malformed JSON: {exc}") from exc
    except RecursionError as exc:
        raise invalid(f"malformed JSON: {what} is nested too deeply") from exc
    except ValueError as exc:
        raise invalid(f"malformed JSON: {exc}") from exc
    problem = _problem(value)
    if problem is not None:
        raise invalid(f"malformed JSON: {problem}")
    return value


def parse_json_object(raw: bytes | str, *, what: str = "the body") -> dict[str, Any]:
    """A JSON object (what every request body and message of ours is). Raises invalid_request."""
    value = parse_json(raw, what=what)
    if not isinstance(value, dict):
        raise invalid(f"{what} must be a JSON object")
    return value


def _problem(value: Any) -> str | None:
    """Iterative, so a deep value cannot exhaust the stack before it is refused."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "strings must not contain NUL characters"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "strings must not contain unpaired surrogates"
        elif isinstance(item, dict | list):
            if level >= MAX_NESTING:
                return f"nested deeper than {MAX_NESTING} levels"
            if isinstance(item, dict):
                stack.extend((key, level + 1) for key in item)
                stack.extend((v, level + 1) for v in item.values())
            else:
                stack.extend((v, level + 1) for v in item)
    return None
