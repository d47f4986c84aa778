"""GraphQL tenant fields (usage, allowedOrigins, widgetConfig, apiKey, webhookEndpoints,
actions) and the tenant mutations, with the same results and codes as /api/tenants/:id."""

import re
from typing import Any

import httpx
import pytest

from models.audit import AuditLog
from models.credential import ApiKey
from models.tenant import AllowedOrigin, Tenant, TenantAction, WebhookEndpoint
from models.usage import UsageCounter
from models.user import RefreshToken, User
from resolvers import auth, usage
from tests.factories import PASSWORD, make_key, make_tenant, make_user
from tests.graphql import bearer, data, gql, gql_error, rest_error

HOOK = "https://127.0.0.1:9/hooks"
CRM = "https://127.0.0.1:9/crm"


FORBIDDEN = {"code": "insufficient_permissions", "status": 403}


async def audit_actions(tenant_id: str) -> list[str]:
    rows = await AuditLog.filter(tenant_id=tenant_id).order_by("created_at", "id")
    return [r.action for r in rows]


# --- tenant and usage ----------------------------------------------------------------


async def test_tenant_defaults_to_the_callers_own(client: httpx.AsyncClient) -> None:
    t = await make_tenant(plan="pro", company="Delta Dental")
    body = await gql(client, "{ tenant { id name plan language createdAt } }", headers=t.headers)
    tenant = data(body)["tenant"]
    assert (tenant["id"], tenant["name"], tenant["plan"], tenant["language"]) == (
        t.id,
        "Delta Dental",
        "pro",
        "fr",
    )
    assert tenant["createdAt"] == t.tenant.created_at.isoformat()
    named = await gql(client, "query($t: ID) { tenant(id: $t) { id } }", {"t": t.id}, t.headers)
    assert data(named) == {"tenant": {"id": t.id}}


