"""Telephony statistics and call detail records (``GET /api/telephony/stats|cdrs``).

Phone calls only (directions ``outbound`` and ``inbound``; web sessions are not telephony),
of one tenant: the caller's own, or for a platform superadmin the ``tenantId`` asked for, or
every tenant when none is. The period is ``from``/``to`` (ISO dates; default: the current
month); at most 366 days.

Voice latency: each call keeps the p50 and p95 of its own voice-to-voice turns; the period's
p50 is the median of the calls' p50s and its p95 the 95th percentile of their p95s.
"""

import csv
import io
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from models.call import Call
from models.tenant import Tenant
from resolvers import audit, validation
from resolvers.errors import invalid
from resolvers.pagination import Page, paginate
from resolvers.plans import plan_of
from resolvers.principals import Principal, forbidden, get_tenant, require_user
from resolvers.usage import current_period, period_bounds

PHONE = ("outbound", "inbound")
MAX_DAYS = 366
CDR_COLUMNS = (
    "id",
    "direction",
    "from",
    "to",
    "agent_id",
    "language",
    "status",
    "ended_reason",
    "created_at",
    "answered_at",
    "ended_at",
    "duration",
    "cost",
)
FORMATS = ("json", "csv")


@dataclass(frozen=True)
class Scope:
    tenant_id: str | None  # None: every tenant (platform superadmin)
    start: datetime
    stop: datetime


async def _scope(
    principal: Principal | None, tenant_id: str | None, date_from: object, date_to: object
) -> Scope:
    p = require_user(principal)
    if p.is_superadmin and not tenant_id:
        scoped: str | None = None
    else:
        scoped = (await get_tenant(p, tenant_id)).id
    start, stop, included = validation.date_range(date_from, date_to)
    if start is None:
        start = period_bounds(current_period())[0]
    if stop is None:
        stop = period_bounds(current_period())[1]
    elif included:
        stop += timedelta(microseconds=1)
    if stop <= start:
        raise invalid("to must come after from", param="to")
    if stop - start > timedelta(days=MAX_DAYS):
        raise invalid(f"a period covers at most {MAX_DAYS} days", param="to")
    return Scope(scoped, start, stop)


def _calls(scope: Scope, agent_id: str | None = None) -> Any:
    qs = Call.filter(direction__in=PHONE, created_at__gte=scope.start, created_at__lt=scope.stop)
    if scope.tenant_id is not None:
        qs = qs.filter(tenant_id=scope.tenant_id)
    if agent_id is not None:
        qs = qs.filter(agent_id=agent_id)
    return qs


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answered = [r for r in rows if r["answered_at"] is not None]
    total_duration = sum(int(r["duration"] or 0) for r in rows)
    p50s = [r["latency"]["p50Ms"] for r in rows if _has_latency(r, "p50Ms")]
    p95s = [r["latency"]["p95Ms"] for r in rows if _has_latency(r, "p95Ms")]
    by_status: dict[str, int] = defaultdict(int)
    by_reason: dict[str, int] = defaultdict(int)
    for r in rows:
        by_status[r["status"]] += 1
        if r["ended_reason"]:
            by_reason[r["ended_reason"]] += 1
    return {
        "calls": len(rows),
        "answered": len(answered),
        "answerRate": round(len(answered) / len(rows), 4) if rows else None,
        "totalDuration": total_duration,
        "avgDuration": round(total_duration / len(answered), 1) if answered else None,
        "cost": float(sum((Decimal(r["cost"] or 0) for r in rows), Decimal(0))),
        "byStatus": dict(sorted(by_status.items())),
        "byEndedReason": dict(sorted(by_reason.items())),
        "latency": {
            "p50Ms": round(float(np.percentile(p50s, 50)), 1) if p50s else None,
            "p95Ms": round(float(np.percentile(p95s, 95)), 1) if p95s else None,
            "calls": len(p50s),
        },
    }


def _has_latency(row: dict[str, Any], key: str) -> bool:
    latency = row["latency"]
    return isinstance(latency, dict) and isinstance(latency.get(key), int | float)


