"""Metered usage for the current billing period, and the usage report of a tenant."""

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from models.knowledge import KnowledgeDocument
from models.usage import UsageCounter
from resolvers.plans import plan_of
from resolvers.principals import Principal, get_tenant, require_secret

METRICS = ("calls", "sessions", "kb")


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
    )


async def try_consume(
    tenant_id: str, metric: str, limit: int, *, period: str | None = None
) -> bool:
    """Count one unit unless the period's limit is reached: one conditional UPDATE, so
    concurrent callers (and processes) can never overshoot."""
    period = period or current_period()
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
