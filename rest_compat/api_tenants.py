"""/api/tenants/:id/...: usage, origins, API key, webhooks, widget, actions, GDPR erasure."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from models.credential import ApiKey
from models.tenant import TenantAction, WebhookEndpoint
from resolvers import actions, keys, origins, tenants, usage, webhooks
from resolvers.errors import invalid
from rest_compat.http import (
    client_ip,
    dashboard_principal,
    iso,
    json_body,
    json_response,
    only_query,
)


def _tid(request: Request) -> str:
    return str(request.path_params["tenant_id"])


async def get_usage(request: Request) -> Response:
    report = await usage.usage_report(dashboard_principal(request), _tid(request))
    return json_response(
        {
            "tenant_id": report.tenant_id,
            "plan": report.plan,
            "period_start": iso(report.period_start),
            "period_end": iso(report.period_end),
            "quotas": {
                name: {"used": q.used, "limit": q.limit, "pct": q.pct}
                for name, q in report.quotas.items()
            },
            "features_enabled": list(report.features_enabled),
        }
    )


async def allowed_origins(request: Request) -> Response:
    principal = dashboard_principal(request)
    if request.method == "GET":
        values = await origins.list_origins(principal, _tid(request))
    else:
        body = await json_body(request)
        values = await origins.set_origins(principal, body.get("origins"), _tid(request))
    return json_response({"origins": values})


def _key_json(key: ApiKey) -> dict[str, Any]:
    return {
        "api_key": key.masked,
        "created_at": iso(key.created_at),
        "last_used_at": iso(key.last_used_at),
    }


async def get_api_key(request: Request) -> Response:
    key = await keys.get_tenant_key(dashboard_principal(request), _tid(request))
    return json_response(_key_json(key))


async def rotate_api_key(request: Request) -> Response:
    issued = await keys.rotate_tenant_key(
        dashboard_principal(request), _tid(request), client_ip(request)
    )
    return json_response(
        {
            "success": True,
            "api_key": issued.secret,
            "masked": issued.key.masked,
            "created_at": iso(issued.key.created_at),
        }
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
        rows = await webhooks.list_endpoints(principal, _tid(request))
        data = [endpoint_json(e) for e in rows]
    else:
        body = await json_body(request)
        results = await webhooks.set_endpoints(principal, body.get("endpoints"), _tid(request))
        data = [endpoint_json(r.endpoint, r.secret) for r in results]
    return json_response({"endpoints": data, "event_types": list(webhooks.EVENT_TYPES)})


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


def _query_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise invalid(f"{name} must be an integer", param=name) from exc


DELIVERY_QUERY = ("limit", "offset", "status", "event_type")


async def webhook_deliveries(request: Request) -> Response:
    principal = dashboard_principal(request)
    only_query(request, DELIVERY_QUERY)
    page = await webhooks.list_deliveries(
        principal,
        _tid(request),
        limit=_query_int(request, "limit", 20),
        offset=_query_int(request, "offset", 0),
        status=request.query_params.get("status"),
        event_type=request.query_params.get("event_type"),
    )
    return json_response(
        {
            "data": [delivery_json(r) for r in page.items],
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
        }
    )


async def replay_webhook_delivery(request: Request) -> Response:
    record = await webhooks.replay_delivery(
        dashboard_principal(request),
        str(request.path_params["delivery_id"]),
        tenant_id=_tid(request),
    )
    return json_response(delivery_json(record), 201)


async def widget_config(request: Request) -> Response:
    principal = dashboard_principal(request)
    if request.method == "GET":
        config = await tenants.get_widget_config(principal, _tid(request))
    else:
        body = await json_body(request)
        config = await tenants.update_widget_config(
            principal, body.get("widget_config", body), _tid(request)
        )
    return json_response({"widget_config": config})


def action_json(action: TenantAction) -> dict[str, Any]:
    return {
        "id": action.id,
        "type": action.type,
        "event": action.event,
        "target_url": action.target_url,
        "headers": actions.masked_headers(action),
        "enabled": action.enabled,
    }


async def tenant_actions(request: Request) -> Response:
    principal = dashboard_principal(request)
    if request.method == "GET":
        rows = await actions.list_actions(principal, _tid(request))
    else:
        body = await json_body(request)
        rows = await actions.set_actions(principal, body.get("actions"), _tid(request))
    return json_response({"actions": [action_json(a) for a in rows]})


async def erase_data(request: Request) -> Response:
    principal = dashboard_principal(request)
    body = await json_body(request)
    deleted = await tenants.erase_tenant(
        principal, body.get("confirm"), _tid(request), client_ip(request)
    )
    return json_response({"success": True, "erased": True, "deleted": deleted})


routes: list[BaseRoute] = [
    Route("/tenants/{tenant_id}/usage", get_usage, methods=["GET"]),
    Route("/tenants/{tenant_id}/allowed-origins", allowed_origins, methods=["GET", "PUT"]),
    Route("/tenants/{tenant_id}/api-key", get_api_key, methods=["GET"]),
    Route("/tenants/{tenant_id}/api-key/rotate", rotate_api_key, methods=["POST"]),
    Route("/tenants/{tenant_id}/webhooks", webhook_endpoints, methods=["GET", "PUT"]),
    Route("/tenants/{tenant_id}/webhooks/deliveries", webhook_deliveries, methods=["GET"]),
    Route(
        "/tenants/{tenant_id}/webhooks/deliveries/{delivery_id}/replay",
        replay_webhook_delivery,
        methods=["POST"],
    ),
    Route("/tenants/{tenant_id}/widget-config", widget_config, methods=["GET", "PUT"]),
    Route("/tenants/{tenant_id}/actions", tenant_actions, methods=["GET", "PUT"]),
    Route("/tenants/{tenant_id}/data", erase_data, methods=["DELETE"]),
]
