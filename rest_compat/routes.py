"""The REST route table, mounted by app.py."""

from starlette.routing import BaseRoute, Mount

from rest_compat import api_auth, api_health, api_tenants, openapi, v1_agents, v1_calls

api_routes: list[BaseRoute] = [*api_health.routes, *api_auth.routes, *api_tenants.routes]

routes: list[BaseRoute] = [
    Mount("/api", routes=api_routes),
    Mount("/v1", routes=[*v1_calls.routes, *v1_agents.routes]),
    *openapi.routes,
]
