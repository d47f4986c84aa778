"""The Voice Widget (contract §8): its script, a versioned immutable copy with its SRI hash, the
public config a publishable key reads, and the development demo page."""

import base64
import hashlib
import html
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from resolvers import validation, widget
from resolvers.errors import not_found
from resolvers.settings import get_settings
from resolvers.validation import LANGUAGES
from rest_compat.http import json_response, only_query, principal_of
from rest_compat.schemas import INT, NSTR, STR, Doc, DocRoute, Param, array, component, enum, out

SCRIPT_PATH = Path(__file__).resolve().parent / "static" / "widget" / "voice-widget-b2b.js"
PREFIX = "/voice-assistant"
SCRIPT_URL = f"{PREFIX}/voice-widget-b2b.js"
JS = "text/javascript; charset=utf-8"
# The unversioned URL is what site owners paste: short enough that a release reaches every
# site within minutes, revalidated through the ETag meanwhile.
SHORT_CACHE = "public, max-age=300, must-revalidate"
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
VERSION_CHARS = 16


@dataclass(frozen=True)
class Script:
    body: bytes
    version: str  # the first hex digits of its SHA-256
    integrity: str  # Subresource Integrity: sha384-<base64>

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

    @property
    def versioned_url(self) -> str:
        return f"{PREFIX}/voice-widget-b2b.{self.version}.js"


@cache
def script() -> Script:
    """The committed file, read once per process (a release is a new process)."""
    body = SCRIPT_PATH.read_bytes()
    version = hashlib.sha256(body).hexdigest()[:VERSION_CHARS]
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    return Script(body, version, integrity)


def _script_response(request: Request, cache_control: str) -> Response:
    s = script()
    headers = {
        "Cache-Control": cache_control,
        "ETag": s.etag,
        "X-Content-Type-Options": "nosniff",
        # Public and credential-free: any page may load it with crossorigin="anonymous",
        # which Subresource Integrity needs for a script from another origin.
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    match = request.headers.get("if-none-match", "")
    if s.etag in (tag.strip().removeprefix("W/") for tag in match.split(",")) or match == "*":
        return Response(status_code=304, headers=headers)
    return Response(s.body, media_type=JS, headers=headers)


async def widget_script(request: Request) -> Response:
    return _script_response(request, SHORT_CACHE)


async def versioned_script(request: Request) -> Response:
    if request.path_params["version"] != script().version:
        # An old version is not kept: the page's integrity attribute names the bytes it wants.
        raise not_found("widget version", param="version")
    return _script_response(request, IMMUTABLE_CACHE)


def _absolute(request: Request, path: str) -> str:
    base = get_settings().public_url or str(request.base_url).rstrip("/")
    return base.rstrip("/") + path


async def manifest(request: Request) -> Response:
    s = script()
    url = _absolute(request, s.versioned_url)
    snippet = (
        f'<script src="{url}" integrity="{s.integrity}" crossorigin="anonymous" async></script>'
    )
    return json_response(
        {
            "version": s.version,
            "url": url,
            "latestUrl": _absolute(request, SCRIPT_URL),
            "integrity": s.integrity,
            "crossorigin": "anonymous",
            "snippet": snippet,
        },
    )


async def public_config(request: Request) -> Response:
    only_query(request, ("tenant_id",))
    tenant_id = request.query_params.get("tenant_id")
    principal = principal_of(request)
    origin = request.headers.get("origin")
    config = await widget.public_config(principal, tenant_id, origin)
    headers = {}
    if principal is None and origin:
        # No credential to give the gate a tenant: the resolver checked this origin against
        # the tenant's allowed origins, so the answer may be read by that page.
        headers = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Expose-Headers": "X-Request-Id",
            "Vary": "Origin",
            "Cache-Control": "no-store",
        }
    response = json_response(config)
    response.headers.update(headers)
    return response


