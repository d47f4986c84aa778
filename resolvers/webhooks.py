"""Webhook endpoints of a tenant (Pro and Enterprise): where signed events are sent."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from models.base import new_id
from models.tenant import WebhookEndpoint
from resolvers import audit, validation
from resolvers.errors import invalid, not_found
from resolvers.plans import plan_of
from resolvers.principals import Principal, forbidden, get_tenant, require_manager
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
