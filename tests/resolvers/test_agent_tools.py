"""The agent's data tools as the voice session runs them: bookings at the right instant in the
tenant's zone, BANT leads, callbacks, FAQ search, the webhook events they write and publish,
the call's record of its tool calls, and reading it all back per tenant."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from models.base import new_id
from models.booking import Booking, Callback, Lead
from models.call import Call
from models.tenant import Tenant
from models.webhook import WebhookDelivery, WebhookEvent
from resolvers import agents, bookings, calls, events
from resolvers.agent_tools import run_tool
from resolvers.agent_tools.knowledge import faq_search as search
from resolvers.errors import DomainError
from resolvers.knowledge import documents
from tests.factories import TenantCtx, make_key, make_tenant
from tests.graphql import bearer, data, gql, gql_error

AGENT = "agent_desk"
CALLEE = "+212612345678"
FAQ = [
    {
        "question": "What are your opening hours?",
        "answer": "We open 9:00 to 18:00, Monday to Saturday.",
    },
    {"question": "Do you deliver to Rabat?", "answer": "Yes, delivery to Rabat takes two days."},
    {"question": "How much is a haircut?", "answer": "A haircut costs 80 dirhams."},
    {"question": "Where is the shop?", "answer": "Boulevard Anfa, Casablanca; open hours vary."},
]


async def make_call(
    t: TenantCtx, *, direction: str = "outbound", status: str = "in-progress", **fields: Any
) -> Call:
    return await Call.create(
        id=new_id("call"),
        tenant_id=t.id,
        agent_id=AGENT,
        direction=direction,
        status=status,
        to_number=CALLEE if direction == "outbound" else None,
        **fields,
    )


@pytest.fixture
async def tenant(app: object) -> TenantCtx:
    t = await make_tenant()
    await agents.create_agent(t.principal, {"id": AGENT, "name": "Desk", "faq": FAQ})
    return t


@pytest.fixture
async def call(tenant: TenantCtx) -> Call:
    return await make_call(tenant)


def tomorrow(zone: str) -> date:
    return (datetime.now(ZoneInfo(zone)) + timedelta(days=1)).date()


@asynccontextmanager
async def listening(tenant_id: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
    """The tenant's live events from the moment the subscription is known to be active (Redis
    subscribes asynchronously: probes are published until one comes back)."""
    bus = events.get_bus()
    channel = events.tenant_channel(tenant_id, "events")
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    ready = asyncio.Event()

    async def read() -> None:
        async with bus.subscribe(channel) as stream:
            async for event in stream:
                if event.get("type") == "probe":
                    ready.set()
                else:
                    await queue.put(event)

    reader = asyncio.create_task(read())
    try:
        async with asyncio.timeout(5):
            while not ready.is_set():
                await bus.publish(channel, {"type": "probe"})
                await asyncio.sleep(0.02)
        yield queue
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)


async def published(tenant_id: str, queue: asyncio.Queue[dict[str, Any]]) -> list[dict[str, Any]]:
    """Everything published so far: a marker goes out last and closes the list."""
    marker = new_id("marker")
    await events.get_bus().publish(events.tenant_channel(tenant_id, "events"), {"type": marker})
    out = []
    async with asyncio.timeout(5):
        while (event := await queue.get())["type"] != marker:
            out.append(event)
    return out


async def nothing_stored() -> None:
    assert await Booking.all().count() == 0
    assert await Lead.all().count() == 0
    assert await Callback.all().count() == 0
    assert await WebhookEvent.all().count() == 0


# --- create_booking -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "utc_hours"),
    [("Africa/Casablanca", {9, 10}), ("America/New_York", {14, 15})],
)
async def test_booking_tomorrow_at_ten_is_stored_at_the_right_utc_instant(
    tenant: TenantCtx, zone: str, utc_hours: set[int]
) -> None:
    if zone != "Africa/Casablanca":
        await Tenant.filter(id=tenant.id).update(timezone=zone)
    call = await make_call(tenant, webhook_url="https://127.0.0.1:9/call-hook")
    day = tomorrow(zone)
    async with listening(tenant.id) as queue:
        result = await run_tool(
            call.id,
            "create_booking",
            {"date": day.isoformat(), "time": "10:00", "name": "Samira", "service": "Haircut"},
        )
        bus = await published(tenant.id, queue)
    expected = datetime.combine(day, time(10), tzinfo=ZoneInfo(zone))
    [booking] = await Booking.all()
    assert booking.starts_at == expected.astimezone(UTC)
    # Independent of zoneinfo: 10:00 there is 9:00/10:00 UTC (Casablanca) or 14:00/15:00 UTC
    # (New York, daylight saving or not).
    assert booking.starts_at.astimezone(UTC).hour in utc_hours
    assert booking.id.startswith("bkg_")
    assert result == {
        "bookingId": booking.id,
        "startsAt": expected.isoformat(),
        "timezone": zone,
    }
    assert result["startsAt"].startswith(f"{day.isoformat()}T10:00:00")
    assert (booking.timezone, booking.name, booking.service, booking.phone, booking.status) == (
        zone,
        "Samira",
        "Haircut",
        CALLEE,
        "confirmed",
    )
    assert (booking.call_id, booking.agent_id, booking.tenant_id) == (call.id, AGENT, tenant.id)

    [event] = await WebhookEvent.filter(tenant_id=tenant.id)
    body = json.loads(event.body)
    expected_data = {
        "bookingId": booking.id,
        "callId": call.id,
        "agentId": AGENT,
        "startsAt": expected.isoformat(),
        "timezone": zone,
        "name": "Samira",
        "phone": CALLEE,
        "service": "Haircut",
        "notes": None,
    }
    assert (event.type, event.call_id, body["event"], body["data"]) == (
        "booking.created",
        call.id,
        "booking.created",
        expected_data,
    )
    # The call's own webhookUrl gets it too.
    assert await WebhookDelivery.filter(event_id=event.id).values_list("url", flat=True) == [
        "https://127.0.0.1:9/call-hook"
    ]
    assert [(e["type"], e["id"], e["callId"], e["data"]) for e in bus] == [
        ("booking.created", event.id, call.id, expected_data)
    ]


async def test_the_same_slot_twice_on_one_call_is_one_booking(call: Call) -> None:
    args = {"date": tomorrow("Africa/Casablanca").isoformat(), "time": "15:30"}
    first = await run_tool(call.id, "create_booking", args)
    again = await run_tool(call.id, "create_booking", dict(args, name="Samira"))
    assert again == first
    assert await Booking.all().count() == 1
    assert await WebhookEvent.filter(type="booking.created").count() == 1
    other = await run_tool(call.id, "create_booking", dict(args, time="16:00"))
    assert other["bookingId"] != first["bookingId"]
    assert await WebhookEvent.filter(type="booking.created").count() == 2


def _dst_gap_day() -> date:
    """The next day in New York whose 02:30 does not exist (clocks jump 02:00 → 03:00)."""
    zone = ZoneInfo("America/New_York")
    day = tomorrow("America/New_York")
    for _ in range(400):
        wall = datetime.combine(day, time(2, 30))
        if wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
            return day
        day += timedelta(days=1)
    raise AssertionError("no clock change within 400 days")


D = "{tomorrow}"
BAD_ARGUMENTS: list[tuple[str, object, str]] = [
    ("create_booking", {}, "date is required, written YYYY-MM-DD (for example 2026-03-14)"),
    (
        "create_booking",
        {"date": "tomorrow", "time": "10:00"},
        "date is required, written YYYY-MM-DD",
    ),
    ("create_booking", {"date": 20260314, "time": "10:00"}, "date is required, written YYYY-MM-DD"),
    ("create_booking", {"date": D}, "time is required, written HH:MM on 24 hours"),
    ("create_booking", {"date": D, "time": "25:00"}, "time is required, written HH:MM"),
    ("create_booking", {"date": D, "time": "10h30"}, "time is required, written HH:MM"),
    ("create_booking", {"date": D, "time": 10}, "time is required, written HH:MM"),
    ("create_booking", {"date": "{feb30}", "time": "10:00"}, "is not a calendar date"),
    (
        "create_booking",
        {"date": "{yesterday}", "time": "10:00"},
        "is in the past in Africa/Casablanca",
    ),
    (
        "create_booking",
        {"date": "{in3years}", "time": "10:00"},
        "the date must be within the next two years",
    ),
    (
        "create_booking",
        {"date": D, "time": "10:00", "name": "x" * 201},
        "name must be at most 200 characters",
    ),
    (
        "create_booking",
        {"date": D, "time": "10:00", "name": "Sam\x00ira"},
        "name must not contain NUL characters",
    ),
    ("create_booking", {"date": D, "time": "10:00", "name": 42}, "name must be a string"),
    (
        "create_booking",
        {"date": D, "time": "10:00", "service": ["cut"]},
        "service must be a string",
    ),
    (
        "create_booking",
        {"date": D, "time": "10:00", "notes": "n" * 1001},
        "notes must be at most 1000 characters",
    ),
    (
        "create_booking",
        {"date": D, "time": "10:00", "phone": "call me maybe"},
        "phone must be a phone number",
    ),
    (
        "create_booking",
        {"date": D, "time": "10:00", "phone": 612345678},
        "phone must be a phone number",
    ),
    ("create_booking", [D, "10:00"], "arguments must be a JSON object"),
    ("create_booking", "{not json", "arguments must be a JSON object"),
    ("qualify_lead", {"need": "yes"}, "need must be true or false"),
    ("qualify_lead", {"need": True, "budget": 1}, "budget must be true or false"),
    ("qualify_lead", {"need": True, "email": "not-an-email"}, "a valid email address is required"),
    ("qualify_lead", {"need": True, "name": "\ud800"}, "name is not valid Unicode text"),
    ("schedule_callback", {"date": D}, "time is required, written HH:MM"),
    ("schedule_callback", {"date": "{yesterday}", "time": "23:59"}, "is in the past"),
    ("search_knowledge_base", {}, "query is required"),
    ("search_knowledge_base", {"query": "   "}, "query must not be empty"),
    ("search_knowledge_base", {"query": "q" * 201}, "query must be at most 200 characters"),
    ("transfer_call", {}, "unknown tool; this runner executes: create_booking, qualify_lead"),
    ("drop_tables", {}, "unknown tool"),
]


def _fill(value: object) -> object:
    today = datetime.now(ZoneInfo("Africa/Casablanca")).date()
    subs = {
        "{tomorrow}": (today + timedelta(days=1)).isoformat(),
        "{yesterday}": (today - timedelta(days=1)).isoformat(),
        "{feb30}": f"{today.year + 1}-02-30",
        "{in3years}": f"{today.year + 3}-01-15",
    }
    if isinstance(value, str):
        return subs.get(value, value)
    if isinstance(value, dict):
        return {k: _fill(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v) for v in value]
    return value


@pytest.mark.parametrize(("tool", "arguments", "message"), BAD_ARGUMENTS)
async def test_bad_arguments_are_an_error_result_and_store_nothing(
    call: Call, tool: str, arguments: object, message: str
) -> None:
    result = await run_tool(call.id, tool, _fill(arguments))  # type: ignore[arg-type]
    assert list(result) == ["error"], result
    assert isinstance(result["error"], str)
    assert message in result["error"], result
    await nothing_stored()
    assert (await Call.get(id=call.id)).lead_score is None


async def test_a_time_skipped_by_the_clock_change_is_refused(tenant: TenantCtx) -> None:
    await Tenant.filter(id=tenant.id).update(timezone="America/New_York")
    call = await make_call(tenant)
    day = _dst_gap_day().isoformat()
    result = await run_tool(call.id, "create_booking", {"date": day, "time": "02:30"})
    assert result == {
        "error": f"{day} 02:30 does not exist in America/New_York (the clocks change then); "
        "choose another time"
    }
    ok = await run_tool(call.id, "create_booking", {"date": day, "time": "03:30"})
    assert ok["startsAt"] == f"{day}T03:30:00-04:00"


async def test_unknown_ended_or_foreign_tool_calls_are_refused(tenant: TenantCtx) -> None:
    args = {"date": tomorrow("Africa/Casablanca").isoformat(), "time": "10:00"}
    for call_id in ("call_doesnotexist", "", "x" * 41, "call_\x00"):
        assert await run_tool(call_id, "create_booking", args) == {"error": "unknown call"}
    ended = await make_call(tenant, status="completed")
    assert await run_tool(ended.id, "create_booking", args) == {
        "error": "the call has ended; nothing was done"
    }
    await agents.update_agent(tenant.principal, AGENT, {"tools": ["transfer_call", "end_call"]})
    live = await make_call(tenant)
    assert await run_tool(live.id, "create_booking", args) == {
        "error": "this agent may not use create_booking"
    }
    await nothing_stored()


# --- qualify_lead ---------------------------------------------------------------------------

BANT_TABLE = [
    ({"need": True, "timeline": True, "budget": True}, 80, True),
    ({"need": True, "authority": True}, 50, False),
    ({"need": True, "timeline": True, "budget": True, "authority": True}, 100, True),
    ({"timeline": True, "budget": True, "authority": True}, 70, True),
    ({"need": True, "timeline": True}, 60, False),
    ({"need": False, "timeline": False, "budget": False, "authority": False}, 0, False),
]


@pytest.mark.parametrize(("bant", "score", "qualified"), BANT_TABLE)
async def test_bant_scoring(call: Call, bant: dict[str, bool], score: int, qualified: bool) -> None:
    result = await run_tool(call.id, "qualify_lead", bant)
    [lead] = await Lead.all()
    assert result == {"leadId": lead.id, "score": score, "qualified": qualified}
    assert lead.id.startswith("lead_")
    assert (lead.score, lead.qualified, lead.call_id) == (score, qualified, call.id)
    assert (await Call.get(id=call.id)).lead_score == score
    assert await WebhookEvent.filter(type="lead.qualified").count() == (1 if qualified else 0)


async def test_lead_qualified_goes_out_once_when_the_score_first_reaches_70(
    tenant: TenantCtx, call: Call
) -> None:
    async with listening(tenant.id) as queue:
        first = await run_tool(
            call.id, "qualify_lead", {"need": True, "authority": True, "name": "Omar Idrissi"}
        )
        assert (first["score"], first["qualified"]) == (50, False)
        assert await WebhookEvent.filter(type="lead.qualified").count() == 0
        # Omitted flags keep their values: need and authority stay true.
        second = await run_tool(
            call.id,
            "qualify_lead",
            {"timeline": True, "email": "Omar@Example.com", "phone": "06 12 34 56 79"},
        )
        assert second == {"leadId": first["leadId"], "score": 80, "qualified": True}
        third = await run_tool(call.id, "qualify_lead", {"budget": True})
        assert third == {"leadId": first["leadId"], "score": 100, "qualified": True}
        bus = await published(tenant.id, queue)
    [lead] = await Lead.all()
    assert (lead.name, lead.email, lead.phone) == (
        "Omar Idrissi",
        "omar@example.com",
        "+212612345679",
    )
    assert lead.qualified_at is not None
    [event] = await WebhookEvent.filter(type="lead.qualified")
    expected_data = {
        "leadId": lead.id,
        "callId": call.id,
        "agentId": AGENT,
        "score": 80,
        "bant": {"need": True, "timeline": True, "budget": False, "authority": True},
        "name": "Omar Idrissi",
        "email": "omar@example.com",
        "phone": "+212612345679",
    }
    assert json.loads(event.body)["data"] == expected_data
    assert [(e["type"], e["id"], e["data"]) for e in bus] == [
        ("lead.qualified", event.id, expected_data)
    ]
    # Dropping below and climbing back is not a second qualification.
    await run_tool(call.id, "qualify_lead", {"need": False, "timeline": False})
    again = await run_tool(call.id, "qualify_lead", {"need": True, "timeline": True})
    assert again["qualified"] is True
    assert await WebhookEvent.filter(type="lead.qualified").count() == 1
    assert await Lead.all().count() == 1


async def test_the_lead_tool_score_wins_at_the_end_of_the_call(call: Call) -> None:
    await run_tool(call.id, "qualify_lead", {"need": True, "timeline": True, "budget": True})
    ended = await calls.end_call(call.id, reason="customer-hangup", lead_score=10)
    assert ended is not None
    assert ended.lead_score == 80
    assert (await Call.get(id=call.id)).lead_score == 80
    completed = json.loads((await WebhookEvent.get(type="call.completed")).body)
    assert completed["data"]["leadScore"] == 80


async def test_concurrent_first_qualifications_make_one_lead_and_one_event(call: Call) -> None:
    full = {"need": True, "timeline": True, "budget": True, "authority": True}
    results = await asyncio.gather(*(run_tool(call.id, "qualify_lead", full) for _ in range(4)))
    assert {r.get("leadId") for r in results} == {(await Lead.get()).id}
    assert await WebhookEvent.filter(type="lead.qualified").count() == 1


# --- schedule_callback and search_knowledge_base -------------------------------------------


async def test_schedule_callback(tenant: TenantCtx, call: Call) -> None:
    day = tomorrow("Africa/Casablanca")
    result = await run_tool(
        call.id, "schedule_callback", {"date": day.isoformat(), "time": "09:15", "notes": "devis"}
    )
    [cb] = await Callback.all()
    local = datetime.combine(day, time(9, 15), tzinfo=ZoneInfo("Africa/Casablanca"))
    assert result == {"callbackId": cb.id, "at": local.isoformat()}
    assert cb.id.startswith("cbk_")
    assert (cb.at, cb.timezone, cb.phone, cb.notes, cb.status, cb.call_id) == (
        local.astimezone(UTC),
        "Africa/Casablanca",
        CALLEE,
        "devis",
        "scheduled",
        call.id,
    )
    # A national number is read in the country of the caller's number.
    other = await run_tool(
        call.id,
        "schedule_callback",
        {"date": day.isoformat(), "time": "11:00", "phone": "05 22 99 88 77"},
    )
    assert (await Callback.get(id=str(other["callbackId"]))).phone == "+212522998877"
    # A web call has no number to fall back on.
    web = await make_call(tenant, direction="web")
    assert await run_tool(
        web.id, "schedule_callback", {"date": day.isoformat(), "time": "11:00"}
    ) == {"error": "phone is required: ask the caller for the number to call back"}
    assert await Callback.all().count() == 2
    assert await WebhookEvent.all().count() == 0


async def test_search_knowledge_base_returns_the_best_three(call: Call) -> None:
    result = await run_tool(
        call.id, "search_knowledge_base", {"query": "What are the opening hours?"}
    )
    # The question's two words, then "hours" in an answer.
    assert result == {"results": [FAQ[0], FAQ[3]]}
    rabat = await run_tool(call.id, "search_knowledge_base", {"query": "livraison à RABAT ?"})
    assert rabat == {"results": [FAQ[1]]}
    assert await run_tool(call.id, "search_knowledge_base", {"query": "zebra"}) == {"results": []}


async def test_search_knowledge_base_answers_from_the_tenants_knowledge_base(
    tenant: TenantCtx, call: Call
) -> None:
    other = await make_tenant(plan="pro")
    parking = documents.entry(
        "parking", "Un parking gratuit est en face du salon.", title="Parking"
    )
    secret = documents.entry("promo", "Code promo secret : ZEBRA50 sur les colorations.")
    [mine] = (
        await documents.write_entries(tenant.principal, [parking], language=call.language)
    ).documents
    await documents.write_entries(other.principal, [secret], language=call.language)
    result = await run_tool(
        call.id, "search_knowledge_base", {"query": "où se garer, il y a un parking ?"}
    )
    # Cited by entry id and source, so the call's toolCalls say where the answer came from.
    assert result == {
        "results": [
            {"id": mine.id, "question": "Parking", "answer": parking.content, "source": "api"}
        ]
    }
    # Another tenant's entry is never found, and a query sharing no word finds nothing.
    assert await run_tool(call.id, "search_knowledge_base", {"query": "code promo coloration"}) == {
        "results": []
    }


async def test_search_ranks_by_word_overlap_and_caps_the_count(tenant: TenantCtx) -> None:
    agent = await agents.get_agent(tenant.principal, AGENT)
    # A word of the question counts 2, one of the answer 1; ties keep the FAQ's order.
    assert search(agent, "haircut price Rabat hours", 2) == [FAQ[1], FAQ[2]]
    assert search(agent, "haircut price Rabat hours", 3) == [FAQ[1], FAQ[2], FAQ[0]]
    assert search(agent, "the of and", 3) == []
    assert search(None, "hours", 3) == []


# --- the call's record of its tool calls -----------------------------------------------------


async def test_record_tool_call_keeps_each_call_in_the_call_record(
    tenant: TenantCtx, call: Call
) -> None:
    args = {"date": tomorrow("Africa/Casablanca").isoformat(), "time": "10:00"}
    result = await run_tool(call.id, "create_booking", args)
    async with listening(tenant.id) as queue:
        first = await calls.record_tool_call(call.id, "create_booking", args, result)
        # What a model sends is stored even when PostgreSQL's jsonb would refuse it as is.
        second = await calls.record_tool_call(
            call.id,
            "search_knowledge_base",
            {"query": "a\x00b", "n": float("nan")},
            {"results": []},
        )
        bus = await published(tenant.id, queue)
    assert first.startswith("fc_")
    assert second.startswith("fc_")
    record = (await Call.get(id=call.id)).tool_calls
    assert [(r["id"], r["name"], r["arguments"], r["result"]) for r in record] == [
        (first, "create_booking", args, result),
        (second, "search_knowledge_base", {"query": "ab", "n": None}, {"results": []}),
    ]
    assert all(isinstance(r["at"], str) and r["at"].endswith("Z") for r in record)
    assert [(e["type"], e["data"]["id"], e["data"]["name"]) for e in bus] == [
        ("function_call", first, "create_booking"),
        ("function_call", second, "search_knowledge_base"),
    ]
    assert await calls.record_tool_call("call_doesnotexist", "end_call", {}) != ""


async def test_concurrent_tool_calls_are_all_recorded(call: Call) -> None:
    ids = await asyncio.gather(
        *(calls.record_tool_call(call.id, "end_call", {"n": n}) for n in range(8))
    )
    record = (await Call.get(id=call.id)).tool_calls
    assert sorted(r["id"] for r in record) == sorted(ids)


# --- reading back, per tenant ----------------------------------------------------------------


async def _one_of_each(call: Call) -> None:
    day = tomorrow("Africa/Casablanca").isoformat()
    assert "bookingId" in await run_tool(call.id, "create_booking", {"date": day, "time": "10:00"})
    assert "leadId" in await run_tool(call.id, "qualify_lead", {"need": True})
    assert "callbackId" in await run_tool(
        call.id, "schedule_callback", {"date": day, "time": "12:00"}
    )


async def test_lists_are_scoped_to_the_callers_tenant(tenant: TenantCtx, call: Call) -> None:
    other = await make_tenant()
    await agents.create_agent(other.principal, {"id": AGENT, "name": "Other desk"})
    await _one_of_each(call)
    await _one_of_each(await make_call(other))
    for list_rows, model in (
        (bookings.list_bookings, Booking),
        (bookings.list_leads, Lead),
        (bookings.list_callbacks, Callback),
    ):
        mine = await list_rows(tenant.principal)
        theirs = await list_rows(other.principal)
        assert (mine.total, theirs.total) == (1, 1)
        assert [r.tenant_id for r in mine.items] == [tenant.id]  # type: ignore[attr-defined]
        assert [r.tenant_id for r in theirs.items] == [other.id]  # type: ignore[attr-defined]
        assert await model.all().count() == 2
        with pytest.raises(DomainError) as exc:
            await list_rows(tenant.principal, tenant_id=other.id)
        assert (exc.value.code, exc.value.status) == ("resource_not_found", 404)
        with pytest.raises(DomainError) as exc:
            await list_rows(tenant.principal, limit=101)
        assert (exc.value.code, exc.value.param) == ("invalid_request", "limit")


LISTS = """
query($limit: Int, $offset: Int) {
  bookings(limit: $limit, offset: $offset) {
    total limit offset
    items { id callId agentId startsAt timezone name phone service notes status createdAt }
  }
  leads(limit: $limit, offset: $offset) {
    total items { id callId agentId name email phone need timeline budget authority score
                  qualified notes createdAt updatedAt }
  }
  callbacks(limit: $limit, offset: $offset) {
    total items { id callId agentId at timezone phone notes status createdAt }
  }
}"""


async def test_graphql_lists_bookings_leads_and_callbacks(
    client: httpx.AsyncClient, tenant: TenantCtx, call: Call
) -> None:
    await _one_of_each(call)
    await run_tool(call.id, "qualify_lead", {"timeline": True, "budget": True})
    body = data(await gql(client, LISTS, {"limit": 10}, tenant.headers))
    booking, lead, cb = await Booking.get(), await Lead.get(), await Callback.get()
    [b] = body["bookings"]["items"]
    assert (body["bookings"]["total"], body["bookings"]["limit"], body["bookings"]["offset"]) == (
        1,
        10,
        0,
    )
    day = tomorrow("Africa/Casablanca")
    local = datetime.combine(day, time(10), tzinfo=ZoneInfo("Africa/Casablanca"))
    assert b["id"] == booking.id
    assert datetime.fromisoformat(b["startsAt"]) == local
    assert b["startsAt"].startswith(f"{day.isoformat()}T10:00:00")
    assert (b["callId"], b["agentId"], b["timezone"], b["phone"], b["status"]) == (
        call.id,
        AGENT,
        "Africa/Casablanca",
        CALLEE,
        "confirmed",
    )
    [item] = body["leads"]["items"]
    assert (item["id"], item["score"], item["qualified"], item["need"], item["authority"]) == (
        lead.id,
        80,
        True,
        True,
        False,
    )
    [c] = body["callbacks"]["items"]
    assert (c["id"], c["phone"], c["status"]) == (cb.id, CALLEE, "scheduled")
    assert c["at"].startswith(f"{day.isoformat()}T12:00:00")
    # Another tenant sees none of it; page bounds are the usual ones.
    other = await make_tenant()
    empty = data(await gql(client, LISTS, {}, other.headers))
    assert [empty[k]["total"] for k in ("bookings", "leads", "callbacks")] == [0, 0, 0]
    assert gql_error(await gql(client, LISTS, {"limit": 101}, tenant.headers)) == {
        "code": "invalid_request",
        "status": 400,
        "param": "limit",
    }
    assert gql_error(await gql(client, LISTS, {"offset": -1}, tenant.headers))["param"] == "offset"
    assert gql_error(await gql(client, LISTS, {})) == {"code": "invalid_api_key", "status": 401}


async def test_tool_calls_show_on_the_call_in_graphql_and_rest(
    client: httpx.AsyncClient, tenant: TenantCtx, call: Call
) -> None:
    args = {"query": "opening hours"}
    result = await run_tool(call.id, "search_knowledge_base", args)
    fc_id = await calls.record_tool_call(call.id, "search_knowledge_base", args, result)
    query = "query($id: ID!) { call(id: $id) { id toolCalls { id name arguments result at } } }"
    got = data(await gql(client, query, {"id": call.id}, tenant.headers))["call"]["toolCalls"]
    [entry] = (await Call.get(id=call.id)).tool_calls
    assert got == [
        {
            "id": fc_id,
            "name": "search_knowledge_base",
            "arguments": args,
            "result": result,
            "at": entry["at"],
        }
    ]
    r = await client.get(f"/v1/calls/{call.id}", headers=bearer(await make_key(tenant)))
    assert r.status_code == 200, r.text
    assert r.json()["toolCalls"] == got
