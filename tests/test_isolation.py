"""Tenant isolation: every tenant-scoped REST route and GraphQL field, called by tenant A's owner
on tenant B's ids, answers 404 resource_not_found, reads nothing and changes nothing.

The routes and fields are found by introspecting the app's route table and the GraphQL schema;
a route or field added later without a case here makes `test_every_tenant_scoped_*` fail.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLField,
    GraphQLID,
    GraphQLObjectType,
    get_named_type,
    is_leaf_type,
)
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from tortoise import Tortoise
from tortoise.models import Model

from models.booking import Booking, Callback, Lead
from models.conversation import Conversation
from models.knowledge import KnowledgeJob
from models.process import ProcessHeartbeat
from models.tenant import Tenant
from models.webhook import WebhookAttempt, WebhookDelivery, WebhookEvent
from resolvers import (
    actions,
    agents,
    auth,
    calls,
    demo,
    events,
    idempotency,
    keys,
    origins,
    profiles,
    tenants,
    usage,
    webhooks,
)
from resolvers.knowledge import importers
from resolvers.principals import Principal
from resolvers.security import issue_access_token
from resolvers.settings import configure, get_settings
from schema import schema
from tests.factories import PASSWORD, TenantCtx, make_key, make_tenant, make_user
from tests.ws import serve, session

# --- tenant B, rich enough that there is something to leak ------------------------------

B_ORIGINS = ["https://zephyrine-shop.example", "https://zephyrine-app.example"]
B_HOOK_URL = "https://127.0.0.1:9/zephyrine-hooks"
B_ACTION_URL = "https://127.0.0.1:9/zephyrine-crm"
B_ACTION_TOKEN = "Bearer zephyrine-crm-token-0042"
B_GREETING = "Bienvenue chez Zephyrine, que puis-je faire ?"
B_COLOUR = "#7a3e9d"
UNKNOWN_TENANT = "nobody_here_zz99"
# B's telephony: an agent, a number, and a call that stays ringing (the carrier is told to wait
# an hour before answering), so a transfer or hang-up that crossed tenants would show.
B_AGENT = "agent_zephyrine_vip"  # an id A may name: not a secret
B_AGENT_NAME = "Zephyrine Concierge"
B_AGENT_INSTRUCTIONS = "Zephyrine confidential playbook 7731"
B_NUMBER = "+212522998877"
B_CALLEE = "+212612998877"
B_ORDER = "zeph-order-5566"
# What B's agent recorded on that call: a booking, a lead and a callback.
B_BOOKED_NAME = "Zephyrine Booked Guest"
B_LEAD_EMAIL = "zephyrine-lead@hidden.example"
B_CALLBACK_PHONE = "+212612998800"
# B's knowledge base: an entry, and a crawl job that is over (so nothing changes its row).
B_KB_KEY = "zephyrine-vault"
B_KB_ANSWER = "Le coffre Zephyrine ouvre avec le code quatre-quatre-cinq-cinq."
B_KB_SITE = "https://zephyrine-docs.example/"
B_TEXT_MESSAGE = "Zephyrine visitor asks about the vault 8812"  # a /respond conversation
B_CONVERSATION = "conv_zephyrineconv001"


@dataclass
class World:
    a: TenantCtx
    b: TenantCtx
    b_key_ids: list[str]  # B's secret live, secret test and publishable keys
    b_endpoint_id: str
    b_action_id: str
    b_delivery_id: str
    b_tenant_key_masked: str
    secrets: list[str]  # every value of B that must never appear in A's responses
    b_number_id: str
    b_call_id: str
    b_entry_id: str
    b_job_id: str
    b_profile_id: str

    def fill(self, value: Any) -> Any:
        """Replace the placeholders of a case's body or variables with B's ids."""
        if isinstance(value, str):
            return (
                value.replace("{B}", self.b.id)
                .replace("{B_KEY}", self.b_key_ids[0])
                .replace("{B_ENDPOINT}", self.b_endpoint_id)
                .replace("{B_ACTION}", self.b_action_id)
                .replace("{B_AGENT}", B_AGENT)
                .replace("{B_NUMBER}", self.b_number_id)
                .replace("{B_CALL}", self.b_call_id)
                .replace("{B_DELIVERY}", self.b_delivery_id)
                .replace("{B_ENTRY}", self.b_entry_id)
                .replace("{B_JOB}", self.b_job_id)
                .replace("{B_CONV}", B_CONVERSATION)
                .replace("{B_PROFILE}", self.b_profile_id)
            )
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        return value


async def b_telephony(b: TenantCtx) -> tuple[str, str]:
    """B's agent, default number and a ringing call (placed with a sandbox key: no quota used)."""
    await agents.create_agent(
        b.principal, {"id": B_AGENT, "name": B_AGENT_NAME, "instructions": B_AGENT_INSTRUCTIONS}
    )
    number = await agents.add_phone_number(b.principal, {"number": B_NUMBER})
    configure(get_settings().with_overrides(sim_ring_seconds=0.02, sim_answer_seconds=3600))
    sandbox = Principal(kind="secret_key", tenant_id=b.id, role="service", plan="pro", mode="test")
    body = {"to": B_CALLEE, "agentId": B_AGENT, "metadata": {"order": B_ORDER}}

    async def create() -> tuple[int, Any]:
        made = await calls.create_call(
            sandbox, to=B_CALLEE, agent_id=B_AGENT, metadata={"order": B_ORDER}
        )
        return 201, {"id": made.id}

    # Placed with an Idempotency-Key, so B has a row in that table too.
    answer = await idempotency.once(sandbox, B_ORDER, "POST /v1/calls", body, create)
    call = await calls.get_call(sandbox, answer.body["id"])
    while (await calls.get_call(sandbox, call.id)).status != "ringing":
        await asyncio.sleep(0.01)
    return number.id, call.id