async def test_usage_matches_rest(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    await usage.increment(t.id, "calls", 13)
    await usage.increment(t.id, "sessions", 5)
    body = await gql(
        client,
        "{ tenant { usage { plan periodStart periodEnd featuresEnabled"
        " calls { used limit pct } sessions { used limit pct } kb { used limit pct } } } }",
        headers=t.headers,
    )
    start, end = usage.period_bounds(usage.current_period())
    assert data(body)["tenant"]["usage"] == {
        "plan": "starter",
        "periodStart": start.isoformat(),
        "periodEnd": end.isoformat(),
        "featuresEnabled": ["voice_widget"],
        "calls": {"used": 13, "limit": 100, "pct": 13},
        "sessions": {"used": 5, "limit": 500, "pct": 1},
        "kb": {"used": 0, "limit": 200, "pct": 0},
    }
    rest = (await client.get(f"/api/tenants/{t.id}/usage", headers=t.headers)).json()
    assert rest["quotas"] == {
        "calls": {"used": 13, "limit": 100, "pct": 13},
        "sessions": {"used": 5, "limit": 500, "pct": 1},
        "kb": {"used": 0, "limit": 200, "pct": 0},
    }
    assert rest["features_enabled"] == ["voice_widget"]


async def test_anonymous_tenant_query_is_invalid_api_key(client: httpx.AsyncClient) -> None:
    body = await gql(client, "{ tenant { id } }")
    assert gql_error(body) == {"code": "invalid_api_key", "status": 401}


# --- allowed origins -----------------------------------------------------------------

SET_ORIGINS = "mutation($o: [String!]!) { setAllowedOrigins(origins: $o) }"


async def test_set_allowed_origins_normalises_and_lists(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    assert data(await gql(client, "{ tenant { allowedOrigins } }", headers=t.headers)) == {
        "tenant": {"allowedOrigins": []}
    }
    body = await gql(
        client,
        SET_ORIGINS,
        {"o": ["https://Shop.Example/", "https://shop.example:443", "http://localhost:3000"]},
        t.headers,
    )
    expected = ["https://shop.example", "http://localhost:3000"]
    assert data(body) == {"setAllowedOrigins": expected}
    listed = await gql(client, "{ tenant { allowedOrigins } }", headers=t.headers)
    assert data(listed) == {"tenant": {"allowedOrigins": expected}}
    rest = await client.get(f"/api/tenants/{t.id}/allowed-origins", headers=t.headers)
    assert rest.json() == {"origins": expected}
    assert (await audit_actions(t.id))[-1] == "tenant.origins_updated"


@pytest.mark.parametrize(
    ("origins", "expected"),
    [
        (
            ["https://a.example", "https://b.example", "https://c.example"],
            {"code": "invalid_request", "status": 400, "param": "origins"},
        ),
        (["ftp://files.example"], {"code": "invalid_request", "status": 400, "param": "origins"}),
        (
            ["https://shop.example/path"],
            {"code": "invalid_request", "status": 400, "param": "origins"},
        ),
    ],
)
async def test_set_allowed_origins_errors_match_rest(
    client: httpx.AsyncClient, origins: list[str], expected: dict[str, Any]
) -> None:
    t = await make_tenant()  # starter: at most 2 origins
    assert gql_error(await gql(client, SET_ORIGINS, {"o": origins}, t.headers)) == expected
    r = await client.put(
        f"/api/tenants/{t.id}/allowed-origins", json={"origins": origins}, headers=t.headers
    )
    assert rest_error(r) == expected
    assert await AllowedOrigin.filter(tenant_id=t.id).count() == 0


async def test_members_and_keys_cannot_change_tenant_settings(client: httpx.AsyncClient) -> None:
    t = await make_tenant(plan="pro")
    _, member = await make_user(t, role="member")
    secret = bearer(await make_key(t))
    mutations = [
        (SET_ORIGINS, {"o": ["https://shop.example"]}),
        ("mutation { rotateTenantApiKey { apiKey } }", {}),
        (f'mutation {{ setWebhookEndpoints(endpoints: [{{url: "{HOOK}"}}]) {{ id }} }}', {}),
        ('mutation { updateWidgetConfig(config: {greeting: "x"}) { greeting } }', {}),
        ("mutation { setActions(actions: []) { id } }", {}),
        (f'mutation {{ eraseTenantData(confirm: "DELETE_ALL_DATA_{t.id}") }}', {}),
    ]
    for headers in (member, secret):
        for query, variables in mutations:
            assert gql_error(await gql(client, query, variables, headers)) == FORBIDDEN, query
    for field in ("apiKey { masked }", "webhookEndpoints { id }", "actions { id }"):
        body = await gql(client, f"{{ tenant {{ {field} }} }}", headers=member)
        assert gql_error(body) == FORBIDDEN, field
    assert await audit_actions(t.id) == ["tenant.registered", "api_key.created"]
    assert await Tenant.filter(id=t.id).count() == 1


async def test_members_and_keys_read_origins_usage_and_widget(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    _, member = await make_user(t, role="viewer")
    for headers in (member, bearer(await make_key(t)), bearer(t.api_key)):
        body = await gql(
            client,
            "{ tenant { id allowedOrigins usage { plan } widgetConfig { position } } }",
            headers=headers,
        )
        assert data(body) == {
            "tenant": {
                "id": t.id,
                "allowedOrigins": [],
                "usage": {"plan": "starter"},
                "widgetConfig": {"position": "bottom-right"},
            }
        }


# --- tenant key ----------------------------------------------------------------------


async def test_api_key_is_masked_and_rotation_revokes_the_old_one(
    client: httpx.AsyncClient,
) -> None:
    t = await make_tenant()
    old = t.api_key
    body = await gql(
        client, "{ tenant { apiKey { masked createdAt lastUsedAt } } }", headers=t.headers
    )
    key = data(body)["tenant"]["apiKey"]
    assert key["masked"] == f"vk_{old[3:7]}…{old[-4:]}"
    assert key["lastUsedAt"] is None
    assert data(await gql(client, "{ tenant { id } }", headers=bearer(old))) == {
        "tenant": {"id": t.id}
    }
    used = await gql(client, "{ tenant { apiKey { lastUsedAt } } }", headers=t.headers)
    assert data(used)["tenant"]["apiKey"]["lastUsedAt"] is not None

    rotated = data(
        await gql(client, "mutation { rotateTenantApiKey { apiKey masked } }", headers=t.headers)
    )
    new = rotated["rotateTenantApiKey"]["apiKey"]
    assert re.fullmatch(r"vk_[0-9a-f]{48}", new)
    assert new != old
    assert rotated["rotateTenantApiKey"]["masked"] == f"vk_{new[3:7]}…{new[-4:]}"
    # The old key fails at once; the new one works.
    assert gql_error(await gql(client, "{ tenant { id } }", headers=bearer(old))) == {
        "code": "invalid_api_key",
        "status": 401,
    }
    assert data(await gql(client, "{ tenant { id } }", headers=bearer(new))) == {
        "tenant": {"id": t.id}
    }
    listed = await gql(client, "{ tenant { apiKey { masked lastUsedAt } } }", headers=t.headers)
    assert data(listed)["tenant"]["apiKey"]["masked"] == f"vk_{new[3:7]}…{new[-4:]}"
    rest = (await client.get(f"/api/tenants/{t.id}/api-key", headers=t.headers)).json()
    assert rest["api_key"] == f"vk_{new[3:7]}…{new[-4:]}"
    entry = await AuditLog.get(tenant_id=t.id, action="tenant.api_key_rotated")
    assert (entry.actor_id, entry.ip, entry.data["revoked"]) == (t.owner.id, "127.0.0.1", 1)
    assert await ApiKey.filter(tenant_id=t.id, kind="tenant", revoked_at=None).count() == 1


# --- webhook endpoints ---------------------------------------------------------------

SET_HOOKS = """
mutation($e: [WebhookEndpointInput!]!) {
  setWebhookEndpoints(endpoints: $e) { id url events enabled disabledReason secret }
}"""
LIST_HOOKS = "{ tenant { webhookEndpoints { id url events enabled secret } } }"


async def test_webhooks_need_the_pro_plan(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    assert gql_error(await gql(client, LIST_HOOKS, headers=t.headers)) == FORBIDDEN
    body = await gql(client, SET_HOOKS, {"e": [{"url": HOOK}]}, t.headers)
    assert gql_error(body) == FORBIDDEN
    r = await client.get(f"/api/tenants/{t.id}/webhooks", headers=t.headers)
    assert rest_error(r) == FORBIDDEN
    assert await WebhookEndpoint.filter(tenant_id=t.id).count() == 0


async def test_webhook_secret_is_shown_once_and_rotates(client: httpx.AsyncClient) -> None:
    t = await make_tenant(plan="pro")
    created = data(
        await gql(
            client, SET_HOOKS, {"e": [{"url": HOOK, "events": ["call.completed"]}]}, t.headers
        )
    )["setWebhookEndpoints"]
    [endpoint] = created
    assert endpoint["id"].startswith("whe_")
    assert (endpoint["url"], endpoint["events"], endpoint["enabled"]) == (
        HOOK,
        ["call.completed"],
        True,
    )
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", endpoint["secret"])
    listed = data(await gql(client, LIST_HOOKS, headers=t.headers))["tenant"]["webhookEndpoints"]
    assert listed == [
        {
            "id": endpoint["id"],
            "url": HOOK,
            "events": ["call.completed"],
            "enabled": True,
            "secret": None,
        }
    ]

    kept = data(
        await gql(
            client,
            SET_HOOKS,
            {"e": [{"id": endpoint["id"], "url": HOOK, "enabled": False}]},
            t.headers,
        )
    )["setWebhookEndpoints"]
    assert (kept[0]["id"], kept[0]["secret"], kept[0]["enabled"]) == (endpoint["id"], None, False)
    assert kept[0]["events"] == [
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
    rotated = data(
        await gql(
            client,
            SET_HOOKS,
            {"e": [{"id": endpoint["id"], "url": HOOK, "rotateSecret": True}]},
            t.headers,
        )
    )["setWebhookEndpoints"]
    assert rotated[0]["secret"].startswith("whsec_")
    assert rotated[0]["secret"] != endpoint["secret"]
    row = await WebhookEndpoint.get(id=endpoint["id"])
    assert (row.secret, row.previous_secret) == (rotated[0]["secret"], endpoint["secret"])

    assert data(await gql(client, SET_HOOKS, {"e": []}, t.headers)) == {"setWebhookEndpoints": []}
    assert await WebhookEndpoint.filter(tenant_id=t.id).count() == 0


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        (
            {"url": HOOK, "events": ["call.exploded"]},
            {"code": "invalid_request", "status": 400, "param": "endpoints[0].events"},
        ),
        (
            {"url": "ftp://127.0.0.1/x"},
            {"code": "invalid_request", "status": 400, "param": "endpoints[0].url"},
        ),
        (
            {"url": HOOK, "id": "whe_unknown"},
            {"code": "resource_not_found", "status": 404, "param": "endpoints[0].id"},
        ),
    ],
)
async def test_webhook_errors_match_rest(
    client: httpx.AsyncClient, endpoint: dict[str, Any], expected: dict[str, Any]
) -> None:
    t = await make_tenant(plan="pro")
    assert gql_error(await gql(client, SET_HOOKS, {"e": [endpoint]}, t.headers)) == expected
    rest_endpoint = dict(endpoint)
    r = await client.put(
        f"/api/tenants/{t.id}/webhooks", json={"endpoints": [rest_endpoint]}, headers=t.headers
    )
    assert rest_error(r) == expected
    assert await WebhookEndpoint.filter(tenant_id=t.id).count() == 0


# --- widget configuration ------------------------------------------------------------

WIDGET_FIELDS = (
    "position language greeting persona agentId"
    " theme { primaryColor secondaryColor backgroundColor textColor }"
)
WIDGET = f"widgetConfig {{ {WIDGET_FIELDS} }}"
UPDATE_WIDGET = (
    f"mutation($c: WidgetConfigInput!) {{ updateWidgetConfig(config: $c) {{ {WIDGET_FIELDS} }} }}"
)


async def test_widget_config_defaults_and_update(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    default = data(await gql(client, f"{{ tenant {{ {WIDGET} }} }}", headers=t.headers))
    assert default["tenant"]["widgetConfig"] == {
        "position": "bottom-right",
        "language": "fr",
        "greeting": "",
        "persona": "",
        "agentId": None,
        "theme": {
            "primaryColor": "#4f46e5",
            "secondaryColor": None,
            "backgroundColor": None,
            "textColor": None,
        },
    }
    changes = {
        "position": "top-left",
        "language": "ar",
        "greeting": "Marhaba",
        "theme": {"primaryColor": "#ABCDEF", "textColor": "#000000"},
    }
    updated = data(await gql(client, UPDATE_WIDGET, {"c": changes}, t.headers))
    expected = {
        "position": "top-left",
        "language": "ar",
        "greeting": "Marhaba",
        "persona": "",
        "agentId": None,
        "theme": {
            "primaryColor": "#abcdef",
            "secondaryColor": None,
            "backgroundColor": None,
            "textColor": "#000000",
        },
    }
    assert updated == {"updateWidgetConfig": expected}
    # Omitted fields keep their value; the theme merges.
    again = data(
        await gql(
            client, UPDATE_WIDGET, {"c": {"theme": {"backgroundColor": "#ffffff"}}}, t.headers
        )
    )
    assert again["updateWidgetConfig"]["theme"] == {
        **expected["theme"],
        "backgroundColor": "#ffffff",
    }
    assert again["updateWidgetConfig"]["greeting"] == "Marhaba"
    rest = (await client.get(f"/api/tenants/{t.id}/widget-config", headers=t.headers)).json()
    assert rest["widget_config"]["theme"] == {
        "primaryColor": "#abcdef",
        "textColor": "#000000",
        "backgroundColor": "#ffffff",
    }
    assert (await audit_actions(t.id)).count("tenant.widget_config_updated") == 2


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"position": "middle"}, {"code": "invalid_request", "status": 400, "param": "position"}),
        ({"language": "de"}, {"code": "invalid_request", "status": 400, "param": "language"}),
        (
            {"theme": {"primaryColor": "red"}},
            {"code": "invalid_request", "status": 400, "param": "theme.primaryColor"},
        ),
    ],
)
async def test_widget_config_errors_match_rest(
    client: httpx.AsyncClient, changes: dict[str, Any], expected: dict[str, Any]
) -> None:
    t = await make_tenant()
    assert gql_error(await gql(client, UPDATE_WIDGET, {"c": changes}, t.headers)) == expected
    r = await client.put(
        f"/api/tenants/{t.id}/widget-config", json={"widget_config": changes}, headers=t.headers
    )
    assert rest_error(r) == expected
    assert (await Tenant.get(id=t.id)).widget_config == {}


