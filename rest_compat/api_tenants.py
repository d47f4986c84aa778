"""/api/tenants/:id/...: usage, origins, the vk_ key, widget, actions, GDPR erasure."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from models.credential import ApiKey
from models.tenant import TenantAction
from resolvers import actions, keys, origins, tenants, usage
from resolvers.actions import ACTION_TYPES
from resolvers.plans import PLAN_NAMES
from resolvers.tenants import THEME_KEYS, WIDGET_POSITIONS
from resolvers.validation import LANGUAGES
from resolvers.webhooks import EVENT_TYPES
from rest_compat.http import (
    client_ip,
    dashboard_principal,
    iso,
    json_body,
    json_response,
    path_tenant,
)
from rest_compat.schemas import (
    BOOL,
    DT,
    INT,
    NDT,
    NSTR,
    STR,
    Doc,
    DocRoute,
    array,
    component,
    enum,
    inp,
    out,
)

EVENT = enum(EVENT_TYPES)


QUOTA = component("Quota", out({"used": INT, "limit": INT, "pct": INT}))
USAGE = Doc(
    "Plan, quotas and features",
    {
        200: out(
            {
                "tenant_id": STR,
                "plan": enum(PLAN_NAMES),
                "period_start": DT,
                "period_end": DT,
                "quotas": out({"calls": QUOTA, "sessions": QUOTA, "kb": QUOTA}),
                "features_enabled": array(STR),
                "call_seconds": INT,
            }
        )
    },
)


async def get_usage(request: Request) -> Response:
    report = await usage.usage_report(dashboard_principal(request), path_tenant(request))
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
            "call_seconds": report.call_seconds,
        }
    )


_ORIGINS = out({"origins": array(STR)})
GET_ORIGINS = Doc("Allowed browser origins", {200: _ORIGINS})
PUT_ORIGINS = Doc(
    "Replace the allowed origins",
    {200: _ORIGINS},
    errors=(400,),
    body=inp({"origins": array(STR)}, ("origins",)),
)


async def allowed_origins(request: Request) -> Response:
    principal = dashboard_principal(request)
    if request.method == "GET":
        values = await origins.list_origins(principal, path_tenant(request))
    else:
        body = await json_body(request)
        values = await origins.set_origins(principal, body.get("origins"), path_tenant(request))
    return json_response({"origins": values})


GET_API_KEY = Doc(
    "The masked vk_ key",
    {200: out({"api_key": STR, "created_at": DT, "last_used_at": NDT})},
)
ROTATE_API_KEY = Doc(
    "Rotate the vk_ key (shown once)",
    {200: out({"success": BOOL, "api_key": STR, "masked": STR, "created_at": DT})},
)


def _key_json(key: ApiKey) -> dict[str, Any]:
    return {
        "api_key": key.masked,
        "created_at": iso(key.created_at),
        "last_used_at": iso(key.last_used_at),
    }


async def get_api_key(request: Request) -> Response:
    key = await keys.get_tenant_key(dashboard_principal(request), path_tenant(request))
    return json_response(_key_json(key))


async def rotate_api_key(request: Request) -> Response:
    issued = await keys.rotate_tenant_key(
        dashboard_principal(request), path_tenant(request), client_ip(request)
    )
    return json_response(
        {
            "success": True,
            "api_key": issued.secret,
            "masked": issued.key.masked,
            "created_at": iso(issued.key.created_at),
        }
    )


_COLOUR = {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}
WIDGET = component(
    "WidgetConfig",
    out(
        {
            "position": enum(WIDGET_POSITIONS),
            "language": enum(LANGUAGES),
            "greeting": STR,
            "persona": STR,
            "agentId": NSTR,
            "theme": out(dict.fromkeys(THEME_KEYS, _COLOUR), optional=THEME_KEYS[1:]),
        }
    ),
)
GET_WIDGET = Doc("Widget configuration", {200: out({"widget_config": WIDGET})})
PUT_WIDGET = Doc(
    "Change widget settings",
    {200: out({"widget_config": WIDGET})},
    errors=(400,),
    body=inp(
        {
            "widget_config": inp(
                {
                    "position": enum(WIDGET_POSITIONS),
                    "language": enum(LANGUAGES),
                    # null clears greeting, persona and agentId.
                    "greeting": NSTR,
                    "persona": NSTR,
                    "agentId": NSTR,
                    "theme": inp(dict.fromkeys(THEME_KEYS, _COLOUR)),
                }
            )
        }
    ),
)


async def widget_config(request: Request) -> Response:
    principal = dashboard_principal(request)
    if request.method == "GET":
        config = await tenants.get_widget_config(principal, path_tenant(request))
    else:
        body = await json_body(request)
        config = await tenants.update_widget_config(
            principal, body.get("widget_config", body), path_tenant(request)
        )
    return json_response({"widget_config": config})


ACTION = component(
    "Action",
    out(
        {
            "id": STR,
            "type": enum(ACTION_TYPES),
            "event": EVENT,
            "target_url": STR,
            "headers": {"type": "object", "additionalProperties": STR},
            "enabled": BOOL,
        }
    ),
)
_ACTIONS = out({"actions": array(ACTION)})
GET_ACTIONS = Doc("Automation actions (header values masked)", {200: _ACTIONS})
PUT_ACTIONS = Doc(
    "Replace automation actions",
    {200: _ACTIONS},
    errors=(400,),
    body=inp(
        {
            "actions": array(
                inp(
                    {
                        "id": STR,
                        "type": enum(ACTION_TYPES),
                        "event": EVENT,
                        "target_url": STR,
                        "headers": {"type": "object", "additionalProperties": STR},
                        "enabled": BOOL,
                    },
                    ("type", "event", "target_url"),
                )
            )
        },
        ("actions",),
    ),
)


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
        rows = await actions.list_actions(principal, path_tenant(request))
    else:
        body = await json_body(request)
        rows = await actions.set_actions(principal, body.get("actions"), path_tenant(request))
    return json_response({"actions": [action_json(a) for a in rows]})


ERASE = Doc(
    "GDPR erasure of every row of the tenant",
    {
        200: out(
            {
                "success": BOOL,
                "erased": BOOL,
                "deleted": {"type": "object", "additionalProperties": INT},
            }
        )
    },
    errors=(400,),
    body=inp({"confirm": STR}, ("confirm",)),
)


async def erase_data(request: Request) -> Response:
    principal = dashboard_principal(request)
    body = await json_body(request)
    deleted = await tenants.erase_tenant(
        principal, body.get("confirm"), path_tenant(request), client_ip(request)
    )
    return json_response({"success": True, "erased": True, "deleted": deleted})


T = "/tenants/{tenant_id}"
routes: list[BaseRoute] = [
    DocRoute(f"{T}/usage", get_usage, get=USAGE),
    DocRoute(f"{T}/allowed-origins", allowed_origins, get=GET_ORIGINS, put=PUT_ORIGINS),
    DocRoute(f"{T}/api-key", get_api_key, get=GET_API_KEY),
    DocRoute(f"{T}/api-key/rotate", rotate_api_key, post=ROTATE_API_KEY),
    DocRoute(f"{T}/widget-config", widget_config, get=GET_WIDGET, put=PUT_WIDGET),
    DocRoute(f"{T}/actions", tenant_actions, get=GET_ACTIONS, put=PUT_ACTIONS),
    DocRoute(f"{T}/data", erase_data, delete=ERASE),
]
