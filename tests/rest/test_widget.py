"""The Voice Widget's HTTP side: the script and its cache headers, the versioned immutable URL
and its SRI hash, the public config of a publishable key (good key, bad key, wrong Origin,
secret key), and the development demo page."""

import base64
import gzip
import hashlib
import json
import time
from pathlib import Path

import httpx
import pytest

from resolvers import agents, demo, keys, origins, security, tenants
from resolvers.settings import Settings, configure
from rest_compat import widget
from tests.factories import TenantCtx, assert_error, make_key, make_tenant

SCRIPT = Path(widget.__file__).resolve().parent / "static" / "widget" / "voice-widget-b2b.js"
ORIGIN = "https://shop.example.com"
OTHER_ORIGIN = "https://evil.example.net"
OTHER_ALLOWED = "https://blog.example.com"


def _hashes() -> tuple[str, str]:
    body = SCRIPT.read_bytes()
    version = hashlib.sha256(body).hexdigest()[: widget.VERSION_CHARS]
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    return version, integrity


async def _widget_tenant() -> tuple[TenantCtx, str]:
    shop = await make_tenant(plan="pro", company="Atlas Shop")
    await origins.set_origins(shop.principal, [ORIGIN])
    issued = await keys.create_key(shop.principal, kind="publishable", name="widget")
    return shop, issued.secret


# --- the script --------------------------------------------------------------------------