@pytest.fixture
async def world(app: Starlette) -> World:
    a = await make_tenant(company="Alpha Visible Co")
    b = await make_tenant(
        plan="pro",
        company="Zephyrine Hidden Corp",
        email="zephyrine-owner@hidden.example",
        name="Zephyrine Owner",
    )
    member, _ = await make_user(
        b, role="member", email="zephyrine-member@hidden.example", name="Zephyrine Member"
    )
    await auth.login(email=b.owner.email, password=PASSWORD)  # a refresh token row
    await origins.set_origins(b.principal, list(B_ORIGINS))
    b_number_id, b_call_id = await b_telephony(b)
    [endpoint] = await webhooks.set_endpoints(b.principal, [{"url": B_HOOK_URL}])
    [action] = await actions.set_actions(
        b.principal,
        [
            {
                "type": "crm",
                "event": "call.completed",
                "target_url": B_ACTION_URL,
                "headers": {"Authorization": B_ACTION_TOKEN},
            }
        ],
    )
    await tenants.update_widget_config(
        b.principal, {"greeting": B_GREETING, "theme": {"primaryColor": B_COLOUR}}
    )
    issued = [
        await keys.create_key(b.principal, kind="secret", mode="live", name="zephyrine-live"),
        await keys.create_key(b.principal, kind="secret", mode="test", name="zephyrine-sandbox"),
        await keys.create_key(b.principal, kind="publishable", name="zephyrine-widget"),
    ]
    await usage.increment(b.id, "calls", 7)
    # A settled webhook delivery with its attempt (settled: the worker leaves it alone).
    event = await WebhookEvent.create(
        id="evt_zephyrineevent01", tenant_id=b.id, type="call.completed", body="{}"
    )
    delivery = await WebhookDelivery.create(
        id="dlv_zephyrinedelivery1",
        tenant_id=b.id,
        event=event,
        endpoint_id=endpoint.endpoint.id,
        url=B_HOOK_URL,
        status="succeeded",
        attempts=1,
    )
    await WebhookAttempt.create(delivery=delivery, at=event.created_at, status_code=200)
    tool_rows = await b_tool_rows(b, b_call_id)
    entry_id, job_id = await b_knowledge(b)
    b_profiles = await profiles.list_profiles(b.principal)
    assert b_profiles.items, "B's leads and callbacks make profiles"
    tenant_key = await keys.get_tenant_key(b.principal)
    secrets = [
        b.id,
        b.tenant.name,
        b.owner.email,
        b.owner.name,
        member.email,
        member.name,
        b.api_key,
        tenant_key.masked,
        *B_ORIGINS,
        B_HOOK_URL,
        endpoint.endpoint.id,
        str(endpoint.secret),
        B_ACTION_URL,
        action.id,
        B_ACTION_TOKEN,
        B_AGENT_NAME,
        B_AGENT_INSTRUCTIONS,
        B_NUMBER,
        B_CALLEE,
        B_ORDER,
        b_number_id,
        b_call_id,
        event.id,
        delivery.id,
        *actions.masked_headers(action).values(),
        B_GREETING,
        B_COLOUR,
        *(k.secret for k in issued),
        *(k.key.masked for k in issued),
        *(k.key.name for k in issued),
        *(k.key.id for k in issued),
        B_BOOKED_NAME,
        B_LEAD_EMAIL,
        B_CALLBACK_PHONE,
        *tool_rows,
        B_KB_KEY,
        B_KB_ANSWER,
        B_KB_SITE,
        B_TEXT_MESSAGE,
        B_CONVERSATION,
        entry_id,
        job_id,
        *(p.id for p in b_profiles.items),
    ]
    return World(
        a=a,
        b=b,
        b_key_ids=[k.key.id for k in issued],
        b_endpoint_id=endpoint.endpoint.id,
        b_action_id=action.id,
        b_delivery_id=delivery.id,
        b_tenant_key_masked=tenant_key.masked,
        secrets=secrets,
        b_number_id=b_number_id,
        b_call_id=b_call_id,
        b_entry_id=entry_id,
        b_job_id=job_id,
        b_profile_id=b_profiles.items[0].id,
    )


async def b_knowledge(b: TenantCtx) -> tuple[str, str]:
    saved = await importers.save_entry(
        b.principal, {"key": B_KB_KEY, "value": B_KB_ANSWER, "language": "fr"}
    )
    job = await KnowledgeJob.create(
        id="kbj_zephyrinejob00001",
        tenant_id=b.id,
        language="fr",
        url=B_KB_SITE,
        status="completed",
        max_pages=5,
        max_depth=1,
        max_bytes=1000,
        seen=[B_KB_SITE],
        skipped=[{"url": B_KB_SITE + "private", "reason": "disallowed by robots.txt"}],
    )
    await Conversation.create(
        id=B_CONVERSATION,
        tenant_id=b.id,
        agent_id=B_AGENT,
        language="fr",
        transcript=[{"role": "user", "content": B_TEXT_MESSAGE}],
        turns=1,
    )
    return saved.document.id, job.id


async def b_tool_rows(b: TenantCtx, call_id: str) -> list[str]:
    """Rows the agent's tools leave (written directly: the tools would also queue webhooks,
    and their delivery attempts would change B's rows while a test compares them)."""
    at = datetime.now(UTC) + timedelta(days=3)
    booking = await Booking.create(
        id="bkg_zephyrinebooking1",
        tenant_id=b.id,
        call_id=call_id,
        agent_id=B_AGENT,
        starts_at=at,
        timezone="Africa/Casablanca",
        name=B_BOOKED_NAME,
        phone=B_CALLEE,
    )
    lead = await Lead.create(
        id="lead_zephyrinelead001",
        tenant_id=b.id,
        call_id=call_id,
        agent_id=B_AGENT,
        email=B_LEAD_EMAIL,
        need=True,
        score=30,
    )
    callback = await Callback.create(
        id="cbk_zephyrinecallbk01",
        tenant_id=b.id,
        call_id=call_id,
        agent_id=B_AGENT,
        at=at,
        timezone="Africa/Casablanca",
        phone=B_CALLBACK_PHONE,
    )
    return [booking.id, lead.id, callback.id]


# --- B's rows in every table ---------------------------------------------------------

# Tables the fixture must populate for B, so that the snapshots compare real data.
POPULATED = {
    "tenants",
    "users",
    "refresh_tokens",
    "api_keys",
    "allowed_origins",
    "webhook_endpoints",
    "tenant_actions",
    "audit_logs",
    "usage_counters",
    "webhook_events",
    "webhook_deliveries",
    "webhook_attempts",
    "agents",
    "phone_numbers",
    "calls",
    "call_transitions",
    "bookings",
    "leads",
    "callbacks",
    "idempotency_keys",
    "knowledge_documents",
    "knowledge_chunks",
    "knowledge_jobs",
    "conversations",
}
# Platform tables: no tenant's data in them.
UNSCOPED = {ProcessHeartbeat}


def _models() -> list[type[Model]]:
    return [m for app in (Tortoise.apps or {}).values() for m in app.values()]


def _directly_scoped(model: type[Model]) -> bool:
    return "tenant" in model._meta.fk_fields or "tenant_id" in model._meta.fields_map


def _tenant_filter(model: type[Model], tenant_id: str) -> dict[str, str] | None:
    """How a model's rows of one tenant are found: the tenant itself, a tenant column, or a
    foreign key to a model that has one (a refresh token through its user)."""
    if model is Tenant:
        return {"id": tenant_id}
    if _directly_scoped(model):
        return {"tenant_id": tenant_id}
    for fk in sorted(model._meta.fk_fields):
        parent = model._meta.fields_map[fk].related_model
        if parent is not Tenant and _directly_scoped(parent):
            return {f"{fk}__tenant_id": tenant_id}
    return None


