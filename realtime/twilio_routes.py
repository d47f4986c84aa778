"""What Twilio calls on our side: the voice webhook (answers TwiML that bridges the call to our
media WebSocket) and the status callback (maps Twilio's CallStatus onto our status machine).

Every request must carry a valid ``X-Twilio-Signature`` for the exact public URL we gave
Twilio plus the form parameters; anything else is refused with 403 and changes nothing. A
request only ever acts on a call of the ``twilio`` carrier whose CallSid matches.
"""

import json
import logging
from urllib.parse import parse_qsl

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from twilio.request_validator import RequestValidator

from models.call import Call
from realtime.carriers.twilio import (
    STATUS_MAP,
    STATUS_PATH,
    VOICE_PATH,
    connect_twiml,
    hangup_twiml,
)
from resolvers import calls, validation
from resolvers.errors import DomainError, ErrorCode, forbidden, invalid, not_found
from resolvers.settings import Settings, get_settings

log = logging.getLogger("vocalia.twilio")

Params = ImmutableMultiDict[str, str]
FORM_TYPE = "application/x-www-form-urlencoded"


def _error(request: Request, error: DomainError) -> Response:
    state = request.scope.get("state") or {}
    rid = state.get("request_id")
    body = json.dumps(
        error.body(rid if isinstance(rid, str) else None), ensure_ascii=False, separators=(",", ":")
    )
    return Response(body, status_code=error.status, media_type="application/json")


def _public_url(request: Request, settings: Settings) -> str:
    """The URL Twilio requested, as Twilio saw it: our public base, not the proxied host."""
    base = settings.public_url or f"{request.url.scheme}://{request.url.netloc}"
    query = request.scope.get("query_string", b"").decode("latin-1")
    return base.rstrip("/") + request.url.path + (f"?{query}" if query else "")


async def _verified(request: Request) -> Params:
    """The form parameters of a request Twilio signed. Raises resource_not_found (Twilio is
    not configured here) or insufficient_permissions (bad or missing signature)."""
    settings = get_settings()
    if not settings.twilio_configured:
        raise DomainError(
            ErrorCode.RESOURCE_NOT_FOUND, "the Twilio carrier is not configured on this server"
        )
    body = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    params: Params = ImmutableMultiDict(pairs if content_type == FORM_TYPE else [])
    signature = request.headers.get("x-twilio-signature", "")
    validator = RequestValidator(settings.twilio_auth_token)
    url = _public_url(request, settings)
    if not signature or not validator.validate(url, params, signature):
        # Most often VOCALIA_PUBLIC_URL differs from the URL Twilio was given.
        log.warning("refused a Twilio request to %s: bad or missing signature", url)
        raise forbidden("the X-Twilio-Signature of this request is missing or invalid")
    if params.get("AccountSid") != settings.twilio_account_sid:
        raise forbidden("this request is for another Twilio account")
    return params


async def _call_of(request: Request, params: Params) -> Call:
    """The twilio call the request is about, by our callId (in the URL we gave Twilio) or by
    Twilio's CallSid. Raises invalid_request, resource_not_found."""
    sid = validation.storable(params.get("CallSid", ""), "CallSid")
    if not sid or len(sid) > 64:
        raise invalid("CallSid is required", param="CallSid")
    call_id = validation.storable(request.query_params.get("callId", ""), "callId")
    if call_id:
        call = await Call.get_or_none(id=call_id, carrier="twilio")
    else:
        call = await Call.filter(carrier="twilio", carrier_call_id=sid).first()
    if call is None:
        raise not_found("call")
    if call.carrier_call_id != sid:
        # Twilio can call back before its create answer reached us; the signature vouches for
        # the pairing. A call that already carries another CallSid is not this one.
        if call.carrier_call_id is not None or not await calls.set_carrier_call_id(call.id, sid):
            raise not_found("call")
        call.carrier_call_id = sid
    return call


async def voice(request: Request) -> Response:
    """Twilio fetches this when the callee answers: bridge the audio to our media socket."""
    try:
        call = await _call_of(request, await _verified(request))
    except DomainError as exc:
        return _error(request, exc)
    if call.status in calls.FINAL:
        return Response(hangup_twiml(), media_type="text/xml")
    await calls.mark_answered(call.id)  # no-op when the answered callback came first
    settings = get_settings()
    public = settings.public_url or f"{request.url.scheme}://{request.url.netloc}"
    return Response(connect_twiml(public, call.id), media_type="text/xml")


async def status(request: Request) -> Response:
    """Twilio's status callback: initiated, ringing, answered, completed (or why it failed)."""
    try:
        params = await _verified(request)
        twilio_status = params.get("CallStatus", "")
        if twilio_status not in STATUS_MAP:
            raise invalid(f"unknown CallStatus {twilio_status!r}", param="CallStatus")
        call = await _call_of(request, params)
    except DomainError as exc:
        return _error(request, exc)
    target = STATUS_MAP[twilio_status]
    if target is not None:
        ours, reason = target
        if ours == "ringing":
            await calls.mark_ringing(call.id)
        elif ours == "in-progress":
            await calls.mark_answered(call.id)
        else:
            # A status already final (our own hangup, a transfer) stays as it is.
            await calls.end_call(call.id, reason=reason or "carrier-error", failed=ours == "failed")
    return Response(status_code=204)


routes: list[BaseRoute] = [
    Route(VOICE_PATH, voice, methods=["POST"]),
    Route(STATUS_PATH, status, methods=["POST"]),
]
