"""/v1/calls end to end on the simulated carrier: the status machine, the documented fields,
plan limits and bad input."""

import asyncio
from typing import Any

import httpx
import pytest

from models.call import Call, CallTransition
from models.tenant import Tenant
from models.webhook import WebhookEvent
from resolvers import concurrency
from resolvers.settings import Settings, configure
from tests.factories import SCRIPT_END, TenantCtx, assert_error, make_key, make_tenant

FAST = {
    "sim_ring_seconds": 0.05,
    "sim_answer_seconds": 0.05,
    "sim_turn_seconds": 0.02,
    "sim_no_answer_seconds": 0.1,
}
EXAMPLE = {
    "to": "+212612345678",
    "agentId": "agent_support_fr",
    "metadata": {"customerId": "cust_123", "orderId": "ord_456"},
}


@pytest.fixture(autouse=True)
def fast_carrier(settings: Settings) -> None:
    configure(settings.with_overrides(**FAST))


@pytest.fixture
async def pro(client: httpx.AsyncClient) -> tuple[TenantCtx, dict[str, str]]:
    t = await make_tenant(plan="pro")
    headers = {"Authorization": f"Bearer {await make_key(t)}"}
    r = await client.post(
        "/v1/agents", json={"id": "agent_support_fr", "name": "Support FR"}, headers=headers
    )
    assert r.status_code == 201, r.text
    return t, headers


async def wait_final(
    client: httpx.AsyncClient, call_id: str, headers: dict[str, str], timeout: float = 10
) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            body = (await client.get(f"/v1/calls/{call_id}", headers=headers)).json()
            if body["status"] in ("completed", "failed"):
                return body
            await asyncio.sleep(0.02)


async def test_reference_example_runs_through_every_status(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]
) -> None:
    _, headers = pro
    r = await client.post("/v1/calls", json=EXAMPLE, headers=headers)
    assert r.status_code == 201
    created = r.json()
    assert created["id"].startswith("call_")
    assert created["status"] == "initiating"
    assert created["to"] == "+212612345678"
    assert created["agentId"] == "agent_support_fr"
    assert created["metadata"] == {"customerId": "cust_123", "orderId": "ord_456"}
    assert created["createdAt"].endswith("Z")
    done = await wait_final(client, created["id"], headers)
    assert done["status"] == "completed"
    # The scripted caller's goodbye ends the call from either side: the agent's end_call when
    # Whisper recognises it, else the caller hanging up after the agent's answer.
    assert done["endedReason"] in SCRIPT_END
    for field in (
        "id",
        "status",
        "duration",
        "to",
        "from",
        "transcript",
        "sentiment",
        "cost",
        "createdAt",
        "endedAt",
        "answeredAt",
        "summary",
        "leadScore",
    ):
        assert field in done
    assert done["transcript"][0]["role"] == "agent"
    assert [line["role"] for line in done["transcript"][1:3]] == ["user", "agent"]
    assert done["sentiment"] in ("positive", "neutral", "negative")
    assert isinstance(done["duration"], int)
    statuses = [
        s.status for s in await CallTransition.filter(call_id=created["id"]).order_by("at", "id")
    ]
    assert statuses == ["initiating", "ringing", "in-progress", "completed"]
    types = [
        e.type
        for e in await WebhookEvent.filter(call_id=created["id"]).order_by("created_at", "id")
    ]
    assert types == ["call.initiated", "call.ringing", "call.answered", "call.completed"]


@pytest.mark.parametrize(
    ("_case", "to", "reason"),
    [
        ("busy", "+212612340001", "busy"),
        ("no answer", "+212612340002", "no-answer"),
        ("failed", "+212612340003", "carrier-error"),
    ],
)
async def test_special_numbers_fail_with_their_reason(
    client: httpx.AsyncClient,
    pro: tuple[TenantCtx, dict[str, str]],
    _case: str,
    to: str,
    reason: str,
) -> None:
    _, headers = pro
    r = await client.post("/v1/calls", json={**EXAMPLE, "to": to}, headers=headers)
    done = await wait_final(client, r.json()["id"], headers)
    assert (done["status"], done["endedReason"], done["duration"]) == ("failed", reason, 0)
    types = [
        e.type for e in await WebhookEvent.filter(call_id=done["id"]).order_by("created_at", "id")
    ]
    assert types[-1] == "call.failed"
    assert "call.answered" not in types


