"""``WS /v1/stream`` (contract §6): realtime voice from browsers and servers.

The first message is ``config``; the server answers ``ready`` with the call id, then both sides
exchange JSON frames (and binary PCM16 frames from the client). Errors are ``error`` frames;
fatal ones close the socket with ``4000 + status % 1000``. Each stream is a ``web`` call.
"""

import asyncio
import base64
import binascii
import contextlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from realtime import engine, registry
from realtime.session import SessionOptions, VoiceSession
from resolvers import principals, revocation, validation, web_calls
from resolvers.errors import DomainError, ErrorCode, invalid
from resolvers.json_input import parse_json_object
from resolvers.settings import get_settings

log = logging.getLogger("vocalia.stream")

RATES = (8000, 16000, 24000, 48000)
MAX_MESSAGE_BYTES = 128 * 1024  # about 1.3 s of 48 kHz audio in one frame
MAX_TEXT_CHARS = 2000
CONFIG_TIMEOUT = 10.0


def close_code(error: DomainError) -> int:
    return 4000 + error.status % 1000


class WebSink:
    """Contract §6 frames over a Starlette WebSocket; a vanished client is ignored."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.gone = False

    async def _send(self, message: dict[str, Any]) -> None:
        if self.gone:
            return
        try:
            await self.ws.send_text(json.dumps(message, ensure_ascii=False, separators=(",", ":")))
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.gone = True

    async def send_audio(self, pcm: bytes) -> None:
        await self._send({"type": "audio", "audio": base64.b64encode(pcm).decode()})

    async def send_event(self, message: dict[str, Any]) -> None:
        await self._send(message)

    async def send_interrupt(self) -> None:
        await self._send({"type": "interrupt"})

    async def send_mark(self, name: str) -> None:
        return None


async def _fail(ws: WebSocket, error: DomainError) -> None:
    """Send the error frame and close with the error's code."""
    sink = WebSink(ws)
    await sink.send_event({"type": "error", "code": error.code.value, "message": error.message})
    if ws.client_state == WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            await ws.close(code=close_code(error), reason=error.code.value)


def _parse(message: Mapping[str, Any]) -> dict[str, Any] | bytes | None:
    """A client frame: bytes (binary audio), a JSON object, or None (disconnect)."""
    if message["type"] == "websocket.disconnect":
        return None
    data = message.get("bytes")
    if data is not None:
        if len(data) > MAX_MESSAGE_BYTES:
            raise DomainError(
                ErrorCode.PAYLOAD_TOO_LARGE, f"frames are limited to {MAX_MESSAGE_BYTES} bytes"
            )
        return bytes(data)
    text = message.get("text") or ""
    if len(text) > MAX_MESSAGE_BYTES:
        raise DomainError(
            ErrorCode.PAYLOAD_TOO_LARGE, f"frames are limited to {MAX_MESSAGE_BYTES} bytes"
        )
    # The parser of every transport: big integers, deep nesting, NUL or lone surrogates are
    # invalid_request like anywhere else, never an exception that ends the stream.
    value = parse_json_object(text, what="a frame")
    if not isinstance(value.get("type"), str):
        raise invalid('frames must be JSON objects with a "type"')
    return value


async def _config(ws: WebSocket) -> dict[str, Any]:
    try:
        async with asyncio.timeout(CONFIG_TIMEOUT):
            frame = _parse(await ws.receive())
    except TimeoutError as exc:
        raise invalid("send a config frame first") from exc
    if frame is None:
        raise invalid("the client left before config")
    if isinstance(frame, bytes) or frame.get("type") != "config":
        raise invalid('the first frame must be {"type":"config",...}', param="type")
    rate = frame.get("sampleRate", 16000)
    if isinstance(rate, bool) or rate not in RATES:
        raise invalid(f"sampleRate must be one of {', '.join(map(str, RATES))}", param="sampleRate")
    return frame


