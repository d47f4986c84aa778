"""Every conversation of a tenant, whatever its channel: calls on the phone (``phone``),
voice sessions of the widget or /v1/stream (``voice``) and /respond sessions (``text``).
Calls and text conversations live in their own tables; a list merges both, newest first,
and an export streams them in batches without holding them in memory."""

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from tortoise.expressions import Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.booking import Booking, Lead
from models.call import Call
from models.conversation import Conversation
from resolvers import audit, validation
from resolvers.errors import forbidden, invalid
from resolvers.pagination import Page
from resolvers.plans import plan_of
from resolvers.principals import Principal, get_owned, get_tenant, require_secret

Channel = Literal["voice", "phone", "text"]
CHANNELS: tuple[Channel, ...] = ("voice", "phone", "text")
FORMATS = ("csv", "jsonl")
MAX_LIST_OFFSET = 10_000  # a list merges two tables; deeper than this, export them
EXPORT_BATCH = 200
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Filters:
    channel: Channel | None = None
    language: str | None = None
    start: datetime | None = None
    stop: datetime | None = None
    stop_inclusive: bool = False
    has_booking: bool | None = None
    has_lead: bool | None = None


@dataclass(frozen=True)
class ConversationView:
    """A call or a text conversation, as the conversations API shows it."""

    id: str
    channel: Channel
    agent_id: str
    language: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    messages: int
    lead_score: int | None
    transcript: list[dict[str, object]]
    tool_calls: list[dict[str, object]]
    phone: str | None  # the other party's number (phone calls)


def channel_of(call: Call) -> Channel:
    return "voice" if call.direction == "web" else "phone"


def _call_view(call: Call) -> ConversationView:
    return ConversationView(
        id=call.id,
        channel=channel_of(call),
        agent_id=call.agent_id,
        language=call.language,
        status=call.status,
        started_at=call.created_at,
        ended_at=call.ended_at,
        messages=len(call.transcript),
        lead_score=call.lead_score,
        transcript=list(call.transcript),
        tool_calls=list(call.tool_calls),
        phone=call.to_number if call.direction == "outbound" else call.from_number,
    )


def _text_view(conv: Conversation) -> ConversationView:
    return ConversationView(
        id=conv.id,
        channel="text",
        agent_id=conv.agent_id,
        language=conv.language,
        status="ended" if conv.ended_at is not None else "active",
        started_at=conv.created_at,
        ended_at=conv.ended_at,
        messages=len(conv.transcript),
        lead_score=conv.lead_score,
        transcript=list(conv.transcript),
        tool_calls=list(conv.tool_calls),
        phone=None,
    )


def filters(
    *,
    channel: object = None,
    language: object = None,
    date_from: object = None,
    date_to: object = None,
    has_booking: object = None,
    has_lead: object = None,
) -> Filters:
    """Checked filters. Raises invalid_request naming the parameter."""
    for name, value in (("has_booking", has_booking), ("has_lead", has_lead)):
        if value is not None and not isinstance(value, bool):
            raise invalid(f"{name} must be true or false", param=name)
    start, stop, inclusive = validation.date_range(date_from, date_to)
    return Filters(
        channel=None if channel is None else _channel(channel),
        language=None if language is None else validation.language(language),
        start=start,
        stop=stop,
        stop_inclusive=inclusive,
        has_booking=has_booking,  # type: ignore[arg-type]
        has_lead=has_lead,  # type: ignore[arg-type]
    )


def _channel(value: object) -> Channel:
    chosen = validation.choice(value, "channel", CHANNELS)
    return next(c for c in CHANNELS if c == chosen)


def _scoped(qs: QuerySet[M], tenant_id: str, f: Filters, link: str) -> QuerySet[M]:
    qs = qs.filter(tenant_id=tenant_id)
    if f.language is not None:
        qs = qs.filter(language=f.language)
    if f.start is not None:
        qs = qs.filter(created_at__gte=f.start)
    if f.stop is not None:
        qs = (
            qs.filter(created_at__lte=f.stop)
            if f.stop_inclusive
            else qs.filter(created_at__lt=f.stop)
        )
    for wanted, model in ((f.has_booking, Booking), (f.has_lead, Lead)):
        if wanted is None:
            continue
        made = Subquery(
            model.filter(tenant_id=tenant_id, **{f"{link}__isnull": False}).values(link)
        )
        qs = qs.filter(id__in=made) if wanted else qs.exclude(id__in=made)
    return qs


def _querysets(
    tenant_id: str, f: Filters
) -> tuple[QuerySet[Call] | None, QuerySet[Conversation] | None]:
    calls: QuerySet[Call] | None = None
    texts: QuerySet[Conversation] | None = None
    if f.channel in (None, "voice", "phone"):
        calls = _scoped(Call.all(), tenant_id, f, "call_id")
        if f.channel == "voice":
            calls = calls.filter(direction="web")
        elif f.channel == "phone":
            calls = calls.exclude(direction="web")
    if f.channel in (None, "text"):
        texts = _scoped(Conversation.all(), tenant_id, f, "conversation_id")
    return calls, texts


def _newest(view: ConversationView) -> tuple[datetime, str]:
    return view.started_at, view.id


