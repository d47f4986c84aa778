"""The Twilio carrier: calls are placed through Twilio's REST API (httpx); Twilio then fetches
our voice webhook, which answers TwiML ``<Connect><Stream>`` to our media WebSocket, and reports
progress to our status callback (both in realtime/twilio_routes.py).

Settings are read at each call (``resolvers.settings.get_settings()``), so the account, the
token and the API base can change without reinstalling the carrier.
"""

import asyncio
import functools
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
from twilio.twiml.voice_response import Connect, VoiceResponse

from models.agent import Agent
from models.call import Call
from realtime import registry
from resolvers import calls
from resolvers.settings import get_settings

log = logging.getLogger("vocalia.carrier.twilio")

API_VERSION = "2010-04-01"
VOICE_PATH = "/telephony/twilio/voice"
STATUS_PATH = "/telephony/twilio/status"
STREAM_PATH = "/telephony/twilio/stream"
STATUS_CALLBACK_EVENTS = ("initiated", "ringing", "answered", "completed")
NOT_FOUND_CODE = 20404
# Twilio's CallStatus → (our status, endedReason); None: nothing to record yet.
STATUS_MAP: dict[str, tuple[str, str | None] | None] = {
    "queued": None,
    "initiated": None,
    "ringing": ("ringing", None),
    "in-progress": ("in-progress", None),
    "completed": ("completed", "customer-hangup"),
    "busy": ("failed", "busy"),
    "no-answer": ("failed", "no-answer"),
    "failed": ("failed", "carrier-error"),
    "canceled": ("failed", "canceled"),
}
# <Say> languages of Twilio's basic voices; others speak with Twilio's default voice.
SAY_LANGUAGES = {"fr": "fr-FR", "en": "en-US", "es": "es-ES"}


class TwilioRestError(Exception):
    """Twilio answered 4xx/5xx; ``code`` is Twilio's error code (e.g. 21211, 20404)."""

    def __init__(self, status: int, code: int | None, message: str) -> None:
        super().__init__(f"Twilio {status} ({code}): {message}")
        self.status = status
        self.code = code
        self.message = message

    @property
    def not_found(self) -> bool:
        return self.status == 404 or self.code == NOT_FOUND_CODE


@dataclass(frozen=True)
class TwilioConfig:
    account_sid: str
    auth_token: str
    api_base: str
    public_url: str

    @classmethod
    def current(cls) -> "TwilioConfig":
        s = get_settings()
        if not (s.twilio_account_sid and s.twilio_auth_token):
            raise RuntimeError("the Twilio account SID and auth token are not configured")
        if not s.public_url:
            raise RuntimeError("the public URL Twilio calls back is not configured")
        return cls(
            s.twilio_account_sid,
            s.twilio_auth_token,
            s.twilio_api_base.rstrip("/"),
            s.public_url.rstrip("/"),
        )

    def resource(self, path: str) -> str:
        return f"{self.api_base}/{API_VERSION}/Accounts/{self.account_sid}/{path}"


# --- the URLs and TwiML we hand Twilio ------------------------------------------------------


def voice_url(public_url: str, call_id: str) -> str:
    return f"{public_url.rstrip('/')}{VOICE_PATH}?callId={quote(call_id, safe='')}"


def status_url(public_url: str, call_id: str) -> str:
    return f"{public_url.rstrip('/')}{STATUS_PATH}?callId={quote(call_id, safe='')}"


def stream_url(public_url: str) -> str:
    parts = urlsplit(public_url.rstrip("/"))
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path + STREAM_PATH, "", ""))


def connect_twiml(public_url: str, call_id: str) -> str:
    """Bridge the call's audio to our media WebSocket (bidirectional: the only mode in which
    we can speak back); the call id travels as a custom parameter of the ``start`` message."""
    response = VoiceResponse()
    connect = Connect()
    connect.stream(url=stream_url(public_url)).parameter(name="callId", value=call_id)
    response.append(connect)
    return response.to_xml()


def transfer_twiml(to: str, message: str | None, language: str, caller_id: str | None) -> str:
    response = VoiceResponse()
    if message:
        lang = SAY_LANGUAGES.get(language)
        if lang:
            response.say(message, language=lang)
        else:
            response.say(message)
    if caller_id:
        response.dial(to, caller_id=caller_id)
    else:
        response.dial(to)
    return response.to_xml(xml_declaration=False)


def hangup_twiml() -> str:
    response = VoiceResponse()
    response.hangup()
    return response.to_xml()


# --- the carrier ----------------------------------------------------------------------------


