"""The stream's connections: `AsyncStream` (asyncio) and `Stream` (blocking)."""

import base64
import contextlib
import json
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection as AsyncConnection
from websockets.asyncio.client import connect as async_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection as SyncConnection
from websockets.sync.client import connect as sync_connect

from vocalia import endpoints as ep
from vocalia.errors import APIConnectionError, VocalIAError, make_error
from vocalia.stream.events import ErrorEvent, ReadyEvent, StreamEvent, parse_event

SAMPLE_RATES = (8000, 16000, 24000, 48000)


@dataclass(frozen=True)
class StreamConfig:
    url: str = field(repr=False)  # it carries the key
    agent_id: str
    language: str | None
    sample_rate: int
    partials: bool | None
    origin: str | None
    open_timeout: float

    def frame(self) -> str:
        config: dict[str, Any] = {
            "type": "config",
            "agentId": self.agent_id,
            "sampleRate": self.sample_rate,
        }
        if self.language is not None:
            config["language"] = self.language
        if self.partials is not None:
            config["partials"] = self.partials
        return json.dumps(config)

    def headers(self) -> dict[str, str] | None:
        return {"Origin": self.origin} if self.origin else None


def stream_url(base_url: str, api_key: str) -> str:
    """``wss://host/v1/stream?apiKey=…`` from an http(s) or ws(s) base URL."""
    parts = urlsplit(base_url.rstrip("/"))
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path.removesuffix("/v1") + ep.STREAM
    return urlunsplit((scheme, parts.netloc, path, f"apiKey={quote(api_key, safe='')}", ""))


def _decode(raw: str | bytes) -> StreamEvent:
    try:
        data = json.loads(raw)
    except ValueError:
        return StreamEvent(type="invalid", raw={"data": repr(raw[:200])})
    return parse_event(data if isinstance(data, dict) else {"type": "invalid", "data": data})


def _closed_error(exc: ConnectionClosed, last: ErrorEvent | None) -> VocalIAError | None:
    """The error a close stands for: 4000 + status (contract §3); None for a normal close."""
    rcvd = exc.rcvd
    code = rcvd.code if rcvd is not None else None
    if code is not None and 4000 <= code < 5000:
        return make_error(
            status=code - 4000,
            code=last.code if last else (rcvd.reason if rcvd and rcvd.reason else None),
            message=last.message if last else f"stream closed with {code}",
        )
    if last is not None and code not in (1000, 1001):
        return make_error(status=None, code=last.code, message=last.message)
    return None


def _not_ready(event: StreamEvent) -> VocalIAError:
    return VocalIAError(f"expected a ready frame, got {event.type!r}", code="invalid_response")


def _closed_before_ready() -> VocalIAError:
    return APIConnectionError("the server closed the stream before it was ready")


def _check_rate(sample_rate: int) -> None:
    if sample_rate not in SAMPLE_RATES:
        raise ValueError(f"sample_rate must be one of {SAMPLE_RATES}")


# --- async -----------------------------------------------------------------------------------


