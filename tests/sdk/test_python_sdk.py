"""The Python SDK (sdk/python) against the real server: the session app served by uvicorn on a
loopback port (tests/ws.py), so every request goes over a real socket, WebSocket included.
Retry behaviour is checked against a scripted local HTTP server (tests/webhooks/receiver.py)
with the SDK's sleep injected, so nothing really waits."""

import asyncio
import base64
import dataclasses
import json
import time
import types
import typing
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import vocalia
from standardwebhooks import Webhook
from vocalia import endpoints, resources, webhooks
from vocalia.types import (
    Agent,
    AgentAction,
    Call,
    Deleted,
    FaqEntry,
    Lead,
    Model,
    PhoneNumber,
    RespondResult,
    ToolCall,
    TranscriptLine,
)

from resolvers.settings import Settings, configure, get_settings
from tests import ws
from tests.factories import TenantCtx, make_key, make_tenant
from tests.servers import free_port
from tests.webhooks.receiver import Receiver, Reply

FAST = {
    "sim_ring_seconds": 0.05,
    "sim_answer_seconds": 0.05,
    "sim_turn_seconds": 0.02,
    "sim_no_answer_seconds": 0.1,
    "webhook_retry_schedule": (0, 0.2, 0.2),
}
QUICK = {"simulate": {"script": []}}  # the scripted caller hangs up after the greeting


@pytest.fixture(autouse=True)
def fast(clean: None, settings: Settings) -> None:
    configure(settings.with_overrides(**FAST))


@pytest.fixture
async def base(app: object) -> AsyncIterator[str]:
    """The session app on a loopback port: its http:// base URL."""
    async with ws.serve(app) as url:
        yield url.removesuffix("/graphql").replace("ws://", "http://", 1)


class Shop:
    def __init__(self, ctx: TenantCtx, key: str) -> None:
        self.ctx = ctx
        self.key = key


async def make_shop(plan: str = "pro", mode: str = "live") -> Shop:
    ctx = await make_tenant(plan=plan)
    return Shop(ctx, await make_key(ctx, mode=mode))


@pytest.fixture
async def shop() -> Shop:
    return await make_shop()


@pytest.fixture
async def sdk(base: str, shop: Shop) -> AsyncIterator[vocalia.AsyncClient]:
    async with vocalia.AsyncClient(shop.key, base_url=base) as client:
        await client.agents.create(id="agent_support_fr", name="Support FR", greeting="Bonjour.")
        yield client


async def wait_status(
    client: vocalia.AsyncClient, call_id: str, statuses: tuple[str, ...], timeout: float = 20
) -> Call:
    async with asyncio.timeout(timeout):
        while True:
            call = await client.calls.get(call_id)
            if call.status in statuses:
                return call
            await asyncio.sleep(0.02)


