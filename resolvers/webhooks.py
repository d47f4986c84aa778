"""Webhook endpoints of a tenant (Pro and Enterprise): where signed events are sent."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from models.base import new_id
from models.call import Call
from models.tenant import Tenant, WebhookEndpoint
from models.webhook import WebhookAttempt, WebhookDelivery, WebhookEvent
from resolvers import audit, outbox, validation
from resolvers.errors import conflict, invalid, not_found
from resolvers.pagination import Page, paginate
from resolvers.plans import plan_of
from resolvers.principals import Principal, forbidden, get_owned, get_tenant, require_manager
from resolvers.security import new_webhook_secret
from resolvers.urls import check_outbound_url

EVENT_TYPES = (
    "call.initiated",
    "call.ringing",
    "call.answered",
    "call.completed",
    "call.failed",
    "call.transferred",
    "lead.qualified",
    "booking.created",
    # The ninth, beyond the reference's eight: a monthly quota reached 80 % or 100 % of its
    # limit, or the subscription's payment failed (and, after the grace period, the downgrade).
    "quota.warning",
)
MAX_ENDPOINTS = 10
SECRET_OVERLAP = timedelta(hours=24)


@dataclass(frozen=True)
class EndpointResult:
    endpoint: WebhookEndpoint
    secret: str | None  # set only when created or rotated: shown once


def _require_webhooks_feature(plan: str) -> None:
    if "webhooks" not in plan_of(plan).features:
        raise forbidden("webhooks need the Pro or Enterprise plan")


def parse_events(value: object, param: str) -> list[str]:
    if value is None:
        return list(EVENT_TYPES)
    if not isinstance(value, list) or not value:
        raise invalid("events must be a non-empty list of event types", param=param)
    out: list[str] = []
    for ev in value:
        if not isinstance(ev, str) or ev not in EVENT_TYPES:
            raise invalid(
                f"unknown event type {ev!r}; one of: {', '.join(EVENT_TYPES)}", param=param
            )
        if ev not in out:
            out.append(ev)
    return out


async def list_endpoints(
    principal: Principal | None, tenant_id: str | None = None
) -> list[WebhookEndpoint]:
    """Raises resource_not_found, insufficient_permissions (role or plan)."""
    p = require_manager(principal)
    tenant = await get_tenant(p, tenant_id)
    _require_webhooks_feature(tenant.plan)
    return list(await WebhookEndpoint.filter(tenant_id=tenant.id).order_by("created_at", "id"))


async def set_endpoints(
    principal: Principal | None, endpoints: object, tenant_id: str | None = None
) -> list[EndpointResult]:
    """Replace the endpoint list. An entry with an ``id`` updates that endpoint (keeping its
    secret unless ``rotate_secret``); one without creates an endpoint with a new whsec_
    secret; endpoints left out are deleted. Raises invalid_request, resource_not_found,
    insufficient_permissions."""
    p = require_manager(principal)
    tenant = await get_tenant(p, tenant_id)
    _require_webhooks_feature(tenant.plan)
    if not isinstance(endpoints, list):
        raise invalid("endpoints must be a list", param="endpoints")
    if len(endpoints) > MAX_ENDPOINTS:
        raise invalid(f"at most {MAX_ENDPOINTS} endpoints", param="endpoints")
    existing = {e.id: e for e in await WebhookEndpoint.filter(tenant_id=tenant.id)}
    parsed: list[dict[str, Any]] = []
    for i, entry in enumerate(endpoints):
        param = f"endpoints[{i}]"
        if not isinstance(entry, dict):
            raise invalid("each endpoint must be an object", param=param)
        endpoint_id = entry.get("id")
        if endpoint_id is not None and (
            not isinstance(endpoint_id, str) or endpoint_id not in existing
        ):
            raise not_found("webhook endpoint", param=f"{param}.id")
        url = await check_outbound_url(entry.get("url"), param=f"{param}.url")
        parsed.append(
            {
                "id": endpoint_id,
                "url": url,
                "events": parse_events(entry.get("events"), f"{param}.events"),
                "enabled": validation.boolean(entry.get("enabled", True), f"{param}.enabled"),
                "rotate": validation.boolean(
                    entry.get("rotate_secret", False), f"{param}.rotate_secret"
                ),
            }
        )
    now = datetime.now(UTC)
    results: list[EndpointResult] = []
    async with in_transaction():
        keep = {e["id"] for e in parsed if e["id"]}
        removed = [eid for eid in existing if eid not in keep]
        if removed:
            # Their pending deliveries stop here: once the endpoint row is gone (SET NULL) a
            # delivery would look like a call's own webhookUrl and be signed with another
            # endpoint's secret.
            await WebhookDelivery.filter(endpoint_id__in=removed, status="pending").update(
                status="failed",
                next_attempt_at=None,
                locked_until=None,
                completed_at=now,
                last_error="endpoint deleted",
            )
            await WebhookEndpoint.filter(tenant_id=tenant.id, id__in=removed).delete()
        for e in parsed:
            if e["id"] is None:
                secret = new_webhook_secret()
                row = await WebhookEndpoint.create(
                    id=new_id("whe"),
                    tenant=tenant,
                    url=e["url"],
                    events=e["events"],
                    enabled=e["enabled"],
                    secret=secret,
                )
                results.append(EndpointResult(row, secret))
                continue
            row = existing[e["id"]]
            row.url, row.events, row.enabled = e["url"], e["events"], e["enabled"]
            if e["enabled"]:
                row.disabled_reason = None
            new_secret = None
            if e["rotate"]:
                new_secret = new_webhook_secret()
                row.previous_secret = row.secret
                row.previous_secret_expires_at = now + SECRET_OVERLAP
                row.secret = new_secret
            await row.save()
            results.append(EndpointResult(row, new_secret))
        await audit.record(
            tenant.id,
            "tenant.webhooks_updated",
            principal=p,
            data={"endpoints": [r.endpoint.id for r in results], "removed": removed},
        )
    return results


# --- deliveries: the log of every attempt, and replay ----------------------------------------

DELIVERY_STATUSES = ("pending", "succeeded", "failed")


@dataclass(frozen=True)
class DeliveryRecord:
    delivery: WebhookDelivery
    event: WebhookEvent
    attempts: list[WebhookAttempt]  # oldest first


async def _records(deliveries: list[WebhookDelivery]) -> list[DeliveryRecord]:
    """The deliveries with their events and attempts: three queries whatever the page size."""
    attempts: dict[str, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    if deliveries:
        for attempt in await WebhookAttempt.filter(delivery_id__in=list(attempts)).order_by(
            "at", "id"
        ):
            attempts[attempt.delivery_id].append(attempt)
    return [DeliveryRecord(d, d.event, attempts[d.id]) for d in deliveries]


async def list_deliveries(
    principal: Principal | None,
    tenant_id: str | None = None,
    *,
    limit: object = 20,
    offset: object = 0,
    status: object = None,
    event_type: object = None,
) -> Page[DeliveryRecord]:
    """Newest first, each with its event and every attempt. Raises invalid_request,
    resource_not_found, insufficient_permissions (role or plan)."""
    p = require_manager(principal)
    tenant = await get_tenant(p, tenant_id)
    _require_webhooks_feature(tenant.plan)
    # Bounds first: a bad limit is reported before a bad filter.
    validation.page_bounds(limit, offset)
    qs = WebhookDelivery.filter(tenant_id=tenant.id)
    if status is not None:
        qs = qs.filter(status=validation.choice(status, "status", DELIVERY_STATUSES))
    if event_type is not None:
        qs = qs.filter(event__type=validation.choice(event_type, "event_type", EVENT_TYPES))
    page = await paginate(qs.select_related("event"), limit, offset, "-created_at", "-id")
    return page.with_items(await _records(page.items))


async def _call_webhook_url(event: WebhookEvent) -> str | None:
    if event.call_id is None:
        return None
    urls = await Call.filter(id=event.call_id).values_list("webhook_url", flat=True)
    return str(urls[0]) if urls and urls[0] else None


async def replay_delivery(
    principal: Principal | None, delivery_id: object, *, tenant_id: str | None = None
) -> DeliveryRecord:
    """Send a delivery's event again, to the same endpoint (or the call's own webhookUrl), as
    a new pending delivery; the event id is unchanged so receivers deduplicate. Raises
    resource_not_found, insufficient_permissions (role or plan), conflict (the endpoint is
    disabled or was deleted)."""
    p = require_manager(principal)
    tenant: Tenant | None = None
    if tenant_id is not None or not p.is_superadmin:
        tenant = await get_tenant(p, tenant_id)
    original = await get_owned(
        WebhookDelivery,
        tenant.id if tenant is not None else None,
        "webhook delivery",
        delivery_id,
        related=("event", "endpoint"),
    )
    if tenant is None:
        tenant = await Tenant.get(id=original.tenant_id)
    _require_webhooks_feature(tenant.plan)
    endpoint = original.endpoint
    if endpoint is not None:
        if not endpoint.enabled:
            raise conflict("the endpoint is disabled; enable it before replaying its deliveries")
        url = endpoint.url
    elif original.url == await _call_webhook_url(original.event):
        url = original.url
    else:
        raise conflict("the endpoint of this delivery was deleted")
    now = datetime.now(UTC)
    async with in_transaction():
        replay = await WebhookDelivery.create(
            id=new_id("dlv"),
            tenant_id=tenant.id,
            event_id=original.event_id,
            endpoint_id=endpoint.id if endpoint else None,
            url=url,
            next_attempt_at=now,
        )
        await audit.record(
            tenant.id,
            "tenant.webhook_delivery_replayed",
            principal=p,
            target=original.id,
            data={"event": original.event_id, "delivery": replay.id},
        )
    outbox.wake()
    replay.event = original.event
    return DeliveryRecord(replay, original.event, [])