class AsyncStream:
    """One realtime session; see the module's docstring."""

    def __init__(self, config: StreamConfig) -> None:
        _check_rate(config.sample_rate)
        self.config = config
        self.call_id: str | None = None
        self._conn: AsyncConnection | None = None
        self._last_error: ErrorEvent | None = None
        self._ended = False

    async def __aenter__(self) -> Self:
        try:
            self._conn = await async_connect(
                self.config.url,
                additional_headers=self.config.headers(),
                open_timeout=self.config.open_timeout,
                max_size=None,
            )
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            raise APIConnectionError(f"could not open the stream: {type(exc).__name__}") from exc
        try:
            # A refused key is answered before the config is read: the send may find the
            # socket closed, and the error frame is still there to read.
            with contextlib.suppress(ConnectionClosed):
                await self._conn.send(self.config.frame())
            while True:
                event = await self.recv()
                if isinstance(event, ReadyEvent):
                    self.call_id = event.call_id
                    return self
                if not isinstance(event, ErrorEvent):
                    raise _not_ready(event)
        except StopAsyncIteration:
            await self._conn.close()
            raise _closed_before_ready() from None
        except BaseException:
            await self._conn.close()
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def connection(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("use the stream as `async with client.stream(...)`")
        return self._conn

    async def send_audio(self, pcm: bytes, *, binary: bool = True) -> None:
        """PCM16 LE mono at the configured rate: a binary frame, or base64 JSON."""
        if binary:
            await self.connection.send(pcm)
        else:
            await self.send({"type": "audio", "audio": base64.b64encode(pcm).decode()})

    async def send_text(self, text: str) -> None:
        """A typed turn, answered by the same agent."""
        await self.send({"type": "text", "text": text})

    async def end(self) -> None:
        """Ask the server to end the call; it answers with an `EndEvent`, then closes."""
        self._ended = True
        await self.send({"type": "end"})

    async def send(self, frame: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(frame))

    async def recv(self) -> StreamEvent:
        """The next server event; raises `StopAsyncIteration` after a normal close and the
        matching `VocalIAError` after a fatal one."""
        try:
            raw = await self.connection.recv()
        except ConnectionClosed as exc:
            error = _closed_error(exc, self._last_error)
            if error is not None:
                raise error from None
            raise StopAsyncIteration from None
        event = _decode(raw)
        if isinstance(event, ErrorEvent):
            self._last_error = event
        return event

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> StreamEvent:
        return await self.recv()

    async def close(self) -> None:
        if self._conn is None:
            return
        if not self._ended:
            self._ended = True
            with contextlib.suppress(ConnectionClosed):
                await self.send({"type": "end"})
        await self._conn.close()


# --- sync ------------------------------------------------------------------------------------


class Stream:
    """One realtime session, blocking; the same methods as `AsyncStream`."""

    def __init__(self, config: StreamConfig) -> None:
        _check_rate(config.sample_rate)
        self.config = config
        self.call_id: str | None = None
        self._conn: SyncConnection | None = None
        self._stack = contextlib.ExitStack()
        self._last_error: ErrorEvent | None = None
        self._ended = False

    def __enter__(self) -> Self:
        try:
            connector = sync_connect(
                self.config.url,
                additional_headers=self.config.headers(),
                open_timeout=self.config.open_timeout,
                max_size=None,
            )
            self._conn = self._stack.enter_context(connector)
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            raise APIConnectionError(f"could not open the stream: {type(exc).__name__}") from exc
        try:
            with contextlib.suppress(ConnectionClosed):
                self._conn.send(self.config.frame())
            while True:
                event = self.recv()
                if isinstance(event, ReadyEvent):
                    self.call_id = event.call_id
                    return self
                if not isinstance(event, ErrorEvent):
                    raise _not_ready(event)
        except StopIteration:
            self._stack.close()
            raise _closed_before_ready() from None
        except BaseException:
            self._stack.close()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def connection(self) -> SyncConnection:
        if self._conn is None:
            raise RuntimeError("use the stream as `with client.stream(...)`")
        return self._conn

    def send_audio(self, pcm: bytes, *, binary: bool = True) -> None:
        if binary:
            self.connection.send(pcm)
        else:
            self.send({"type": "audio", "audio": base64.b64encode(pcm).decode()})

    def send_text(self, text: str) -> None:
        self.send({"type": "text", "text": text})

    def end(self) -> None:
        self._ended = True
        self.send({"type": "end"})

    def send(self, frame: dict[str, Any]) -> None:
        self.connection.send(json.dumps(frame))

    def recv(self, timeout: float | None = None) -> StreamEvent:
        """The next server event (``TimeoutError`` after ``timeout`` seconds); raises
        `StopIteration` after a normal close and the matching `VocalIAError` after a fatal one."""
        try:
            raw = self.connection.recv(timeout)
        except ConnectionClosed as exc:
            error = _closed_error(exc, self._last_error)
            if error is not None:
                raise error from None
            raise StopIteration from None
        event = _decode(raw)
        if isinstance(event, ErrorEvent):
            self._last_error = event
        return event

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> StreamEvent:
        return self.recv()

    def close(self) -> None:
        if self._conn is None:
            return
        if not self._ended:
            self._ended = True
            with contextlib.suppress(ConnectionClosed):
                self.send({"type": "end"})
        self._stack.close()
