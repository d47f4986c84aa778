"""Schemathesis over /openapi.json: no server error, no response the spec does not describe.

Why a real server and not `schemathesis.openapi.from_asgi`: Schemathesis drives an ASGI app from
its own event-loop thread and starts the app's lifespan there, while the session `app` fixture
holds Tortoise's connections on pytest-asyncio's loop (asyncpg connections cannot cross loops).
So the fuzzer gets its own uvicorn process (tests/servers.py) on a fresh database of the
session's backend (a SQLite file, or PostgreSQL + Redis on the postgres pass) and talks to it
over loopback with `schemathesis.openapi.from_url`.

The server is `app:app_factory` with the suite's generous per-IP limits on the anonymous auth
routes (tests.servers.relaxed_auth_app_factory), so the fuzzer reaches the register and login
handlers instead of their 429. Every operation gets its own enterprise tenant (1000 requests a
minute), registered through the real API, so one operation's requests (or a rotated key, a
logout, a GDPR erasure) never starve or break another's. The erasure operation,
DELETE /api/tenants/{tenant_id}/data, is fuzzed like the others on its own tenant, and
`test_erasure_response_matches_the_spec` makes it actually erase once and validates that answer.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation

from rest_compat.openapi import spec
from rest_compat.routes import routes
from tests import servers

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "ignored_auth",
    "missing_required_header",
    "unsupported_method",
]


@dataclass
class Owner:
    tenant_id: str
    token: str
    key: str  # a voc_sk_live_ key: /v1 routes and /respond take keys, not user tokens

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def headers_for(self, path: str) -> dict[str, str]:
        keyed = path.startswith("/v1/") or path == "/respond"
        return {"Authorization": f"Bearer {self.key}"} if keyed else self.headers


class Owners:
    """One enterprise tenant per operation, registered and logged in through the HTTP API."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._by_label: dict[str, Owner] = {}

    def new(self) -> Owner:
        email = f"fuzz-{uuid.uuid4().hex[:12]}@example.com"
        password = "fuzz-password-123"
        with httpx.Client(base_url=self.base_url, timeout=10.0) as http:
            reg = http.post(
                "/api/auth/register",
                json={
                    "email": email,
                    "password": password,
                    "company": "Fuzz Inc",
                    "plan": "enterprise",
                },
            )
            assert reg.status_code == 201, reg.text
            login = http.post("/api/auth/login", json={"email": email, "password": password})
            assert login.status_code == 200, login.text
            token = login.json()["access_token"]
            key = http.post(
                "/graphql",
                json={"query": "mutation { createApiKey(kind: SECRET) { secret } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert key.status_code == 200, key.text
        return Owner(
            tenant_id=reg.json()["tenant"]["id"],
            token=token,
            key=key.json()["data"]["createApiKey"]["secret"],
        )

    def for_operation(self, label: str) -> Owner:
        if label not in self._by_label:
            self._by_label[label] = self.new()
        return self._by_label[label]


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.Server]:
    tmp = tmp_path_factory.mktemp("fuzz")
    backend = servers.prepare_database(tmp, suffix="_fuzz")
    prefix = f"vocalia-fuzz-{uuid.uuid4().hex[:8]}"
    env = servers.server_env(
        backend.database_url, tmp / "var", redis_url=backend.redis_url, redis_prefix=prefix
    )
    servers.migrate(env)
    try:
        with servers.running(
            env, tmp / "logs", target="tests.servers:relaxed_auth_app_factory"
        ) as (server,):
            yield server
    finally:
        servers.flush_redis_prefix(backend.redis_url, prefix)


@pytest.fixture(scope="module")
def owners(fuzz_server: servers.Server) -> Owners:
    return Owners(fuzz_server.url)


# The document is built in-process from the same function /openapi.json serves (collection
# happens before any server runs); test_served_document_is_the_fuzzed_one proves they agree.
schema = schemathesis.openapi.from_dict(
    spec(routes),
    config=schemathesis.Config.from_dict(
        {
            "generation": {"mode": "all", "max-examples": 30},
            "request-timeout": 10,
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        }
    ),
)


@pytest.mark.slow
def test_served_document_is_the_fuzzed_one(fuzz_server: servers.Server) -> None:
    with httpx.Client(base_url=fuzz_server.url, timeout=10.0) as http:
        served = http.get("/openapi.json")
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/json"
    assert served.json() == schema.raw_schema


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_openapi(
    case: schemathesis.Case, owners: Owners, fuzz_server: servers.Server
) -> None:
    owner = owners.for_operation(case.operation.label)
    if "tenant_id" in (case.path_parameters or {}):
        # The caller's own tenant, so the fuzzer reaches the handler instead of a 404.
        case.path_parameters = {**case.path_parameters, "tenant_id": owner.tenant_id}
    meta = case._meta
    dropped_credential = (
        meta is not None
        and meta.is_negative_at(ParameterLocation.HEADER)
        and "authorization" not in {name.lower() for name in case.headers or {}}
    )
    if dropped_credential:
        # The negative case is "no credential": sent as generated (our credential would turn
        # it into valid data that Schemathesis still counts as negative; its #4762).
        case.call_and_validate(base_url=fuzz_server.url)
    else:
        case.call_and_validate(base_url=fuzz_server.url, headers=owner.headers_for(case.path))


@pytest.mark.slow
def test_erasure_response_matches_the_spec(owners: Owners, fuzz_server: servers.Server) -> None:
    owner = owners.new()
    operation = schema["/api/tenants/{tenant_id}/data"]["DELETE"]
    case = operation.Case(
        path_parameters={"tenant_id": owner.tenant_id},
        body={"confirm": f"DELETE_ALL_DATA_{owner.tenant_id}"},
        media_type="application/json",
    )
    response = case.call_and_validate(base_url=fuzz_server.url, headers=owner.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["erased"] is True
    assert body["deleted"]["tenants"] == 1
    # The erased owner's token no longer opens anything.
    with httpx.Client(base_url=fuzz_server.url, timeout=10.0) as http:
        me = http.get("/api/auth/me", headers=owner.headers)
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "invalid_api_key"


# Bodies the fuzzer reached only now and then: each was a 500 before rest_compat/http.py
# refused it (NUL: PostgreSQL text refuses it; a lone surrogate: no UTF-8 driver can send it;
# deep nesting: RecursionError in json.loads).
HOSTILE_BODIES = [
    pytest.param(
        "POST", "/api/auth/login", '{"email": "a\\u0000@example.com", "password": "x"}', id="nul"
    ),
    pytest.param("PUT", "/api/auth/me", '{"name": "a\\ud800b"}', id="lone-surrogate"),
    pytest.param("PUT", "/api/auth/me", '{"\\udc00": 1}', id="lone-surrogate-key"),
    pytest.param(
        "PUT", "/api/auth/me", '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}", id="deep"
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path", "raw"), HOSTILE_BODIES)
def test_hostile_json_is_invalid_request(
    owners: Owners, fuzz_server: servers.Server, method: str, path: str, raw: str
) -> None:
    owner = owners.for_operation("hostile-json")
    with httpx.Client(base_url=fuzz_server.url, timeout=10.0) as http:
        r = http.request(
            method,
            path,
            content=raw.encode(),
            headers={**owner.headers, "Content-Type": "application/json"},
        )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "invalid_request"
    assert r.json()["error"]["message"].startswith("malformed JSON")