async def snapshot(tenant_id: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for model in _models():
        if model in UNSCOPED:
            continue
        where = _tenant_filter(model, tenant_id)
        assert where is not None, f"{model.__name__}: no way to tell which tenant a row is of"
        pk = model._meta.pk_attr
        out[model._meta.db_table] = list(await model.filter(**where).order_by(pk).values())
    return out


def assert_nothing_leaked(world: World, text: str, sent: object = None) -> None:
    """None of B's values in the answer, except those A sent itself (echoing them tells A
    nothing)."""
    decoded = json.dumps(json.loads(text), ensure_ascii=False)
    known = json.dumps(sent, ensure_ascii=False)
    for secret in world.secrets:
        if secret in known:
            continue
        assert secret not in text, f"{secret!r} leaked"
        assert secret not in decoded, f"{secret!r} leaked"


async def test_tenant_b_has_rows_in_every_table(world: World) -> None:
    snap = await snapshot(world.b.id)
    empty = sorted(table for table in POPULATED if not snap.get(table))
    assert empty == []
    assert len(snap["api_keys"]) == 4
    assert len(snap["users"]) == 2
    # A's rows are not counted as B's.
    assert {r["tenant_id"] for r in snap["api_keys"]} == {world.b.id}
    assert {r["user_id"] for r in snap["refresh_tokens"]} == {world.b.owner.id}


# --- REST ----------------------------------------------------------------------------

P = "/api/tenants/{tenant_id}"
# (method, path) -> JSON body; bodies name B's own objects where the route accepts ids.
REST_CASES: dict[tuple[str, str], dict[str, Any] | None] = {
    ("GET", f"{P}/usage"): None,
    ("GET", f"{P}/allowed-origins"): None,
    ("PUT", f"{P}/allowed-origins"): {"origins": ["https://attacker.example"]},
    ("GET", f"{P}/api-key"): None,
    ("POST", f"{P}/api-key/rotate"): None,
    ("GET", f"{P}/webhooks"): None,
    ("PUT", f"{P}/webhooks"): {
        "endpoints": [
            {"id": "{B_ENDPOINT}", "url": "https://127.0.0.1:9/attacker", "rotate_secret": True}
        ]
    },
    ("GET", f"{P}/webhooks/deliveries"): None,
    ("POST", f"{P}/webhooks/deliveries/{{delivery_id}}/replay"): None,
    ("GET", f"{P}/widget-config"): None,
    ("PUT", f"{P}/widget-config"): {"widget_config": {"greeting": "owned"}},
    ("GET", f"{P}/actions"): None,
    ("PUT", f"{P}/actions"): {
        "actions": [
            {
                "id": "{B_ACTION}",
                "type": "crm",
                "event": "call.completed",
                "target_url": "https://127.0.0.1:9/attacker",
            }
        ]
    },
    ("DELETE", f"{P}/data"): {"confirm": "DELETE_ALL_DATA_{B}"},
    ("GET", f"{P}/calls"): None,
    ("GET", f"{P}/calls/{{call_id}}"): None,
    ("GET", f"{P}/keys"): None,
    ("POST", f"{P}/keys"): {"kind": "secret", "name": "attacker"},
    ("DELETE", f"{P}/keys/{{key_id}}"): None,
    ("GET", f"{P}/kb"): None,
    ("POST", f"{P}/kb"): {"key": B_KB_KEY, "value": "owned", "language": "fr"},
    ("POST", f"{P}/kb/import"): {"data": {B_KB_KEY: "owned"}, "language": "fr"},
    ("POST", f"{P}/kb/crawl"): {"url": "https://attacker.example/"},
    ("GET", f"{P}/kb/jobs/{{job_id}}"): None,
    ("POST", f"{P}/kb/jobs/{{job_id}}/cancel"): None,
    ("GET", f"{P}/kb/search"): None,
    ("GET", f"{P}/kb/quota"): None,
    ("GET", f"{P}/billing"): None,
    ("POST", f"{P}/billing/checkout"): {"plan": "enterprise"},
    ("POST", f"{P}/billing/portal"): {"returnUrl": "https://attacker.example/"},
    ("GET", f"{P}/billing/subscription"): None,
    ("POST", f"{P}/billing/cancel"): None,
    ("PUT", "/api/admin/tenants/{tenant_id}/plan"): {"plan": "enterprise"},
    ("POST", "/api/admin/tenants/{tenant_id}/suspend"): {"reason": "taken over"},
    ("POST", "/api/admin/tenants/{tenant_id}/reactivate"): None,
    ("DELETE", f"{P}/kb/{{entry_id}}"): None,
    ("GET", f"{P}/conversations"): None,
    ("GET", f"{P}/conversations/export"): None,
    ("GET", f"{P}/conversations/{{conversation_id}}"): None,
    ("GET", f"{P}/ucp/profiles"): None,
    ("GET", f"{P}/ucp/profiles/{{profile_id}}"): None,
}


def _rest_path(world: World, path: str, tenant_id: str) -> str:
    """A REST case's path with a tenant and B's own ids in it."""
    return (
        path.replace("{tenant_id}", tenant_id)
        .replace("{delivery_id}", world.b_delivery_id)
        .replace("{call_id}", world.b_call_id)
        .replace("{key_id}", world.b_key_ids[0])
        .replace("{job_id}", world.b_job_id)
        .replace("{entry_id}", world.b_entry_id)
        .replace("{conversation_id}", B_CONVERSATION)
        .replace("{profile_id}", world.b_profile_id)
    )


def _walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from _walk(list(route.routes), prefix + route.path)
        elif isinstance(route, Route):
            path = prefix + route.path
            if "{tenant_id}" in path or path.startswith(("/api/tenants", "/v1/")):
                for method in sorted((route.methods or set()) - {"HEAD"}):
                    yield method, path


def test_every_tenant_scoped_rest_route_is_covered(app: Starlette) -> None:
    found = set(_walk(list(app.routes)))
    cases = set(REST_CASES) | set(V1_CASES)
    assert found == cases, f"not covered: {sorted(found - cases)}; gone: {sorted(cases - found)}"


async def _rest(
    client: httpx.AsyncClient, world: World, method: str, path: str, tenant_id: str
) -> httpx.Response:
    body = world.fill(REST_CASES[(method, path)])
    return await client.request(
        method, _rest_path(world, path, tenant_id), json=body, headers=world.a.headers
    )


@pytest.mark.parametrize(("method", "path"), sorted(REST_CASES))
async def test_rest_route_of_another_tenant_is_not_found(
    client: httpx.AsyncClient, world: World, method: str, path: str
) -> None:
    before = await snapshot(world.b.id)
    r = await _rest(client, world, method, path, world.b.id)
    assert r.status_code == 404, r.text
    error = r.json()["error"]
    assert error == {
        "code": "resource_not_found",
        "message": "tenant not found",
        "status": 404,
        "request_id": r.headers["x-request-id"],
    }
    assert_nothing_leaked(world, r.text)
    # Indistinguishable from a tenant that does not exist: no existence oracle.
    unknown = await _rest(client, world, method, path, UNKNOWN_TENANT)
    assert unknown.status_code == 404
    assert {**unknown.json()["error"], "request_id": None} == {**error, "request_id": None}
    assert await snapshot(world.b.id) == before


# A's own knowledge-base routes naming B's entry and job: as ids that exist nowhere.
KB_OWN_CASES: dict[tuple[str, str], str] = {
    ("GET", "/kb/jobs/{B_JOB}"): "knowledge-base job not found",
    ("POST", "/kb/jobs/{B_JOB}/cancel"): "knowledge-base job not found",
    ("DELETE", "/kb/{B_ENTRY}"): "knowledge-base entry not found",
    ("DELETE", f"/kb/{B_KB_KEY}"): "knowledge-base entry not found",
}


@pytest.mark.parametrize(("method", "path"), sorted(KB_OWN_CASES))
async def test_own_kb_routes_do_not_reach_another_tenants_ids(
    client: httpx.AsyncClient, world: World, method: str, path: str
) -> None:
    before = await snapshot(world.b.id)
    own = f"/api/tenants/{world.a.id}"
    r = await client.request(method, own + world.fill(path), headers=world.a.headers)
    expected = {"code": "resource_not_found", "message": KB_OWN_CASES[(method, path)]}
    expected |= {"status": 404, "param": "id", "request_id": r.headers["x-request-id"]}
    assert r.json() == {"error": expected}
    assert_nothing_leaked(world, r.text)
    unknown = path.replace("{B_JOB}", "kbj_doesnotexist").replace("{B_ENTRY}", "kbd_nope")
    twin = await client.request(
        method, own + unknown.replace(B_KB_KEY, "nope"), headers=world.a.headers
    )
    assert {**twin.json()["error"], "request_id": None} == {**expected, "request_id": None}
    assert await snapshot(world.b.id) == before


async def test_a_tenants_knowledge_never_answers_another(
    client: httpx.AsyncClient, world: World
) -> None:
    """A writes an entry under B's key and searches B's words: only A's own come back."""
    own = f"/api/tenants/{world.a.id}/kb"
    h = world.a.headers
    before = await snapshot(world.b.id)
    r = await client.post(own, json={"key": B_KB_KEY, "value": "Notre coffre est vide."}, headers=h)
    assert r.status_code == 201, r.text  # keys are per tenant: B's is not A's
    found = await client.get(f"{own}/search", params={"q": "coffre Zephyrine code"}, headers=h)
    assert [x["text"] for x in found.json()["results"]] == ["Notre coffre est vide."]
    listed = (await client.get(own, headers=h)).json()
    assert (listed["total"], listed["data"][0]["content"]) == (1, "Notre coffre est vide.")
    quota = (await client.get(f"{own}/quota", headers=h)).json()
    assert quota["entries"] == 1
    for answer in (found, r):
        assert_nothing_leaked(world, answer.text, sent=B_KB_KEY)
    assert await snapshot(world.b.id) == before


async def test_respond_never_reaches_another_tenants_conversation(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = {"Authorization": f"Bearer {await make_key(world.a)}"}
    before = await snapshot(world.b.id)
    for body, status, code in (
        ({"message": "hello", "session_id": B_CONVERSATION}, 404, "resource_not_found"),
        ({"message": "hello", "tenant_id": world.b.id}, 404, "resource_not_found"),
        ({"message": "hello", "agentId": B_AGENT}, 400, "agent_not_configured"),
    ):
        r = await client.post("/respond", json=body, headers=headers)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
        assert_nothing_leaked(world, r.text, sent=body)
    assert await snapshot(world.b.id) == before


# --- REST /v1 (telephony): A's secret key on B's calls, agents and numbers ----------------


@dataclass(frozen=True)
class V1Case:
    body: dict[str, Any] | None
    status: int
    code: str | None = None  # None for a success
    param: str | None = None
    message: str | None = None


def _gone(what: str) -> V1Case:
    return V1Case(None, 404, "resource_not_found", "id", f"{what} not found")


# Ids in paths: {call_id}, {agent_id}, {number_id} become B's; bodies use placeholders.
V1_CASES: dict[tuple[str, str], V1Case] = {
    # Lists are scoped by the key: A sees its own (empty) lists.
    ("GET", "/v1/calls"): V1Case(None, 200),
    ("GET", "/v1/agents"): V1Case(None, 200),
    ("GET", "/v1/phone-numbers"): V1Case(None, 200),
    # B's agent is no agent of A's: the same answer as for an agent that does not exist.
    ("POST", "/v1/calls"): V1Case(
        {"to": "+212612000111", "agentId": "{B_AGENT}"},
        400,
        "agent_not_configured",
        "agentId",
        "agent 'agent_zephyrine_vip' does not exist for this tenant: create it with POST /v1/agents"
        " (or GraphQL createAgent); GET /v1/agents lists the tenant's agents",
    ),
    # Agent ids are per tenant: A may create its own with the same id; B's stays untouched.
    ("POST", "/v1/agents"): V1Case({"id": "{B_AGENT}", "name": "Alpha's own"}, 201),
    # Numbers are unique per tenant: A adding B's number is an ordinary 201 (as for a number
    # nobody holds), so A cannot learn that B has it; B's row stays untouched.
    ("POST", "/v1/phone-numbers"): V1Case({"number": B_NUMBER}, 201),
    ("GET", "/v1/calls/{call_id}"): _gone("call"),
    ("POST", "/v1/calls/{call_id}/transfer"): V1Case(
        {"to": "+212520999888"}, 404, "resource_not_found", "id", "call not found"
    ),
    ("POST", "/v1/calls/{call_id}/hangup"): _gone("call"),
    ("GET", "/v1/agents/{agent_id}"): _gone("agent"),
    ("PATCH", "/v1/agents/{agent_id}"): V1Case(
        {"name": "owned"}, 404, "resource_not_found", "id", "agent not found"
    ),
    ("DELETE", "/v1/agents/{agent_id}"): _gone("agent"),
    ("DELETE", "/v1/phone-numbers/{number_id}"): _gone("phone number"),
    # The widget's config is public for a publishable key only: a secret key is refused.
    ("GET", "/v1/widget/config"): V1Case(
        None,
        403,
        "insufficient_permissions",
        None,
        "the widget config takes a publishable key (voc_pk_...) from an allowed origin;"
        " never put a secret key or a user token in a web page",
    ),
}
V1_UNKNOWN = {
    "{call_id}": "call_doesnotexist",
    "{agent_id}": "agent_nope",
    "{number_id}": "pn_nope",
}


def _v1_path(world: World, path: str, *, unknown: bool = False) -> str:
    ids = {"{call_id}": world.b_call_id, "{agent_id}": B_AGENT, "{number_id}": world.b_number_id}
    for placeholder, value in (V1_UNKNOWN if unknown else ids).items():
        path = path.replace(placeholder, value)
    return path


@pytest.mark.parametrize(("method", "path"), sorted(V1_CASES))
async def test_v1_route_on_another_tenants_ids(
    client: httpx.AsyncClient, world: World, method: str, path: str
) -> None:
    case = V1_CASES[(method, path)]
    headers = {"Authorization": f"Bearer {await make_key(world.a)}"}
    before = await snapshot(world.b.id)
    r = await client.request(
        method, _v1_path(world, path), json=world.fill(case.body), headers=headers
    )
    assert r.status_code == case.status, r.text
    if case.code is not None:
        expected = {"code": case.code, "message": case.message, "status": case.status}
        expected["request_id"] = r.headers["x-request-id"]
        if case.param is not None:
            expected["param"] = case.param
        assert r.json() == {"error": expected}
    elif method == "GET":
        assert r.json()["data"] == []
        assert r.json()["total"] == 0
    assert_nothing_leaked(world, r.text, sent=world.fill(case.body))
    if "{" in path:
        # Indistinguishable from an id that exists nowhere: no existence oracle.
        unknown = await client.request(
            method, _v1_path(world, path, unknown=True), json=world.fill(case.body), headers=headers
        )
        assert {**unknown.json()["error"], "request_id": None} == {
            **r.json()["error"],
            "request_id": None,
        }
    assert await snapshot(world.b.id) == before
    call = await calls.get_call(world.b.principal, world.b_call_id)
    assert (call.status, call.ended_at) == ("ringing", None)


# --- GraphQL -------------------------------------------------------------------------

TENANT_Q = "query($t: ID) {{ tenant(id: $t) {{ {selection} }} }}"
# Root fields that take an ID -> (document, variables). $t is tenant B's id.
GRAPHQL_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "Query.apiKeys": (
        "query($t: ID) { apiKeys(tenantId: $t, includeRevoked: true) { id name masked } }",
        {"t": "{B}"},
    ),
    "Query.auditLog": (
        "query($t: ID) { auditLog(tenantId: $t, limit: 100) { total items { id action data } } }",
        {"t": "{B}"},
    ),
    "Mutation.setAllowedOrigins": (
        'mutation($t: ID) { setAllowedOrigins(tenantId: $t, origins: ["https://attacker.example"]) }',
        {"t": "{B}"},
    ),
    "Mutation.rotateTenantApiKey": (
        "mutation($t: ID) { rotateTenantApiKey(tenantId: $t) { apiKey masked } }",
        {"t": "{B}"},
    ),
    "Mutation.setWebhookEndpoints": (
        "mutation($t: ID, $e: ID) { setWebhookEndpoints(tenantId: $t, endpoints: "
        '[{id: $e, url: "https://127.0.0.1:9/attacker", rotateSecret: true}]) { id url secret } }',
        {"t": "{B}", "e": "{B_ENDPOINT}"},
    ),
    "Mutation.updateWidgetConfig": (
        'mutation($t: ID) { updateWidgetConfig(tenantId: $t, config: {greeting: "owned"}) '
        "{ greeting theme { primaryColor } } }",
        {"t": "{B}"},
    ),
    "Mutation.setActions": (
        "mutation($t: ID) { setActions(tenantId: $t, actions: []) { id targetUrl headers } }",
        {"t": "{B}"},
    ),
    "Mutation.eraseTenantData": (
        "mutation($t: ID, $c: String!) { eraseTenantData(tenantId: $t, confirm: $c) }",
        {"t": "{B}", "c": "DELETE_ALL_DATA_{B}"},
    ),
    "Query.billing": (
        "query($t: ID) { billing(tenantId: $t) { plan creditBalance } }",
        {"t": "{B}"},
    ),
    "Query.adminHealth": ("query($t: ID) { adminHealth(tenantId: $t) }", {"t": "{B}"}),
    "Query.telephonyStats": ("query($t: ID) { telephonyStats(tenantId: $t) }", {"t": "{B}"}),
    "Mutation.changeTenantPlan": (
        'mutation($t: ID!) { changeTenantPlan(tenantId: $t, plan: "enterprise") { id } }',
        {"t": "{B}"},
    ),
    "Mutation.suspendTenant": (
        'mutation($t: ID!) { suspendTenant(tenantId: $t, reason: "taken over") { id } }',
        {"t": "{B}"},
    ),
    "Mutation.reactivateTenant": (
        "mutation($t: ID!) { reactivateTenant(tenantId: $t) { id } }",
        {"t": "{B}"},
    ),
    "Mutation.createCheckoutSession": (
        'mutation($t: ID) { createCheckoutSession(tenantId: $t, plan: "enterprise") { url } }',
        {"t": "{B}"},
    ),
    "Mutation.createBillingPortalSession": (
        "mutation($t: ID) { createBillingPortalSession(tenantId: $t) { url } }",
        {"t": "{B}"},
    ),
    "Mutation.cancelSubscription": (
        "mutation($t: ID) { cancelSubscription(tenantId: $t) { id } }",
        {"t": "{B}"},
    ),
    "Mutation.createApiKey": (
        "mutation($t: ID) { createApiKey(tenantId: $t, kind: SECRET) { secret key { id } } }",
        {"t": "{B}"},
    ),
    "Mutation.revokeApiKey": (
        "mutation($k: ID!) { revokeApiKey(id: $k) { id revokedAt } }",
        {"k": "{B_KEY}"},
    ),
    "Query.webhookDeliveries": (
        "query($t: ID) { webhookDeliveries(tenantId: $t, limit: 100) { total items { id url "
        "endpointId status event { id type } attempts { statusCode error } } } }",
        {"t": "{B}"},
    ),
    "Mutation.replayWebhookDelivery": (
        "mutation($d: ID!) { replayWebhookDelivery(id: $d) { id url event { id } } }",
        {"d": "{B_DELIVERY}"},
    ),
    "Query.calls": (
        "query($t: ID) { calls(tenantId: $t, limit: 100) { total items { id to from metadata "
        "transcript { content } agent { name instructions } } } }",
        {"t": "{B}"},
    ),
    "Query.call": (
        "query($c: ID!) { call(id: $c) { id to from metadata agent { name instructions } } }",
        {"c": "{B_CALL}"},
    ),
    "Query.agents": (
        "query($t: ID) { agents(tenantId: $t, limit: 100) { total items { id name instructions } } }",
        {"t": "{B}"},
    ),
    "Query.agent": (
        "query($a: ID!) { agent(id: $a) { id name instructions } }",
        {"a": "{B_AGENT}"},
    ),
    "Query.phoneNumbers": (
        "query($t: ID) { phoneNumbers(tenantId: $t) { total items { id number } } }",
        {"t": "{B}"},
    ),
    "Mutation.transferCall": (
        'mutation($c: ID!) { transferCall(id: $c, to: "+212520999888") { id status } }',
        {"c": "{B_CALL}"},
    ),
    "Mutation.hangupCall": (
        "mutation($c: ID!) { hangupCall(id: $c) { id status } }",
        {"c": "{B_CALL}"},
    ),
    "Mutation.createAgent": (
        'mutation($t: ID) { createAgent(tenantId: $t, input: {name: "owned"}) { id } }',
        {"t": "{B}"},
    ),
    "Mutation.updateAgent": (
        'mutation($a: ID!) { updateAgent(id: $a, input: {name: "owned"}) { id name instructions } }',
        {"a": "{B_AGENT}"},
    ),
    "Mutation.deleteAgent": (
        "mutation($a: ID!) { deleteAgent(id: $a) { id deleted } }",
        {"a": "{B_AGENT}"},
    ),
    "Mutation.addPhoneNumber": (
        'mutation($t: ID) { addPhoneNumber(tenantId: $t, input: {number: "+212522000777"}) { id } }',
        {"t": "{B}"},
    ),
    "Mutation.removePhoneNumber": (
        "mutation($n: ID!) { removePhoneNumber(id: $n) { id deleted } }",
        {"n": "{B_NUMBER}"},
    ),
    "Query.bookings": (
        "query($t: ID) { bookings(tenantId: $t, limit: 100) { total items { id callId name "
        "phone startsAt } } }",
        {"t": "{B}"},
    ),
    "Query.leads": (
        "query($t: ID) { leads(tenantId: $t, limit: 100) { total items { id callId email "
        "score } } }",
        {"t": "{B}"},
    ),
    "Query.callbacks": (
        "query($t: ID) { callbacks(tenantId: $t, limit: 100) { total items { id callId phone "
        "at } } }",
        {"t": "{B}"},
    ),
    "Query.conversations": (
        "query($t: ID) { conversations(tenantId: $t, limit: 100) { total items { id channel "
        "agentId phone } } }",
        {"t": "{B}"},
    ),
    "Query.conversation": (
        "query($c: ID!) { conversation(id: $c) { id transcript toolCalls } }",
        {"c": "{B_CONV}"},
    ),
    "Mutation.respond": (
        'mutation($t: ID) { respond(message: "hello", tenantId: $t) { response sessionId } }',
        {"t": "{B}"},
    ),
    "Query.customerProfiles": (
        "query($t: ID) { customerProfiles(tenantId: $t) { total items { id names phones "
        "emails conversations } } }",
        {"t": "{B}"},
    ),
    "Query.customerProfile": (
        "query($p: ID!) { customerProfile(id: $p) { id names phones emails } }",
        {"p": "{B_PROFILE}"},
    ),
    "Query.knowledgeEntries": (
        "query($t: ID) { knowledgeEntries(tenantId: $t, limit: 100) { total items { id key "
        "content source } } }",
        {"t": "{B}"},
    ),
    "Query.knowledgeSearch": (
        'query($t: ID) { knowledgeSearch(q: "coffre code", tenantId: $t) { entryId key text '
        "snippet { text } } }",
        {"t": "{B}"},
    ),
    "Query.knowledgeQuota": (
        "query($t: ID) { knowledgeQuota(tenantId: $t) { entries limit chunks characters } }",
        {"t": "{B}"},
    ),
    "Query.kbJob": (
        "query($j: ID!) { kbJob(id: $j) { id url status skipped { url reason } } }",
        {"j": "{B_JOB}"},
    ),
    "Mutation.saveKnowledgeEntry": (
        'mutation($t: ID) { saveKnowledgeEntry(tenantId: $t, input: {key: "zephyrine-vault", '
        'value: "owned"}) { created entry { id content } } }',
        {"t": "{B}"},
    ),
    "Mutation.importKnowledge": (
        'mutation($t: ID) { importKnowledge(tenantId: $t, data: {x: "owned"}) { imported '
        "errors { message } } }",
        {"t": "{B}"},
    ),
    "Mutation.deleteKnowledgeEntry": (
        "mutation($e: ID!) { deleteKnowledgeEntry(id: $e) { id deleted } }",
        {"e": "{B_ENTRY}"},
    ),
    "Mutation.startKnowledgeCrawl": (
        'mutation($t: ID) { startKnowledgeCrawl(tenantId: $t, input: {url: "https://a.example/"}) '
        "{ id status } }",
        {"t": "{B}"},
    ),
    "Mutation.cancelKnowledgeJob": (
        "mutation($j: ID!) { cancelKnowledgeJob(id: $j) { id status url } }",
        {"j": "{B_JOB}"},
    ),
}
# Subscriptions run over the websocket (graphql-transport-ws), not POST.
SUBSCRIPTION_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "Subscription.callEvents": (
        "subscription($c: ID!) { callEvents(callId: $c) { id type callId data } }",
        {"c": "{B_CALL}"},
    ),
    "Subscription.conversationEvents": (
        "subscription($t: ID) { conversationEvents(tenantId: $t) { id type conversationId data } }",
        {"t": "{B}"},
    ),
    "Subscription.kbJob": (
        "subscription($j: ID!) { kbJob(id: $j) { id url status pages } }",
        {"j": "{B_JOB}"},
    ),
    "Subscription.tenantEvents": (
        "subscription($t: ID) { tenantEvents(tenantId: $t) { id type callId data } }",
        {"t": "{B}"},
    ),
}
# What the unknown-id twin of a case sends instead of B's ids.
UNKNOWN_IDS = {
    "{B_CALL}": "call_doesnotexist",
    "{B_AGENT}": "agent_nope",
    "{B_NUMBER}": "pn_nope",
    "{B}": UNKNOWN_TENANT,
    "{B_KEY}": "key_doesnotexist",
    "{B_ENDPOINT}": "whe_doesnotexist",
    "{B_DELIVERY}": "dlv_doesnotexist",
    "{B_ENTRY}": "kbd_doesnotexist",
    "{B_JOB}": "kbj_doesnotexist",
    "{B_CONV}": "conv_doesnotexist",
    "{B_PROFILE}": "ucp_doesnotexist",
}
NOT_FOUND = {"code": "resource_not_found", "status": 404}
EXPECTED_EXTENSIONS = {
    "Mutation.revokeApiKey": {**NOT_FOUND, "param": "id"},
    "Mutation.replayWebhookDelivery": {**NOT_FOUND, "param": "id"},
    **{
        case: {**NOT_FOUND, "param": "id"}
        for case in (
            "Query.call",
            "Query.agent",
            "Mutation.transferCall",
            "Mutation.hangupCall",
            "Mutation.updateAgent",
            "Mutation.deleteAgent",
            "Mutation.removePhoneNumber",
            "Query.kbJob",
            "Query.conversation",
            "Query.customerProfile",
            "Mutation.deleteKnowledgeEntry",
            "Mutation.cancelKnowledgeJob",
            "Subscription.kbJob",
        )
    },
    "Subscription.callEvents": {**NOT_FOUND, "param": "callId"},
    # /respond takes API keys only: A's dashboard token is refused before any tenant is
    # looked at (A's keys on B: tests/rest/test_respond.py and test_respond_never_reaches...).
    "Mutation.respond": {"code": "invalid_api_key", "status": 401},
}


