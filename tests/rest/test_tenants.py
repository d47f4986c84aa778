"""/api/tenants/{id}/... end to end: usage, allowed origins, the vk_ key, webhooks, widget
configuration, actions, and who may read or change them."""

import base64
import re
import time
from datetime import UTC, datetime

import httpx
import jwt
import pytest

from models.audit import AuditLog
from models.credential import ApiKey
from models.tenant import AllowedOrigin, Tenant, TenantAction, WebhookEndpoint
from resolvers import usage
from resolvers.knowledge import documents
from resolvers.settings import Settings, configure
from tests.factories import TenantCtx, assert_error, make_key, make_tenant, make_user

STARTER = ["voice_widget"]
PRO = [*STARTER, "cloud_voice", "telephony", "webhooks", "export", "catalog"]
ENTERPRISE = [*PRO, "hitl", "voice_cloning"]
PLAN_LIMITS = {
    "starter": ({"calls": 100, "sessions": 500, "kb": 200}, STARTER),
    "pro": ({"calls": 500, "sessions": 2000, "kb": 2000}, PRO),
    "enterprise": ({"calls": 10000, "sessions": 50000, "kb": 50000}, ENTERPRISE),
}
EVENT_TYPES = [
    "call.initiated",
    "call.ringing",
    "call.answered",
    "call.completed",
    "call.failed",
    "call.transferred",
    "lead.qualified",
    "booking.created",
    "quota.warning",
]
WHSEC = re.compile(r"^whsec_[A-Za-z0-9+/]{43}=$")
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
PUBLIC_URL = "https://93.184.215.14/hook"
TENANT_QUERY = {"query": "{ tenant { id } }"}


def _url(t: TenantCtx, path: str) -> str:
    return f"/api/tenants/{t.id}/{path}"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _period() -> tuple[str, str]:
    now = datetime.now(UTC)
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    end = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ"), end.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- usage --------------------------------------------------------------------------------


@pytest.mark.parametrize("plan", ["starter", "pro", "enterprise"])
async def test_usage_of_a_new_tenant(client: httpx.AsyncClient, plan: str) -> None:
    t = await make_tenant(plan)
    limits, features = PLAN_LIMITS[plan]
    r = await client.get(_url(t, "usage"), headers=t.headers)
    assert r.status_code == 200, r.text
    start, end = _period()
    assert r.json() == {
        "tenant_id": t.id,
        "plan": plan,
        "period_start": start,
        "period_end": end,
        "quotas": {
            m: {"used": 0, "limit": limits[m], "pct": 0} for m in ("calls", "sessions", "kb")
        },
        "features_enabled": features,
        "call_seconds": 0,
    }
    assert r.headers["x-ratelimit-limit"] == {"starter": "60", "pro": "300"}.get(plan, "1000")


async def test_usage_counts_and_rounds(client: httpx.AsyncClient) -> None:
    t = await make_tenant("starter")
    other = await make_tenant("starter")
    await usage.increment(t.id, "calls", 67)
    await usage.increment(t.id, "sessions", 2)
    await usage.increment(t.id, "sessions")  # 3 / 500 = 0.6 % -> 1
    # Entries are counted where they are, not metered: 1 / 200 = 0.5 % -> rounds half up to 1
    await documents.store_entries(
        await Tenant.get(id=t.id), [documents.entry("k", "Une entrée.")], language="fr"
    )
    await usage.increment(t.id, "calls", 50, period="2000-01")  # another period
    await usage.increment(other.id, "calls", 99)  # another tenant
    r = await client.get(_url(t, "usage"), headers=t.headers)
    assert r.status_code == 200
    assert r.json()["quotas"] == {
        "calls": {"used": 67, "limit": 100, "pct": 67},
        "sessions": {"used": 3, "limit": 500, "pct": 1},
        "kb": {"used": 1, "limit": 200, "pct": 1},
    }
    await usage.increment(t.id, "calls", 34)
    await usage.increment(t.id, "sessions", -1)  # 2 / 500 = 0.4 % -> 0
    quotas = (await client.get(_url(t, "usage"), headers=t.headers)).json()["quotas"]
    assert quotas["calls"] == {"used": 101, "limit": 100, "pct": 101}
    assert quotas["sessions"] == {"used": 2, "limit": 500, "pct": 0}
    other_quotas = (await client.get(_url(other, "usage"), headers=other.headers)).json()["quotas"]
    assert other_quotas["calls"] == {"used": 99, "limit": 100, "pct": 99}


async def test_usage_is_readable_by_every_role(client: httpx.AsyncClient) -> None:
    t = await make_tenant("pro")
    for role in ("admin", "member", "viewer"):
        _, headers = await make_user(t, role)
        r = await client.get(_url(t, "usage"), headers=headers)
        assert r.status_code == 200, (role, r.text)
        assert r.json()["plan"] == "pro"


