"""The demo tenant a newcomer starts from (`seed-demo`, `serve --demo`): the reference's agents
and caller number, a printout of credentials that work now ending with one working curl, and
first-use error messages that name the next step."""

import contextlib
import io
import json
import shlex
from pathlib import Path

import httpx
import pytest

from app import _print_demo
from models.agent import Agent, PhoneNumber
from models.audit import AuditLog
from models.call import Call
from models.credential import ApiKey
from models.tenant import Tenant
from models.user import User
from resolvers import auth, demo, keys
from resolvers.principals import Principal
from resolvers.security import sha256_hex
from resolvers.settings import Settings, configure
from tests.factories import assert_error, make_key, make_tenant
from tests.graphql import gql, gql_error
from tests.realtime.test_stream_errors import _config, _frames_and_close
from tests.voice import stream_url
from tests.ws import serve

FAST = {"sim_ring_seconds": 0.05, "sim_answer_seconds": 0.05, "sim_turn_seconds": 0.02}


@pytest.fixture(autouse=True)
def fast_carrier(settings: Settings) -> None:
    configure(settings.with_overrides(**FAST))


def printout(seeded: demo.DemoTenant, port: int = 8000) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        _print_demo(seeded, "127.0.0.1", port)
    return out.getvalue()


def parse_curl(text: str) -> tuple[str, str, dict[str, str], str]:
    """The printout's last line, a curl command: (method, url, headers, body)."""
    last = text.rstrip("\n").splitlines()[-1]
    argv = shlex.split(last)
    assert argv[0] == "curl"
    method, url, headers, body = "GET", "", {}, ""
    i = 1
    while i < len(argv):
        if argv[i] == "-X":
            method = argv[i + 1]
            i += 2
        elif argv[i] == "-H":
            name, _, value = argv[i + 1].partition(": ")
            headers[name] = value
            i += 2
        elif argv[i] == "-d":
            body = argv[i + 1]
            i += 2
        else:
            url = argv[i]
            i += 1
    return method, url, headers, body


async def run_printed_curl(client: httpx.AsyncClient, text: str) -> httpx.Response:
    method, url, headers, body = parse_curl(text)
    path = httpx.URL(url).path
    return await client.request(method, path, headers=headers, content=body.encode())


async def owner_of(seeded: demo.DemoTenant) -> Principal:
    user = await User.get(email=seeded.credentials.email)
    return Principal(
        kind="user", tenant_id=user.tenant_id, role="owner", plan="pro", user_id=user.id
    )


async def counts(tenant_id: str) -> dict[str, int]:
    return {
        "agents": await Agent.filter(tenant_id=tenant_id).count(),
        "numbers": await PhoneNumber.filter(tenant_id=tenant_id).count(),
        "keys": await ApiKey.filter(tenant_id=tenant_id).count(),
        "audit": await AuditLog.filter(tenant_id=tenant_id).count(),
        "tenants": await Tenant.all().count(),
    }


async def test_seed_creates_the_reference_agents_and_caller_number_once(
    app: object, tmp_path: Path
) -> None:
    first = await demo.seed_demo(tmp_path)
    tenant_id = first.credentials.tenant_id
    before = await counts(tenant_id)
    second = await demo.seed_demo(tmp_path)
    assert second == first
    assert await counts(tenant_id) == before
    assert printout(second) == printout(first)
    assert before == {"agents": 2, "numbers": 1, "keys": 4, "audit": before["audit"], "tenants": 1}

    assert first.agent_ids == ["agent_support_fr", "agent_support_en"]
    for spec in demo.DEMO_AGENTS:
        agent = await Agent.get(tenant_id=tenant_id, agent_id=spec["id"])
        got = {
            "name": agent.name,
            "language": agent.language,
            "greeting": agent.greeting,
            "instructions": agent.instructions,
            "faq": agent.faq,
            "enabled": agent.enabled,
        }
        assert got == {
            "name": spec["name"],
            "language": spec["language"],
            "greeting": spec["greeting"],
            "instructions": spec["instructions"],
            "faq": spec["faq"],
            "enabled": True,
        }
    fr = await Agent.get(tenant_id=tenant_id, agent_id="agent_support_fr")
    assert (fr.language, fr.greeting) == (
        "fr",
        "Bonjour, service client VocalIA, comment puis-je vous aider ?",
    )
    number = await PhoneNumber.get(tenant_id=tenant_id)
    assert (number.number, number.carrier, number.is_default) == (
        "+212520123456",
        "simulated",
        True,
    )
    assert first.caller_number == "+212520123456"
    saved = tmp_path / demo.CREDENTIALS_FILE
    assert saved.stat().st_mode & 0o077 == 0
    assert json.loads(saved.read_text()) == first.credentials.as_dict()