def _audio(frame: dict[str, Any]) -> bytes:
    data = frame.get("audio")
    if not isinstance(data, str):
        raise invalid("audio must be base64 PCM16", param="audio")
    try:
        pcm = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid("audio is not valid base64", param="audio") from exc
    return pcm


def _pcm(pcm: bytes) -> bytes:
    if len(pcm) % 2:
        raise invalid("audio must be 16-bit samples (an even number of bytes)", param="audio")
    return pcm


async def stream(ws: WebSocket) -> None:
    await ws.accept()
    origin = ws.headers.get("origin")
    token = ws.query_params.get("apiKey") or ""
    auth = ws.headers.get("authorization", "")
    if not token and auth.lower().startswith("bearer "):
        token = auth[7:]
    try:
        if not token:
            raise DomainError(ErrorCode.INVALID_API_KEY, "pass your key as ?apiKey=")
        principal = await principals.authenticate(token, origin=origin)
        config = await _config(ws)
        settings = get_settings()
        # Before the call exists, so a misconfiguration fails here; the tenant's plan decides
        # between the server's providers and the offline ones (cloud_voice).
        voice = engine.providers(settings, principal.plan)
        opened = await web_calls.start_web_call(
            principal, agent_id=config.get("agentId"), language=config.get("language")
        )
    except DomainError as error:
        await _fail(ws, error)
        return
    rate = int(config.get("sampleRate", 16000))
    sink = WebSink(ws)
    options = SessionOptions.from_settings(settings, rate, rate)
    # Partial transcripts unless the client's config says "partials": false.
    options.partials = config.get("partials", True) is not False
    session = VoiceSession(opened.call, opened.agent, opened.tenant.timezone, voice, sink, options)
    # A revoked key (or an erased or downgraded tenant) ends the stream within the second,
    # with the error frame every other refusal sends before its close code.
    live = revocation.register(principal, lambda code, why: _revoked(session, code))
    await sink.send_event({"type": "ready", "callId": opened.call.id})
    try:
        await registry.drive(session, _read(ws, session))
    finally:
        revocation.unregister(live)
        if ws.client_state == WebSocketState.CONNECTED and not sink.gone:
            with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
                await ws.close(code=session.close_code)


def _revoked(session: VoiceSession, code: int) -> None:
    if code == revocation.PLAN_DOWNGRADED:
        error = DomainError(
            ErrorCode.INSUFFICIENT_PERMISSIONS, "the tenant's plan no longer allows this stream"
        )
    else:
        error = DomainError(ErrorCode.INVALID_API_KEY, "the key of this stream was revoked")
    session.stop("canceled", error=(error.code.value, error.message))
    session.close_code = close_code(error)


async def _read(ws: WebSocket, session: VoiceSession) -> None:
    """Client frames into the session until the client ends or leaves."""
    while not session.stopping:
        try:
            message = await ws.receive()
        except (WebSocketDisconnect, RuntimeError, OSError):
            session.stop("customer-hangup")
            return
        try:
            frame = _parse(message)
            if frame is None:
                session.stop("customer-hangup")
                return
            if isinstance(frame, bytes):
                session.push_audio(_pcm(frame))
                continue
            kind = frame["type"]
            if kind == "audio":
                session.push_audio(_pcm(_audio(frame)))
            elif kind == "text":
                text = validation.text(
                    frame.get("text"), "text", max_len=MAX_TEXT_CHARS, min_len=1, required=True
                )
                session.push_text(validation.storable(text or "", "text"))
            elif kind == "end":
                session.stop("customer-hangup")
                return
            elif kind == "config":
                raise invalid("config was already received", param="type")
            else:
                raise invalid(f"unknown frame type {kind!r}", param="type")
        except DomainError as error:
            if error.code is ErrorCode.PAYLOAD_TOO_LARGE:
                session.stop("customer-hangup", error=(error.code.value, error.message))
                session.close_code = close_code(error)
                return
            session.playout.event(
                {"type": "error", "code": error.code.value, "message": error.message}
            )