class TwilioCarrier:
    name = "twilio"

    def __init__(self, *, timeout: float = 10.0, connect_timeout: float = 5.0) -> None:
        self._timeout = httpx.Timeout(timeout, connect=connect_timeout)
        self._client: httpx.AsyncClient | None = None
        self._tasks: dict[str, asyncio.Task[None]] = {}

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        return self._client

    async def start(self, call: Call, agent: Agent) -> None:
        config = TwilioConfig.current()  # a missing setting fails the call now: carrier-error
        task = asyncio.create_task(self._dial(config, call, agent), name=f"twilio-{call.id}")
        self._tasks[call.id] = task
        task.add_done_callback(functools.partial(self._forget, call.id))

    def _forget(self, call_id: str, _task: object = None) -> None:
        self._tasks.pop(call_id, None)

    async def transfer(self, call: Call, to: str, message: str | None) -> None:
        registry.stop(call.id)  # the agent stops talking; Twilio then ends the media stream
        config = TwilioConfig.current()
        sid = await self._sid(call)
        if sid is None:
            log.warning("transfer of %s: no Twilio CallSid yet", call.id)
            return
        twiml = transfer_twiml(to, message, call.language, call.from_number)
        try:
            await self._post(config, f"Calls/{sid}.json", {"Twiml": twiml})
        except (TwilioRestError, httpx.HTTPError) as exc:
            # The AI leg is already ended in the database; the caller is left with Twilio.
            log.warning("transfer of %s (%s) failed: %s", call.id, sid, exc)

    async def hangup(self, call: Call) -> None:
        registry.stop(call.id)
        sid = await self._sid(call)
        if sid is None:
            # Still dialing: _dial hangs up as soon as Twilio tells it the CallSid.
            return
        await self._complete(TwilioConfig.current(), call.id, sid)

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def running(self) -> dict[str, Any]:
        return {"dialing": sorted(self._tasks)}

    async def _dial(self, config: TwilioConfig, call: Call, agent: Agent) -> None:
        form: dict[str, Any] = {
            "To": call.to_number,
            "From": call.from_number,
            "Url": voice_url(config.public_url, call.id),
            "Method": "POST",
            "StatusCallback": status_url(config.public_url, call.id),
            "StatusCallbackMethod": "POST",
            "StatusCallbackEvent": list(STATUS_CALLBACK_EVENTS),
            # Twilio's own ceiling on the call, so a lost media stream cannot bill for hours.
            "TimeLimit": str(agent.max_duration),
        }
        try:
            created = await self._post(config, "Calls.json", form)
            sid = created.get("sid")
            if not isinstance(sid, str) or not sid:
                raise TwilioRestError(502, None, "the create answer carries no call sid")
        except asyncio.CancelledError:
            raise
        except (TwilioRestError, httpx.HTTPError) as exc:
            log.warning("Twilio refused call %s: %s", call.id, exc)
            await calls.end_call(call.id, reason="carrier-error", failed=True)
            return
        except Exception:
            log.exception("Twilio call %s could not be created", call.id)
            await calls.end_call(call.id, reason="carrier-error", failed=True)
            return
        if not await calls.set_carrier_call_id(call.id, sid):
            log.warning("call %s already carries another Twilio CallSid than %s", call.id, sid)
        current = await Call.get_or_none(id=call.id)
        if current is None or current.status in calls.FINAL:
            # Hung up (or failed) while Twilio was creating the call: end Twilio's leg too.
            await self._complete(config, call.id, sid)

    async def _sid(self, call: Call) -> str | None:
        if call.carrier_call_id:
            return call.carrier_call_id
        fresh = await Call.get_or_none(id=call.id)
        return fresh.carrier_call_id if fresh is not None else None

    async def _complete(self, config: TwilioConfig, call_id: str, sid: str) -> None:
        try:
            await self._post(config, f"Calls/{sid}.json", {"Status": "completed"})
        except TwilioRestError as exc:
            if exc.not_found:
                log.debug("Twilio call %s (%s) is already gone", call_id, sid)
                return
            log.warning("hangup of %s (%s) failed: %s", call_id, sid, exc)
        except httpx.HTTPError as exc:
            log.warning("hangup of %s (%s) failed: %s", call_id, sid, exc)

    async def _post(self, config: TwilioConfig, path: str, form: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(
            config.resource(path),
            data=form,
            auth=(config.account_sid, config.auth_token),
            headers={"Accept": "application/json"},
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            code = body.get("code") if isinstance(body, dict) else None
            message = body.get("message") if isinstance(body, dict) else None
            raise TwilioRestError(
                response.status_code,
                code if isinstance(code, int) else None,
                str(message or response.reason_phrase),
            )
        if not isinstance(body, dict):
            raise TwilioRestError(response.status_code, None, "the answer is not a JSON object")
        return body