async def _in_progress(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    script = {"simulate": {"script": ["Bonjour."] * 40}}
    configure_slow_turns()
    r = await client.post("/v1/calls", json={**EXAMPLE, "metadata": script}, headers=headers)
    call_id = r.json()["id"]
    async with asyncio.timeout(10):
        while (await client.get(f"/v1/calls/{call_id}", headers=headers)).json()[
            "status"
        ] != "in-progress":
            await asyncio.sleep(0.02)
    return call_id


def configure_slow_turns() -> None:
    from resolvers.settings import get_settings

    configure(get_settings().with_overrides(sim_turn_seconds=0.5))


async def test_transfer_in_progress_then_409_once_ended(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]
) -> None:
    _, headers = pro
    call_id = await _in_progress(client, headers)
    r = await client.post(
        f"/v1/calls/{call_id}/transfer",
        json={"to": "+212520999888", "message": "Je vous transfère vers un conseiller."},
        headers=headers,
    )
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["endedReason"]) == ("completed", "transferred")
    types = [
        e.type for e in await WebhookEvent.filter(call_id=call_id).order_by("created_at", "id")
    ]
    assert types[-2:] == ["call.transferred", "call.completed"]
    again = await client.post(
        f"/v1/calls/{call_id}/transfer", json={"to": "+212520999888"}, headers=headers
    )
    assert_error(
        again,
        409,
        "conflict",
        message="only an in-progress call can be transferred; this one is completed",
    )
    await asyncio.sleep(0.1)
    assert (await Call.get(id=call_id)).transcript == r.json()[
        "transcript"
    ]  # the AI leg stopped talking


async def test_hangup(client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]) -> None:
    _, headers = pro
    call_id = await _in_progress(client, headers)
    r = await client.post(f"/v1/calls/{call_id}/hangup", headers=headers)
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["endedReason"]) == ("completed", "agent-hangup")
    assert_error(
        await client.post(f"/v1/calls/{call_id}/hangup", headers=headers),
        409,
        "conflict",
        message="the call already ended (completed)",
    )


async def test_list_filters_and_pagination(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]
) -> None:
    _, headers = pro
    ids = [
        (
            await client.post("/v1/calls", json={**EXAMPLE, "to": "+212612340003"}, headers=headers)
        ).json()["id"]
        for _ in range(3)
    ]
    for call_id in ids:
        await wait_final(client, call_id, headers)
    page = (await client.get("/v1/calls", params={"limit": 2}, headers=headers)).json()
    assert (page["total"], page["limit"], page["offset"], len(page["data"])) == (3, 2, 0, 2)
    assert [c["id"] for c in page["data"]] == ids[::-1][:2]
    rest = (await client.get("/v1/calls", params={"limit": 2, "offset": 2}, headers=headers)).json()
    assert [c["id"] for c in rest["data"]] == [ids[0]]
    assert (await client.get("/v1/calls", params={"status": "completed"}, headers=headers)).json()[
        "total"
    ] == 0
    assert (
        await client.get(
            "/v1/calls", params={"status": "failed", "from": "2026-01-01"}, headers=headers
        )
    ).json()["total"] == 3
    assert (await client.get("/v1/calls", params={"to": "2000-01-01"}, headers=headers)).json()[
        "total"
    ] == 0
    assert_error(
        await client.get("/v1/calls", params={"limit": 101}, headers=headers),
        400,
        "invalid_request",
        param="limit",
    )
    assert_error(
        await client.get("/v1/calls", params={"limit": "x"}, headers=headers),
        400,
        "invalid_request",
        param="limit",
    )
    assert_error(
        await client.get("/v1/calls", params={"status": "ended"}, headers=headers),
        400,
        "invalid_request",
        param="status",
    )
    assert_error(
        await client.get("/v1/calls", params={"from": "yesterday"}, headers=headers),
        400,
        "invalid_request",
        param="from",
    )


@pytest.mark.parametrize(
    ("_case", "body", "status", "code", "param"),
    [
        ("not e164", {**EXAMPLE, "to": "0612345678"}, 400, "invalid_phone_number", "to"),
        ("invalid number", {**EXAMPLE, "to": "+2120000"}, 400, "invalid_phone_number", "to"),
        ("missing to", {"agentId": "agent_support_fr"}, 400, "invalid_phone_number", "to"),
        ("missing agent", {"to": "+212612345678"}, 400, "invalid_request", "agentId"),
        (
            "unknown agent",
            {**EXAMPLE, "agentId": "agent_nope"},
            400,
            "agent_not_configured",
            "agentId",
        ),
        ("metadata not object", {**EXAMPLE, "metadata": [1]}, 400, "invalid_request", "metadata"),
        (
            "oversized metadata",
            {**EXAMPLE, "metadata": {"blob": "x" * 17000}},
            400,
            "invalid_request",
            "metadata",
        ),
        ("from not ours", {**EXAMPLE, "from": "+212520123456"}, 400, "invalid_request", "from"),
    ],
)
async def test_bad_input(
    client: httpx.AsyncClient,
    pro: tuple[TenantCtx, dict[str, str]],
    _case: str,
    body: dict[str, Any],
    status: int,
    code: str,
    param: str,
) -> None:
    _, headers = pro
    assert_error(
        await client.post("/v1/calls", json=body, headers=headers), status, code, param=param
    )
    assert await Call.all().count() == 0


