"""The REST route table, mounted by app.py. Every route is a DocRoute: /openapi.json is
built from these declarations."""

from starlette.routing import BaseRoute, Mount

from rest_compat import (
    api_admin,
    api_auth,
    api_billing,
    api_calls,
    api_conversations,
    api_health,
    api_kb,
    api_keys,
    api_telephony,
    api_tenants,
    api_ucp,
    api_webhooks,
    openapi,
    respond,
    v1_agents,
    v1_calls,
    widget,
)

api_routes: list[BaseRoute] = [
    *api_health.routes,
    *api_admin.routes,
    *api_auth.routes,
    *api_tenants.routes,
    *api_webhooks.routes,
    *api_kb.routes,
    *api_conversations.routes,
    *api_ucp.routes,
    *api_calls.routes,
    *api_keys.routes,
    *api_billing.routes,
    *api_telephony.routes,
]

routes: list[BaseRoute] = [
    Mount("/api", routes=api_routes),
    Mount("/v1", routes=[*v1_calls.routes, *v1_agents.routes, *widget.v1_routes]),
    *respond.routes,
    *widget.routes,
    *api_billing.webhook_routes,
    *openapi.routes,
]