async def list_conversations(
    principal: Principal | None,
    f: Filters,
    *,
    limit: object = 20,
    offset: object = 0,
    tenant_id: str | None = None,
) -> Page[ConversationView]:
    """Newest first. Raises invalid_request (limit 1-100, offset 0-10,000, filters),
    resource_not_found."""
    tenant = await get_tenant(require_secret(principal), tenant_id)
    limit_v, offset_v = validation.page_bounds(limit, offset)
    if offset_v > MAX_LIST_OFFSET:
        raise invalid(
            f"offset must be at most {MAX_LIST_OFFSET}: export the conversations for more",
            param="offset",
        )
    calls, texts = _querysets(tenant.id, f)
    wanted = offset_v + limit_v
    views: list[ConversationView] = []
    total = 0
    if calls is not None:
        total += await calls.count()
        views += [_call_view(c) for c in await calls.order_by("-created_at", "-id").limit(wanted)]
    if texts is not None:
        total += await texts.count()
        views += [_text_view(c) for c in await texts.order_by("-created_at", "-id").limit(wanted)]
    views.sort(key=_newest, reverse=True)
    return Page(views[offset_v:wanted], total, limit_v, offset_v)


async def get_conversation(
    principal: Principal | None, conversation_id: object, tenant_id: str | None = None
) -> ConversationView:
    """A call (call_…) or a text conversation (conv_…) with its transcript and tool calls.
    Raises resource_not_found."""
    tenant = await get_tenant(require_secret(principal), tenant_id)
    if isinstance(conversation_id, str) and conversation_id.startswith("call_"):
        return _call_view(await get_owned(Call, tenant.id, "conversation", conversation_id))
    return _text_view(await get_owned(Conversation, tenant.id, "conversation", conversation_id))


# --- export ------------------------------------------------------------------------------

COLUMNS = (
    "id",
    "channel",
    "agent_id",
    "language",
    "status",
    "started_at",
    "ended_at",
    "messages",
    "lead_score",
    "phone",
    "transcript",
)


def _row(view: ConversationView) -> dict[str, Any]:
    return {
        "id": view.id,
        "channel": view.channel,
        "agent_id": view.agent_id,
        "language": view.language,
        "status": view.status,
        "started_at": view.started_at.isoformat(),
        "ended_at": view.ended_at.isoformat() if view.ended_at else None,
        "messages": view.messages,
        "lead_score": view.lead_score,
        "phone": view.phone,
        "transcript": view.transcript,
        "tool_calls": view.tool_calls,
    }


async def _batches(qs: QuerySet[M]) -> AsyncIterator[M]:
    """Every row of ``qs``, newest first, EXPORT_BATCH at a time (keyset: no offset scans)."""
    last: tuple[datetime, str] | None = None
    while True:
        page = qs
        if last is not None:
            at, row_id = last
            page = page.filter(created_at__lte=at).exclude(created_at=at, id__gte=row_id)
        rows = await page.order_by("-created_at", "-id").limit(EXPORT_BATCH)
        for row in rows:
            yield row
        if len(rows) < EXPORT_BATCH:
            return
        last = (rows[-1].created_at, rows[-1].id)  # type: ignore[attr-defined]


async def _merged(tenant_id: str, f: Filters) -> AsyncIterator[ConversationView]:
    calls, texts = _querysets(tenant_id, f)
    sources: list[AsyncIterator[ConversationView]] = []

    async def views(qs: QuerySet[Any], make: Any) -> AsyncIterator[ConversationView]:
        async for row in _batches(qs):
            yield make(row)

    if calls is not None:
        sources.append(views(calls, _call_view))
    if texts is not None:
        sources.append(views(texts, _text_view))
    heads: dict[int, ConversationView] = {}
    for n, source in enumerate(sources):
        first = await anext(source, None)
        if first is not None:
            heads[n] = first
    while heads:
        n = max(heads, key=lambda k: _newest(heads[k]))
        yield heads.pop(n)
        following = await anext(sources[n], None)
        if following is not None:
            heads[n] = following


async def export_conversations(
    principal: Principal | None,
    f: Filters,
    *,
    fmt: object = "jsonl",
    tenant_id: str | None = None,
    ip: str | None = None,
) -> AsyncIterator[str]:
    """The conversations as CSV or JSON Lines, one line at a time (the caller streams them).
    Checked before the first line: the plan's ``export`` feature (insufficient_permissions),
    the format (invalid_request); audit-logged."""
    p = require_secret(principal)
    tenant = await get_tenant(p, tenant_id)
    if "export" not in plan_of(tenant.plan).features:
        raise forbidden(f"the {tenant.plan} plan has no export: upgrade to Pro")
    chosen = validation.choice(fmt, "format", FORMATS)
    await audit.record(
        tenant.id,
        "conversations.exported",
        principal=p,
        ip=ip,
        data={"format": chosen, "channel": f.channel, "language": f.language},
    )
    return _lines(tenant.id, f, chosen)


async def _lines(tenant_id: str, f: Filters, fmt: str) -> AsyncIterator[str]:
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        yield buffer.getvalue()
    async for view in _merged(tenant_id, f):
        row = _row(view)
        if fmt == "jsonl":
            yield json.dumps(row, ensure_ascii=False, default=str) + "\n"
            continue
        buffer = io.StringIO()
        row["transcript"] = "\n".join(
            f"{line.get('role')}: {line.get('content')}" for line in view.transcript
        )
        csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore").writerow(row)
        yield buffer.getvalue()
