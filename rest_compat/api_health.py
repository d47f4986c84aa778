"""/api/health: are the database and the event bus reachable?"""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from resolvers import health
from rest_compat.http import json_response
from rest_compat.schemas import Doc, DocRoute, enum, out

_REPORT = out(
    {
        "status": enum(("ok", "degraded")),
        "database": enum(("ok", "unreachable")),
        "bus": enum(("ok", "unreachable")),
    }
)
HEALTH = Doc("Database and bus reachability", {200: _REPORT, 503: _REPORT}, auth="none")


async def get_health(request: Request) -> Response:
    report = await health.check()
    return json_response(
        {
            "status": "ok" if report.ok else "degraded",
            "database": "ok" if report.database else "unreachable",
            "bus": "ok" if report.bus else "unreachable",
        },
        status=200 if report.ok else 503,
    )


routes: list[BaseRoute] = [DocRoute("/health", get_health, get=HEALTH)]