def _schema_type(name: str) -> GraphQLObjectType:
    t = schema._schema.get_type(name)
    assert isinstance(t, GraphQLObjectType)
    return t


def selection(field: GraphQLField) -> str:
    """Every leaf below a field (fields with arguments must get an explicit case)."""
    named = get_named_type(field.type)
    if is_leaf_type(named):
        return ""
    assert isinstance(named, GraphQLObjectType)
    parts = []
    for name, sub in named.fields.items():
        assert not sub.args, f"{named.name}.{name} takes arguments: add a case"
        parts.append(name + (f" {{ {selection(sub)} }}" if selection(sub) else ""))
    return " ".join(parts)


def tenant_field_cases() -> dict[str, tuple[str, dict[str, Any]]]:
    """Query.tenant(id) once per field of Tenant, each with its full selection."""
    cases = {}
    for name, field in _schema_type("Tenant").fields.items():
        assert not field.args, f"Tenant.{name} takes arguments: add a case"
        sub = selection(field)
        cases[f"Query.tenant.{name}"] = (
            TENANT_Q.format(selection=name + (f" {{ {sub} }}" if sub else "")),
            {"t": "{B}"},
        )
    return cases


ALL_GRAPHQL_CASES = {**GRAPHQL_CASES, **tenant_field_cases()}


