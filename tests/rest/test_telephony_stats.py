"""GET /api/telephony/stats and /api/telephony/cdrs: phone calls of a period by status, agent
and day, with answer rate, durations, cost and voice latency; CDRs paginated and as CSV; one
tenant's figures never include another's."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from models.base import new_id
from models.call import Call
from resolvers import demo
from resolvers.security import issue_access_token
from tests.factories import PASSWORD, TenantCtx, assert_error, make_tenant, make_user
from tests.graphql import bearer

STATS, CDRS = "/api/telephony/stats", "/api/telephony/cdrs"
DAY = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


async def _call(
    t: TenantCtx,
    *,
    agent: str = "agent_a",
    status: str = "completed",
    reason: str | None = "customer-hangup",
    duration: int = 0,
    answered: bool = True,
    at: datetime = DAY,
    latency: dict[str, Any] | None = None,
    direction: str = "outbound",
) -> Call:
    return await Call.create(
        id=new_id("call"),
        tenant_id=t.id,
        agent_id=agent,
        direction=direction,
        to_number="+212612345678",
        from_number="+212520123456",
        status=status,
        ended_reason=reason,
        created_at=at,
        answered_at=at + timedelta(seconds=5) if answered else None,
        ended_at=at + timedelta(seconds=5 + duration),
        duration=duration,
        cost=Decimal(duration) * Decimal("0.001"),
        latency=latency or {},
        language="fr",
        carrier="simulated",
        mode="live",
    )


async def _shop() -> TenantCtx:
    t = await make_tenant(plan="pro")
    await _call(t, duration=120, latency={"p50Ms": 600, "p95Ms": 900})
    await _call(t, duration=60, latency={"p50Ms": 700, "p95Ms": 1000}, at=DAY + timedelta(days=1))
    await _call(t, agent="agent_b", duration=30, latency={"p50Ms": 500, "p95Ms": 800})
    await _call(t, agent="agent_b", status="failed", reason="no-answer", answered=False)
    await _call(t, status="failed", reason="busy", answered=False, at=DAY + timedelta(days=1))
    # Not counted: a web session, and a call outside the period.
    await _call(t, direction="web", duration=500)
    await _call(t, duration=999, at=DAY - timedelta(days=30))
    return t


PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}


async def test_stats_of_a_period_by_status_agent_and_day(client: httpx.AsyncClient) -> None:
    t = await _shop()
    other = await make_tenant(plan="pro")
    await _call(other, duration=10_000)
    r = await client.get(STATS, params=PERIOD, headers=t.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["tenantId"], body["from"], body["to"]) == (
        t.id,
        "2026-11-01T00:00:00Z",
        "2026-12-01T00:00:00Z",
    )
    assert (body["calls"], body["answered"], body["answerRate"]) == (5, 3, 0.6)
    assert (body["totalDuration"], body["avgDuration"]) == (210, 70.0)
    assert body["cost"] == 0.21
    assert body["byStatus"] == {"completed": 3, "failed": 2}
    assert body["byEndedReason"] == {"busy": 1, "customer-hangup": 3, "no-answer": 1}
    assert body["latency"] == {"p50Ms": 600.0, "p95Ms": 990.0, "calls": 3}
    a, b = body["byAgent"]
    assert (a["agentId"], a["calls"], a["answered"], a["totalDuration"]) == ("agent_a", 3, 2, 180)
    assert (b["agentId"], b["calls"], b["answerRate"]) == ("agent_b", 2, 0.5)
    assert [(d["date"], d["calls"]) for d in body["byDay"]] == [
        ("2026-11-10", 3),
        ("2026-11-11", 2),
    ]
    one = (
        await client.get(STATS, params={**PERIOD, "agentId": "agent_b"}, headers=t.headers)
    ).json()
    assert (one["calls"], one["totalDuration"]) == (2, 30)
    # An empty period has no rates, not a division by zero.
    empty = (
        await client.get(
            STATS, params={"from": "2025-01-01", "to": "2025-01-31"}, headers=t.headers
        )
    ).json()
    assert (empty["calls"], empty["answerRate"], empty["avgDuration"]) == (0, None, None)


async def test_a_superadmin_sees_one_tenant_or_all(client: httpx.AsyncClient) -> None:
    a, b = await _shop(), await _shop()
    root = await demo.create_superadmin("root@platform.example", PASSWORD, "Root")
    token, _ = issue_access_token(root.id, None, "superadmin")
    every = (await client.get(STATS, params=PERIOD, headers=bearer(token))).json()
    assert (every["tenantId"], every["calls"]) == (None, 10)
    one = await client.get(STATS, params={**PERIOD, "tenantId": b.id}, headers=bearer(token))
    assert one.json()["calls"] == 5
    # A tenant's user naming another tenant: not found, as any other tenant-scoped read.
    assert_error(
        await client.get(STATS, params={"tenantId": b.id}, headers=a.headers),
        404,
        "resource_not_found",
    )


async def test_cdrs_page_and_csv(client: httpx.AsyncClient) -> None:
    t = await _shop()
    page = (await client.get(CDRS, params={**PERIOD, "limit": 2}, headers=t.headers)).json()
    assert (page["total"], page["limit"], len(page["data"])) == (5, 2, 2)
    newest = page["data"][0]
    assert newest["created_at"].startswith("2026-11-11")
    assert set(newest) == {
        "id", "tenant_id", "direction", "from", "to", "agent_id", "language", "status",
        "ended_reason", "created_at", "answered_at", "ended_at", "duration", "cost",
    }  # fmt: skip
    rest = (await client.get(CDRS, params={**PERIOD, "offset": 2}, headers=t.headers)).json()
    ids = [c["id"] for c in page["data"] + rest["data"]]
    assert len(set(ids)) == 5

    r = await client.get(CDRS, params={**PERIOD, "format": "csv"}, headers=t.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert sorted(row["id"] for row in rows) == sorted(ids)
    assert {row["direction"] for row in rows} == {"outbound"}
    # The starter plan has no export.
    starter = await make_tenant(plan="starter")
    assert_error(
        await client.get(CDRS, params={"format": "csv"}, headers=starter.headers),
        403,
        "insufficient_permissions",
    )


async def test_bad_periods_and_parameters(client: httpx.AsyncClient) -> None:
    t = await make_tenant(plan="pro")
    _, member = await make_user(t, role="member")
    assert (await client.get(STATS, headers=member)).status_code == 200  # any user reads
    cases = [
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-11-10", "to": "2026-11-01"}, "to"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "to"),
        ({"period": "day"}, "period"),
    ]
    for params, param in cases:
        assert_error(
            await client.get(STATS, params=params, headers=t.headers),
            400,
            "invalid_request",
            param=param,
        )
    assert_error(
        await client.get(CDRS, params={"format": "xml"}, headers=t.headers),
        400,
        "invalid_request",
        param="format",
    )
    assert_error(
        await client.get(CDRS, params={"limit": 0}, headers=t.headers),
        400,
        "invalid_request",
        param="limit",
    )
    assert_error(await client.get(STATS), 401, "invalid_api_key")
    assert_error(
        await client.get(STATS, headers=bearer(t.api_key)), 403, "insufficient_permissions"
    )
