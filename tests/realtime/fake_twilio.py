"""A small Twilio on a loopback port: the REST API for Calls (create, update) with Twilio's
response shapes and error bodies, and the callbacks Twilio makes to us (the voice webhook, the
status callbacks), signed like Twilio signs them.

The REST side is a stdlib ThreadingHTTPServer in a background thread, so our carrier's httpx
client talks real HTTP to it. The callback side runs on the test's event loop: Twilio would
reach our public URL, which in tests is the session app behind httpx's ASGI transport.
"""

import asyncio
import base64
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-twilio-auth-token-" + "7" * 9
API_VERSION = "2010-04-01"
_CALLS = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>AC\w+)/Calls\.json$")
_CALL = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>AC\w+)/Calls/(?P<sid>CA\w+)\.json$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    form: dict[str, list[str]]
    auth: tuple[str, str] | None
    status: int
    content_type: str

    def one(self, name: str) -> str:
        values = self.form.get(name, [])
        assert len(values) == 1, (name, self.form)
        return values[0]


@dataclass
class FakeCall:
    """A call resource as Twilio keeps it, plus the callback URLs our create gave it."""

    sid: str
    to: str
    from_: str
    url: str
    status_callback: str | None
    status_callback_events: list[str]
    status: str = "queued"
    twiml: list[str] = field(default_factory=list)
    sequence: int = 0

    def resource(self, account_sid: str) -> dict[str, Any]:
        now = formatdate(usegmt=True).replace("GMT", "+0000")
        uri = f"/{API_VERSION}/Accounts/{account_sid}/Calls/{self.sid}"
        return {
            "account_sid": account_sid,
            "annotation": None,
            "answered_by": None,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": now,
            "date_updated": now,
            "direction": "outbound-api",
            "duration": None,
            "end_time": None,
            "forwarded_from": None,
            "from": self.from_,
            "from_formatted": self.from_,
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": "PN" + "0" * 32,
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "start_time": None,
            "status": self.status,
            "subresource_uris": {
                "notifications": f"{uri}/Notifications.json",
                "recordings": f"{uri}/Recordings.json",
                "payments": f"{uri}/Payments.json",
                "events": f"{uri}/Events.json",
                "siprec": f"{uri}/Siprec.json",
                "streams": f"{uri}/Streams.json",
                "transcriptions": f"{uri}/Transcriptions.json",
                "user_defined_message_subscriptions": f"{uri}/UserDefinedMessageSubscriptions.json",
                "user_defined_messages": f"{uri}/UserDefinedMessages.json",
            },
            "to": self.to,
            "to_formatted": self.to,
            "trunk_sid": None,
            "uri": f"{uri}.json",
            "queue_time": "0",
        }


def twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class FakeTwilio:
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests: list[Recorded] = []
        self.calls: dict[str, FakeCall] = {}
        self._rejections: list[tuple[int, int, str]] = []
        # Seconds a create takes to answer (a slow Twilio; the call exists meanwhile).
        self.create_delay = 0.0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> "FakeTwilio":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def reject_next_create(self, status: int, code: int, message: str) -> None:
        """The next Calls.json create answers this Twilio error (e.g. 400, 21211)."""
        with self._lock:
            self._rejections.append((status, code, message))

    def forget(self, sid: str) -> None:
        """Twilio no longer knows the call (updates then answer 404 / 20404)."""
        with self._lock:
            self.calls.pop(sid, None)

    # --- the REST API ---------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                status, body = fake._handle(
                    self.path, raw, self.headers.get("Authorization"), self.headers
                )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Twilio-Request-Id", "RQ" + secrets.token_hex(16))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self.do_POST()

        return Handler

    def _handle(
        self, path: str, raw: str, authorization: str | None, headers: Any
    ) -> tuple[int, dict[str, Any]]:
        form = parse_qs(raw, keep_blank_values=True)
        auth = _basic(authorization)
        content_type = str(headers.get("Content-Type", ""))
        status, body = self._route(path, form, auth)
        with self._lock:
            self.requests.append(Recorded("POST", path, form, auth, status, content_type))
        if self.create_delay and _CALLS.match(path):
            # The call exists (and may call back) before its create answer reaches the client.
            time.sleep(self.create_delay)  # this handler's own thread
        return status, body

    def _route(
        self, path: str, form: dict[str, list[str]], auth: tuple[str, str] | None
    ) -> tuple[int, dict[str, Any]]:
        match = _CALLS.match(path) or _CALL.match(path)
        if match is None:
            return 404, twilio_error(404, 20404, f"The requested resource {path} was not found")
        if auth != (self.account_sid, self.auth_token) or match["account"] != self.account_sid:
            return 401, twilio_error(401, 20003, "Authenticate")
        with self._lock:
            if "sid" in match.groupdict() and match["sid"]:
                return self._update(path, match["sid"], form)
            return self._create(form)

    def _create(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        def first(name: str) -> str:
            return (form.get(name) or [""])[0]

        if self._rejections:
            status, code, message = self._rejections.pop(0)
            return status, twilio_error(status, code, message)
        if not first("To"):
            return 400, twilio_error(400, 21201, "No 'To' number is specified")
        if not _E164.match(first("To")):
            return 400, twilio_error(400, 21211, f"Invalid 'To' Phone Number: {first('To')}")
        if not first("From"):
            return 400, twilio_error(400, 21213, "No 'From' number is specified")
        if not first("Url") and not first("Twiml"):
            return 400, twilio_error(400, 21205, "Url parameter is required.")
        call = FakeCall(
            sid="CA" + secrets.token_hex(16),
            to=first("To"),
            from_=first("From"),
            url=first("Url"),
            status_callback=first("StatusCallback") or None,
            status_callback_events=form.get("StatusCallbackEvent", []),
        )
        self.calls[call.sid] = call
        return 201, call.resource(self.account_sid)

    def _update(
        self, path: str, sid: str, form: dict[str, list[str]]
    ) -> tuple[int, dict[str, Any]]:
        call = self.calls.get(sid)
        if call is None:
            return 404, twilio_error(404, 20404, f"The requested resource {path} was not found")
        if "Twiml" in form:
            if call.status != "in-progress":
                return 400, twilio_error(400, 21220, "Call is not in-progress. Cannot redirect.")
            call.twiml.append(form["Twiml"][0])
        status = (form.get("Status") or [""])[0]
        if status == "completed":
            call.status = "completed" if call.status == "in-progress" else "canceled"
        elif status == "canceled" and call.status in ("queued", "ringing"):
            call.status = "canceled"
        return 200, call.resource(self.account_sid)

    # --- what the test reads --------------------------------------------------------------

    def received(self, path_suffix: str = "") -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith(path_suffix)]

    def creates(self) -> list[Recorded]:
        return self.received("/Calls.json")

    def updates(self, sid: str) -> list[Recorded]:
        return self.received(f"/Calls/{sid}.json")

    async def wait_for_call(self, call_id: str, timeout: float = 5.0) -> FakeCall:
        """The call our server created for ``call_id`` (found by the voice URL it gave)."""
        async with asyncio.timeout(timeout):
            while True:
                with self._lock:
                    for call in self.calls.values():
                        if call.url.endswith(f"callId={call_id}"):
                            return call
                await asyncio.sleep(0.01)

    async def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[Recorded]:
        async with asyncio.timeout(timeout):
            while len(self.requests) < count:
                await asyncio.sleep(0.01)
        return list(self.requests)

    # --- the callbacks Twilio makes ---------------------------------------------------------

    def sign(self, url: str, params: dict[str, str]) -> str:
        return str(RequestValidator(self.auth_token).compute_signature(url, params))

    def _call_params(self, call: FakeCall, status: str) -> dict[str, str]:
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": call.sid,
            "CallStatus": status,
            "Called": call.to,
            "Caller": call.from_,
            "Direction": "outbound-api",
            "From": call.from_,
            "To": call.to,
        }

    async def post_signed(
        self,
        client: httpx.AsyncClient,
        url: str,
        params: dict[str, str],
        *,
        signature: str | None = None,
        sign_url: str | None = None,
        sign_overrides: dict[str, str] | None = None,
        token: str | None = None,
    ) -> httpx.Response:
        """POST a form to our server like Twilio: X-Twilio-Signature over the exact URL and
        the parameters. For the refusal tests: ``signature`` replaces it ("" sends none);
        ``sign_url``, ``sign_overrides`` and ``token`` sign something else than is sent."""
        signed = {**params, **(sign_overrides or {})}
        validator = RequestValidator(token or self.auth_token)
        sig = str(validator.compute_signature(sign_url or url, signed))
        if signature is not None:
            sig = signature
        headers = {
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        }
        if sig:
            headers["X-Twilio-Signature"] = sig
        return await client.post(url, data=params, headers=headers)

    async def fetch_voice(
        self, client: httpx.AsyncClient, call: FakeCall, **kw: Any
    ) -> httpx.Response:
        """What Twilio does when the callee answers: fetch the call's Url for TwiML."""
        call.status = "in-progress"
        return await self.post_signed(
            client, call.url, self._call_params(call, "in-progress"), **kw
        )

    async def status_callback(
        self,
        client: httpx.AsyncClient,
        call: FakeCall,
        status: str,
        *,
        extra: dict[str, str] | None = None,
        url: str | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """One status callback, with the fields Twilio sends for call progress events."""
        assert call.status_callback, "the call was created without a StatusCallback"
        call.status = status
        params = self._call_params(call, status)
        params.update(
            {
                "CallbackSource": "call-progress-events",
                "SequenceNumber": str(call.sequence),
                "Timestamp": formatdate(usegmt=True).replace("GMT", "+0000"),
            }
        )
        if status in ("completed", "busy", "no-answer", "failed", "canceled"):
            params.update({"CallDuration": "0", "Duration": "0", "SipResponseCode": "200"})
        params.update(extra or {})
        call.sequence += 1
        return await self.post_signed(client, url or call.status_callback, params, **kw)


def _basic(value: str | None) -> tuple[str, str] | None:
    if not value or not value.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password