def _takes_an_id(field: GraphQLField) -> bool:
    return any(get_named_type(arg.type) is GraphQLID for arg in field.args.values())


def test_every_tenant_scoped_graphql_field_is_covered() -> None:
    scoped = {
        f"{root}.{name}"
        for root in ("Query", "Mutation", "Subscription")
        if schema._schema.get_type(root) is not None
        for name, field in _schema_type(root).fields.items()
        if _takes_an_id(field)
    }
    covered = set(GRAPHQL_CASES) | set(SUBSCRIPTION_CASES) | {"Query.tenant"}
    assert scoped == covered, (
        f"not covered: {sorted(scoped - covered)}; gone: {sorted(covered - scoped)}"
    )
    assert {k.rsplit(".", 1)[1] for k in ALL_GRAPHQL_CASES if k.startswith("Query.tenant.")} == set(
        _schema_type("Tenant").fields
    )
    assert set(_schema_type("Tenant").fields) >= {
        "usage",
        "allowedOrigins",
        "widgetConfig",
        "apiKey",
        "webhookEndpoints",
        "actions",
    }


def _unknown(value: Any) -> Any:
    if isinstance(value, str):
        for placeholder, unknown in UNKNOWN_IDS.items():
            value = value.replace(placeholder, unknown)
        return value
    return {k: _unknown(v) for k, v in value.items()}