# --- allowed origins ------------------------------------------------------------------------


async def test_origins_get_put_normalise(client: httpx.AsyncClient) -> None:
    t = await make_tenant("pro")
    r = await client.get(_url(t, "allowed-origins"), headers=t.headers)
    assert r.status_code == 200
    assert r.json() == {"origins": []}
    sent = [
        "https://Shop.Example.COM/",
        "https://shop.example.com:443",
        "HTTPS://shop.example.com",
        "http://localhost:3000",
        "http://localhost:80",
        "https://bücher.example",
        "http://[::1]:8080",
        "https://203.0.113.9:8443",
    ]
    expected = [
        "https://shop.example.com",
        "http://localhost:3000",
        "http://localhost",
        "https://xn--bcher-kva.example",
        "http://[::1]:8080",
        "https://203.0.113.9:8443",
    ]
    r = await client.put(_url(t, "allowed-origins"), json={"origins": sent}, headers=t.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"origins": expected}
    r = await client.get(_url(t, "allowed-origins"), headers=t.headers)
    assert r.json() == {"origins": expected}
    stored = (
        await AllowedOrigin.filter(tenant_id=t.id)
        .order_by("position")
        .values_list("origin", flat=True)
    )
    assert stored == expected
    assert await AuditLog.filter(tenant_id=t.id, action="tenant.origins_updated").count() == 1
    # A replacement, not a merge; an empty list clears.
    r = await client.put(
        _url(t, "allowed-origins"), json={"origins": ["https://b.example"]}, headers=t.headers
    )
    assert r.json() == {"origins": ["https://b.example"]}
    r = await client.put(_url(t, "allowed-origins"), json={"origins": []}, headers=t.headers)
    assert r.json() == {"origins": []}
    assert await AllowedOrigin.filter(tenant_id=t.id).count() == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("shop.example.com", "'shop.example.com' is not a valid origin: use scheme://host[:port]"),
        ("ftp://shop.example.com", "'ftp://shop.example.com' is not a valid origin: use scheme://host[:port]"),
        ("https://shop.example.com/path", "'https://shop.example.com/path' is not a valid origin: no path, query or credentials"),
        ("https://shop.example.com?q=1", "'https://shop.example.com?q=1' is not a valid origin: no path, query or credentials"),
        ("https://user:pw@shop.example.com", "'https://user:pw@shop.example.com' is not a valid origin: no path, query or credentials"),
        ("https://shop.example.com:99999", "'https://shop.example.com:99999' is not a valid origin"),
        ("https://bad_host.example.com", "'https://bad_host.example.com' has an invalid host name"),
        ("https://-bad.example.com", "'https://-bad.example.com' has an invalid host name"),
        ("", "each origin must be a string like https://shop.example.com"),
        (42, "each origin must be a string like https://shop.example.com"),
    ],
)  # fmt: skip
async def test_origins_validation(client: httpx.AsyncClient, value: object, message: str) -> None:
    t = await make_tenant("pro")
    ok = await client.put(
        _url(t, "allowed-origins"), json={"origins": ["https://keep.example"]}, headers=t.headers
    )
    assert ok.status_code == 200
    r = await client.put(
        _url(t, "allowed-origins"),
        json={"origins": ["https://new.example", value]},
        headers=t.headers,
    )
    assert_error(r, 400, "invalid_request", param="origins", message=message)
    r = await client.get(_url(t, "allowed-origins"), headers=t.headers)
    assert r.json() == {"origins": ["https://keep.example"]}