# --- actions -------------------------------------------------------------------------

SET_ACTIONS = """
mutation($a: [ActionInput!]!) { setActions(actions: $a) { id type event targetUrl headers enabled } }"""


async def test_actions_mask_header_values_and_keep_secrets(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    action = {
        "type": "crm",
        "event": "lead.qualified",
        "targetUrl": CRM,
        "headers": {"X-Api-Key": "supersecretvalue123", "X-Short": "abc"},
    }
    [created] = data(await gql(client, SET_ACTIONS, {"a": [action]}, t.headers))["setActions"]
    assert created["id"].startswith("act_")
    assert created == {
        "id": created["id"],
        "type": "crm",
        "event": "lead.qualified",
        "targetUrl": CRM,
        "headers": {"X-Api-Key": "supe••••e123", "X-Short": "••••"},
        "enabled": True,
    }
    listed = data(await gql(client, "{ tenant { actions { id headers } } }", headers=t.headers))
    assert listed == {"tenant": {"actions": [{"id": created["id"], "headers": created["headers"]}]}}

    # Sending the masked values back keeps the stored secrets.
    kept = {**action, "id": created["id"], "headers": created["headers"], "enabled": False}
    [updated] = data(await gql(client, SET_ACTIONS, {"a": [kept]}, t.headers))["setActions"]
    assert (updated["id"], updated["enabled"]) == (created["id"], False)
    row = await TenantAction.get(id=created["id"])
    assert row.headers == {"X-Api-Key": "supersecretvalue123", "X-Short": "abc"}
    assert data(await gql(client, SET_ACTIONS, {"a": []}, t.headers)) == {"setActions": []}
    assert await TenantAction.filter(tenant_id=t.id).count() == 0


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (
            {"type": "fax", "event": "call.completed", "targetUrl": CRM},
            {"code": "invalid_request", "status": 400, "param": "actions[0].type"},
        ),
        (
            {"type": "crm", "event": "call.completed", "targetUrl": "mailto:x@example.com"},
            {"code": "invalid_request", "status": 400, "param": "actions[0].target_url"},
        ),
        (
            {"type": "crm", "event": "call.completed", "targetUrl": CRM, "headers": {"Host": "x"}},
            {"code": "invalid_request", "status": 400, "param": "actions[0].headers"},
        ),
        (
            {"type": "crm", "event": "call.completed", "targetUrl": CRM, "id": "act_unknown"},
            {"code": "resource_not_found", "status": 404, "param": "actions[0].id"},
        ),
    ],
)
async def test_action_errors_match_rest(
    client: httpx.AsyncClient, action: dict[str, Any], expected: dict[str, Any]
) -> None:
    t = await make_tenant()
    assert gql_error(await gql(client, SET_ACTIONS, {"a": [action]}, t.headers)) == expected
    rest_action = {("target_url" if k == "targetUrl" else k): v for k, v in action.items()}
    r = await client.put(
        f"/api/tenants/{t.id}/actions", json={"actions": [rest_action]}, headers=t.headers
    )
    assert rest_error(r) == expected
    assert await TenantAction.filter(tenant_id=t.id).count() == 0