async def test_disabled_agent_is_not_configured(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]
) -> None:
    _, headers = pro
    assert (
        await client.patch("/v1/agents/agent_support_fr", json={"enabled": False}, headers=headers)
    ).status_code == 200
    assert_error(
        await client.post("/v1/calls", json=EXAMPLE, headers=headers),
        400,
        "agent_not_configured",
        param="agentId",
    )


async def test_credentials(
    client: httpx.AsyncClient, pro: tuple[TenantCtx, dict[str, str]]
) -> None:
    t, headers = pro
    publishable = await make_key(t, kind="publishable")
    assert_error(
        await client.post(
            "/v1/calls", json=EXAMPLE, headers={"Authorization": f"Bearer {publishable}"}
        ),
        403,
        "insufficient_permissions",
    )
    assert_error(
        await client.post("/v1/calls", json=EXAMPLE, headers=t.headers),
        403,
        "insufficient_permissions",
    )
    assert_error(await client.post("/v1/calls", json=EXAMPLE), 401, "invalid_api_key")
    vk = await client.post(
        "/v1/calls", json=EXAMPLE, headers={"Authorization": f"Bearer {t.api_key}"}
    )
    assert vk.status_code == 201
    other = await make_tenant(plan="pro")
    other_headers = {"Authorization": f"Bearer {await make_key(other)}"}
    assert_error(
        await client.get(f"/v1/calls/{vk.json()['id']}", headers=other_headers),
        404,
        "resource_not_found",
        param="id",
    )
    assert_error(
        await client.get("/v1/calls/call_unknown", headers=headers),
        404,
        "resource_not_found",
        param="id",
    )


async def test_concurrency_limit_is_exact(client: httpx.AsyncClient) -> None:
    t = await make_tenant(plan="starter")  # 5 simultaneous calls
    headers = {"Authorization": f"Bearer {await make_key(t)}"}
    await client.post(
        "/v1/agents", json={"id": "agent_support_fr", "name": "Support"}, headers=headers
    )
    configure_slow_turns()
    script = {"simulate": {"script": ["Bonjour."] * 20}}
    responses = await asyncio.gather(
        *(
            client.post("/v1/calls", json={**EXAMPLE, "metadata": script}, headers=headers)
            for _ in range(12)
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * 5 + [429] * 7
    for r in responses:
        if r.status_code == 429:
            assert_error(
                r,
                429,
                "concurrency_limit_exceeded",
                message="the starter plan allows 5 simultaneous calls",
            )
    assert await concurrency.get_slots().in_use(t.id) == 5
    for r in responses:
        if r.status_code == 201:
            await client.post(f"/v1/calls/{r.json()['id']}/hangup", headers=headers)
    assert await concurrency.get_slots().in_use(t.id) == 0
    assert (await client.post("/v1/calls", json=EXAMPLE, headers=headers)).status_code == 201


async def test_monthly_quota_and_prepaid_credits(client: httpx.AsyncClient) -> None:
    t = await make_tenant(plan="starter")  # 100 calls a month
    headers = {"Authorization": f"Bearer {await make_key(t)}"}
    await client.post(
        "/v1/agents", json={"id": "agent_support_fr", "name": "Support"}, headers=headers
    )
    from resolvers import usage

    await usage.increment(t.id, "calls", 99)
    first = await client.post("/v1/calls", json={**EXAMPLE, "to": "+212612340003"}, headers=headers)
    assert first.status_code == 201
    assert_error(
        await client.post("/v1/calls", json=EXAMPLE, headers=headers), 402, "quota_exceeded"
    )
    test_key = await make_key(t, mode="test")  # sandbox calls are not metered
    assert (
        await client.post(
            "/v1/calls",
            json={**EXAMPLE, "to": "+212612340003"},
            headers={"Authorization": f"Bearer {test_key}"},
        )
    ).status_code == 201
    await Tenant.filter(id=t.id).update(prepaid=True, credit_balance=0)
    await usage.increment(t.id, "calls", -100)
    assert_error(
        await client.post("/v1/calls", json=EXAMPLE, headers=headers), 402, "insufficient_credits"
    )


async def test_monthly_quota_is_exact_under_concurrency(client: httpx.AsyncClient) -> None:
    from resolvers import usage

    t = await make_tenant(plan="starter")
    granted = await asyncio.gather(*(usage.try_consume(t.id, "calls", 7) for _ in range(20)))
    assert granted.count(True) == 7
    assert (await usage.used(t.id))["calls"] == 7