async def _gql(
    client: httpx.AsyncClient, headers: dict[str, str], query: str, variables: dict[str, Any]
) -> httpx.Response:
    r = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r


@pytest.mark.parametrize("case", sorted(ALL_GRAPHQL_CASES))
async def test_graphql_field_of_another_tenant_is_not_found(
    client: httpx.AsyncClient, world: World, case: str
) -> None:
    query, variables = ALL_GRAPHQL_CASES[case]
    before = await snapshot(world.b.id)
    r = await _gql(client, world.a.headers, query, world.fill(variables))
    body = r.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == EXPECTED_EXTENSIONS.get(case, NOT_FOUND)
    assert_nothing_leaked(world, r.text)
    twin = (await _gql(client, world.a.headers, query, _unknown(variables))).json()
    assert twin == body
    assert await snapshot(world.b.id) == before


@pytest.fixture(scope="session")
async def ws_url(app: Starlette) -> AsyncIterator[str]:
    async with serve(app) as url:
        yield url


@pytest.mark.parametrize("case", sorted(SUBSCRIPTION_CASES))
async def test_subscription_to_another_tenant_is_not_found(
    ws_url: str, world: World, case: str
) -> None:
    query, variables = SUBSCRIPTION_CASES[case]
    before = await snapshot(world.b.id)
    for credential in (world.a.token, await make_key(world.a)):
        payloads = []
        async with session(ws_url, credential) as ws:
            for op, values in (("b", world.fill(variables)), ("unknown", _unknown(variables))):
                await ws.subscribe(op, query, values)
                messages = await ws.until_complete(op)
                assert [m["type"] for m in messages] == ["next", "complete"], messages
                payload = messages[0]["payload"]
                assert payload["data"] is None
                assert [e["extensions"] for e in payload["errors"]] == [
                    EXPECTED_EXTENSIONS.get(case, NOT_FOUND)
                ]
                assert_nothing_leaked(world, json.dumps(messages))
                payloads.append(payload)
        assert payloads[0] == payloads[1]
    assert await snapshot(world.b.id) == before
    bus = events.get_bus()
    for topic in ("events", f"call:{world.b_call_id}", "kb_jobs", "conversations"):
        assert bus.local_subscribers(events.tenant_channel(world.b.id, topic)) == 0