# --- GDPR erasure --------------------------------------------------------------------

ERASE = "mutation($c: String!) { eraseTenantData(confirm: $c) }"


async def test_erase_tenant_data_removes_every_row(client: httpx.AsyncClient) -> None:
    t = await make_tenant(plan="pro")
    other = await make_tenant()
    await make_user(t, role="admin")
    await auth.login(email=t.owner.email, password=PASSWORD)
    await make_key(t)
    await gql(client, SET_ORIGINS, {"o": ["https://shop.example"]}, t.headers)
    await gql(client, SET_HOOKS, {"e": [{"url": HOOK}]}, t.headers)
    await usage.increment(t.id, "calls")

    body = await gql(client, ERASE, {"c": f"DELETE_ALL_DATA_{t.id}"}, t.headers)
    deleted = data(body)["eraseTenantData"]
    # Tables the tenant had no rows in (calls, agents, ...) are listed with 0.
    assert {table: n for table, n in deleted.items() if n} == {
        "refresh_tokens": 1,
        "users": 2,
        "allowed_origins": 1,
        "webhook_endpoints": 1,
        "api_keys": 2,
        "usage_counters": 1,
        "audit_logs": 4,
        "tenants": 1,
    }
    zero = {table for table, n in deleted.items() if not n}
    assert zero >= {"tenant_actions", "agents", "phone_numbers", "calls", "webhook_events"}
    for model in (Tenant, User, ApiKey, AllowedOrigin, WebhookEndpoint, UsageCounter):
        assert (
            await model.filter(**({"id": t.id} if model is Tenant else {"tenant_id": t.id})).count()
            == 0
        )
    assert await RefreshToken.filter(user__tenant_id=t.id).count() == 0
    assert await audit_actions(t.id) == ["tenant.erased"]
    # The owner's token no longer opens anything; the other tenant is untouched.
    assert gql_error(await gql(client, "{ me { id } }", headers=t.headers)) == {
        "code": "invalid_api_key",
        "status": 401,
    }
    assert await User.filter(tenant_id=other.id).count() == 1
    assert await ApiKey.filter(tenant_id=other.id).count() == 1


@pytest.mark.parametrize(
    ("role", "confirm", "expected"),
    [
        (
            "owner",
            "DELETE_ALL_DATA",
            {"code": "invalid_request", "status": 400, "param": "confirm"},
        ),
        ("admin", "DELETE_ALL_DATA_{id}", FORBIDDEN),
    ],
)
async def test_erase_errors_match_rest(
    client: httpx.AsyncClient, role: str, confirm: str, expected: dict[str, Any]
) -> None:
    t = await make_tenant()
    headers = t.headers if role == "owner" else (await make_user(t, role=role))[1]
    confirm = confirm.replace("{id}", t.id)
    assert gql_error(await gql(client, ERASE, {"c": confirm}, headers)) == expected
    r = await client.request(
        "DELETE", f"/api/tenants/{t.id}/data", json={"confirm": confirm}, headers=headers
    )
    assert rest_error(r) == expected
    assert await Tenant.filter(id=t.id).count() == 1
    assert "tenant.erased" not in await audit_actions(t.id)