async def test_origins_must_be_a_list(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    for body in ({"origins": "https://a.example"}, {}):
        r = await client.put(_url(t, "allowed-origins"), json=body, headers=t.headers)
        assert_error(
            r, 400, "invalid_request", param="origins", message="origins must be a list of origins"
        )


@pytest.mark.parametrize(("plan", "maximum"), [("starter", 2), ("pro", 10), ("enterprise", 10)])
async def test_origins_plan_maximum(client: httpx.AsyncClient, plan: str, maximum: int) -> None:
    t = await make_tenant(plan)
    many = [f"https://shop{i}.example" for i in range(maximum + 1)]
    # Duplicates do not count against the maximum.
    r = await client.put(
        _url(t, "allowed-origins"),
        json={"origins": [*many[:maximum], *many[:maximum]]},
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"origins": many[:maximum]}
    r = await client.put(_url(t, "allowed-origins"), json={"origins": many}, headers=t.headers)
    assert_error(
        r,
        400,
        "invalid_request",
        param="origins",
        message=f"the {plan} plan allows at most {maximum} origins",
    )
    assert await AllowedOrigin.filter(tenant_id=t.id).count() == maximum


# --- the vk_ tenant key -------------------------------------------------------------------


async def test_api_key_is_masked(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    r = await client.get(_url(t, "api-key"), headers=t.headers)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"api_key", "created_at", "last_used_at"}
    assert body["api_key"] == f"vk_{t.api_key[3:7]}…{t.api_key[-4:]}"
    assert re.fullmatch(r"vk_[0-9a-f]{4}…[0-9a-f]{4}", body["api_key"])
    assert ISO_Z.match(body["created_at"])
    assert body["last_used_at"] is None
    assert t.api_key not in r.text
    # Using the key records when it was last used.
    gql = await client.post("/graphql", json=TENANT_QUERY, headers=_bearer(t.api_key))
    assert gql.json() == {"data": {"tenant": {"id": t.id}}}
    body = (await client.get(_url(t, "api-key"), headers=t.headers)).json()
    assert ISO_Z.match(body["last_used_at"])


async def test_api_key_rotation(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    other = await make_tenant()
    r = await client.post(_url(t, "api-key/rotate"), headers=t.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"success", "api_key", "masked", "created_at"}
    assert body["success"] is True
    new = body["api_key"]
    assert re.fullmatch(r"vk_[0-9a-f]{48}", new)
    assert new != t.api_key
    assert body["masked"] == f"vk_{new[3:7]}…{new[-4:]}"
    assert ISO_Z.match(body["created_at"])
    # The new key works at once, the old one stops at once.
    gql = await client.post("/graphql", json=TENANT_QUERY, headers=_bearer(new))
    assert gql.status_code == 200
    assert gql.json() == {"data": {"tenant": {"id": t.id}}}
    gql = await client.post("/graphql", json=TENANT_QUERY, headers=_bearer(t.api_key))
    assert gql.json()["data"] is None
    [error] = gql.json()["errors"]
    assert error["message"] == "unknown or revoked API key"
    assert error["extensions"] == {"code": "invalid_api_key", "status": 401}
    # The masked read shows the new key; one active tenant key remains.
    assert (await client.get(_url(t, "api-key"), headers=t.headers)).json()["api_key"] == body[
        "masked"
    ]
    active = await ApiKey.filter(tenant_id=t.id, kind="tenant", revoked_at=None)
    assert [k.masked for k in active] == [body["masked"]]
    assert await ApiKey.filter(tenant_id=t.id, kind="tenant").count() == 2
    [audit] = await AuditLog.filter(tenant_id=t.id, action="tenant.api_key_rotated")
    assert (audit.actor_id, audit.target) == (t.owner.id, active[0].id)
    assert audit.data == {"revoked": 1, "masked": body["masked"]}
    assert new not in str(audit.data)
    # Another tenant's key is untouched.
    gql = await client.post("/graphql", json=TENANT_QUERY, headers=_bearer(other.api_key))
    assert gql.json() == {"data": {"tenant": {"id": other.id}}}


@pytest.mark.parametrize("role", ["member", "viewer"])
async def test_api_key_needs_a_manager(client: httpx.AsyncClient, role: str) -> None:
    t = await make_tenant()
    _, headers = await make_user(t, role)
    message = f"role {role!r} cannot change tenant settings; owner or admin required"
    r = await client.get(_url(t, "api-key"), headers=headers)
    assert_error(r, 403, "insufficient_permissions", message=message)
    r = await client.post(_url(t, "api-key/rotate"), headers=headers)
    assert_error(r, 403, "insufficient_permissions", message=message)
    gql = await client.post("/graphql", json=TENANT_QUERY, headers=_bearer(t.api_key))
    assert gql.json() == {"data": {"tenant": {"id": t.id}}}
    assert await AuditLog.filter(tenant_id=t.id, action="tenant.api_key_rotated").count() == 0


async def test_admin_can_rotate(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    admin, headers = await make_user(t, "admin")
    r = await client.post(_url(t, "api-key/rotate"), headers=headers)
    assert r.status_code == 200
    [audit] = await AuditLog.filter(tenant_id=t.id, action="tenant.api_key_rotated")
    assert audit.actor_id == admin.id


# --- webhooks -------------------------------------------------------------------------------


async def test_webhooks_need_pro(client: httpx.AsyncClient) -> None:
    t = await make_tenant("starter")
    message = "webhooks need the Pro or Enterprise plan"
    r = await client.get(_url(t, "webhooks"), headers=t.headers)
    assert_error(r, 403, "insufficient_permissions", message=message)
    r = await client.put(
        _url(t, "webhooks"), json={"endpoints": [{"url": PUBLIC_URL}]}, headers=t.headers
    )
    assert_error(r, 403, "insufficient_permissions", message=message)
    assert await WebhookEndpoint.all().count() == 0


async def test_webhooks_lifecycle(client: httpx.AsyncClient) -> None:
    t = await make_tenant("pro")
    r = await client.get(_url(t, "webhooks"), headers=t.headers)
    assert r.status_code == 200
    assert r.json() == {"endpoints": [], "event_types": EVENT_TYPES}

    # Create: the secret is returned once.
    r = await client.put(
        _url(t, "webhooks"),
        json={
            "endpoints": [
                {
                    "url": PUBLIC_URL,
                    "events": ["call.completed", "call.completed", "lead.qualified"],
                },
                {"url": "https://93.184.215.15/all", "enabled": False},
            ]
        },
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    created = r.json()["endpoints"]
    assert r.json()["event_types"] == EVENT_TYPES
    first, second = created
    assert set(first) == {
        "id",
        "url",
        "events",
        "enabled",
        "secret_set",
        "disabled_reason",
        "created_at",
        "secret",
    }
    assert re.fullmatch(r"whe_[0-9A-Za-z]{20}", first["id"])
    assert (first["url"], first["events"], first["enabled"]) == (
        PUBLIC_URL,
        ["call.completed", "lead.qualified"],
        True,
    )
    assert (second["events"], second["enabled"]) == (EVENT_TYPES, False)
    for e in created:
        assert WHSEC.match(e["secret"]), e["secret"]
        assert len(base64.b64decode(e["secret"].removeprefix("whsec_"))) == 32
        assert e["secret_set"] is True
        assert e["disabled_reason"] is None
    assert first["secret"] != second["secret"]
    row = await WebhookEndpoint.get(id=first["id"])
    assert row.secret == first["secret"]

    # Read: never the secret.
    r = await client.get(_url(t, "webhooks"), headers=t.headers)
    listed = r.json()["endpoints"]
    assert [e["id"] for e in listed] == [first["id"], second["id"]]
    for e in listed:
        assert "secret" not in e
        assert e["secret_set"] is True
    assert "whsec_" not in r.text

    # Update by id: the secret is kept; an endpoint left out is deleted.
    r = await client.put(
        _url(t, "webhooks"),
        json={
            "endpoints": [{"id": first["id"], "url": PUBLIC_URL + "2", "events": ["call.failed"]}]
        },
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    [updated] = r.json()["endpoints"]
    assert "secret" not in updated
    assert (updated["id"], updated["url"], updated["events"]) == (
        first["id"],
        PUBLIC_URL + "2",
        ["call.failed"],
    )
    assert (await WebhookEndpoint.get(id=first["id"])).secret == first["secret"]
    assert not await WebhookEndpoint.filter(id=second["id"]).exists()

    # Rotation returns a new secret and keeps the old one for the overlap.
    r = await client.put(
        _url(t, "webhooks"),
        json={"endpoints": [{"id": first["id"], "url": PUBLIC_URL, "rotate_secret": True}]},
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    [rotated] = r.json()["endpoints"]
    assert WHSEC.match(rotated["secret"])
    assert rotated["secret"] != first["secret"]
    row = await WebhookEndpoint.get(id=first["id"])
    assert (row.secret, row.previous_secret) == (rotated["secret"], first["secret"])
    assert row.previous_secret_expires_at is not None
    assert row.previous_secret_expires_at > datetime.now(UTC)
    assert await AuditLog.filter(tenant_id=t.id, action="tenant.webhooks_updated").count() == 3


@pytest.mark.parametrize(
    ("endpoints", "status", "code", "param", "message"),
    [
        (
            [{"url": PUBLIC_URL, "events": ["call.exploded"]}],
            400,
            "invalid_request",
            "endpoints[0].events",
            "unknown event type 'call.exploded'; one of: " + ", ".join(EVENT_TYPES),
        ),
        (
            [{"url": PUBLIC_URL, "events": []}],
            400,
            "invalid_request",
            "endpoints[0].events",
            "events must be a non-empty list of event types",
        ),
        (
            [{"url": PUBLIC_URL}, {"url": "not a url"}],
            400,
            "invalid_request",
            "endpoints[1].url",
            "endpoints[1].url must use https or http",
        ),
        (
            [{"events": ["call.completed"]}],
            400,
            "invalid_request",
            "endpoints[0].url",
            "endpoints[0].url must be an absolute URL of at most 2048 characters",
        ),
        (
            [{"url": "https://user:pw@93.184.215.14/"}],
            400,
            "invalid_request",
            "endpoints[0].url",
            "endpoints[0].url must have a host and no credentials",
        ),
        (
            [{"url": PUBLIC_URL, "enabled": "yes"}],
            400,
            "invalid_request",
            "endpoints[0].enabled",
            "endpoints[0].enabled must be true or false",
        ),
        (
            [{"id": "whe_unknown", "url": PUBLIC_URL}],
            404,
            "resource_not_found",
            "endpoints[0].id",
            "webhook endpoint not found",
        ),
        ([PUBLIC_URL], 400, "invalid_request", "endpoints[0]", "each endpoint must be an object"),
        (
            [{"url": PUBLIC_URL}] * 11,
            400,
            "invalid_request",
            "endpoints",
            "at most 10 endpoints",
        ),
        (None, 400, "invalid_request", "endpoints", "endpoints must be a list"),
    ],
)
async def test_webhooks_validation(
    client: httpx.AsyncClient,
    endpoints: object,
    status: int,
    code: str,
    param: str,
    message: str,
) -> None:
    t = await make_tenant("pro")
    ok = await client.put(
        _url(t, "webhooks"), json={"endpoints": [{"url": PUBLIC_URL}]}, headers=t.headers
    )
    assert ok.status_code == 200
    before = await WebhookEndpoint.filter(tenant_id=t.id).values()
    r = await client.put(_url(t, "webhooks"), json={"endpoints": endpoints}, headers=t.headers)
    assert_error(r, status, code, param=param, message=message)
    assert await WebhookEndpoint.filter(tenant_id=t.id).values() == before


PRIVATE_URLS = [
    "https://127.0.0.1/x",
    "https://127.8.9.10:8443/x",
    "https://169.254.169.254/latest",
    "https://[::1]/",
    "https://10.0.0.1/",
    "https://172.16.5.4/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",
    "https://0.0.0.0/",
    "https://[fe80::1]/",
    "https://[fd00::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:169.254.169.254]/",
    "https://224.0.0.1/",
    "https://localhost/",
    "https://LOCALHOST:8443/hook",
]


async def test_webhooks_refuse_private_destinations(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    t = await make_tenant("pro")
    configure(settings.with_overrides(allow_private_urls=False))
    for url in PRIVATE_URLS:
        r = await client.put(
            _url(t, "webhooks"), json={"endpoints": [{"url": url}]}, headers=t.headers
        )
        assert_error(
            r,
            400,
            "invalid_request",
            param="endpoints[0].url",
            message="endpoints[0].url resolves to a private, loopback, link-local or reserved"
            " address; in development, VOCALIA_ALLOW_PRIVATE_URLS=1 allows it",
        )
    assert await WebhookEndpoint.all().count() == 0
    for url in (PUBLIC_URL, "https://[2606:4700:4700::1111]/hook", "http://93.184.215.14/dev"):
        r = await client.put(
            _url(t, "webhooks"), json={"endpoints": [{"url": url}]}, headers=t.headers
        )
        assert r.status_code == 200, (url, r.text)
        assert r.json()["endpoints"][0]["url"] == url


async def test_webhooks_private_destinations_allowed_by_setting(
    client: httpx.AsyncClient,
) -> None:
    # The session settings set allow_private_urls=True (loopback receivers in tests).
    t = await make_tenant("pro")
    r = await client.put(
        _url(t, "webhooks"),
        json={"endpoints": [{"url": "https://127.0.0.1/x"}, {"url": "http://localhost:9/y"}]},
        headers=t.headers,
    )
    assert r.status_code == 200, r.text


async def test_webhooks_http_refused_in_production(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    t = await make_tenant("pro")
    configure(settings.with_overrides(env="production", allow_private_urls=False))
    r = await client.put(
        _url(t, "webhooks"),
        json={"endpoints": [{"url": "http://93.184.215.14/hook"}]},
        headers=t.headers,
    )
    assert_error(
        r,
        400,
        "invalid_request",
        param="endpoints[0].url",
        message="endpoints[0].url must use https",
    )
    r = await client.put(
        _url(t, "webhooks"), json={"endpoints": [{"url": PUBLIC_URL}]}, headers=t.headers
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("role", ["member", "viewer"])
async def test_webhooks_need_a_manager(client: httpx.AsyncClient, role: str) -> None:
    t = await make_tenant("pro")
    _, headers = await make_user(t, role)
    message = f"role {role!r} cannot change tenant settings; owner or admin required"
    assert_error(
        await client.get(_url(t, "webhooks"), headers=headers),
        403,
        "insufficient_permissions",
        message=message,
    )
    r = await client.put(
        _url(t, "webhooks"), json={"endpoints": [{"url": PUBLIC_URL}]}, headers=headers
    )
    assert_error(r, 403, "insufficient_permissions", message=message)
    assert await WebhookEndpoint.all().count() == 0


# --- widget configuration -------------------------------------------------------------------

WIDGET_DEFAULTS = {
    "position": "bottom-right",
    "theme": {"primaryColor": "#4f46e5"},
    "greeting": "",
    "persona": "",
    "agentId": None,
    "language": "fr",
}


async def test_widget_config_defaults_and_merge(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    r = await client.get(_url(t, "widget-config"), headers=t.headers)
    assert r.status_code == 200
    assert r.json() == {"widget_config": WIDGET_DEFAULTS}

    r = await client.put(
        _url(t, "widget-config"),
        json={"position": "top-left", "theme": {"secondaryColor": "#AABBCC"}, "language": "ar"},
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    expected = {
        **WIDGET_DEFAULTS,
        "position": "top-left",
        "language": "ar",
        "theme": {"primaryColor": "#4f46e5", "secondaryColor": "#aabbcc"},
    }
    assert r.json() == {"widget_config": expected}

    # The documented wrapper form; earlier settings are kept.
    r = await client.put(
        _url(t, "widget-config"),
        json={
            "widget_config": {
                "greeting": "  Bonjour !  ",
                "persona": "receptionist",
                "agentId": "agent_support_fr",
                "theme": {"primaryColor": "#000000", "textColor": "#ffffff"},
            }
        },
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    expected = {
        **expected,
        "greeting": "Bonjour !",
        "persona": "receptionist",
        "agentId": "agent_support_fr",
        "theme": {"primaryColor": "#000000", "secondaryColor": "#aabbcc", "textColor": "#ffffff"},
    }
    assert r.json() == {"widget_config": expected}
    assert (await client.get(_url(t, "widget-config"), headers=t.headers)).json() == {
        "widget_config": expected
    }
    assert (await Tenant.get(id=t.id)).widget_config["position"] == "top-left"
    assert await AuditLog.filter(tenant_id=t.id, action="tenant.widget_config_updated").count() == 2


async def test_widget_language_defaults_to_the_tenants(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/auth/register",
        json={
            "email": "en@example.com",
            "password": "long-enough-1",
            "company": "E",
            "language": "en",
        },
    )
    assert r.status_code == 201
    login = await client.post(
        "/api/auth/login", json={"email": "en@example.com", "password": "long-enough-1"}
    )
    headers = _bearer(login.json()["access_token"])
    tid = r.json()["tenant"]["id"]
    r = await client.get(f"/api/tenants/{tid}/widget-config", headers=headers)
    assert r.json() == {"widget_config": {**WIDGET_DEFAULTS, "language": "en"}}


@pytest.mark.parametrize(
    ("changes", "param", "message"),
    [
        ({"theme": {"primaryColor": "red"}}, "theme.primaryColor", "theme.primaryColor must be a colour written #rrggbb"),
        ({"theme": {"textColor": "#abc"}}, "theme.textColor", "theme.textColor must be a colour written #rrggbb"),
        ({"theme": {"primaryColor": "#12345g"}}, "theme.primaryColor", "theme.primaryColor must be a colour written #rrggbb"),
        ({"theme": {"accent": "#123456"}}, "theme", "unknown theme keys: accent; use primaryColor, secondaryColor, backgroundColor, textColor"),
        ({"theme": "#123456"}, "theme", "theme must be an object of colours"),
        ({"position": "middle"}, "position", "position must be one of: bottom-right, bottom-left, top-right, top-left"),
        ({"language": "de"}, "language", "language must be one of: fr, en, es, ar, ary"),
        ({"greeting": "x" * 501}, "greeting", "greeting must be at most 500 characters"),
        ({"persona": 3}, "persona", "persona must be a string"),
        ({"zIndex": 5, "colour": "x"}, "colour", "unknown widget settings: colour, zIndex"),
        ({"widget_config": []}, "widget_config", "widget_config must be an object"),
    ],
)  # fmt: skip
async def test_widget_config_validation(
    client: httpx.AsyncClient, changes: dict[str, object], param: str, message: str
) -> None:
    t = await make_tenant()
    ok = await client.put(
        _url(t, "widget-config"), json={"position": "top-right"}, headers=t.headers
    )
    assert ok.status_code == 200
    # A valid change sent with an invalid one is not applied either.
    body = changes if "widget_config" in changes else {"greeting": "not applied", **changes}
    r = await client.put(_url(t, "widget-config"), json=body, headers=t.headers)
    assert_error(r, 400, "invalid_request", param=param, message=message)
    r = await client.get(_url(t, "widget-config"), headers=t.headers)
    assert r.json() == {"widget_config": {**WIDGET_DEFAULTS, "position": "top-right"}}


@pytest.mark.parametrize("role", ["member", "viewer"])
async def test_widget_config_write_needs_a_manager(client: httpx.AsyncClient, role: str) -> None:
    t = await make_tenant()
    _, headers = await make_user(t, role)
    assert (await client.get(_url(t, "widget-config"), headers=headers)).json() == {
        "widget_config": WIDGET_DEFAULTS
    }
    r = await client.put(_url(t, "widget-config"), json={"position": "top-left"}, headers=headers)
    assert_error(
        r,
        403,
        "insufficient_permissions",
        message=f"role {role!r} cannot change tenant settings; owner or admin required",
    )
    assert (await Tenant.get(id=t.id)).widget_config == {}


# --- actions --------------------------------------------------------------------------------

SECRET_HEADER = "Bearer sk_live_abcdefghijklmnop"


async def test_actions_mask_headers_and_keep_secrets(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    r = await client.get(_url(t, "actions"), headers=t.headers)
    assert r.status_code == 200
    assert r.json() == {"actions": []}
    r = await client.put(
        _url(t, "actions"),
        json={
            "actions": [
                {
                    "type": "crm",
                    "event": "call.completed",
                    "target_url": "https://93.184.215.14/crm",
                    "headers": {"Authorization": SECRET_HEADER, "X-Short": "abc"},
                },
                {
                    "type": "sms",
                    "event": "booking.created",
                    "target_url": "https://93.184.215.14/sms",
                    "enabled": False,
                },
            ]
        },
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    crm, sms = r.json()["actions"]
    assert re.fullmatch(r"act_[0-9A-Za-z]{20}", crm["id"])
    assert crm == {
        "id": crm["id"],
        "type": "crm",
        "event": "call.completed",
        "target_url": "https://93.184.215.14/crm",
        "headers": {"Authorization": "Bear••••mnop", "X-Short": "••••"},
        "enabled": True,
    }
    assert sms == {
        "id": sms["id"],
        "type": "sms",
        "event": "booking.created",
        "target_url": "https://93.184.215.14/sms",
        "headers": {},
        "enabled": False,
    }
    r = await client.get(_url(t, "actions"), headers=t.headers)
    assert r.json() == {"actions": [crm, sms]}
    assert "sk_live" not in r.text
    row = await TenantAction.get(id=crm["id"])
    assert row.headers == {"Authorization": SECRET_HEADER, "X-Short": "abc"}

    # Sending the masked values back keeps the stored secrets; a new value replaces one.
    r = await client.put(
        _url(t, "actions"),
        json={
            "actions": [
                {**crm, "headers": {**crm["headers"], "X-Short": "xyz"}, "event": "call.failed"}
            ]
        },
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    [updated] = r.json()["actions"]
    assert (updated["id"], updated["event"]) == (crm["id"], "call.failed")
    row = await TenantAction.get(id=crm["id"])
    assert row.headers == {"Authorization": SECRET_HEADER, "X-Short": "xyz"}
    assert not await TenantAction.filter(id=sms["id"]).exists()
    assert await AuditLog.filter(tenant_id=t.id, action="tenant.actions_updated").count() == 2


@pytest.mark.parametrize(
    ("entry", "status", "code", "param", "message"),
    [
        ({"type": "fax"}, 400, "invalid_request", "actions[0].type", "actions[0].type must be one of: booking, crm, email, sms"),
        ({"event": "call.exploded"}, 400, "invalid_request", "actions[0].event", None),
        ({"target_url": "ftp://x.example/"}, 400, "invalid_request", "actions[0].target_url", "actions[0].target_url must use https or http"),
        ({"headers": {"Host": "evil.example"}}, 400, "invalid_request", "actions[0].headers", "header 'Host' cannot be set"),
        ({"headers": {"X-A": "one\r\nX-B: two"}}, 400, "invalid_request", "actions[0].headers", "header 'X-A' must be a single-line string"),
        ({"headers": {"Bad Name": "v"}}, 400, "invalid_request", "actions[0].headers", "invalid header name 'Bad Name'"),
        ({"headers": ["x"]}, 400, "invalid_request", "actions[0].headers", "headers must be an object of at most 20 string values"),
        ({"id": "act_unknown"}, 404, "resource_not_found", "actions[0].id", "action not found"),
    ],
)  # fmt: skip
async def test_actions_validation(
    client: httpx.AsyncClient,
    entry: dict[str, object],
    status: int,
    code: str,
    param: str,
    message: str | None,
) -> None:
    t = await make_tenant()
    base = {"type": "email", "event": "call.completed", "target_url": PUBLIC_URL}
    r = await client.put(
        _url(t, "actions"), json={"actions": [{**base, **entry}]}, headers=t.headers
    )
    assert_error(r, status, code, param=param, message=message)
    assert await TenantAction.all().count() == 0


async def test_actions_refuse_private_targets(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    t = await make_tenant()
    configure(settings.with_overrides(allow_private_urls=False))
    r = await client.put(
        _url(t, "actions"),
        json={
            "actions": [
                {"type": "crm", "event": "call.completed", "target_url": "https://169.254.169.254/"}
            ]
        },
        headers=t.headers,
    )
    assert_error(r, 400, "invalid_request", param="actions[0].target_url")
    assert await TenantAction.all().count() == 0


@pytest.mark.parametrize("role", ["member", "viewer"])
async def test_actions_need_a_manager(client: httpx.AsyncClient, role: str) -> None:
    t = await make_tenant()
    _, headers = await make_user(t, role)
    message = f"role {role!r} cannot change tenant settings; owner or admin required"
    assert_error(
        await client.get(_url(t, "actions"), headers=headers),
        403,
        "insufficient_permissions",
        message=message,
    )
    r = await client.put(
        _url(t, "actions"),
        json={"actions": [{"type": "crm", "event": "call.completed", "target_url": PUBLIC_URL}]},
        headers=headers,
    )
    assert_error(r, 403, "insufficient_permissions", message=message)
    assert await TenantAction.all().count() == 0


# --- who may call the tenant routes -----------------------------------------------------------

WRITES = [
    ("PUT", "allowed-origins", {"origins": ["https://x.example"]}),
    ("POST", "api-key/rotate", None),
    ("PUT", "webhooks", {"endpoints": [{"url": PUBLIC_URL}]}),
    ("PUT", "widget-config", {"position": "top-left"}),
    ("PUT", "actions", {"actions": [{"type": "crm", "event": "call.completed", "target_url": PUBLIC_URL}]}),
    ("DELETE", "data", {"confirm": "DELETE_ALL_DATA_{id}"}),
]  # fmt: skip
READS = ["usage", "allowed-origins", "api-key", "webhooks", "widget-config", "actions"]


def _body(body: dict[str, object] | None, tenant_id: str) -> dict[str, object] | None:
    if body is None or "confirm" not in body:
        return body
    return {"confirm": str(body["confirm"]).format(id=tenant_id)}


async def _snapshot(t: TenantCtx) -> tuple[object, ...]:
    return (
        await Tenant.filter(id=t.id).values(),
        await AllowedOrigin.filter(tenant_id=t.id).order_by("position").values_list("origin"),
        await ApiKey.filter(tenant_id=t.id).order_by("id").values("id", "revoked_at"),
        await WebhookEndpoint.filter(tenant_id=t.id).order_by("id").values("id", "url", "secret"),
        await TenantAction.filter(tenant_id=t.id).order_by("id").values("id", "headers"),
    )


@pytest.mark.parametrize("role", ["member", "viewer"])
@pytest.mark.parametrize(("method", "path", "body"), WRITES)
async def test_writes_need_a_manager(
    client: httpx.AsyncClient, role: str, method: str, path: str, body: dict[str, object] | None
) -> None:
    t = await make_tenant("pro")
    _, headers = await make_user(t, role)
    before = await _snapshot(t)
    r = await client.request(method, _url(t, path), json=_body(body, t.id), headers=headers)
    assert_error(r, 403, "insufficient_permissions")
    assert await _snapshot(t) == before


@pytest.mark.parametrize(("method", "path", "body"), [*[("GET", p, None) for p in READS], *WRITES])
async def test_tenant_routes_refuse_bad_credentials(
    client: httpx.AsyncClient,
    settings: Settings,
    method: str,
    path: str,
    body: dict[str, object] | None,
) -> None:
    t = await make_tenant("pro")
    other = await make_tenant("pro")
    secret = await make_key(t, "secret")
    test_key = await make_key(t, "secret", "test")
    publishable = await make_key(t, "publishable")
    before = await _snapshot(t)
    payload = _body(body, t.id)
    url = _url(t, path)
    # API keys are for /v1, /respond and GraphQL, not for the dashboard routes.
    for key in (t.api_key, secret, test_key):
        r = await client.request(method, url, json=payload, headers=_bearer(key))
        assert_error(
            r,
            403,
            "insufficient_permissions",
            message="dashboard routes need a user access token, not an API key",
        )
    r = await client.request(method, url, json=payload, headers=_bearer(publishable))
    assert_error(r, 403, "insufficient_permissions")
    now = int(time.time())
    expired = jwt.encode(
        {
            "sub": t.owner.id,
            "tid": t.id,
            "role": "owner",
            "jti": "jti_e",
            "typ": "access",
            "iat": now - 1000,
            "exp": now - 1,
        },
        settings.jwt_secret,
        algorithm="HS256",
    )
    for headers, message in [
        ({}, "authentication required: send Authorization: Bearer <token>"),
        ({"Authorization": "Bearer garbage"}, "invalid access token"),
        ({"Authorization": f"Bearer {expired}"}, "access token expired"),
    ]:
        r = await client.request(method, url, json=payload, headers=headers)
        assert_error(r, 401, "invalid_api_key", message=message)
    # Another tenant's owner gets 404, never the data.
    r = await client.request(method, url, json=_body(body, other.id), headers=other.headers)
    assert_error(r, 404, "resource_not_found", message="tenant not found")
    assert await _snapshot(t) == before
    # An unknown tenant id is 404 too.
    r = await client.request(
        method, f"/api/tenants/nope_0000/{path}", json=payload, headers=t.headers
    )
    assert_error(r, 404, "resource_not_found", message="tenant not found")