async def stats(
    principal: Principal | None,
    tenant_id: str | None = None,
    *,
    date_from: object = None,
    date_to: object = None,
    agent_id: object = None,
) -> dict[str, Any]:
    """The period's phone calls: totals, by status and ended reason, answer rate, durations,
    cost, voice latency; the same per agent and per day (UTC). Raises invalid_request,
    resource_not_found, invalid_api_key, insufficient_permissions."""
    scope = await _scope(principal, tenant_id, date_from, date_to)
    agent = validation.text(agent_id, "agentId", max_len=64) if agent_id is not None else None
    rows = await _calls(scope, agent).values(
        "agent_id",
        "status",
        "ended_reason",
        "answered_at",
        "created_at",
        "duration",
        "cost",
        "latency",
    )
    by_agent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_agent[str(row["agent_id"])].append(row)
        by_day[row["created_at"].astimezone(UTC).date().isoformat()].append(row)
    return {
        "tenantId": scope.tenant_id,
        "from": scope.start.isoformat().replace("+00:00", "Z"),
        "to": scope.stop.isoformat().replace("+00:00", "Z"),
        **_summary(rows),
        "byAgent": [{"agentId": a, **_summary(r)} for a, r in sorted(by_agent.items())],
        "byDay": [{"date": d, **_summary(r)} for d, r in sorted(by_day.items())],
    }


def cdr(call: Call) -> dict[str, Any]:
    """A call detail record: the call's identity, parties, outcome, timing and cost."""

    def iso(at: datetime | None) -> str | None:
        return at.astimezone(UTC).isoformat().replace("+00:00", "Z") if at else None

    return {
        "id": call.id,
        "tenant_id": call.tenant_id,
        "direction": call.direction,
        "from": call.from_number,
        "to": call.to_number,
        "agent_id": call.agent_id,
        "language": call.language,
        "status": call.status,
        "ended_reason": call.ended_reason,
        "created_at": iso(call.created_at),
        "answered_at": iso(call.answered_at),
        "ended_at": iso(call.ended_at),
        "duration": call.duration,
        "cost": float(call.cost or 0),
    }


async def cdrs(
    principal: Principal | None,
    tenant_id: str | None = None,
    *,
    date_from: object = None,
    date_to: object = None,
    limit: object = 20,
    offset: object = 0,
) -> Page[dict[str, Any]]:
    """The period's phone calls, newest first. Raises invalid_request, resource_not_found."""
    scope = await _scope(principal, tenant_id, date_from, date_to)
    page = await paginate(_calls(scope), limit, offset, "-created_at", "-id")
    return page.with_items([cdr(c) for c in page.items])


async def export_cdrs(
    principal: Principal | None,
    tenant_id: str | None = None,
    *,
    date_from: object = None,
    date_to: object = None,
    ip: str | None = None,
) -> AsyncIterator[str]:
    """Every CDR of the period as CSV, streamed (the plan's ``export`` feature; audit-logged).
    Raises insufficient_permissions, invalid_request, resource_not_found."""
    scope = await _scope(principal, tenant_id, date_from, date_to)
    p = require_user(principal)
    if scope.tenant_id is not None:
        tenant = await Tenant.get(id=scope.tenant_id)
        if "export" not in plan_of(tenant.plan).features and not p.is_superadmin:
            raise forbidden(f"the {tenant.plan} plan has no export: upgrade to Pro")
        await audit.record(
            tenant.id,
            "cdrs.exported",
            principal=p,
            ip=ip,
            data={"from": scope.start.isoformat(), "to": scope.stop.isoformat()},
        )
    return _csv(scope)


async def _csv(scope: Scope) -> AsyncIterator[str]:
    columns = CDR_COLUMNS if scope.tenant_id is not None else ("tenant_id", *CDR_COLUMNS)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    yield buffer.getvalue()
    last: tuple[datetime, str] | None = None
    while True:  # keyset pages: a long export never holds one huge query open
        qs = _calls(scope).order_by("-created_at", "-id")
        if last is not None:
            qs = qs.filter(created_at__lte=last[0]).exclude(created_at=last[0], id__gte=last[1])
        batch = await qs.limit(500)
        if not batch:
            return
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
        for call in batch:
            writer.writerow(cdr(call))
        yield buffer.getvalue()
        last = (batch[-1].created_at, batch[-1].id)