async def test_the_printed_curl_places_a_call(client: httpx.AsyncClient, tmp_path: Path) -> None:
    seeded = await demo.seed_demo(tmp_path)
    text = printout(seeded, port=8123)
    method, url, headers, body = parse_curl(text)
    assert (method, url) == ("POST", "http://127.0.0.1:8123/v1/calls")
    assert headers == {
        "Authorization": f"Bearer {seeded.credentials.test_key}",
        "Content-Type": "application/json",
    }
    assert json.loads(body) == {
        "to": "+212612345678",
        "agentId": "agent_support_fr",
        "from": "+212520123456",
        "metadata": {"customerId": "cust_123", "orderId": "ord_456"},
    }
    r = await run_printed_curl(client, text)
    assert r.status_code == 201, r.text
    call = r.json()
    assert (call["status"], call["agentId"], call["from"], call["to"]) == (
        "initiating",
        "agent_support_fr",
        "+212520123456",
        "+212612345678",
    )
    row = await Call.get(id=call["id"])
    assert (row.tenant_id, row.mode, row.carrier) == (
        seeded.credentials.tenant_id,
        "test",
        "simulated",
    )
    auth_header = {"Authorization": headers["Authorization"]}
    await client.post(f"/v1/calls/{call['id']}/hangup", headers=auth_header)


