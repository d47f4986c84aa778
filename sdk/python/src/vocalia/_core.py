"""What the sync and async clients share: options, the retry policy, request descriptions
(`Op`) and turning an HTTP answer into a value or a typed error."""

import json
import os
import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import httpx

from vocalia.errors import (
    APIConnectionError,
    APITimeoutError,
    VocalIAError,
    error_from_response,
    parse_retry_after,
)

__version__ = "0.1.0"
DEFAULT_BASE_URL = "https://api.vocalia.ma"
DEFAULT_TIMEOUT = 30.0
T = TypeVar("T")
# Methods a retry cannot repeat the effect of (RFC 9110 §9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off with full jitter, bounded.

    Attempt *n* (0-based) waits ``uniform(0, min(max_delay, base_delay * 2**n))`` seconds,
    or the server's ``Retry-After`` when it sends one (then never longer than
    ``max_retry_after``: a longer wait is the caller's decision, the error is raised).

    What is retried: 429 and connection failures before the request was sent, always (the
    server did nothing); 5xx and failures after sending only when repeating is harmless (GET,
    PUT, DELETE, or a POST carrying an ``Idempotency-Key``, which ``calls.create`` always does).
    """

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    jitter: Callable[[float, float], float] = field(
        default=random.uniform,
        repr=False,
    )

    def backoff(self, attempt: int) -> float:
        return self.jitter(0.0, min(self.max_delay, self.base_delay * (2**attempt)))

    def delay(self, attempt: int, response: httpx.Response | None) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``; None: do not retry."""
        if attempt >= self.max_retries:
            return None
        if response is not None:
            after = parse_retry_after(response.headers.get("retry-after"))
            if after is not None:
                return after if after <= self.max_retry_after else None
        return self.backoff(attempt)


def as_policy(max_retries: int | RetryPolicy | None) -> RetryPolicy:
    if isinstance(max_retries, RetryPolicy):
        return max_retries
    return RetryPolicy() if max_retries is None else RetryPolicy(max_retries=max_retries)


@dataclass(frozen=True)
class Op(Generic[T]):
    """One API operation: how to ask, and how to read the answer."""

    method: str
    path: str
    parse: Callable[[Any], T]
    params: Mapping[str, Any] | None = None
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def replayable(self) -> bool:
        """Whether sending it twice has the effect of sending it once."""
        return self.method in IDEMPOTENT_METHODS or "Idempotency-Key" in self.headers


def resolve_key(api_key: str | None) -> str:
    key = api_key if api_key is not None else os.environ.get("VOCALIA_API_KEY")
    if not key:
        raise VocalIAError(
            "no API key: pass api_key= or set VOCALIA_API_KEY", code="invalid_api_key"
        )
    return key


def resolve_base_url(base_url: str | None) -> str:
    url = base_url or os.environ.get("VOCALIA_BASE_URL") or DEFAULT_BASE_URL
    url = url.rstrip("/")
    # The reference documents https://api.vocalia.ma/v1 as the base URL; paths carry /v1.
    return url.removesuffix("/v1")


def default_headers(api_key: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {api_key}",
        "Accept": "application/json",
        "User-Agent": f"vocalia-python/{__version__}",
    }


def mask(api_key: str) -> str:
    return api_key[:8] + "…" + api_key[-4:] if len(api_key) > 16 else "…"


def idempotency_key() -> str:
    return f"vocalia-py-{uuid.uuid4().hex}"


def query(**values: Any) -> dict[str, Any]:
    """Query parameters without the absent ones; dates as ISO 8601."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, datetime | date):
            value = value.isoformat()
        out[name] = value
    return out


def body(**values: Any) -> dict[str, Any]:
    """A JSON body without the fields left out (None means "not given")."""
    return {k: v for k, v in values.items() if v is not None}


def sent_nothing(exc: httpx.TransportError) -> bool:
    """Whether the request surely never reached the server (it can be sent again)."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def connection_error(exc: httpx.TransportError) -> APIConnectionError:
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"request timed out: {type(exc).__name__}")
    return APIConnectionError(f"could not reach the API: {type(exc).__name__}: {exc}")


def retry_after_failure(op: Op[Any], exc: httpx.TransportError) -> bool:
    return sent_nothing(exc) or op.replayable


def retry_after_status(op: Op[Any], response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True  # refused before anything ran: repeating it is always safe
    return response.status_code in RETRY_STATUSES and op.replayable


def result(op: Op[T], response: httpx.Response) -> T:
    """The parsed answer, or the typed error of a non-2xx one."""
    if response.status_code >= 400:
        raise error_from_response(response.status_code, response.headers, response.content)
    data: Any = None
    if response.content:
        try:
            data = response.json()
        except (ValueError, json.JSONDecodeError) as exc:
            raise VocalIAError(
                "the API answered with a body that is not JSON",
                code="invalid_response",
                status=response.status_code,
                request_id=response.headers.get("x-request-id"),
            ) from exc
    return op.parse(data)
