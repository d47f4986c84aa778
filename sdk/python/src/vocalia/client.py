"""`Client` (sync) and `AsyncClient` on httpx: credentials, retries, the resources."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from vocalia import endpoints as ep
from vocalia._core import (
    DEFAULT_TIMEOUT,
    Op,
    RetryPolicy,
    as_policy,
    connection_error,
    default_headers,
    mask,
    resolve_base_url,
    resolve_key,
    result,
    retry_after_failure,
    retry_after_status,
)
from vocalia.resources import (
    RESPOND_FIELDS,
    Agents,
    AsyncAgents,
    AsyncCalls,
    AsyncPhoneNumbers,
    Calls,
    PhoneNumbers,
    wire_body,
)
from vocalia.stream import AsyncStream, Stream, StreamConfig, stream_url
from vocalia.types import Language, RespondResult

T = TypeVar("T")


def _respond_op(
    message: str,
    language: Language | None,
    session_id: str | None,
    agent_id: str | None,
    tenant_id: str | None,
) -> Op[RespondResult]:
    payload = wire_body(
        RESPOND_FIELDS,
        {
            "message": message,
            "language": language,
            "session_id": session_id,
            "agent_id": agent_id,
            "tenant_id": tenant_id,
        },
    )
    # Not idempotent (a turn moves the conversation on): retried only when nothing was sent.
    return Op("POST", ep.RESPOND, RespondResult.from_json, json=payload)


class _Base:
    def __init__(
        self,
        api_key: str | None,
        base_url: str | None,
        max_retries: int | RetryPolicy | None,
        headers: Mapping[str, str] | None,
        realtime_url: str | None,
    ) -> None:
        self.api_key = resolve_key(api_key)
        self.base_url = resolve_base_url(base_url)
        self.retry = as_policy(max_retries)
        self._headers = {**default_headers(self.api_key), **(headers or {})}
        self._realtime_url = realtime_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key={mask(self.api_key)!r})"

    def _stream_config(
        self,
        agent_id: str,
        language: Language | None,
        sample_rate: int,
        partials: bool | None,
        origin: str | None,
        open_timeout: float,
    ) -> StreamConfig:
        return StreamConfig(
            url=stream_url(self._realtime_url or self.base_url, self.api_key),
            agent_id=agent_id,
            language=language,
            sample_rate=sample_rate,
            partials=partials,
            origin=origin,
            open_timeout=open_timeout,
        )


class Client(_Base):
    """The VocalIA API, synchronously.

    ``api_key`` is a secret key (``voc_sk_live_…``, ``voc_sk_test_…``) or the tenant key
    (``vk_…``), by default ``$VOCALIA_API_KEY``. ``base_url`` defaults to
    ``$VOCALIA_BASE_URL`` or ``https://api.vocalia.ma``. ``max_retries`` is a count or a
    `RetryPolicy`; ``sleep`` is what waits between attempts. Pass ``http_client`` (kept open
    on `close`) or ``transport`` to control the connection (proxies, tests).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int | RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        realtime_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(api_key, base_url, max_retries, headers, realtime_url)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout, transport=transport)
        self._sleep = sleep
        self.calls = Calls(self)
        self.agents = Agents(self)
        self.phone_numbers = PhoneNumbers(self)

    def respond(
        self,
        message: str,
        *,
        language: Language | None = None,
        session_id: str | None = None,
        agent_id: str | None = None,
        tenant_id: str | None = None,
    ) -> RespondResult:
        """One text turn with an agent (``POST /respond``); pass the answer's ``session_id``
        to go on with the same conversation."""
        return self._run(_respond_op(message, language, session_id, agent_id, tenant_id))

    def stream(
        self,
        agent_id: str,
        *,
        language: Language | None = None,
        sample_rate: int = 16000,
        partials: bool | None = None,
        origin: str | None = None,
        open_timeout: float = 10.0,
    ) -> Stream:
        """A realtime voice session on ``WS /v1/stream``; use it as a context manager."""
        return Stream(
            self._stream_config(agent_id, language, sample_rate, partials, origin, open_timeout)
        )

    def _run(self, op: Op[T]) -> T:
        attempt = 0
        while True:
            try:
                response = self._http.request(
                    op.method,
                    self.base_url + op.path,
                    params=op.params,
                    json=op.json,
                    headers={**self._headers, **op.headers},
                )
            except httpx.TransportError as exc:
                delay = self.retry.delay(attempt, None) if retry_after_failure(op, exc) else None
                if delay is None:
                    raise connection_error(exc) from exc
            else:
                if not retry_after_status(op, response):
                    return result(op, response)
                delay = self.retry.delay(attempt, response)
                if delay is None:
                    return result(op, response)
            self._sleep(delay)
            attempt += 1

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_Base):
    """The VocalIA API for asyncio; the same arguments as `Client` (``sleep`` is a coroutine
    function, ``http_client`` an ``httpx.AsyncClient``)."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int | RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        realtime_url: str | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        super().__init__(api_key, base_url, max_retries, headers, realtime_url)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout, transport=transport)
        self._sleep = sleep
        self.calls = AsyncCalls(self)
        self.agents = AsyncAgents(self)
        self.phone_numbers = AsyncPhoneNumbers(self)

    async def respond(
        self,
        message: str,
        *,
        language: Language | None = None,
        session_id: str | None = None,
        agent_id: str | None = None,
        tenant_id: str | None = None,
    ) -> RespondResult:
        return await self._run(_respond_op(message, language, session_id, agent_id, tenant_id))

    def stream(
        self,
        agent_id: str,
        *,
        language: Language | None = None,
        sample_rate: int = 16000,
        partials: bool | None = None,
        origin: str | None = None,
        open_timeout: float = 10.0,
    ) -> AsyncStream:
        """A realtime voice session on ``WS /v1/stream``; ``async with client.stream(...)``."""
        return AsyncStream(
            self._stream_config(agent_id, language, sample_rate, partials, origin, open_timeout)
        )

    async def _run(self, op: Op[T]) -> T:
        attempt = 0
        while True:
            try:
                response = await self._http.request(
                    op.method,
                    self.base_url + op.path,
                    params=op.params,
                    json=op.json,
                    headers={**self._headers, **op.headers},
                )
            except httpx.TransportError as exc:
                delay = self.retry.delay(attempt, None) if retry_after_failure(op, exc) else None
                if delay is None:
                    raise connection_error(exc) from exc
            else:
                if not retry_after_status(op, response):
                    return result(op, response)
                delay = self.retry.delay(attempt, response)
                if delay is None:
                    return result(op, response)
            await self._sleep(delay)
            attempt += 1

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
