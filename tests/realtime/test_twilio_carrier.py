"""The twilio carrier end to end: /v1/calls through the session app, Twilio's REST API served by
a fake on a loopback port, and Twilio's signed callbacks (voice webhook, status callbacks)
driven into the app like Twilio drives them."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.call import Call, CallTransition
from models.webhook import WebhookEvent
from realtime.carriers.twilio import TwilioCarrier
from resolvers import carriers
from resolvers.settings import Settings, SettingsError, configure, get_settings
from tests import servers
from tests.factories import TenantCtx, assert_error, make_key, make_tenant
from tests.realtime.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeCall, FakeTwilio

PUBLIC_URL = "https://api.example.com"
TWILIO_NUMBER = "+212520123456"
CUSTOMER = "+212612345678"
STREAM_URL = "wss://api.example.com/telephony/twilio/stream"
STATUS_URL = f"{PUBLIC_URL}/telephony/twilio/status"
VOICE_URL = f"{PUBLIC_URL}/telephony/twilio/voice"
FAST_SIM = {
    "sim_ring_seconds": 0.02,
    "sim_answer_seconds": 0.02,
    "sim_turn_seconds": 0.01,
    "sim_no_answer_seconds": 0.05,
}


@dataclass
class Tenant:
    ctx: TenantCtx
    headers: dict[str, str]


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def twilio(settings: Settings, fake: FakeTwilio) -> AsyncIterator[TwilioCarrier]:
    """Twilio configured against the fake, and a Twilio carrier installed for this test only
    (the session app started without Twilio settings)."""
    configure(
        settings.with_overrides(
            **FAST_SIM,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_api_base=fake.base_url,
            public_url=PUBLIC_URL,
        )
    )
    before = [c for name in carriers.names() if (c := carriers.get(name)) is not None]
    carrier = TwilioCarrier(timeout=5)
    carriers.install(carrier)
    try:
        yield carrier
    finally:
        await carrier.close()
        carriers.uninstall_all()
        for c in before:
            carriers.install(c)


async def _tenant(client: httpx.AsyncClient, plan: str) -> Tenant:
    ctx = await make_tenant(plan=plan)
    headers = {"Authorization": f"Bearer {await make_key(ctx)}"}
    r = await client.post(
        "/v1/phone-numbers", json={"number": TWILIO_NUMBER, "carrier": "twilio"}, headers=headers
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        "/v1/agents", json={"id": "agent_support_fr", "name": "Support FR"}, headers=headers
    )
    assert r.status_code == 201, r.text
    return Tenant(ctx, headers)


@pytest.fixture
async def pro(client: httpx.AsyncClient, twilio: TwilioCarrier) -> Tenant:
    return await _tenant(client, "pro")


async def place(client: httpx.AsyncClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    payload = {"to": CUSTOMER, "agentId": "agent_support_fr", "from": TWILIO_NUMBER, **body}
    r = await client.post("/v1/calls", json=payload, headers=tenant.headers)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def dialed(client: httpx.AsyncClient, fake: FakeTwilio, tenant: Tenant) -> FakeCall:
    """Place a call and wait until Twilio created it and we stored its CallSid."""
    created = await place(client, tenant)
    call = await fake.wait_for_call(created["id"])
    async with asyncio.timeout(5):
        while (await Call.get(id=created["id"])).carrier_call_id != call.sid:
            await asyncio.sleep(0.01)
    return call


def our_id(call: FakeCall) -> str:
    return call.url.rsplit("callId=", 1)[1]


async def in_progress(client: httpx.AsyncClient, fake: FakeTwilio, tenant: Tenant) -> FakeCall:
    call = await dialed(client, fake, tenant)
    assert (await fake.status_callback(client, call, "ringing")).status_code == 204
    assert (await fake.status_callback(client, call, "in-progress")).status_code == 204
    assert (await Call.get(id=our_id(call))).status == "in-progress"
    return call


async def wait_final(call_id: str, timeout: float = 5.0) -> Call:
    async with asyncio.timeout(timeout):
        while True:
            call = await Call.get(id=call_id)
            if call.status in ("completed", "failed"):
                return call
            await asyncio.sleep(0.01)


async def transitions(call_id: str) -> list[tuple[str, str | None]]:
    rows = await CallTransition.filter(call_id=call_id).order_by("at", "id")
    return [(t.status, t.reason) for t in rows]


async def event_types(call_id: str) -> list[str]:
    rows = await WebhookEvent.filter(call_id=call_id).order_by("created_at", "id")
    return [e.type for e in rows]


def connect_twiml(call_id: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Connect>'
        f'<Stream url="{STREAM_URL}"><Parameter name="callId" value="{call_id}" /></Stream>'
        "</Connect></Response>"
    )


# --- placing the call ------------------------------------------------------------------------


async def test_create_posts_the_call_to_twilios_rest_api(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant
) -> None:
    created = await place(client, pro)
    assert (created["status"], created["from"], created["to"]) == (
        "initiating",
        TWILIO_NUMBER,
        CUSTOMER,
    )
    twilio_call = await fake.wait_for_call(created["id"])
    [create] = fake.creates()
    assert create.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
    assert create.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert create.content_type == "application/x-www-form-urlencoded"
    assert create.status == 201
    assert create.form == {
        "To": [CUSTOMER],
        "From": [TWILIO_NUMBER],
        "Url": [f"{VOICE_URL}?callId={created['id']}"],
        "Method": ["POST"],
        "StatusCallback": [f"{STATUS_URL}?callId={created['id']}"],
        "StatusCallbackMethod": ["POST"],
        "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
        "TimeLimit": ["600"],
    }
    async with asyncio.timeout(5):
        while (row := await Call.get(id=created["id"])).carrier_call_id is None:
            await asyncio.sleep(0.01)
    assert (row.carrier, row.carrier_call_id, row.status) == (
        "twilio",
        twilio_call.sid,
        "initiating",
    )
    assert twilio_call.sid.startswith("CA")
    assert len(twilio_call.sid) == 34


async def test_signed_callbacks_run_the_call_through_every_status(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant
) -> None:
    call = await dialed(client, fake, pro)
    call_id = our_id(call)

    r = await fake.status_callback(client, call, "initiated")
    assert (r.status_code, r.content) == (204, b"")
    assert (await Call.get(id=call_id)).status == "initiating"

    assert (await fake.status_callback(client, call, "ringing")).status_code == 204
    ringing = await Call.get(id=call_id)
    assert (ringing.status, ringing.answered_at, ringing.ended_at) == ("ringing", None, None)

    assert (await fake.status_callback(client, call, "in-progress")).status_code == 204
    answered = await Call.get(id=call_id)
    assert answered.status == "in-progress"
    assert answered.answered_at is not None
    assert answered.ended_at is None

    r = await fake.fetch_voice(client, call)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/xml; charset=utf-8"
    assert r.text == connect_twiml(call_id)
    # The answered callback came first; the webhook does not move answeredAt.
    assert (await Call.get(id=call_id)).answered_at == answered.answered_at

    assert (await fake.status_callback(client, call, "completed")).status_code == 204
    done = await Call.get(id=call_id)
    assert (done.status, done.ended_reason) == ("completed", "customer-hangup")
    assert done.answered_at == answered.answered_at
    assert done.ended_at is not None
    assert done.ended_at >= done.answered_at
    assert done.duration == round((done.ended_at - done.answered_at).total_seconds())

    body = (await client.get(f"/v1/calls/{call_id}", headers=pro.headers)).json()
    assert (body["status"], body["endedReason"], body["from"]) == (
        "completed",
        "customer-hangup",
        TWILIO_NUMBER,
    )
    assert body["answeredAt"] is not None
    assert body["endedAt"] is not None
    assert await transitions(call_id) == [
        ("initiating", None),
        ("ringing", None),
        ("in-progress", None),
        ("completed", "customer-hangup"),
    ]
    assert await event_types(call_id) == [
        "call.initiated",
        "call.ringing",
        "call.answered",
        "call.completed",
    ]
    # A late duplicate changes nothing.
    assert (await fake.status_callback(client, call, "completed")).status_code == 204
    assert len(await transitions(call_id)) == 4


async def test_voice_webhook_answers_the_call_when_it_comes_first(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant
) -> None:
    call = await dialed(client, fake, pro)
    assert (await fake.status_callback(client, call, "ringing")).status_code == 204
    r = await fake.fetch_voice(client, call)
    assert r.text == connect_twiml(our_id(call))
    row = await Call.get(id=our_id(call))
    assert row.status == "in-progress"
    assert row.answered_at is not None
    assert (await fake.status_callback(client, call, "in-progress")).status_code == 204
    assert (await Call.get(id=our_id(call))).answered_at == row.answered_at
    assert [s for s, _ in await transitions(our_id(call))] == [
        "initiating",
        "ringing",
        "in-progress",
    ]


async def test_voice_webhook_of_an_ended_call_hangs_up(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant
) -> None:
    call = await dialed(client, fake, pro)
    assert (await fake.status_callback(client, call, "no-answer")).status_code == 204
    r = await fake.fetch_voice(client, call)
    assert r.status_code == 200
    assert r.text == '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup /></Response>'
    assert (await Call.get(id=our_id(call))).status == "failed"


@pytest.mark.parametrize(
    ("twilio_status", "reason"),
    [
        ("busy", "busy"),
        ("no-answer", "no-answer"),
        ("failed", "carrier-error"),
        ("canceled", "canceled"),
    ],
)
async def test_unanswered_outcomes_end_the_call_failed(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant, twilio_status: str, reason: str
) -> None:
    call = await dialed(client, fake, pro)
    assert (await fake.status_callback(client, call, "ringing")).status_code == 204
    assert (await fake.status_callback(client, call, twilio_status)).status_code == 204
    row = await Call.get(id=our_id(call))
    assert (row.status, row.ended_reason, row.answered_at, row.duration) == (
        "failed",
        reason,
        None,
        0,
    )
    assert row.ended_at is not None
    assert await event_types(row.id) == ["call.initiated", "call.ringing", "call.failed"]


async def test_a_status_callback_finds_the_call_by_its_callsid(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant
) -> None:
    call = await dialed(client, fake, pro)
    r = await fake.status_callback(client, call, "ringing", url=STATUS_URL)
    assert r.status_code == 204
    assert (await Call.get(id=our_id(call))).status == "ringing"


async def test_a_callback_before_the_create_answer_records_the_callsid(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant, twilio: TwilioCarrier
) -> None:
    """Twilio may call back before its create answer reaches us: the signed pairing of our
    callId and its CallSid is recorded then, and the late answer agrees with it."""
    fake.create_delay = 0.4
    created = await place(client, pro)
    call = await fake.wait_for_call(created["id"])
    assert twilio.running() == {"dialing": [created["id"]]}  # the answer is not back yet
    assert (await fake.status_callback(client, call, "ringing")).status_code == 204
    row = await Call.get(id=created["id"])
    assert (row.status, row.carrier_call_id) == ("ringing", call.sid)
    async with asyncio.timeout(5):
        while twilio.running()["dialing"]:
            await asyncio.sleep(0.01)
    row = await Call.get(id=created["id"])
    assert (row.status, row.carrier_call_id) == ("ringing", call.sid)
    assert fake.updates(call.sid) == []


# --- what the routes refuse --------------------------------------------------------------------


@pytest.mark.parametrize(
    "case", ["missing", "garbage", "other-token", "other-url", "tampered-params"]
)
async def test_a_bad_signature_is_403_and_changes_nothing(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant, case: str
) -> None:
    call = await dialed(client, fake, pro)
    assert (await fake.status_callback(client, call, "ringing")).status_code == 204
    before = await transitions(our_id(call))
    status_url = call.status_callback
    assert status_url is not None
    kw: dict[str, Any] = {}
    if case == "missing":
        kw["signature"] = ""
    elif case == "garbage":
        kw["signature"] = "bm90IGEgc2lnbmF0dXJl"
    elif case == "other-token":
        kw["token"] = "another-auth-token"
    elif case == "other-url":
        kw["sign_url"] = f"{STATUS_URL}?callId=call_someoneelse"
    else:
        kw["sign_overrides"] = {"CallStatus": "ringing"}
    r = await fake.status_callback(client, call, "completed", **kw)
    assert_error(
        r,
        403,
        "insufficient_permissions",
        message="the X-Twilio-Signature of this request is missing or invalid",
    )
    voice = await fake.fetch_voice(client, call, **kw)
    assert_error(voice, 403, "insufficient_permissions")
    row = await Call.get(id=our_id(call))
    assert (row.status, row.answered_at, row.ended_at) == ("ringing", None, None)
    assert await transitions(row.id) == before
    # Signed over the URL as our server sees it behind a proxy (not the public URL): refused.
    internal = f"http://testserver/telephony/twilio/status?callId={row.id}"
    r = await fake.status_callback(client, call, "completed", url=status_url, sign_url=internal)
    assert_error(r, 403, "insufficient_permissions")


async def test_a_signed_request_for_another_account_is_403(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant
) -> None:
    call = await dialed(client, fake, pro)
    r = await fake.status_callback(client, call, "ringing", extra={"AccountSid": "AC" + "9" * 32})
    assert_error(r, 403, "insufficient_permissions")
    assert (await Call.get(id=our_id(call))).status == "initiating"


async def test_unknown_or_foreign_calls_are_404(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant
) -> None:
    call = await dialed(client, fake, pro)
    unknown = f"{STATUS_URL}?callId=call_doesnotexist"
    assert_error(
        await fake.status_callback(client, call, "ringing", url=unknown),
        404,
        "resource_not_found",
    )
    # A call of the simulated carrier (a test key) is never touched by Twilio's routes.
    test_key = await make_key(pro.ctx, mode="test")
    r = await client.post(
        "/v1/calls",
        json={"to": "+212612340002", "agentId": "agent_support_fr", "from": TWILIO_NUMBER},
        headers={"Authorization": f"Bearer {test_key}"},
    )
    simulated_id = r.json()["id"]
    before = await transitions(simulated_id)
    for response in (
        await fake.status_callback(
            client, call, "completed", url=f"{STATUS_URL}?callId={simulated_id}"
        ),
        await fake.post_signed(
            client,
            f"{VOICE_URL}?callId={simulated_id}",
            {"AccountSid": ACCOUNT_SID, "CallSid": call.sid, "CallStatus": "in-progress"},
        ),
    ):
        assert_error(response, 404, "resource_not_found", message="call not found")
    assert (await Call.get(id=simulated_id)).carrier_call_id is None
    assert (await transitions(simulated_id))[: len(before)] == before
    assert ("completed", "customer-hangup") not in await transitions(simulated_id)
    # A CallSid that is not the call's own.
    other = FakeCall("CA" + "f" * 32, CUSTOMER, TWILIO_NUMBER, call.url, call.status_callback, [])
    assert_error(await fake.status_callback(client, other, "completed"), 404, "resource_not_found")
    assert (await Call.get(id=our_id(call))).status == "initiating"
    # Unknown CallStatus values are the request's error.
    assert_error(
        await fake.status_callback(client, call, "exploded"),
        400,
        "invalid_request",
        param="CallStatus",
    )


async def test_routes_are_404_when_twilio_is_not_configured(
    client: httpx.AsyncClient, fake: FakeTwilio
) -> None:
    r = await fake.post_signed(
        client,
        f"{STATUS_URL}?callId=call_x",
        {"AccountSid": ACCOUNT_SID, "CallSid": "CA" + "1" * 32, "CallStatus": "ringing"},
    )
    assert_error(r, 404, "resource_not_found")
    # And a twilio number cannot place calls: the carrier is not installed.
    tenant = await _tenant(client, "pro")
    r = await client.post(
        "/v1/calls",
        json={"to": CUSTOMER, "agentId": "agent_support_fr", "from": TWILIO_NUMBER},
        headers=tenant.headers,
    )
    assert_error(r, 400, "invalid_request", param="from")
    assert fake.requests == []


# --- transfer and hangup ---------------------------------------------------------------------


async def test_transfer_dials_the_human_with_twiml(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant
) -> None:
    call = await in_progress(client, fake, pro)
    call_id = our_id(call)
    r = await client.post(
        f"/v1/calls/{call_id}/transfer",
        json={"to": "+33612345678", "message": "Je vous passe un conseiller <humain> & Cie."},
        headers=pro.headers,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["endedReason"]) == ("completed", "transferred")
    [update] = fake.updates(call.sid)
    assert update.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert update.status == 200
    assert update.form == {
        "Twiml": [
            '<Response><Say language="fr-FR">Je vous passe un conseiller &lt;humain&gt; &amp; '
            'Cie.</Say><Dial callerId="+212520123456">+33612345678</Dial></Response>'
        ]
    }
    assert call.twiml == update.form["Twiml"]
    row = await Call.get(id=call_id)
    assert (row.status, row.ended_reason, row.transferred_to) == (
        "completed",
        "transferred",
        "+33612345678",
    )
    # What Twilio says is the agent's last line, in the transcript the webhooks carry.
    assert row.transcript[-1]["role"] == "agent"
    assert row.transcript[-1]["content"] == "Je vous passe un conseiller <humain> & Cie."
    # call.transferred and call.completed share the transition's timestamp.
    assert sorted(await event_types(call_id)) == [
        "call.answered",
        "call.completed",
        "call.initiated",
        "call.ringing",
        "call.transferred",
    ]
    # When the bridged leg ends Twilio reports completed: the AI leg's record stays as it is.
    assert (await fake.status_callback(client, call, "completed")).status_code == 204
    assert (await Call.get(id=call_id)).ended_reason == "transferred"
    assert len(await event_types(call_id)) == 5


async def test_transfer_without_message_and_of_a_ringing_call(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant
) -> None:
    ringing = await dialed(client, fake, pro)
    assert (await fake.status_callback(client, ringing, "ringing")).status_code == 204
    r = await client.post(
        f"/v1/calls/{our_id(ringing)}/transfer", json={"to": "+33612345678"}, headers=pro.headers
    )
    assert_error(r, 409, "conflict")
    assert fake.updates(ringing.sid) == []

    call = await in_progress(client, fake, pro)
    r = await client.post(
        f"/v1/calls/{our_id(call)}/transfer", json={"to": "+33612345678"}, headers=pro.headers
    )
    assert r.status_code == 200
    [update] = fake.updates(call.sid)
    assert update.one("Twiml") == (
        '<Response><Dial callerId="+212520123456">+33612345678</Dial></Response>'
    )


async def test_hangup_of_an_answered_call_completes_it_at_twilio(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant
) -> None:
    call = await in_progress(client, fake, pro)
    r = await client.post(f"/v1/calls/{our_id(call)}/hangup", headers=pro.headers)
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["endedReason"]) == ("completed", "agent-hangup")
    [update] = fake.updates(call.sid)
    assert (update.form, update.status, update.auth) == (
        {"Status": ["completed"]},
        200,
        (ACCOUNT_SID, AUTH_TOKEN),
    )
    assert fake.calls[call.sid].status == "completed"
    # Twilio then reports completed; our own reason stays.
    assert (await fake.status_callback(client, call, "completed")).status_code == 204
    assert (await Call.get(id=our_id(call))).ended_reason == "agent-hangup"


async def test_hangup_while_ringing_cancels_and_tolerates_a_call_twilio_forgot(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant
) -> None:
    call = await dialed(client, fake, pro)
    assert (await fake.status_callback(client, call, "ringing")).status_code == 204
    r = await client.post(f"/v1/calls/{our_id(call)}/hangup", headers=pro.headers)
    assert (r.status_code, r.json()["status"], r.json()["endedReason"]) == (
        200,
        "failed",
        "canceled",
    )
    assert [u.one("Status") for u in fake.updates(call.sid)] == ["completed"]
    assert fake.calls[call.sid].status == "canceled"

    gone = await in_progress(client, fake, pro)
    fake.forget(gone.sid)
    r = await client.post(f"/v1/calls/{our_id(gone)}/hangup", headers=pro.headers)
    assert (r.status_code, r.json()["status"], r.json()["endedReason"]) == (
        200,
        "completed",
        "agent-hangup",
    )
    [update] = fake.updates(gone.sid)
    assert update.status == 404


async def test_hangup_while_twilio_is_still_creating_the_call(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant
) -> None:
    fake.create_delay = 0.3
    created = await place(client, pro)
    r = await client.post(f"/v1/calls/{created['id']}/hangup", headers=pro.headers)
    assert (r.json()["status"], r.json()["endedReason"]) == ("failed", "canceled")
    call = await fake.wait_for_call(created["id"])
    async with asyncio.timeout(5):
        while not fake.updates(call.sid):
            await asyncio.sleep(0.01)
    [update] = fake.updates(call.sid)
    assert update.one("Status") == "completed"
    assert fake.calls[call.sid].status == "canceled"
    assert (await Call.get(id=created["id"])).carrier_call_id == call.sid


# --- failures and who may use Twilio ----------------------------------------------------------


async def test_a_twilio_error_on_create_fails_the_call_with_carrier_error(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant
) -> None:
    fake.reject_next_create(400, 21211, f"Invalid 'To' Phone Number: {CUSTOMER}")
    created = await place(client, pro)
    row = await wait_final(created["id"])
    assert (row.status, row.ended_reason, row.carrier_call_id) == (
        "failed",
        "carrier-error",
        None,
    )
    [create] = fake.creates()
    assert create.status == 400
    assert await event_types(row.id) == ["call.initiated", "call.failed"]


async def test_bad_credentials_and_an_unreachable_twilio_fail_the_call(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant
) -> None:
    configured = get_settings()
    configure(configured.with_overrides(twilio_auth_token="wrong-token"))
    row = await wait_final((await place(client, pro))["id"])
    assert (row.status, row.ended_reason) == ("failed", "carrier-error")
    assert [c.status for c in fake.creates()] == [401]

    closed = f"http://127.0.0.1:{servers.free_port()}"  # nothing listens there
    configure(configured.with_overrides(twilio_api_base=closed))
    row = await wait_final((await place(client, pro))["id"])
    assert (row.status, row.ended_reason) == ("failed", "carrier-error")
    assert len(fake.creates()) == 1


async def test_a_test_key_always_uses_the_simulated_carrier(
    client: httpx.AsyncClient, fake: FakeTwilio, pro: Tenant
) -> None:
    test_key = await make_key(pro.ctx, mode="test")
    # One short line: the carrier's choice is under test, not a conversation (which, through
    # eSpeak and Whisper, took more than the 5 s of wait_final on a loaded machine).
    r = await client.post(
        "/v1/calls",
        json={
            "to": CUSTOMER,
            "agentId": "agent_support_fr",
            "from": TWILIO_NUMBER,
            "metadata": {"simulate": {"script": ["Bonjour."]}},
        },
        headers={"Authorization": f"Bearer {test_key}"},
    )
    assert r.status_code == 201, r.text
    row = await wait_final(r.json()["id"], timeout=30)
    assert (row.carrier, row.mode, row.status, row.carrier_call_id) == (
        "simulated",
        "test",
        "completed",
        None,
    )
    assert fake.requests == []


async def test_a_starter_tenant_cannot_call_through_twilio(
    client: httpx.AsyncClient, fake: FakeTwilio, twilio: TwilioCarrier
) -> None:
    starter = await _tenant(client, "starter")
    r = await client.post(
        "/v1/calls",
        json={"to": CUSTOMER, "agentId": "agent_support_fr", "from": TWILIO_NUMBER},
        headers=starter.headers,
    )
    assert_error(
        r,
        403,
        "insufficient_permissions",
        message="phone calls through a carrier need the Pro or Enterprise plan: upgrade the"
        " plan, or use a sandbox key (voc_sk_test_...) for simulated calls",
    )
    assert await Call.filter(tenant_id=starter.ctx.id).count() == 0
    assert fake.requests == []


# --- settings ---------------------------------------------------------------------------------


def test_twilio_settings_from_the_environment(tmp_path: Any) -> None:
    base = {"VOCALIA_VAR_DIR": str(tmp_path), "VOCALIA_JWT_SECRET": "s" * 40}
    s = Settings.from_env(
        {
            **base,
            "VOCALIA_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "VOCALIA_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "VOCALIA_PUBLIC_URL": "https://api.example.com/",
            "VOCALIA_TWILIO_API_BASE": "http://127.0.0.1:9999",
        }
    )
    assert (s.twilio_account_sid, s.twilio_auth_token, s.public_url, s.twilio_api_base) == (
        ACCOUNT_SID,
        AUTH_TOKEN,
        "https://api.example.com",
        "http://127.0.0.1:9999",
    )
    assert s.twilio_configured
    assert AUTH_TOKEN not in repr(s)
    default = Settings.from_env(base)
    assert (default.twilio_configured, default.twilio_api_base, default.public_url) == (
        False,
        "https://api.twilio.com",
        None,
    )
    for bad, message in (
        ({"VOCALIA_TWILIO_ACCOUNT_SID": ACCOUNT_SID}, "go together"),
        (
            {"VOCALIA_TWILIO_ACCOUNT_SID": ACCOUNT_SID, "VOCALIA_TWILIO_AUTH_TOKEN": "t"},
            "VOCALIA_PUBLIC_URL",
        ),
        (
            {
                "VOCALIA_TWILIO_ACCOUNT_SID": "not-a-sid",
                "VOCALIA_TWILIO_AUTH_TOKEN": "t",
                "VOCALIA_PUBLIC_URL": PUBLIC_URL,
            },
            "AC...",
        ),
        ({"VOCALIA_PUBLIC_URL": "api.example.com"}, "http(s) URL"),
    ):
        with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
            Settings.from_env({**base, **bad})


# --- a real server configured from the environment -------------------------------------------


@pytest.mark.slow
async def test_a_server_process_configured_for_twilio_places_and_tracks_a_call(
    fake: FakeTwilio, tmp_path: Path
) -> None:
    """The lifespan installs the carrier from VOCALIA_TWILIO_*; Twilio reaches the server
    through a proxy (the public URL is not the server's own), and the signature is checked
    against the public URL."""
    backend = servers.prepare_database(tmp_path, suffix=f"_tw{uuid.uuid4().hex[:6]}")
    prefix = f"vocalia-twilio-{uuid.uuid4().hex[:8]}"
    env = servers.server_env(
        backend.database_url,
        tmp_path / "var",
        redis_url=backend.redis_url,
        redis_prefix=prefix,
        extra={
            "VOCALIA_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "VOCALIA_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "VOCALIA_TWILIO_API_BASE": fake.base_url,
            "VOCALIA_PUBLIC_URL": PUBLIC_URL,
        },
    )
    servers.migrate(env)
    try:
        with servers.running(env, tmp_path / "logs") as [server]:
            async with httpx.AsyncClient(base_url=server.url, timeout=20) as c:
                reg = await c.post(
                    "/api/auth/register",
                    json={
                        "email": f"tw-{uuid.uuid4().hex[:8]}@example.com",
                        "password": "long-enough-pw",
                        "company": "Twilio Process",
                        "plan": "pro",
                    },
                )
                assert reg.status_code == 201, reg.text
                headers = {"Authorization": f"Bearer {reg.json()['tenant']['api_key']}"}
                for path, body in (
                    ("/v1/phone-numbers", {"number": TWILIO_NUMBER, "carrier": "twilio"}),
                    ("/v1/agents", {"id": "agent_support_fr", "name": "Support FR"}),
                ):
                    assert (await c.post(path, json=body, headers=headers)).status_code == 201
                r = await c.post(
                    "/v1/calls",
                    json={"to": CUSTOMER, "agentId": "agent_support_fr"},
                    headers=headers,
                )
                assert r.status_code == 201, r.text
                call_id = r.json()["id"]
                call = await fake.wait_for_call(call_id, timeout=10)
                assert call.from_ == TWILIO_NUMBER

                def via_proxy(url: str) -> str:
                    return url.replace(PUBLIC_URL, server.url, 1)

                assert call.status_callback is not None
                for status in ("ringing", "in-progress"):
                    r = await fake.status_callback(
                        c,
                        call,
                        status,
                        url=via_proxy(call.status_callback),
                        sign_url=call.status_callback,
                    )
                    assert r.status_code == 204, r.text
                twiml = await fake.post_signed(
                    c,
                    via_proxy(call.url),
                    {"AccountSid": ACCOUNT_SID, "CallSid": call.sid, "CallStatus": "in-progress"},
                    sign_url=call.url,
                )
                assert twiml.text == connect_twiml(call_id)
                hung = await c.post(f"/v1/calls/{call_id}/hangup", headers=headers)
                assert (hung.json()["status"], hung.json()["endedReason"]) == (
                    "completed",
                    "agent-hangup",
                )
                assert [u.one("Status") for u in fake.updates(call.sid)] == ["completed"]
    finally:
        servers.flush_redis_prefix(backend.redis_url, prefix)
