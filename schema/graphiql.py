"""The development GraphiQL page with its assets served from here, so it works offline.

Strawberry's template loads React, GraphiQL, its explorer plugin and js-cookie from unpkg. The
same files, byte for byte (schema/static/graphiql/README.md: versions, source, licence, hashes),
are served under ``/graphiql/static/``; the page is Strawberry's own with only the URLs
replaced, so its ``integrity`` attributes still hold. Production serves neither.
"""

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route
from strawberry.http.ides import get_graphql_ide_html

from resolvers.settings import get_settings

STATIC_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
PREFIX = "/graphiql/static/"
JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"

# The template's CDN URL -> (local file, content type).
ASSETS: dict[str, tuple[str, str]] = {
    "https://unpkg.com/react@18.2.0/umd/react.production.min.js": (
        "react.production.min.js",
        JS,
    ),
    "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js": (
        "react-dom.production.min.js",
        JS,
    ),
    "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js": ("js.cookie.min.js", JS),
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.css": ("graphiql.min.css", CSS),
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.js": ("graphiql.min.js", JS),
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css": (
        "plugin-explorer.css",
        CSS,
    ),
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": (
        "plugin-explorer.umd.js",
        JS,
    ),
}
_TYPES = dict(ASSETS.values())


class TemplateChanged(RuntimeError):
    """Strawberry's template no longer loads the files shipped here: update them together."""


def page_html() -> str:
    """Strawberry's GraphiQL page, every asset URL pointing here."""
    html = get_graphql_ide_html(graphql_ide="graphiql")
    for url, (name, _) in ASSETS.items():
        if url not in html:
            raise TemplateChanged(f"strawberry's GraphiQL page no longer loads {url}")
        html = html.replace(url, PREFIX + name)
    return html


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    content_type = _TYPES.get(name)
    if content_type is None or not get_settings().development:
        return PlainTextResponse("not found", status_code=404)
    return FileResponse(
        STATIC_DIR / name,
        media_type=content_type,
        # The names are fixed per shipped version: a day is safe, a reload after an upgrade
        # revalidates through the ETag.
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


routes = [Route(PREFIX + "{name}", asset, methods=["GET", "HEAD"])]
