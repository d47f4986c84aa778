"""/api/tenants/:id/webhooks: endpoints, the delivery log with every attempt, and replay."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from models.tenant import WebhookEndpoint
from resolvers import webhooks
from resolvers.webhooks import DELIVERY_STATUSES, EVENT_TYPES
from rest_compat.http import (
    dashboard_principal,
    iso,
    json_body,
    json_response,
    only_query,
    page_json,
    page_query,
    path_tenant,
)
from rest_compat.schemas import (
    BOOL,
    DT,
    INT,
    LIMIT,
    NDT,
    NINT,
    NSTR,
    OFFSET,
    STR,
    Doc,
    DocRoute,
    array,
    component,
    enum,
    inp,
    out,
    page,
)

EVENT = enum(EVENT_TYPES)


ENDPOINT = component(
    "WebhookEndpoint",
    out(
        {
            "id": STR,
            "url": STR,
            "events": array(EVENT),
            "enabled": BOOL,
            "secret_set": BOOL,
            "secret": STR,
            "disabled_reason": NSTR,
            "created_at": DT,
        },
        # The secret is shown once: when the endpoint is created or its secret rotated.
        optional=("secret",),
    ),
)
_ENDPOINTS = out({"endpoints": array(ENDPOINT), "event_types": array(EVENT)})
GET_WEBHOOKS = Doc("Webhook endpoints (Pro and Enterprise)", {200: _ENDPOINTS})
PUT_WEBHOOKS = Doc(
    "Replace webhook endpoints",
    {200: _ENDPOINTS},
    errors=(400,),
    body=inp(
        {
            "endpoints": array(
                inp(
                    {
                        "id": STR,
                        "url": STR,
                        "events": array(EVENT),
                        "enabled": BOOL,
                        "rotate_secret": BOOL,
                    },
                    ("url",),
                )
            )
        },
        ("endpoints",),
    ),
)


def endpoint_json(endpoint: WebhookEndpoint, secret: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "enabled": endpoint.enabled,
        "secret_set": True,
        "disabled_reason": endpoint.disabled_reason,
        "created_at": iso(endpoint.created_at),
    }
    if secret is not None:
        out["secret"] = secret
    return out


async def webhook_endpoints(request: Request) -> Response:
    principal = dashboard_principal(request)
    if request.method == "GET":
        rows = await webhooks.list_endpoints(principal, path_tenant(request))
        data = [endpoint_json(e) for e in rows]
    else:
        body = await json_body(request)
        results = await webhooks.set_endpoints(
            principal, body.get("endpoints"), path_tenant(request)
        )
        data = [endpoint_json(r.endpoint, r.secret) for r in results]
    return json_response({"endpoints": data, "event_types": list(webhooks.EVENT_TYPES)})


DELIVERY = component(
    "WebhookDelivery",
    out(
        {
            "id": STR,
            "endpoint_id": NSTR,
            "url": STR,
            "status": enum(DELIVERY_STATUSES),
            "event": out({"id": STR, "type": EVENT, "created_at": DT}),
            "attempt_count": INT,
            "next_attempt_at": NDT,
            "created_at": DT,
            "completed_at": NDT,
            "attempts": array(
                out({"at": DT, "status_code": NINT, "error": NSTR, "duration_ms": INT})
            ),
        }
    ),
)


def delivery_json(record: webhooks.DeliveryRecord) -> dict[str, Any]:
    d, event = record.delivery, record.event
    return {
        "id": d.id,
        "endpoint_id": d.endpoint_id,
        "url": d.url,
        "status": d.status,
        "event": {"id": event.id, "type": event.type, "created_at": iso(event.created_at)},
        "attempt_count": d.attempts,
        "next_attempt_at": iso(d.next_attempt_at),
        "created_at": iso(d.created_at),
        "completed_at": iso(d.completed_at),
        "attempts": [
            {
                "at": iso(a.at),
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in record.attempts
        ],
    }


DELIVERY_QUERY = ("limit", "offset", "status", "event_type")


DELIVERIES = Doc(
    "Webhook deliveries, newest first, with every attempt (owner or admin)",
    {200: page(DELIVERY)},
    errors=(400,),
    query={
        "limit": LIMIT,
        "offset": OFFSET,
        "status": enum(DELIVERY_STATUSES),
        "event_type": EVENT,
    },
)


async def webhook_deliveries(request: Request) -> Response:
    principal = dashboard_principal(request)
    only_query(request, DELIVERY_QUERY)
    page = await webhooks.list_deliveries(
        principal,
        path_tenant(request),
        **page_query(request),
        status=request.query_params.get("status"),
        event_type=request.query_params.get("event_type"),
    )
    return json_response(page_json(page, delivery_json))


REPLAY = Doc(
    "Send a delivery's event again (same event id) as a new delivery",
    {201: DELIVERY},
    errors=(400, 409),
)


async def replay_webhook_delivery(request: Request) -> Response:
    record = await webhooks.replay_delivery(
        dashboard_principal(request),
        str(request.path_params["delivery_id"]),
        tenant_id=path_tenant(request),
    )
    return json_response(delivery_json(record), 201)


T = "/tenants/{tenant_id}"
routes: list[BaseRoute] = [
    DocRoute(f"{T}/webhooks", webhook_endpoints, get=GET_WEBHOOKS, put=PUT_WEBHOOKS),
    DocRoute(f"{T}/webhooks/deliveries", webhook_deliveries, get=DELIVERIES),
    DocRoute(
        f"{T}/webhooks/deliveries/{{delivery_id}}/replay", replay_webhook_delivery, post=REPLAY
    ),
]