async def test_script_is_served_with_short_cache_and_etag(client: httpx.AsyncClient) -> None:
    version, _ = _hashes()
    r = await client.get("/voice-assistant/voice-widget-b2b.js")
    assert r.status_code == 200
    assert r.content == SCRIPT.read_bytes()
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["cache-control"] == "public, max-age=300, must-revalidate"
    assert r.headers["etag"] == f'"{version}"'
    assert r.headers["x-content-type-options"] == "nosniff"
    # SRI with crossorigin="anonymous" needs the script to be readable cross-origin.
    assert r.headers["access-control-allow-origin"] == "*"
    assert "window.VocalIA = api;" in r.text
    assert "registerProcessor" in r.text
    again = await client.get(
        "/voice-assistant/voice-widget-b2b.js", headers={"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == r.headers["etag"]
    stale = await client.get(
        "/voice-assistant/voice-widget-b2b.js", headers={"If-None-Match": '"0000"'}
    )
    assert stale.status_code == 200


async def test_versioned_url_is_immutable_and_matches_its_integrity(
    client: httpx.AsyncClient,
) -> None:
    version, integrity = _hashes()
    m = await client.get("/voice-assistant/widget-manifest.json")
    assert m.status_code == 200
    body = m.json()
    path = f"/voice-assistant/voice-widget-b2b.{version}.js"
    assert body == {
        "version": version,
        "url": f"http://testserver{path}",
        "latestUrl": "http://testserver/voice-assistant/voice-widget-b2b.js",
        "integrity": integrity,
        "crossorigin": "anonymous",
        "snippet": f'<script src="http://testserver{path}" integrity="{integrity}"'
        ' crossorigin="anonymous" async></script>',
    }
    r = await client.get(path)
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["etag"] == f'"{version}"'
    # The integrity the manifest gives is the one of the bytes served.
    served = "sha384-" + base64.b64encode(hashlib.sha384(r.content).digest()).decode()
    assert served == integrity


async def test_an_unknown_version_is_not_found(client: httpx.AsyncClient) -> None:
    r = await client.get("/voice-assistant/voice-widget-b2b.0123456789abcdef.js")
    assert_error(r, 404, "resource_not_found", param="version", message="widget version not found")


async def test_the_manifest_uses_the_public_url(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    configure(settings.with_overrides(public_url="https://api.vocalia.example"))
    body = (await client.get("/voice-assistant/widget-manifest.json")).json()
    assert (
        body["url"]
        == f"https://api.vocalia.example/voice-assistant/voice-widget-b2b.{body['version']}.js"
    )


# --- the public config ---------------------------------------------------------------------


async def test_config_for_a_publishable_key_from_an_allowed_origin(
    client: httpx.AsyncClient,
) -> None:
    shop, pk = await _widget_tenant()
    await agents.create_agent(
        shop.principal,
        {"id": "agent_shop_en", "name": "Shop EN", "language": "en", "greeting": "Hi there!"},
    )
    await agents.create_agent(
        shop.principal,
        {"id": "agent_shop_ar", "name": "Shop AR", "language": "ar", "greeting": "مرحبا"},
    )
    await tenants.update_widget_config(
        shop.principal,
        {"position": "top-left", "language": "ar", "theme": {"primaryColor": "#112233"}},
    )
    r = await client.get(
        "/v1/widget/config", headers={"Authorization": f"Bearer {pk}", "Origin": ORIGIN}
    )
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert "x-ratelimit-limit" in r.headers
    assert r.json() == {
        "tenantId": shop.id,
        "name": "Atlas Shop",
        "language": "ar",
        "languages": ["fr", "en", "es", "ar", "ary"],
        "direction": "rtl",
        "position": "top-left",
        "theme": {"primaryColor": "#112233"},
        # No widget greeting: the widget's agent's (the tenant's Arabic one).
        "greeting": "مرحبا",
        "persona": "",
        "agentId": "agent_shop_ar",
        "agent": {"id": "agent_shop_ar", "name": "Shop AR", "language": "ar"},
    }
    # The configured agent wins; a disabled or unknown one falls back.
    await tenants.update_widget_config(
        shop.principal, {"agentId": "agent_shop_en", "greeting": "Welcome!"}
    )
    body = (
        await client.get(
            "/v1/widget/config", headers={"Authorization": f"Bearer {pk}", "Origin": ORIGIN}
        )
    ).json()
    assert (body["agentId"], body["greeting"]) == ("agent_shop_en", "Welcome!")
    await agents.update_agent(shop.principal, "agent_shop_en", {"enabled": False})
    body = (
        await client.get(
            "/v1/widget/config", headers={"Authorization": f"Bearer {pk}", "Origin": ORIGIN}
        )
    ).json()
    assert body["agentId"] == "agent_shop_ar"


async def test_config_preflight_from_an_allowed_origin(client: httpx.AsyncClient) -> None:
    await _widget_tenant()
    r = await client.options(
        "/v1/widget/config",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert "Authorization" in r.headers["access-control-allow-headers"]
    other = await client.options(
        "/v1/widget/config",
        headers={"Origin": OTHER_ORIGIN, "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in other.headers


async def test_config_without_agents_has_no_agent(client: httpx.AsyncClient) -> None:
    _shop, pk = await _widget_tenant()
    r = await client.get(
        "/v1/widget/config", headers={"Authorization": f"Bearer {pk}", "Origin": ORIGIN}
    )
    body = r.json()
    assert (body["agentId"], body["agent"], body["greeting"]) == (None, None, "")
    assert (body["language"], body["direction"], body["position"]) == ("fr", "ltr", "bottom-right")


@pytest.mark.parametrize(
    ("origin", "message"),
    [
        (OTHER_ORIGIN, "a publishable key needs an Origin allowed by the tenant"),
        (None, "a publishable key needs an Origin allowed by the tenant"),
    ],
    ids=["other-origin", "no-origin"],
)
async def test_config_from_an_origin_not_allowed_is_refused(
    client: httpx.AsyncClient, origin: str | None, message: str
) -> None:
    _shop, pk = await _widget_tenant()
    headers = {"Authorization": f"Bearer {pk}"} | ({"Origin": origin} if origin else {})
    r = await client.get("/v1/widget/config", headers=headers)
    assert_error(r, 403, "insufficient_permissions", message=message)
    assert "access-control-allow-origin" not in r.headers
    assert "Atlas" not in r.text


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer voc_pk_live_notarealkey", "Bearer ", "Basic abc"],
    ids=["none", "unknown-key", "empty", "not-bearer"],
)
async def test_config_with_a_bad_key_is_invalid_api_key(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    await _widget_tenant()
    headers = {"Origin": ORIGIN} | ({"Authorization": authorization} if authorization else {})
    r = await client.get("/v1/widget/config", headers=headers)
    assert_error(r, 401, "invalid_api_key")


async def test_config_with_a_revoked_publishable_key_is_invalid_api_key(
    client: httpx.AsyncClient,
) -> None:
    shop, _ = await _widget_tenant()
    issued = await keys.create_key(shop.principal, kind="publishable", name="old")
    await keys.revoke_key(shop.principal, issued.key.id)
    r = await client.get(
        "/v1/widget/config",
        headers={"Authorization": f"Bearer {issued.secret}", "Origin": ORIGIN},
    )
    assert_error(r, 401, "invalid_api_key", message="unknown or revoked API key")


SECRET_REFUSED = (
    "the widget config takes a publishable key (voc_pk_...) from an allowed origin;"
    " never put a secret key or a user token in a web page"
)


@pytest.mark.parametrize("credential", ["secret", "tenant", "user"])
async def test_config_refuses_secret_keys_and_user_tokens(
    client: httpx.AsyncClient, credential: str
) -> None:
    shop, _ = await _widget_tenant()
    token = {
        "secret": await make_key(shop),
        "tenant": shop.api_key,
        "user": shop.token,
    }[credential]
    r = await client.get(
        "/v1/widget/config", headers={"Authorization": f"Bearer {token}", "Origin": ORIGIN}
    )
    assert_error(r, 403, "insufficient_permissions", message=SECRET_REFUSED)
    assert "Atlas" not in r.text


async def test_config_refuses_unknown_parameters_and_another_tenant_id(
    client: httpx.AsyncClient,
) -> None:
    shop, pk = await _widget_tenant()
    headers = {"Authorization": f"Bearer {pk}", "Origin": ORIGIN}
    r = await client.get("/v1/widget/config?agent=x", headers=headers)
    assert_error(r, 400, "invalid_request", param="agent")
    r = await client.get("/v1/widget/config?tenant_id=x", headers=headers)
    assert_error(
        r,
        400,
        "invalid_request",
        param="tenant_id",
        message="tenant_id is not the tenant of this key",
    )
    r = await client.get(f"/v1/widget/config?tenant_id={shop.id}", headers=headers)
    assert r.status_code == 200, r.text
    assert "widgetToken" not in r.json()


# --- the reference's embedding: tenant_id alone, from an allowed origin -----------------------


async def test_a_tenant_id_from_an_allowed_origin_gets_the_config_and_a_widget_token(
    client: httpx.AsyncClient,
) -> None:
    shop, pk = await _widget_tenant()
    await agents.create_agent(
        shop.principal, {"id": "agent_shop_en", "name": "EN", "language": "en"}
    )
    keyed = await client.get(
        "/v1/widget/config", headers={"Authorization": f"Bearer {pk}", "Origin": ORIGIN}
    )
    started = time.time()
    r = await client.get(f"/v1/widget/config?tenant_id={shop.id}", headers={"Origin": ORIGIN})
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    token, expires = body.pop("widgetToken"), body.pop("widgetTokenExpiresAt")
    assert body == keyed.json()
    assert token.startswith("voc_wt_")
    assert started + 3600 - 5 <= expires <= time.time() + 3600 + 1
    # The token is the tenant's publishable key from that origin: /respond answers...
    said = {"message": "hello", "language": "en"}
    auth = {"Authorization": f"Bearer {token}"}
    answer = await client.post("/respond", json=said, headers=auth | {"Origin": ORIGIN})
    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == ORIGIN
    conversation = await client.get(
        f"/api/tenants/{shop.id}/conversations/{answer.json()['session_id']}",
        headers=shop.headers,
    )
    assert conversation.status_code == 200, conversation.text
    assert conversation.json()["channel"] == "text"
    # ... from that origin only, even another of the tenant's;
    await origins.set_origins(shop.principal, [ORIGIN, OTHER_ALLOWED])
    for origin in (OTHER_ALLOWED, None):
        r = await client.post(
            "/respond", json=said, headers=auth | ({"Origin": origin} if origin else {})
        )
        assert_error(
            r,
            403,
            "insufficient_permissions",
            message="a widget token works only from the origin it was issued to",
        )
    # nothing a publishable key cannot do;
    r = await client.get("/v1/calls", headers=auth | {"Origin": ORIGIN})
    assert_error(r, 403, "insufficient_permissions")
    # and no longer once the tenant removes the origin.
    await origins.set_origins(shop.principal, [OTHER_ALLOWED])
    r = await client.post("/respond", json=said, headers=auth | {"Origin": ORIGIN})
    assert_error(r, 403, "insufficient_permissions")


SITE_REFUSED = (
    "a tenant_id embed works only from one of the tenant's allowed origins: add this"
    " site's origin in the dashboard (PUT /api/tenants/:id/allowed-origins), or embed with"
    " VocalIA.init({apiKey: 'voc_pk_...'})"
)


@pytest.mark.parametrize(
    ("tenant", "origin"),
    [
        ("mine", OTHER_ORIGIN),
        ("mine", None),
        ("unknown", ORIGIN),
        ("../etc", ORIGIN),
        ("x" * 65, ORIGIN),
    ],
    ids=["other-origin", "no-origin", "unknown-tenant", "malformed", "too-long"],
)
async def test_a_tenant_id_embed_from_elsewhere_is_refused_alike(
    client: httpx.AsyncClient, tenant: str, origin: str | None
) -> None:
    shop, _ = await _widget_tenant()
    tenant_id = (
        shop.id if tenant == "mine" else ("zz_nobody_0000" if tenant == "unknown" else tenant)
    )
    headers = {"Origin": origin} if origin else {}
    r = await client.get("/v1/widget/config", params={"tenant_id": tenant_id}, headers=headers)
    # The same answer whether the tenant exists or not: no way to learn which tenants exist.
    assert_error(r, 403, "insufficient_permissions", message=SITE_REFUSED)
    assert "access-control-allow-origin" not in r.headers
    assert "Atlas" not in r.text


async def test_an_expired_or_altered_widget_token_is_invalid_api_key(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, _ = await _widget_tenant()
    said = {"message": "hello", "language": "en"}
    good, _ = security.issue_widget_token(shop.id, ORIGIN)
    monkeypatch.setattr(security, "WIDGET_TOKEN_TTL", -60)
    expired, _ = security.issue_widget_token(shop.id, ORIGIN)
    cases = {
        expired: "widget token expired: the widget fetches a new one from /v1/widget/config",
        good[:-3] + "abc": "invalid widget token",
        "voc_wt_" + "a.b.c": "invalid widget token",
        # A user's access token under the widget prefix is not a widget token.
        "voc_wt_" + shop.token: "invalid widget token",
    }
    for token, message in cases.items():
        r = await client.post(
            "/respond", json=said, headers={"Authorization": f"Bearer {token}", "Origin": ORIGIN}
        )
        assert_error(r, 401, "invalid_api_key", message=message)


async def test_config_sees_only_the_keys_own_tenant(client: httpx.AsyncClient) -> None:
    a, pk_a = await _widget_tenant()
    b, _ = await _widget_tenant()
    await tenants.update_widget_config(b.principal, {"greeting": "Secret of B"})
    body = (
        await client.get(
            "/v1/widget/config", headers={"Authorization": f"Bearer {pk_a}", "Origin": ORIGIN}
        )
    ).json()
    assert body["tenantId"] == a.id
    assert "Secret of B" not in json.dumps(body)


# --- the demo page ---------------------------------------------------------------------------


async def test_demo_page_embeds_the_demo_tenant(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    configure(settings.with_overrides(var_dir=tmp_path))
    missing = await client.get("/widget/demo")
    assert_error(missing, 404, "resource_not_found")
    seeded = await demo.seed_demo(tmp_path)
    pk = seeded.credentials.publishable_key
    assert pk is not None
    r = await client.get("/widget/demo?lang=en")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["cache-control"] == "no-store"
    assert '<script src="/voice-assistant/voice-widget-b2b.js"></script>' in r.text
    assert pk in r.text
    assert '"agentId": "agent_support_en"' in r.text
    # The page's own origin may now use the key.
    tenant_id = seeded.credentials.tenant_id
    assert await origins.origin_known("http://testserver")
    config = await client.get(
        "/v1/widget/config",
        headers={"Authorization": f"Bearer {pk}", "Origin": "http://testserver"},
    )
    assert config.status_code == 200, config.text
    assert config.json()["tenantId"] == tenant_id
    bad = await client.get("/widget/demo?lang=xx")
    assert_error(bad, 400, "invalid_request", param="lang")


async def test_demo_page_is_not_served_in_production(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    await demo.seed_demo(tmp_path)
    configure(settings.with_overrides(env="production", var_dir=tmp_path))
    r = await client.get("/widget/demo")
    assert_error(r, 404, "resource_not_found", message="page not found")


def test_every_widget_route_is_in_the_openapi_document() -> None:
    from rest_compat.openapi import spec
    from rest_compat.routes import routes

    paths = spec(routes)["paths"]
    for path in (
        "/voice-assistant/voice-widget-b2b.js",
        "/voice-assistant/voice-widget-b2b.{version}.js",
        "/voice-assistant/widget-manifest.json",
        "/v1/widget/config",
        "/widget/demo",
    ):
        assert set(paths[path]) == {"get"}, path
    config = paths["/v1/widget/config"]["get"]
    assert config["security"] == [{"apiKey": []}, {}]  # a key, or tenant_id alone
    assert set(config["responses"]) == {"200", "400", "401", "403", "404", "429"}
    assert paths["/voice-assistant/voice-widget-b2b.js"]["get"]["responses"]["200"]["content"] == {
        "text/javascript; charset=utf-8": {"schema": {"type": "string"}}
    }


def test_the_script_is_small_and_the_readme_says_how_small() -> None:
    body = SCRIPT.read_bytes()
    gzipped = len(gzip.compress(body, 9))
    assert gzipped <= 30_000
    readme = (SCRIPT.parents[3] / "README.md").read_text()
    said = f"The script is {round(len(body) / 1000)} KB of plain JavaScript ({round(gzipped / 1000, 1)} KB gzipped"
    assert said in readme, "update the widget's size in README.md"
