"""Metered usage for the current billing period, and the usage report of a tenant."""

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from models.base import new_id
from models.call import Call
from models.knowledge import KnowledgeDocument
from models.usage import QuotaAlert, UsageCounter
from resolvers import outbox
from resolvers.plans import plan_of
from resolvers.principals import Principal, get_tenant, require_secret

METRICS = ("calls", "sessions", "kb")
# quota.warning goes out when a quota reaches these percentages of its limit.
THRESHOLDS = (80, 100)
# Alerts this process knows were sent (by it or another): no query for them again.
_alerted: set[tuple[str, str, str, int]] = set()


def current_period(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m")


def period_bounds(period: str) -> tuple[datetime, datetime]:
    year, month = (int(x) for x in period.split("-"))
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return start, end


async def increment(
    tenant_id: str, metric: str, amount: int = 1, *, period: str | None = None
) -> None:
    """Add to a counter; a conditional update first, so concurrent writers never lose a count."""
    period = period or current_period()
    updated = await UsageCounter.filter(tenant_id=tenant_id, period=period, metric=metric).update(
        value=F("value") + amount
    )
    if updated == 0:
        _, created = await UsageCounter.get_or_create(
            tenant_id=tenant_id, period=period, metric=metric, defaults={"value": amount}
        )
        if not created:
            await UsageCounter.filter(tenant_id=tenant_id, period=period, metric=metric).update(
                value=F("value") + amount
            )


async def used(tenant_id: str, period: str | None = None) -> dict[str, int]:
    rows = await UsageCounter.filter(
        tenant_id=tenant_id, period=period or current_period()
    ).values_list("metric", "value")
    values = dict.fromkeys(METRICS, 0)
    for metric, value in rows:
        values[str(metric)] = int(value)
    return values


@dataclass(frozen=True)
class Quota:
    used: int
    limit: int

    @property
    def pct(self) -> int:
        return int(self.used * 100 / self.limit + 0.5) if self.limit else 100


@dataclass(frozen=True)
class UsageReport:
    tenant_id: str
    plan: str
    period_start: datetime
    period_end: datetime
    quotas: dict[str, Quota]
    features_enabled: tuple[str, ...]
    # Connected seconds of the period's ended live calls (phone and web): what Stripe's
    # call-seconds meter is sent (resolvers.metering), to the second.
    call_seconds: int = 0


async def usage_report(principal: Principal | None, tenant_id: str | None = None) -> UsageReport:
    """Raises resource_not_found (unknown or another tenant), invalid_api_key, insufficient_permissions."""
    p = require_secret(principal)
    tenant = await get_tenant(p, tenant_id)
    plan = plan_of(tenant.plan)
    period = current_period()
    start, end = period_bounds(period)
    values = await used(tenant.id, period)
    # Knowledge-base entries are a standing count, not a monthly counter.
    values["kb"] = await KnowledgeDocument.filter(tenant_id=tenant.id).count()
    limits = {
        "calls": plan.calls_per_month,
        "sessions": plan.sessions_per_month,
        "kb": plan.kb_entries,
    }
    return UsageReport(
        tenant_id=tenant.id,
        plan=plan.name,
        period_start=start,
        period_end=end,
        quotas={m: Quota(used=values[m], limit=limits[m]) for m in METRICS},
        features_enabled=plan.features,
        call_seconds=await _call_seconds(tenant.id, start, end),
    )


async def _call_seconds(tenant_id: str, start: datetime, end: datetime) -> int:
    [row] = (
        await Call.filter(tenant_id=tenant_id, mode="live", ended_at__gte=start, ended_at__lt=end)
        .annotate(seconds=Sum("duration"))
        .values("seconds")
    )
    return int(row["seconds"] or 0)


async def try_consume(
    tenant_id: str, metric: str, limit: int, *, period: str | None = None
) -> bool:
    """Count one unit unless the period's limit is reached: one conditional UPDATE, so
    concurrent callers (and processes) can never overshoot. A unit that brings the quota to
    80 % or 100 % sends quota.warning."""
    period = period or current_period()
    if await _consume(tenant_id, metric, limit, period):
        values = await UsageCounter.filter(
            tenant_id=tenant_id, period=period, metric=metric
        ).values_list("value", flat=True)
        used = int(str(values[0])) if values else 1
        await warn(tenant_id, metric, used, limit, period=period)
        return True
    return False


async def _consume(tenant_id: str, metric: str, limit: int, period: str) -> bool:
    base = UsageCounter.filter(tenant_id=tenant_id, period=period, metric=metric)
    if await base.filter(value__lt=limit).update(value=F("value") + 1):
        return True
    if limit < 1:
        return False
    if not await base.exists():
        try:
            _, created = await UsageCounter.get_or_create(
                tenant_id=tenant_id, period=period, metric=metric, defaults={"value": 1}
            )
        except IntegrityError:
            created = False  # another request created the row first: count on it below
        if created:
            return True
    # The row exists (perhaps created concurrently a moment ago): try the bounded update again.
    return bool(await base.filter(value__lt=limit).update(value=F("value") + 1))


async def warn(
    tenant_id: str, metric: str, used: int, limit: int, *, period: str | None = None
) -> list[int]:
    """Send quota.warning for each threshold (80, 100 %) that ``used`` of ``limit`` reaches, at
    most once per tenant, period, quota and threshold, even across processes: the alert row
    and its event are written together, and the row is unique. Returns the thresholds sent.
    Inside a caller's transaction the event commits (or not) with the caller's change."""
    period = period or current_period()
    sent = []
    for threshold in THRESHOLDS:
        key = (tenant_id, period, metric, threshold)
        if limit <= 0 or used * 100 < threshold * limit or key in _alerted:
            continue
        token = new_id("qa")
        async with in_transaction():
            # Insert-or-nothing, then read back: the row's token says who inserted it.
            await QuotaAlert.bulk_create(
                [
                    QuotaAlert(
                        tenant_id=tenant_id,
                        period=period,
                        metric=metric,
                        threshold=threshold,
                        token=token,
                    )
                ],
                ignore_conflicts=True,
            )
            row = await QuotaAlert.get(
                tenant_id=tenant_id, period=period, metric=metric, threshold=threshold
            )
            if row.token == token:
                await outbox.enqueue(
                    tenant_id,
                    "quota.warning",
                    {
                        "metric": metric,
                        "threshold": threshold,
                        "used": used,
                        "limit": limit,
                        "period": period,
                    },
                )
                sent.append(threshold)
        _alerted.add(key)
    if sent:
        outbox.wake()
    return sent
