"""The platform's health in detail (``GET /api/admin/health``): each dependency with its
latency, the queues with their backlog and oldest entry, the processes and the voice engine.

A platform superadmin sees it all. A tenant's owner or admin sees the tenant's own part (its
webhook backlog, its calls in progress, its usage waiting for Stripe) and whether the platform
is up, nothing of other tenants. ``GET /api/health`` stays public and minimal.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis

from models.base import new_id
from models.billing import MeterEvent, StripeEvent
from models.call import Call
from models.webhook import WebhookDelivery
from resolvers import db, events, instance, metering, services
from resolvers.calls import ACTIVE
from resolvers.principals import Principal, forbidden, get_tenant, require_user
from resolvers.settings import get_settings

TIMEOUT = 2.0  # seconds a dependency gets to answer before it counts as down


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


async def _timed(check: Callable[[], Awaitable[bool]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(TIMEOUT):
            ok = await check()
    except Exception as exc:  # a down dependency is the report's content, not an error
        return {"ok": False, "latencyMs": _ms(started), "error": type(exc).__name__}
    return {"ok": bool(ok), "latencyMs": _ms(started)}


async def _redis() -> dict[str, Any]:
    url = get_settings().redis_url
    if not url:
        return {"configured": False, "ok": True}

    async def ping() -> bool:
        client = aioredis.Redis.from_url(url)
        try:
            return bool(await client.ping())
        finally:
            await client.aclose()

    return {"configured": True, **await _timed(ping)}


async def _bus() -> dict[str, Any]:
    """A message published on a channel of its own, timed until this process receives it."""
    started = time.perf_counter()
    try:
        bus = events.get_bus()
        channel = f"admin:health:{new_id('hc')}"
        async with asyncio.timeout(TIMEOUT), bus.subscribe(channel) as received:
            started = time.perf_counter()
            await bus.publish(channel, {"ping": True})
            await anext(aiter(received))
    except Exception as exc:
        return {"backend": _bus_backend(), "ok": False, "error": type(exc).__name__}
    return {"backend": _bus_backend(), "ok": True, "lagMs": _ms(started)}


def _bus_backend() -> str:
    return "redis" if get_settings().redis_url else "memory"


def _age(at: datetime | None, now: datetime) -> float | None:
    return None if at is None else round((now - at).total_seconds(), 1)


async def _outbox(tenant_id: str | None, now: datetime) -> dict[str, Any]:
    pending = WebhookDelivery.filter(status="pending")
    if tenant_id is not None:
        pending = pending.filter(tenant_id=tenant_id)
    oldest = await pending.order_by("created_at").first()
    return {
        "pending": await pending.count(),
        "due": await pending.filter(next_attempt_at__lte=now).count(),
        "oldestPendingAt": _iso(oldest.created_at) if oldest else None,
        "oldestPendingAgeSeconds": _age(oldest.created_at if oldest else None, now),
    }


async def _metering(tenant_id: str | None, now: datetime) -> dict[str, Any]:
    rows = MeterEvent.all() if tenant_id is None else MeterEvent.filter(tenant_id=tenant_id)
    waiting = rows.filter(sent_at=None, attempts__lt=metering.MAX_ATTEMPTS)
    oldest = await waiting.order_by("occurred_at").first()
    return {
        "pending": await waiting.count(),
        "failed": await rows.filter(sent_at=None, attempts__gte=metering.MAX_ATTEMPTS).count(),
        "oldestPendingAgeSeconds": _age(oldest.occurred_at if oldest else None, now),
    }


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def health_report(
    principal: Principal | None, tenant_id: str | None = None
) -> dict[str, Any]:
    """Raises invalid_api_key (no user), insufficient_permissions (a member, or another
    tenant's id for a non-superadmin: resource_not_found then)."""
    p = require_user(principal)
    settings = get_settings()
    now = datetime.now(UTC)
    database = await _timed(db.ping)
    if not p.is_superadmin or tenant_id:
        if p.role not in ("owner", "admin") and not p.is_superadmin:
            raise forbidden("the health report is for owners, admins and platform superadmins")
        tenant = await get_tenant(p, tenant_id)
        in_progress = await Call.filter(tenant_id=tenant.id, status__in=ACTIVE).count()
        return {
            "status": "ok" if database["ok"] else "degraded",
            "scope": "tenant",
            "tenantId": tenant.id,
            "outbox": await _outbox(tenant.id, now),
            "metering": await _metering(tenant.id, now),
            "calls": {"active": in_progress},
        }
    redis, bus = await asyncio.gather(_redis(), _bus())
    alive = await instance.live_instances(settings.owner_stale_seconds)
    voice_status = services.current().voice_status
    report: dict[str, Any] = {
        "scope": "platform",
        "instance": instance.INSTANCE_ID,
        "uptimeSeconds": round(time.time() - services.current().started_at, 1),
        "database": {
            "backend": "postgres" if settings.database_url.startswith("postgres") else "sqlite",
            **database,
        },
        "redis": redis,
        "bus": bus,
        "outbox": await _outbox(None, now),
        "stripe": {
            "configured": settings.billing_configured,
            "eventsPending": await StripeEvent.filter(processed_at=None).count(),
            "metering": await _metering(None, now),
        },
        "processes": {"alive": len(alive)},
        "calls": {"active": await Call.filter(status__in=ACTIVE).count()},
        "voice": voice_status() if voice_status is not None else None,
    }
    healthy = database["ok"] and redis["ok"] and bus["ok"]
    return {"status": "ok" if healthy else "degraded", **report}
