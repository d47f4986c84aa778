"""``WS /telephony/twilio/stream``: Twilio Media Streams for calls of the ``twilio`` carrier.

Twilio sends ``connected``, ``start`` (with our call id as a custom parameter), ``media``
(base64 μ-law 8 kHz, 20 ms), ``mark``, ``dtmf`` and ``stop``; we answer ``media``, ``mark``
(Twilio echoes it once the audio before it has played) and ``clear`` (barge-in). The handshake
must carry a valid ``X-Twilio-Signature`` for the stream URL we gave Twilio.
"""

import asyncio
import base64
import binascii
import contextlib
import json
import logging
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from twilio.request_validator import RequestValidator

from realtime import engine, registry
from realtime.audio import ulaw_decode, ulaw_encode
from realtime.carriers.twilio import STREAM_PATH, stream_url
from realtime.session import SessionOptions, VoiceSession
from resolvers import calls, web_calls
from resolvers.errors import DomainError
from resolvers.json_input import parse_json_object
from resolvers.settings import get_settings

__all__ = ["STREAM_PATH", "media_stream"]

log = logging.getLogger("vocalia.twilio.media")

RATE = 8000
START_TIMEOUT = 10.0
MAX_MESSAGE_CHARS = 64 * 1024


class TwilioSink:
    def __init__(self, ws: WebSocket, stream_sid: str) -> None:
        self.ws = ws
        self.stream_sid = stream_sid
        self.gone = False
        self.marks_sent: list[str] = []

    async def _send(self, message: dict[str, Any]) -> None:
        if self.gone:
            return
        try:
            await self.ws.send_text(json.dumps(message, separators=(",", ":")))
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.gone = True

    async def send_audio(self, pcm: bytes) -> None:
        payload = base64.b64encode(ulaw_encode(pcm)).decode()
        await self._send(
            {"event": "media", "streamSid": self.stream_sid, "media": {"payload": payload}}
        )

    async def send_event(self, message: dict[str, Any]) -> None:
        return None  # transcripts and tool calls reach the tenant through events and webhooks

    async def send_interrupt(self) -> None:
        await self._send({"event": "clear", "streamSid": self.stream_sid})

    async def send_mark(self, name: str) -> None:
        self.marks_sent.append(name)
        await self._send({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})


def _signed(ws: WebSocket) -> bool:
    settings = get_settings()
    if not settings.twilio_configured or not settings.public_url:
        return False
    signature = ws.headers.get("x-twilio-signature", "")
    url = stream_url(settings.public_url)
    query = ws.scope.get("query_string", b"").decode("latin-1")
    if query:
        url = f"{url}?{query}"
    validator = RequestValidator(settings.twilio_auth_token)
    return bool(signature) and validator.validate(url, {}, signature)


async def _receive(ws: WebSocket) -> dict[str, Any] | None:
    """The next readable Twilio message; None when Twilio hung up. Twilio's protocol has no
    error frame: an unreadable message (not JSON, not an object, a huge integer, deep nesting,
    binary) is logged and skipped, as one bad media frame would be."""
    while True:
        try:
            message = await ws.receive()
        except (WebSocketDisconnect, RuntimeError, OSError):
            return None
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        if not isinstance(text, str) or len(text) > MAX_MESSAGE_CHARS:
            log.warning("skipped a Twilio message: binary or over %d chars", MAX_MESSAGE_CHARS)
            continue
        try:
            return parse_json_object(text, what="a Twilio message")
        except DomainError as error:
            log.warning("skipped a Twilio message: %s", error.message)


async def _close(ws: WebSocket, code: int) -> None:
    if ws.client_state == WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            await ws.close(code=code)


async def media_stream(ws: WebSocket) -> None:
    if not _signed(ws):
        log.warning("refused a Twilio media stream: bad or missing signature")
        await ws.close(code=1008)  # before accept: the handshake is refused with 403
        return
    await ws.accept()
    start: dict[str, Any] | None = None
    try:
        async with asyncio.timeout(START_TIMEOUT):
            while start is None:
                message = await _receive(ws)
                if message is None:
                    return
                if message.get("event") == "start" and isinstance(message.get("start"), dict):
                    start = message["start"]
    except TimeoutError:
        await _close(ws, 4400)
        return
    session = await _open(ws, start)
    if session is None:
        await _close(ws, 4404)
        return
    try:
        await registry.drive(session, _read(ws, session))
    finally:
        await _close(ws, 1000)


async def _open(ws: WebSocket, start: dict[str, Any]) -> VoiceSession | None:
    params = start.get("customParameters") or {}
    call_id = params.get("callId") if isinstance(params, dict) else None
    stream_sid, call_sid = start.get("streamSid"), start.get("callSid")
    media = start.get("mediaFormat") or {}
    if not all(isinstance(v, str) and 0 < len(v) <= 64 for v in (call_id, stream_sid, call_sid)):
        return None
    if (
        media.get("encoding", "audio/x-mulaw") != "audio/x-mulaw"
        or media.get("sampleRate", RATE) != RATE
    ):
        log.warning("Twilio stream %s: unsupported media format %r", stream_sid, media)
        return None
    subject = await web_calls.session_subject(str(call_id))
    if subject is None or subject.call.carrier != "twilio":
        return None
    if not await calls.set_carrier_call_id(subject.call.id, str(call_sid)):
        return None  # the stream is for another Twilio call
    answered = await calls.mark_answered(subject.call.id)
    call = answered or subject.call
    settings = get_settings()
    return VoiceSession(
        call,
        subject.agent,
        subject.tenant.timezone,
        engine.providers(settings, subject.tenant.plan),
        TwilioSink(ws, str(stream_sid)),
        SessionOptions.from_settings(settings, RATE, RATE),
    )


async def _read(ws: WebSocket, session: VoiceSession) -> None:
    while not session.stopping:
        message = await _receive(ws)
        if message is None:
            session.stop("customer-hangup")
            return
        event = message.get("event")
        if event == "media":
            media = message.get("media")
            payload = media.get("payload") if isinstance(media, dict) else None
            if not isinstance(payload, str):
                continue
            try:
                session.push_audio(ulaw_decode(base64.b64decode(payload, validate=True)))
            except (binascii.Error, ValueError):
                log.warning("call %s: unreadable Twilio media frame", session.call.id)
        elif event == "mark":
            mark = message.get("mark")
            name = mark.get("name") if isinstance(mark, dict) else None
            log.debug("call %s: Twilio played %s", session.call.id, name)
        elif event == "dtmf":
            dtmf = message.get("dtmf")
            digit = dtmf.get("digit") if isinstance(dtmf, dict) else None
            if isinstance(digit, str) and len(digit) == 1:
                log.info("call %s: caller pressed %s", session.call.id, digit)
        elif event == "stop":
            session.stop("customer-hangup")
            return