@pytest.mark.parametrize("credential", ["tenant_key", "secret_key"])
async def test_tenant_b_is_not_found_with_tenant_a_api_keys(
    client: httpx.AsyncClient, world: World, credential: str
) -> None:
    """API keys carry their tenant too: A's vk_ and voc_sk_ keys cannot name B."""
    key = world.a.api_key if credential == "tenant_key" else await make_key(world.a)
    headers = {"Authorization": f"Bearer {key}"}
    before = await snapshot(world.b.id)
    for case, (query, variables) in sorted(ALL_GRAPHQL_CASES.items()):
        if not case.startswith("Query.tenant."):
            continue
        r = await _gql(client, headers, query, world.fill(variables))
        body = r.json()
        assert body["data"] is None, case
        assert [e["extensions"] for e in body["errors"]] == [NOT_FOUND], case
        assert_nothing_leaked(world, r.text)
    assert await snapshot(world.b.id) == before


# --- the documented exception: a platform superadmin ------------------------------------


@pytest.fixture
async def superadmin_headers(app: Starlette) -> dict[str, str]:
    user = await demo.create_superadmin("root@platform.example", PASSWORD, "Root")
    token, _ = issue_access_token(user.id, None, "superadmin")
    return {"Authorization": f"Bearer {token}"}