async def test_a_demo_tenant_from_an_older_version_gets_its_agents(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    seeded = await demo.seed_demo(tmp_path)
    tenant_id = seeded.credentials.tenant_id
    # What an older version seeded: the tenant and its keys, no agent, no number.
    await Agent.filter(tenant_id=tenant_id).delete()
    await PhoneNumber.filter(tenant_id=tenant_id).delete()
    stale = printout(seeded)
    assert (await run_printed_curl(client, stale)).status_code == 400

    again = await demo.seed_demo(tmp_path)
    assert again.credentials == seeded.credentials
    assert sorted(await Agent.filter(tenant_id=tenant_id).values_list("agent_id", flat=True)) == [
        "agent_support_en",
        "agent_support_fr",
    ]
    assert await PhoneNumber.filter(tenant_id=tenant_id).count() == 1
    r = await run_printed_curl(client, printout(again))
    assert r.status_code == 201, r.text
    await client.post(
        f"/v1/calls/{r.json()['id']}/hangup",
        headers={"Authorization": f"Bearer {again.credentials.test_key}"},
    )


async def test_rotated_and_revoked_keys_are_replaced_or_omitted(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    seeded = await demo.seed_demo(tmp_path)
    old = seeded.credentials
    owner = await owner_of(seeded)
    tenant_id = old.tenant_id
    rotated = await keys.rotate_tenant_key(owner)
    by_hash = {k.key_hash: k.id for k in await ApiKey.filter(tenant_id=tenant_id)}
    for secret in (old.secret_key, old.test_key):
        assert secret is not None
        await keys.revoke_key(owner, by_hash[sha256_hex(secret)])

    again = await demo.seed_demo(tmp_path)
    text = printout(again)
    revoked = [old.tenant_key, old.secret_key, old.test_key]
    for secret in revoked:
        assert secret is not None
        assert secret not in text
    # The rotated vk_ key is whoever rotated it's: the demo does not rotate it away again.
    assert again.credentials.tenant_key is None
    assert rotated.secret not in text
    assert (
        "  tenant key        (rotated since seeding: the new one was shown once; POST"
        f" /api/tenants/{tenant_id}/api-key/rotate issues another)"
    ) in text
    assert await ApiKey.filter(key_hash=sha256_hex(rotated.secret), revoked_at=None).exists()
    # Revoked secret keys are replaced, saved back, and work.
    new = again.credentials
    assert new.secret_key is not None
    assert new.test_key is not None
    assert new.secret_key.startswith("voc_sk_live_")
    assert new.test_key.startswith("voc_sk_test_")
    assert new.secret_key not in revoked
    assert new.test_key not in revoked
    assert new.publishable_key == old.publishable_key
    assert f"  secret key (live) {new.secret_key}" in text
    assert f"  secret key (test) {new.test_key}" in text
    assert "  note: secret key (test): the saved one was revoked; this one replaces it" in text
    saved_file = tmp_path / demo.CREDENTIALS_FILE
    assert json.loads(saved_file.read_text()) == new.as_dict()
    assert saved_file.stat().st_mode & 0o777 == 0o600
    for secret in (new.secret_key, new.test_key):
        r = await client.get("/v1/calls", headers={"Authorization": f"Bearer {secret}"})
        assert r.status_code == 200, r.text
    r = await run_printed_curl(client, text)
    assert r.status_code == 201, r.text
    await client.post(
        f"/v1/calls/{r.json()['id']}/hangup", headers={"Authorization": f"Bearer {new.test_key}"}
    )
    # Settled: the next run changes nothing and prints the same (without the notes).
    third = await demo.seed_demo(tmp_path)
    assert third.credentials == new
    assert third.notes == []


async def test_a_revoked_tenant_key_with_none_active_is_reissued(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    seeded = await demo.seed_demo(tmp_path)
    await ApiKey.filter(tenant_id=seeded.credentials.tenant_id, kind="tenant").delete()
    again = await demo.seed_demo(tmp_path)
    new = again.credentials.tenant_key
    assert new is not None
    assert new != seeded.credentials.tenant_key
    assert new.startswith("vk_")
    assert f"  tenant key        {new}" in printout(again)
    r = await client.get("/v1/calls", headers={"Authorization": f"Bearer {new}"})
    assert r.status_code == 200, r.text


async def test_a_changed_password_is_not_printed(client: httpx.AsyncClient, tmp_path: Path) -> None:
    seeded = await demo.seed_demo(tmp_path)
    old = seeded.credentials.password
    assert old is not None
    login = await client.post("/api/auth/login", json={"email": demo.DEMO_EMAIL, "password": old})
    assert login.status_code == 200, login.text
    principal = await owner_of(seeded)
    await auth.change_password(principal, current_password=old, new_password="a-new-password-1")
    again = await demo.seed_demo(tmp_path)
    text = printout(again)
    assert old not in text
    assert "  dashboard login   demo@vocalia.local / (password changed since seeding)" in text
    assert again.credentials.password is None
    assert old not in (tmp_path / demo.CREDENTIALS_FILE).read_text()
    # The keys did not depend on the password.
    assert again.credentials.test_key == seeded.credentials.test_key


async def test_the_caller_number_is_seeded_even_when_another_tenant_holds_it(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    # Numbers are per tenant: another tenant of this database holding the reference's number
    # changes nothing for the demo (and the demo cannot tell).
    other = await make_tenant(plan="pro")
    headers = {"Authorization": f"Bearer {await make_key(other)}"}
    r = await client.post("/v1/phone-numbers", json={"number": demo.DEMO_CALLER}, headers=headers)
    assert r.status_code == 201, r.text
    seeded = await demo.seed_demo(tmp_path)
    assert seeded.caller_number == demo.DEMO_CALLER
    text = printout(seeded)
    assert json.loads(parse_curl(text)[3])["from"] == demo.DEMO_CALLER
    r = await run_printed_curl(client, text)
    assert r.status_code == 201, r.text
    assert r.json()["from"] == demo.DEMO_CALLER
    await client.post(
        f"/v1/calls/{r.json()['id']}/hangup",
        headers={"Authorization": f"Bearer {seeded.credentials.test_key}"},
    )


# --- first-use messages name the next step ------------------------------------------------

UNKNOWN = (
    "agent 'agent_nope' does not exist for this tenant: create it with POST /v1/agents"
    " (or GraphQL createAgent); GET /v1/agents lists the tenant's agents"
)
DISABLED = (
    "agent 'agent_support_fr' is disabled: enable it with PATCH /v1/agents/agent_support_fr"
    ' {"enabled": true} (or GraphQL updateAgent)'
)
CALL = {"to": "+212612345678", "agentId": "agent_support_fr"}


@pytest.fixture
async def shop(client: httpx.AsyncClient) -> dict[str, str]:
    t = await make_tenant(plan="pro")
    headers = {"Authorization": f"Bearer {await make_key(t)}"}
    r = await client.post(
        "/v1/agents", json={"id": "agent_support_fr", "name": "Support"}, headers=headers
    )
    assert r.status_code == 201, r.text
    return headers


async def test_unknown_and_disabled_agents_say_what_to_do(
    client: httpx.AsyncClient, shop: dict[str, str]
) -> None:
    r = await client.post("/v1/calls", json={**CALL, "agentId": "agent_nope"}, headers=shop)
    assert_error(r, 400, "agent_not_configured", param="agentId", message=UNKNOWN)
    mutation = "mutation($i: CreateCallInput!) { createCall(input: $i) { id } }"
    body = await gql(client, mutation, {"i": {**CALL, "agentId": "agent_nope"}}, shop)
    assert gql_error(body)["code"] == "agent_not_configured"
    assert body["errors"][0]["message"] == UNKNOWN
    r = await client.patch("/v1/agents/agent_support_fr", json={"enabled": False}, headers=shop)
    assert r.status_code == 200, r.text
    r = await client.post("/v1/calls", json=CALL, headers=shop)
    assert_error(r, 400, "agent_not_configured", param="agentId", message=DISABLED)
    assert await Call.all().count() == 0


async def test_stream_config_with_an_unknown_agent_says_what_to_do(
    app: object, shop: dict[str, str]
) -> None:
    key = shop["Authorization"].removeprefix("Bearer ")
    async with serve(app) as base:
        frames, code = await _frames_and_close(stream_url(base, key), _config("agent_nope"))
    assert frames == [{"type": "error", "code": "agent_not_configured", "message": UNKNOWN}]
    assert code == 4400


async def test_a_carrier_this_server_lacks_says_what_to_do(
    client: httpx.AsyncClient, shop: dict[str, str]
) -> None:
    r = await client.post(
        "/v1/phone-numbers", json={"number": "+212520777888", "carrier": "twilio"}, headers=shop
    )
    assert r.status_code == 201, r.text
    r = await client.post("/v1/calls", json={**CALL, "from": "+212520777888"}, headers=shop)
    assert_error(
        r,
        400,
        "invalid_request",
        param="from",
        message=(
            "the twilio carrier is not configured on this server: the operator sets"
            " VOCALIA_TWILIO_ACCOUNT_SID, VOCALIA_TWILIO_AUTH_TOKEN and VOCALIA_PUBLIC_URL; a"
            " sandbox key (voc_sk_test_...) always calls through the simulated carrier"
        ),
    )
    assert await Call.all().count() == 0


async def test_a_dashboard_token_on_the_stream_says_which_key(
    app: object, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    seeded = await demo.seed_demo(tmp_path)
    login = await client.post(
        "/api/auth/login",
        json={"email": demo.DEMO_EMAIL, "password": seeded.credentials.password},
    )
    token = login.json()["access_token"]
    async with serve(app) as base:
        frames, code = await _frames_and_close(stream_url(base, token), _config("agent_support_fr"))
    expected = (
        "the stream takes an API key, not a dashboard token: connect with ?apiKey=voc_sk_..."
        " (server side) or voc_pk_... (a widget, from an allowed origin); create one with POST"
        " /api/tenants/{tenantId}/keys"
    )
    assert code == 4401
    assert frames == [{"type": "error", "code": "invalid_api_key", "message": expected}]