# --- the types follow /openapi.json -----------------------------------------------------------


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _json_types(tp: Any) -> tuple[set[str], bool]:
    """The JSON types a field annotation stands for, and whether it allows null."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        out: set[str] = set()
        nullable = False
        for arg in typing.get_args(tp):
            if arg is type(None):
                nullable = True
                continue
            kinds, inner_null = _json_types(arg)
            out |= kinds
            nullable |= inner_null
        return out, nullable
    if tp is Any:
        return set(), True
    if origin is typing.Literal:
        return {"string"}, False
    simple = {str: "string", int: "integer", float: "number", bool: "boolean", datetime: "string"}
    if tp in simple:
        return {simple[tp]}, False
    if origin is list:
        return {"array"}, False
    if origin is dict or (isinstance(tp, type) and issubclass(tp, Model)):
        return {"object"}, False
    raise AssertionError(f"no JSON type for {tp!r}")


def _literal(tp: Any) -> set[str] | None:
    for arg in (
        typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, types.UnionType) else (tp,)
    ):
        if typing.get_origin(arg) is typing.Literal:
            return set(typing.get_args(arg))
    return None


def check_model(spec: dict[str, Any], cls: type[Model], schema: dict[str, Any]) -> list[str]:
    """Every disagreement between an SDK class and its response schema."""
    schema = _resolve(spec, schema)
    props: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    hints = typing.get_type_hints(cls)
    problems: list[str] = []
    fields = cls.api_fields()
    for name in required - set(fields):
        problems.append(f"{cls.__name__}: required field {name!r} of the API is missing")
    for wire, f in fields.items():
        where = f"{cls.__name__}.{f.name} ({wire})"
        if wire not in props:
            problems.append(f"{where}: not in the API's schema")
            continue
        prop = _resolve(spec, props[wire])
        kinds, nullable = _json_types(hints[f.name])
        declared = prop.get("type")
        if declared is None:
            continue  # any JSON value
        api_kinds = {declared} if isinstance(declared, str) else set(declared)
        api_nullable = "null" in api_kinds or wire not in required
        if kinds and kinds != api_kinds - {"null"}:
            problems.append(f"{where}: SDK type {kinds} but the API's is {api_kinds}")
        if api_nullable and not nullable:
            problems.append(f"{where}: the API may send null or omit it, the SDK says it cannot")
        has_default = not (
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        )
        if not api_nullable and (nullable or has_default):
            problems.append(f"{where}: always present and non-null in the API, optional here")
        values = _literal(hints[f.name])
        if values is not None and "enum" in prop:
            api_values = {v for v in prop["enum"] if v is not None}
            if values != api_values:
                problems.append(
                    f"{where}: values {sorted(values)} vs the API's {sorted(api_values)}"
                )
    return problems


def _ok(spec: dict[str, Any], path: str, method: str, status: str = "200") -> dict[str, Any]:
    op = spec["paths"][path][method]
    return _resolve(spec, op["responses"][status]["content"]["application/json"]["schema"])


def _prop(spec: dict[str, Any], schema: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        schema = _resolve(spec, schema)
        schema = schema["items"] if name == "[]" else schema["properties"][name]
    return _resolve(spec, schema)


async def test_sdk_types_and_routes_match_the_served_openapi(base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as http:
        spec = (await http.get("/openapi.json")).json()
    components = spec["components"]["schemas"]
    call, agent = components["Call"], components["Agent"]
    respond = _ok(spec, "/respond", "post")
    pairs: list[tuple[type[Model], dict[str, Any]]] = [
        (Call, call),
        (TranscriptLine, _prop(spec, call, "transcript", "[]")),
        (ToolCall, _prop(spec, call, "toolCalls", "[]")),
        (Agent, agent),
        (FaqEntry, _prop(spec, agent, "faq", "[]")),
        (PhoneNumber, components["PhoneNumber"]),
        (Deleted, _ok(spec, "/v1/agents/{agent_id}", "delete")),
        (Deleted, _ok(spec, "/v1/phone-numbers/{number_id}", "delete")),
        (RespondResult, respond),
        (Lead, _prop(spec, respond, "lead")),
        (AgentAction, components["AgentAction"]),
    ]
    problems = [p for cls, schema in pairs for p in check_model(spec, cls, schema)]
    # Every response schema the SDK reads is one of the above (a new one must get a type).
    for method, path in endpoints.ENDPOINTS:
        op = spec["paths"].get(path, {}).get(method.lower())
        if op is None:
            problems.append(f"{method} {path}: not served")
    # Pages: exactly {data, total, limit, offset}; the phone numbers' list {data, total}.
    for path in ("/v1/calls", "/v1/agents"):
        assert set(_ok(spec, path, "get")["required"]) == {"data", "total", "limit", "offset"}
    assert set(_ok(spec, "/v1/phone-numbers", "get")["required"]) == {"data", "total"}
    # What the SDK sends is what the routes read.
    bodies = {
        ("/v1/calls", "post"): resources.CALL_CREATE_FIELDS,
        ("/v1/agents", "post"): resources.AGENT_FIELDS,
        ("/v1/agents/{agent_id}", "patch"): resources.AGENT_FIELDS,
        ("/v1/phone-numbers", "post"): resources.PHONE_NUMBER_FIELDS,
        ("/respond", "post"): resources.RESPOND_FIELDS,
    }
    for (path, method), fields in bodies.items():
        op = spec["paths"][path][method]
        schema = _resolve(spec, op["requestBody"]["content"]["application/json"]["schema"])
        for wire in set(fields.values()) - set(schema["properties"]):
            problems.append(f"{method.upper()} {path}: the SDK sends {wire!r}, the API ignores it")
        for wire in set(schema.get("required", [])) - set(fields.values()):
            problems.append(f"{method.upper()} {path}: required {wire!r} cannot be sent")
    transfer = spec["paths"]["/v1/calls/{call_id}/transfer"]["post"]["requestBody"]
    assert set(transfer["content"]["application/json"]["schema"]["properties"]) == {"to", "message"}
    list_params = {p["name"] for p in spec["paths"]["/v1/calls"]["get"]["parameters"]}
    assert list_params == {"limit", "offset", "status", "from", "to"}
    create_headers = {p["name"] for p in spec["paths"]["/v1/calls"]["post"]["parameters"]}
    assert "Idempotency-Key" in create_headers  # what lets calls.create retry a 5xx
    assert problems == []


def test_the_drift_check_sees_a_renamed_or_missing_field() -> None:
    spec: dict[str, Any] = {}
    schema = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "deleted": {"type": "boolean"}},
        "required": ["id", "deleted"],
    }
    assert check_model(spec, Deleted, schema) == []
    renamed = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "isDeleted": {"type": "boolean"}},
        "required": ["id", "isDeleted"],
    }
    problems = check_model(spec, Deleted, renamed)
    assert any("'isDeleted' of the API is missing" in p for p in problems), problems
    assert any("deleted (deleted): not in the API's schema" in p for p in problems), problems
    nullable = {
        **schema,
        "properties": {**schema["properties"], "id": {"type": ["string", "null"]}},
    }
    assert any("may send null" in p for p in check_model(spec, Deleted, nullable))


# --- resources against the real server --------------------------------------------------------


async def test_agents_crud_pages_and_typed_errors(sdk: vocalia.AsyncClient) -> None:
    created = await sdk.agents.create(
        id="agent_sales_en",
        name="Sales",
        language="en",
        transfer_number="+212600000001",
        max_duration=600,
        faq=[
            FaqEntry(question="Hours?", answer="9 to 5"),
            {"question": "Where?", "answer": "Rabat"},
        ],
    )
    assert isinstance(created, Agent)
    assert (created.id, created.language, created.transfer_number) == (
        "agent_sales_en",
        "en",
        "+212600000001",
    )
    assert created.max_duration == 600
    assert [f.answer for f in created.faq] == ["9 to 5", "Rabat"]
    assert created.created_at.tzinfo is not None
    got = await sdk.agents.get("agent_sales_en")
    assert got == created
    updated = await sdk.agents.update("agent_sales_en", name="Ventes", transfer_number=None)
    assert (updated.name, updated.transfer_number) == ("Ventes", None)
    for n in range(3):
        await sdk.agents.create(id=f"agent_extra_{n}", name=f"Extra {n}")
    first = await sdk.agents.list(limit=2)
    assert (len(first), first.total, first.limit, first.offset, first.has_more) == (
        2,
        5,
        2,
        0,
        True,
    )
    every = [a.id async for a in sdk.agents.list_all(page_size=2)]
    assert sorted(every) == sorted(
        ["agent_support_fr", "agent_sales_en", "agent_extra_0", "agent_extra_1", "agent_extra_2"]
    )
    with pytest.raises(vocalia.ConflictError) as conflict:
        await sdk.agents.create(id="agent_sales_en", name="Twice")
    assert (conflict.value.code, conflict.value.status) == ("conflict", 409)
    deleted = await sdk.agents.delete("agent_sales_en")
    assert (deleted.id, deleted.deleted) == ("agent_sales_en", True)
    with pytest.raises(vocalia.NotFoundError) as missing:
        await sdk.agents.get("agent_sales_en")
    err = missing.value
    assert (err.code, err.status) == ("resource_not_found", 404)
    assert err.request_id is not None
    assert err.request_id.startswith("req_")
    assert err.message
    with pytest.raises(vocalia.InvalidRequestError) as bad:
        await sdk.agents.list(limit=1000)
    assert (bad.value.code, bad.value.status, bad.value.param) == ("invalid_request", 400, "limit")
    with pytest.raises(TypeError, match="unknown field"):
        await sdk.agents.create(id="agent_x", name="X", colour="blue")


async def test_phone_numbers(sdk: vocalia.AsyncClient) -> None:
    row = await sdk.phone_numbers.create(number="+212520123456", label="Rabat", is_default=True)
    assert isinstance(row, PhoneNumber)
    assert (row.number, row.label, row.is_default, row.carrier) == (
        "+212520123456",
        "Rabat",
        True,
        "simulated",
    )
    assert [n.id for n in await sdk.phone_numbers.list()] == [row.id]
    with pytest.raises(vocalia.InvalidPhoneNumberError) as bad:
        await sdk.phone_numbers.create(number="0612")
    assert isinstance(bad.value, vocalia.InvalidRequestError)
    assert (bad.value.code, bad.value.status) == ("invalid_phone_number", 400)
    assert (await sdk.phone_numbers.delete(row.id)).deleted is True
    assert await sdk.phone_numbers.list() == []
    with pytest.raises(vocalia.NotFoundError):
        await sdk.phone_numbers.delete(row.id)


async def test_calls_create_get_list_transfer_hangup(sdk: vocalia.AsyncClient) -> None:
    quick = await sdk.calls.create(
        to="+212612345678", agent_id="agent_support_fr", metadata={"orderId": "ord_456", **QUICK}
    )
    assert isinstance(quick, Call)
    assert quick.id.startswith("call_")
    assert (quick.status, quick.direction, quick.to, quick.agent_id) == (
        "initiating",
        "outbound",
        "+212612345678",
        "agent_support_fr",
    )
    assert quick.metadata["orderId"] == "ord_456"
    done = await wait_status(sdk, quick.id, ("completed", "failed"))
    assert done.ended
    assert done.status == "completed"
    assert isinstance(done.duration, int)
    assert done.ended_at is not None
    assert all(isinstance(line, TranscriptLine) for line in done.transcript)

    configure(get_settings().with_overrides(sim_turn_seconds=0.5))
    long_script = {"simulate": {"script": ["Bonjour."] * 20}}
    to_transfer = await sdk.calls.create(
        to="+212612345679", agent_id="agent_support_fr", metadata=long_script
    )
    await wait_status(sdk, to_transfer.id, ("in-progress",))
    moved = await sdk.calls.transfer(
        to_transfer.id, to="+212520999888", message="Je vous transfère vers un conseiller."
    )
    assert (moved.status, moved.ended_reason) == ("completed", "transferred")
    with pytest.raises(vocalia.ConflictError) as again:
        await sdk.calls.transfer(to_transfer.id, to="+212520999888")
    assert again.value.status == 409

    to_end = await sdk.calls.create(
        to="+212612345670", agent_id="agent_support_fr", metadata=long_script
    )
    await wait_status(sdk, to_end.id, ("in-progress",))
    ended = await sdk.calls.hangup(to_end.id)
    assert ended.ended_reason == "agent-hangup"
    assert (await wait_status(sdk, to_end.id, ("completed", "failed"))).ended

    page = await sdk.calls.list(limit=2)
    assert (page.total, page.limit, page.offset, len(page)) == (3, 2, 0, 2)
    assert [c.id for c in page] == [to_end.id, to_transfer.id]  # newest first
    assert [c.id async for c in sdk.calls.list_all(page_size=2)] == [
        to_end.id,
        to_transfer.id,
        quick.id,
    ]
    today = datetime.now(UTC).date()
    completed = [c.id async for c in sdk.calls.list_all(status="completed", from_=today)]
    assert set(completed) == {quick.id, to_transfer.id, to_end.id}
    assert (await sdk.calls.list(to="2000-01-01")).total == 0

    with pytest.raises(vocalia.InvalidPhoneNumberError) as bad_number:
        await sdk.calls.create(to="0612345678", agent_id="agent_support_fr")
    assert bad_number.value.param == "to"
    with pytest.raises(vocalia.AgentNotConfiguredError):
        await sdk.calls.create(to="+212612345678", agent_id="agent_nobody")
    with pytest.raises(vocalia.NotFoundError):
        await sdk.calls.get("call_doesnotexist")


async def test_calls_create_is_idempotent_on_the_server(sdk: vocalia.AsyncClient) -> None:
    first = await sdk.calls.create(
        to="+212612345678", agent_id="agent_support_fr", metadata=QUICK, idempotency_key="order-1"
    )
    replay = await sdk.calls.create(
        to="+212612345678", agent_id="agent_support_fr", metadata=QUICK, idempotency_key="order-1"
    )
    assert replay.id == first.id
    assert (await sdk.calls.list()).total == 1
    with pytest.raises(vocalia.ConflictError) as other_body:
        await sdk.calls.create(
            to="+212612345699", agent_id="agent_support_fr", idempotency_key="order-1"
        )
    assert other_body.value.param == "Idempotency-Key"
    await wait_status(sdk, first.id, ("completed", "failed"))


async def test_sync_client_over_the_same_server(base: str, shop: Shop) -> None:
    def run() -> tuple[Agent, list[str], RespondResult, RespondResult]:
        with vocalia.Client(shop.key, base_url=base + "/v1") as client:  # the reference's base
            agent = client.agents.create(id="agent_en", name="Atlas", language="en")
            ids = [a.id for a in client.agents.list_all(page_size=1)]
            first = client.respond("Hello, what are your opening hours?", agent_id="agent_en")
            second = client.respond("Thanks, goodbye", session_id=first.session_id)
            return agent, ids, first, second

    agent, ids, first, second = await asyncio.to_thread(run)
    assert agent.id == "agent_en"
    assert ids == ["agent_en"]
    assert isinstance(first, RespondResult)
    assert first.success is True
    assert first.response
    assert first.session_id.startswith("conv_")
    assert (first.language, first.agent_id) == ("en", "agent_en")
    assert isinstance(first.lead, Lead)
    assert first.lead.status in ("cold", "warm", "hot")
    assert second.session_id == first.session_id
    with vocalia.Client(shop.key, base_url=base) as unused:
        assert shop.key not in repr(unused)  # the key is masked
        assert shop.key[:8] in repr(unused)


async def test_credentials_errors(base: str, shop: Shop) -> None:
    async with vocalia.AsyncClient("voc_sk_live_" + "x" * 40, base_url=base) as bad:
        with pytest.raises(vocalia.AuthenticationError) as denied:
            await bad.agents.list()
    assert (denied.value.code, denied.value.status) == ("invalid_api_key", 401)
    publishable = await make_key(shop.ctx, kind="publishable")
    async with vocalia.AsyncClient(publishable, base_url=base) as browser_key:
        with pytest.raises(vocalia.PermissionDeniedError) as refused:
            await browser_key.calls.list()
    assert (refused.value.code, refused.value.status) == ("insufficient_permissions", 403)
    # The tenant key vk_ works as well as a secret key.
    async with vocalia.AsyncClient(shop.ctx.api_key, base_url=base) as tenant_key:
        assert (await tenant_key.agents.list()).total == 0


async def test_the_real_rate_limit_raises_with_retry_after_and_is_honoured(base: str) -> None:
    starter = await make_shop(plan="starter")
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    async with vocalia.AsyncClient(starter.key, base_url=base, max_retries=0) as client:
        for _ in range(60):  # the starter plan allows 60 a minute
            await client.phone_numbers.list()
        with pytest.raises(vocalia.RateLimitError) as limited:
            await client.phone_numbers.list()
    err = limited.value
    assert (err.code, err.status) == ("rate_limit_exceeded", 429)
    assert err.retry_after is not None
    assert 0 < err.retry_after <= 60
    policy = vocalia.RetryPolicy(max_retries=2, max_retry_after=120)
    async with vocalia.AsyncClient(
        starter.key, base_url=base, max_retries=policy, sleep=record
    ) as client:
        with pytest.raises(vocalia.RateLimitError):
            await client.phone_numbers.list()
    # Two retries, each after the server's Retry-After (the recorded sleep never waited).
    assert len(waits) == 2
    assert all(0 < w <= 60 for w in waits)


# --- /v1/stream --------------------------------------------------------------------------------


async def test_stream_text_turn_typed_events(sdk: vocalia.AsyncClient) -> None:
    await sdk.agents.create(id="agent_en", name="Atlas Dental", language="en", greeting="Hello.")
    seen: list[vocalia.StreamEvent] = []
    async with sdk.stream("agent_en", language="en", partials=False) as s:
        assert s.call_id is not None
        assert s.call_id.startswith("call_")
        async with asyncio.timeout(30):
            async for event in s:
                seen.append(event)
                if isinstance(event, vocalia.TranscriptEvent) and event.role == "agent":
                    break  # the greeting was heard
            await s.send_text("What are your opening hours?")
            async for event in s:
                seen.append(event)
                if isinstance(event, vocalia.TranscriptEvent) and event.role == "user":
                    assert event.text == "What are your opening hours?"
                    await s.end()
                if isinstance(event, vocalia.EndEvent):
                    break
            rest = [e async for e in s]  # the server closes normally: the iteration ends
    kinds = {type(e) for e in seen}
    assert {vocalia.AudioEvent, vocalia.TranscriptEvent, vocalia.EndEvent} <= kinds
    audio = next(e for e in seen if isinstance(e, vocalia.AudioEvent))
    assert len(audio.audio) % 2 == 0
    assert audio.audio
    end = next(e for e in seen if isinstance(e, vocalia.EndEvent))
    assert end.metadata["endedReason"] == "customer-hangup"
    assert all(not isinstance(e, vocalia.ErrorEvent) for e in [*seen, *rest])
    call = await sdk.calls.get(s.call_id)
    assert call.direction == "web"


async def test_stream_refusals_raise_typed_errors(base: str, sdk: vocalia.AsyncClient) -> None:
    async with vocalia.AsyncClient("voc_sk_live_" + "x" * 40, base_url=base) as bad:
        with pytest.raises(vocalia.AuthenticationError) as denied:
            async with bad.stream("agent_support_fr"):
                pass
    assert denied.value.status == 401
    with pytest.raises(vocalia.AgentNotConfiguredError):
        async with sdk.stream("agent_nobody"):
            pass
    with pytest.raises(ValueError, match="sample_rate"):
        sdk.stream("agent_support_fr", sample_rate=44100)


async def test_sync_stream(base: str, shop: Shop) -> None:
    def run() -> tuple[str | None, list[str]]:
        with vocalia.Client(shop.key, base_url=base) as client:
            client.agents.create(id="agent_en", name="Atlas", language="en", greeting="Hello.")
            kinds: list[str] = []
            with client.stream("agent_en", sample_rate=8000, partials=False) as s:
                s.send_audio(b"\x00\x00" * 160)  # 20 ms of silence, binary
                s.send_audio(b"\x00\x00" * 160, binary=False)  # and as base64 JSON
                s.send_text("Goodbye")
                deadline = time.monotonic() + 30
                for event in s:
                    kinds.append(event.type)
                    if isinstance(event, vocalia.TranscriptEvent) and event.role == "user":
                        s.end()
                    if isinstance(event, vocalia.EndEvent) or time.monotonic() > deadline:
                        break
                return s.call_id, kinds

    call_id, kinds = await asyncio.to_thread(run)
    assert call_id is not None
    assert "end" in kinds
    assert "error" not in kinds


# --- retries, against a scripted local server --------------------------------------------------


def _err(status: int, code: str) -> bytes:
    body = {"error": {"code": code, "message": code, "status": status, "request_id": "req_x"}}
    return json.dumps(body).encode()


PAGE = json.dumps({"data": [], "total": 0}).encode()


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


def _client(rx: Receiver, **kw: Any) -> tuple[vocalia.Client, list[float]]:
    waits: list[float] = []
    client = vocalia.Client("voc_sk_test_key", base_url=rx.url(""), sleep=waits.append, **kw)
    return client, waits


def test_429_waits_for_retry_after_then_succeeds(rx: Receiver) -> None:
    limited = Reply(
        429,
        {"Retry-After": "2", "Content-Type": "application/json"},
        _err(429, "rate_limit_exceeded"),
    )
    rx.script("/v1/phone-numbers", limited, limited)
    rx.default("/v1/phone-numbers", Reply(200, {"Content-Type": "application/json"}, PAGE))
    client, waits = _client(rx)
    with client:
        assert client.phone_numbers.list() == []
    assert waits == [2.0, 2.0]
    assert len(rx.requests("/v1/phone-numbers")) == 3
    # A POST is retried on 429 too: the server refused it before running anything.
    rx.script("/respond", limited)
    rx.default("/respond", Reply(500, {}, _err(500, "internal_error")))
    client, waits = _client(rx)
    with client, pytest.raises(vocalia.InternalServerError):
        client.respond("hello")
    assert waits == [2.0]
    assert len(rx.requests("/respond")) == 2  # the 500 was not retried


def test_5xx_back_off_is_exponential_jittered_and_bounded(rx: Receiver) -> None:
    rx.default("/v1/agents", Reply(503, {}, b"upstream down"))
    spans: list[tuple[float, float]] = []

    def jitter(low: float, high: float) -> float:
        spans.append((low, high))
        return high / 2

    policy = vocalia.RetryPolicy(max_retries=4, base_delay=0.5, max_delay=3.0, jitter=jitter)
    client, waits = _client(rx, max_retries=policy)
    with client, pytest.raises(vocalia.InternalServerError) as failed:
        client.agents.list()
    assert failed.value.status == 503
    assert spans == [(0.0, 0.5), (0.0, 1.0), (0.0, 2.0), (0.0, 3.0)]
    assert waits == [0.25, 0.5, 1.0, 1.5]
    assert len(rx.requests("/v1/agents")) == 5


def test_post_calls_retries_5xx_with_one_idempotency_key(rx: Receiver) -> None:
    call = {"id": "call_1", "status": "initiating", "direction": "outbound", "to": "+212612345678"}
    rx.script("/v1/calls", Reply(500, {}, _err(500, "internal_error")), Reply(502, {}, b""))
    rx.default(
        "/v1/calls", Reply(201, {"Content-Type": "application/json"}, json.dumps(call).encode())
    )
    client, waits = _client(rx)
    with client:
        made = client.calls.create(to="+212612345678", agent_id="agent_support_fr")
    assert made.id == "call_1"
    keys = [r.headers.get("idempotency-key") for r in rx.requests("/v1/calls")]
    assert len(keys) == 3
    assert keys[0]
    assert len(set(keys)) == 1
    assert len(waits) == 2
    # Other POSTs have no idempotency: a 5xx is raised at once.
    rx.default("/v1/calls/call_1/hangup", Reply(500, {}, _err(500, "internal_error")))
    client, waits = _client(rx)
    with client, pytest.raises(vocalia.InternalServerError) as failed:
        client.calls.hangup("call_1")
    assert (failed.value.code, failed.value.request_id) == ("internal_error", "req_x")
    assert waits == []
    assert len(rx.requests("/v1/calls/call_1/hangup")) == 1


def test_connection_failures(rx: Receiver) -> None:
    waits: list[float] = []
    nowhere = f"http://127.0.0.1:{free_port()}"
    client = vocalia.Client("voc_sk_test_key", base_url=nowhere, sleep=waits.append, max_retries=3)
    # Refused before anything was sent: even a POST is retried.
    with client, pytest.raises(vocalia.APIConnectionError) as refused:
        client.respond("hello")
    assert refused.value.code == "connection_error"
    assert refused.value.status is None
    assert len(waits) == 3
    # Sent, then no answer in time: a GET is retried, a POST /respond is not.
    rx.default("/v1/agents", Reply(200, {}, PAGE, delay=0.5))
    rx.default("/respond", Reply(200, {}, b"{}", delay=0.5))
    client, waits = _client(rx, timeout=0.1, max_retries=1)
    with client:
        with pytest.raises(vocalia.APITimeoutError):
            client.respond("hello")
        assert waits == []
        with pytest.raises(vocalia.APITimeoutError):
            client.agents.list()
        assert len(waits) == 1
    assert len(rx.requests("/respond")) == 1


def test_a_retry_after_beyond_the_bound_is_raised_not_waited(rx: Receiver) -> None:
    rx.default("/v1/agents", Reply(429, {"Retry-After": "3600"}, _err(429, "rate_limit_exceeded")))
    client, waits = _client(rx)
    with client, pytest.raises(vocalia.RateLimitError) as limited:
        client.agents.list()
    assert limited.value.retry_after == 3600
    assert waits == []


async def test_async_client_retries_the_same_way(rx: Receiver) -> None:
    limited = Reply(429, {"Retry-After": "1"}, _err(429, "concurrency_limit_exceeded"))
    rx.script("/v1/agents", limited)
    rx.default(
        "/v1/agents",
        Reply(200, {}, json.dumps({"data": [], "total": 0, "limit": 20, "offset": 0}).encode()),
    )
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    async with vocalia.AsyncClient("voc_sk_test_key", base_url=rx.url(""), sleep=record) as c:
        page = await c.agents.list()
        assert page.total == 0
        rx.default(
            "/v1/agents", Reply(429, {"Retry-After": "1"}, _err(429, "concurrency_limit_exceeded"))
        )
        with pytest.raises(vocalia.ConcurrencyLimitError) as busy:
            await c.agents.list()
    assert isinstance(busy.value, vocalia.RateLimitError)
    assert waits == [1.0, 1.0, 1.0]


# --- webhooks -----------------------------------------------------------------------------------


async def test_real_deliveries_verify_with_both_schemes(
    client: httpx.AsyncClient, sdk: vocalia.AsyncClient, shop: Shop, rx: Receiver
) -> None:
    r = await client.put(
        f"/api/tenants/{shop.ctx.id}/webhooks",
        json={"endpoints": [{"url": rx.url("/hook")}]},
        headers=shop.ctx.headers,
    )
    assert r.status_code == 200, r.text
    secret = r.json()["endpoints"][0]["secret"]
    call = await sdk.calls.create(to="+212612345678", agent_id="agent_support_fr", metadata=QUICK)
    await rx.wait_for(4, "/hook", timeout=20)
    received = rx.requests("/hook")
    events = [webhooks.construct_event(req.body, req.headers, secret) for req in received]
    assert [e.event for e in events] == [
        "call.initiated",
        "call.ringing",
        "call.answered",
        "call.completed",
    ]
    assert all(e.data["callId"] == call.id for e in events)
    assert all(e.tenant_id == shop.ctx.id for e in events)
    first = received[0]
    # The X-VocalIA-Signature scheme alone (a receiver that strips the standard headers).
    legacy = {k: v for k, v in first.headers.items() if not k.startswith("webhook-")}
    assert webhooks.construct_event(first.body, legacy, secret).id == events[0].id
    assert webhooks.verify_signature(first.body, first.headers["x-vocalia-signature"], secret)
    assert not webhooks.verify_signature(
        first.body + b" ", first.headers["x-vocalia-signature"], secret
    )
    tampered = first.body.replace(b"call.", b"cal1.")
    for headers in (first.headers, legacy):
        with pytest.raises(vocalia.WebhookVerificationError):
            webhooks.construct_event(tampered, headers, secret)
    # Replay protection: outside the tolerance window the delivery is refused.
    stamp = int(first.headers["webhook-timestamp"])
    with pytest.raises(vocalia.WebhookVerificationError, match="tolerance"):
        webhooks.verify(first.body, first.headers, secret, now=stamp + 301)
    webhooks.verify(first.body, first.headers, secret, now=stamp + 299)
    other = "whsec_" + base64.b64encode(b"k" * 32).decode()
    with pytest.raises(vocalia.WebhookVerificationError, match="no webhook-signature"):
        webhooks.verify(first.body, first.headers, other)
    # A receiver that rotates its own secret may try both.
    webhooks.verify(first.body, first.headers, [other, secret])


def test_standard_webhooks_rotation_and_the_reference_library() -> None:
    old = "whsec_" + base64.b64encode(b"o" * 32).decode()
    new = "whsec_" + base64.b64encode(b"n" * 32).decode()
    body = b'{"id":"evt_1","event":"call.completed","timestamp":"2026-01-29T15:32:07Z","tenantId":"t","data":{}}'
    now = int(time.time())
    # What the server sends while a secret rotates: one signature per live secret.
    signature = " ".join(webhooks.standard_signature(body, "evt_1", now, s) for s in (new, old))
    headers = {"Webhook-Id": "evt_1", "Webhook-Timestamp": str(now), "Webhook-Signature": signature}
    assert webhooks.construct_event(body, headers, old).id == "evt_1"
    assert webhooks.construct_event(body, headers, new).event == "call.completed"
    # Signed by the reference library, verified by the SDK, and the other way round.
    lib = Webhook(new)
    lib_signature = lib.sign("evt_1", datetime.fromtimestamp(now, UTC), body.decode())
    webhooks.verify(body, {**headers, "webhook-signature": lib_signature}, new)
    assert lib.verify(body, {k.lower(): v for k, v in headers.items()}) is not None
    with pytest.raises(vocalia.WebhookVerificationError, match="missing"):
        webhooks.verify(body, {"webhook-signature": signature}, new)
    with pytest.raises(vocalia.WebhookVerificationError, match="no signature header"):
        webhooks.verify(body, {}, new)