async def test_superadmin_reads_tenant_b_over_rest(
    client: httpx.AsyncClient, world: World, superadmin_headers: dict[str, str]
) -> None:
    before = await snapshot(world.b.id)
    bodies = {}
    for method, path in sorted(REST_CASES):
        if method != "GET":
            continue
        params = {"q": "coffre code"} if path.endswith("/search") else None
        r = await client.get(
            _rest_path(world, path, world.b.id), params=params, headers=superadmin_headers
        )
        if path.endswith("/billing"):
            # Its invoices come from Stripe, which this server has no key for (tests/billing).
            assert r.status_code == 403, (path, r.text)
            continue
        assert r.status_code == 200, (path, r.text)
        name = path.rsplit("/", 1)[1]
        if name == "export":  # JSON Lines
            bodies[name] = [json.loads(line) for line in r.text.splitlines()]
        else:
            bodies[name] = r.json()
    assert set(bodies) == {
        "usage",
        "allowed-origins",
        "api-key",
        "webhooks",
        "deliveries",
        "widget-config",
        "actions",
        "calls",
        "{call_id}",
        "keys",
        "kb",
        "{job_id}",
        "search",
        "quota",
        "conversations",
        "export",
        "{conversation_id}",
        "profiles",
        "{profile_id}",
        "subscription",
    }
    assert bodies["subscription"] is None
    assert world.b_profile_id in {p["id"] for p in bodies["profiles"]["data"]}
    assert bodies["{profile_id}"]["id"] == world.b_profile_id
    assert {c["id"] for c in bodies["conversations"]["data"]} == {world.b_call_id, B_CONVERSATION}
    assert {c["id"] for c in bodies["export"]} == {world.b_call_id, B_CONVERSATION}
    assert bodies["{conversation_id}"]["transcript"][0]["content"] == B_TEXT_MESSAGE
    assert [e["key"] for e in bodies["kb"]["data"]] == [B_KB_KEY]
    assert bodies["{job_id}"]["url"] == B_KB_SITE
    assert bodies["search"]["results"][0]["text"] == B_KB_ANSWER
    assert bodies["quota"]["entries"] == 1
    assert [c["id"] for c in bodies["calls"]["data"]] == [world.b_call_id]
    assert bodies["calls"]["total"] == 1
    assert bodies["{call_id}"]["id"] == world.b_call_id
    assert bodies["{call_id}"]["metadata"] == {"order": B_ORDER}
    assert {k["id"] for k in bodies["keys"]["keys"]} >= set(world.b_key_ids)
    assert len(bodies["keys"]["keys"]) == 4
    assert [d["id"] for d in bodies["deliveries"]["data"]] == [world.b_delivery_id]
    assert bodies["usage"]["tenant_id"] == world.b.id
    assert bodies["usage"]["plan"] == "pro"
    assert bodies["usage"]["quotas"]["calls"] == {"used": 7, "limit": 500, "pct": 1}
    assert bodies["allowed-origins"] == {"origins": B_ORIGINS}
    assert bodies["api-key"]["api_key"] == world.b_tenant_key_masked
    assert [e["url"] for e in bodies["webhooks"]["endpoints"]] == [B_HOOK_URL]
    assert "secret" not in bodies["webhooks"]["endpoints"][0]
    assert bodies["widget-config"]["widget_config"]["greeting"] == B_GREETING
    assert [a["id"] for a in bodies["actions"]["actions"]] == [world.b_action_id]
    assert bodies["actions"]["actions"][0]["headers"]["Authorization"] != B_ACTION_TOKEN
    after = await snapshot(world.b.id)
    # Reading changes nothing; the export is audit-logged, as every export is.
    known = {a["id"] for a in before["audit_logs"]}
    added = [a for a in after.pop("audit_logs") if a["id"] not in known]
    assert [(a["action"], a["actor_kind"]) for a in added] == [("conversations.exported", "user")]
    assert after == {k: v for k, v in before.items() if k != "audit_logs"}


async def test_superadmin_reads_tenant_b_over_graphql(
    client: httpx.AsyncClient, world: World, superadmin_headers: dict[str, str]
) -> None:
    before = await snapshot(world.b.id)
    fields = " ".join(
        name + (f" {{ {selection(f)} }}" if selection(f) else "")
        for name, f in _schema_type("Tenant").fields.items()
    )
    r = await _gql(client, superadmin_headers, TENANT_Q.format(selection=fields), {"t": world.b.id})
    body = r.json()
    assert "errors" not in body, body
    tenant = body["data"]["tenant"]
    assert (tenant["id"], tenant["name"], tenant["plan"]) == (
        world.b.id,
        world.b.tenant.name,
        "pro",
    )
    assert tenant["allowedOrigins"] == B_ORIGINS
    assert tenant["usage"]["calls"] == {"used": 7, "limit": 500, "pct": 1}
    assert tenant["widgetConfig"]["greeting"] == B_GREETING
    assert tenant["apiKey"]["masked"] == world.b_tenant_key_masked
    assert [e["url"] for e in tenant["webhookEndpoints"]] == [B_HOOK_URL]
    assert tenant["webhookEndpoints"][0]["secret"] is None
    assert [a["targetUrl"] for a in tenant["actions"]] == [B_ACTION_URL]

    query, _ = GRAPHQL_CASES["Query.apiKeys"]
    keys_body = (await _gql(client, superadmin_headers, query, {"t": world.b.id})).json()
    assert len(keys_body["data"]["apiKeys"]) == 4
    query, _ = GRAPHQL_CASES["Query.auditLog"]
    audit_body = (await _gql(client, superadmin_headers, query, {"t": world.b.id})).json()
    assert audit_body["data"]["auditLog"]["total"] == len(before["audit_logs"])
    assert await snapshot(world.b.id) == before


async def test_superadmin_must_name_a_tenant(
    client: httpx.AsyncClient, superadmin_headers: dict[str, str]
) -> None:
    r = await _gql(client, superadmin_headers, "{ tenant { id } }", {})
    [error] = r.json()["errors"]
    assert error["extensions"] == {"code": "invalid_request", "status": 400, "param": "tenantId"}