async def demo_page(request: Request) -> Response:
    settings = get_settings()
    if not settings.development:
        raise not_found("page")
    only_query(request, ("lang",))
    language = validation.language(request.query_params.get("lang", "fr"), "lang")
    origin = f"{request.url.scheme}://{request.url.netloc}"
    embed = await widget.demo_embed(settings.var_dir, origin, language)
    options = {
        "apiKey": embed.publishable_key,
        "agentId": embed.agent_id,
        "language": language,
        "position": "bottom-right",
        "apiUrl": origin,
        # Same origin: the browser sends no Origin header with the config GET.
        "config": embed.config,
    }
    # </script> cannot appear inside JSON produced here, but a key or id is escaped anyway.
    init = json.dumps(options).replace("<", "\\u003c")
    links = " · ".join(f'<a href="?lang={code}">{code}</a>' for code in LANGUAGES)
    page = f"""<!doctype html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>VocalIA widget demo</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}}</style>
</head>
<body>
<h1>VocalIA Voice Widget: demo</h1>
<p>Development only. Tenant <code>{html.escape(embed.tenant_id)}</code>, agent
<code>{html.escape(embed.agent_id)}</code>. Open the launcher at the bottom right and speak,
or type. Language: {links}</p>
<pre id="events" aria-live="polite"></pre>
<script src="{SCRIPT_URL}"></script>
<script>
const log = (name) => (data) => {{
  document.getElementById("events").textContent += name + " " + JSON.stringify(data) + "\\n";
}};
for (const name of ["conversationStart", "message", "conversationEnd", "error"]) {{
  VocalIA.on(name, log(name));
}}
VocalIA.init({init});
</script>
</body>
</html>
"""
    return Response(
        page,
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


THEME = {"type": "object", "additionalProperties": STR}
WIDGET_AGENT = component("WidgetAgent", out({"id": STR, "name": STR, "language": enum(LANGUAGES)}))
PUBLIC_CONFIG = component(
    "WidgetPublicConfig",
    out(
        {
            "tenantId": STR,
            "name": STR,
            "language": enum(LANGUAGES),
            "languages": array(enum(LANGUAGES)),
            "direction": enum(("ltr", "rtl")),
            "position": enum(("bottom-right", "bottom-left", "top-right", "top-left")),
            "theme": THEME,
            "greeting": STR,
            "persona": STR,
            "agentId": NSTR,
            "agent": {"anyOf": [WIDGET_AGENT, {"type": "null"}]},
            "widgetToken": STR,
            "widgetTokenExpiresAt": INT,
        },
        optional=("widgetToken", "widgetTokenExpiresAt"),
    ),
)
SCRIPT_HEADERS = {
    "Cache-Control": Param(STR, "max-age=300 here; a year and immutable on the versioned URL"),
    "ETag": Param(STR, "the script's version (SHA-256 prefix), quoted"),
}
GET_SCRIPT = Doc(
    "The Voice Widget script (plain JavaScript). Short-lived cache, revalidated by ETag;"
    " /voice-assistant/widget-manifest.json gives the immutable versioned URL and its SRI hash",
    {200: {"type": "string"}},
    media_types=(JS,),
    response_headers=SCRIPT_HEADERS,
    auth="none",
)
GET_VERSIONED = Doc(
    "The Voice Widget script at its content-addressed URL: cached for a year, immutable."
    " Only the current version is served",
    {200: {"type": "string"}},
    media_types=(JS,),
    response_headers=SCRIPT_HEADERS,
    auth="none",
)
GET_MANIFEST = Doc(
    "The current widget script's versioned URL, its Subresource Integrity hash and a ready"
    " <script> tag to paste",
    {
        200: out(
            {
                "version": STR,
                "url": STR,
                "latestUrl": STR,
                "integrity": STR,
                "crossorigin": enum(("anonymous",)),
                "snippet": STR,
            }
        )
    },
    auth="none",
)
GET_CONFIG = Doc(
    "The widget's runtime configuration (branding, greeting, position, language, agent) for a"
    " publishable key, Authorization: Bearer voc_pk_..., sent from one of the tenant's allowed"
    " origins (the Origin header). Secret keys and user tokens are refused: they must never"
    " be in a web page. Without a credential, ?tenant_id= from one of that tenant's allowed"
    " origins (the reference's window.VOCALIA_CONFIG embedding) answers the same plus"
    " widgetToken: a token valid for an hour (widgetTokenExpiresAt, Unix seconds) that acts as"
    " a publishable key from that origin only, on /v1/stream and /respond",
    {200: PUBLIC_CONFIG},
    errors=(400, 403, 404),
    query={"tenant_id": Param(STR, "the tenant, for an embed without a key")},
    auth="optional_key",
)
GET_DEMO = Doc(
    "Development only: a page embedding the widget for the demo tenant (vocalia-server serve"
    " --demo creates it); this page's origin is added to the demo tenant's allowed origins."
    " 404 in production",
    {200: {"type": "string"}},
    errors=(400, 403, 404),
    media_types=("text/html; charset=utf-8",),
    query={"lang": Param(enum(LANGUAGES), "the widget's language (default fr)")},
    auth="none",
)

# Under the /v1 mount (the gate gives the tenant's allowed origins CORS on /v1/widget/...).
v1_routes: list[BaseRoute] = [DocRoute("/widget/config", public_config, get=GET_CONFIG)]
routes: list[BaseRoute] = [
    DocRoute(SCRIPT_URL, widget_script, get=GET_SCRIPT),
    DocRoute(PREFIX + "/voice-widget-b2b.{version}.js", versioned_script, get=GET_VERSIONED),
    DocRoute(PREFIX + "/widget-manifest.json", manifest, get=GET_MANIFEST),
    DocRoute("/widget/demo", demo_page, get=GET_DEMO),
]
