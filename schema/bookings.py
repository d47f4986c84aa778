"""GraphQL for what the agent's tools recorded during calls: bookings, leads, callbacks, and
the tool calls of a call."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import strawberry
from strawberry.scalars import JSON

from models.booking import Booking as BookingModel
from models.booking import Callback as CallbackModel
from models.booking import Lead as LeadModel
from resolvers import bookings
from schema.agents import LimitArg, OffsetArg
from schema.context import Info
from schema.pagination import page_of
from schema.tenants import TenantIdArg


def _local(moment: datetime, zone: str) -> datetime:
    """The instant in the zone it was booked in (the offset shows in the ISO form)."""
    try:
        return moment.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return moment


@strawberry.type(description="An appointment the agent booked during a call (create_booking).")
class Booking:
    id: strawberry.ID = strawberry.field(description="bkg_...")
    call_id: strawberry.ID | None = strawberry.field(description="The call that booked it.")
    agent_id: str | None = strawberry.field(description="The agent that booked it.")
    starts_at: datetime = strawberry.field(
        description="When it starts, with the offset of its time zone."
    )
    timezone: str = strawberry.field(description="The IANA time zone the time was given in.")
    name: str | None = strawberry.field(description="The person's name, when given.")
    phone: str | None = strawberry.field(description="Their number (E.164), when known.")
    service: str | None = strawberry.field(description="What was booked, when given.")
    notes: str | None = strawberry.field(description="Free notes of the agent.")
    status: str = strawberry.field(description="confirmed.")
    created_at: datetime = strawberry.field(description="When it was booked (UTC).")

    @classmethod
    def from_model(cls, b: BookingModel) -> "Booking":
        return cls(
            id=strawberry.ID(b.id),
            call_id=strawberry.ID(b.call_id) if b.call_id else None,
            agent_id=b.agent_id,
            starts_at=_local(b.starts_at, b.timezone),
            timezone=b.timezone,
            name=b.name,
            phone=b.phone,
            service=b.service,
            notes=b.notes,
            status=b.status,
            created_at=b.created_at,
        )


@strawberry.type(description="A lead the agent qualified during a call (qualify_lead, BANT).")
class Lead:
    id: strawberry.ID = strawberry.field(description="lead_...")
    call_id: strawberry.ID | None = strawberry.field(description="The call it came from.")
    agent_id: str | None = strawberry.field(description="The agent that qualified it.")
    name: str | None = strawberry.field(description="The person's name, when given.")
    email: str | None = strawberry.field(description="Their email, when given.")
    phone: str | None = strawberry.field(description="Their number (E.164), when known.")
    need: bool = strawberry.field(description="A need was expressed (30 points).")
    timeline: bool = strawberry.field(description="A timeline was given (30 points).")
    budget: bool = strawberry.field(description="A budget was confirmed (20 points).")
    authority: bool = strawberry.field(description="The person decides (20 points).")
    score: int = strawberry.field(description="The BANT score, 0 to 100.")
    qualified: bool = strawberry.field(description="Score of 70 or more (lead.qualified).")
    notes: str | None = strawberry.field(description="Free notes of the agent.")
    created_at: datetime = strawberry.field(description="When it was first recorded (UTC).")
    updated_at: datetime = strawberry.field(description="Its last update (UTC).")

    @classmethod
    def from_model(cls, lead: LeadModel) -> "Lead":
        return cls(
            id=strawberry.ID(lead.id),
            call_id=strawberry.ID(lead.call_id) if lead.call_id else None,
            agent_id=lead.agent_id,
            name=lead.name,
            email=lead.email,
            phone=lead.phone,
            need=lead.need,
            timeline=lead.timeline,
            budget=lead.budget,
            authority=lead.authority,
            score=lead.score,
            qualified=lead.qualified,
            notes=lead.notes,
            created_at=lead.created_at,
            updated_at=lead.updated_at,
        )


@strawberry.type(description="A call back the agent promised during a call (schedule_callback).")
class Callback:
    id: strawberry.ID = strawberry.field(description="cbk_...")
    call_id: strawberry.ID | None = strawberry.field(description="The call that asked for it.")
    agent_id: str | None = strawberry.field(description="The agent that scheduled it.")
    at: datetime = strawberry.field(
        description="When to call back, with the offset of its time zone."
    )
    timezone: str = strawberry.field(description="The IANA time zone the time was given in.")
    phone: str | None = strawberry.field(description="The number to call (E.164).")
    notes: str | None = strawberry.field(description="Free notes of the agent.")
    status: str = strawberry.field(description="scheduled.")
    created_at: datetime = strawberry.field(description="When it was scheduled (UTC).")

    @classmethod
    def from_model(cls, c: CallbackModel) -> "Callback":
        return cls(
            id=strawberry.ID(c.id),
            call_id=strawberry.ID(c.call_id) if c.call_id else None,
            agent_id=c.agent_id,
            at=_local(c.at, c.timezone),
            timezone=c.timezone,
            phone=c.phone,
            notes=c.notes,
            status=c.status,
            created_at=c.created_at,
        )


@strawberry.type(description="A page of bookings, newest first.")
class BookingPage:
    items: list[Booking] = strawberry.field(description="The bookings of this page.")
    total: int = strawberry.field(description="All of the tenant's bookings.")
    limit: int = strawberry.field(description="Page size (1-100).")
    offset: int = strawberry.field(description="Bookings skipped.")


@strawberry.type(description="A page of leads, newest first.")
class LeadPage:
    items: list[Lead] = strawberry.field(description="The leads of this page.")
    total: int = strawberry.field(description="All of the tenant's leads.")
    limit: int = strawberry.field(description="Page size (1-100).")
    offset: int = strawberry.field(description="Leads skipped.")


@strawberry.type(description="A page of callbacks, newest first.")
class CallbackPage:
    items: list[Callback] = strawberry.field(description="The callbacks of this page.")
    total: int = strawberry.field(description="All of the tenant's callbacks.")
    limit: int = strawberry.field(description="Page size (1-100).")
    offset: int = strawberry.field(description="Callbacks skipped.")


@strawberry.type(description="A tool the agent called during a call, and what it answered.")
class ToolCall:
    id: strawberry.ID = strawberry.field(description="fc_...")
    name: str = strawberry.field(description="create_booking, qualify_lead, transfer_call, ...")
    arguments: JSON = strawberry.field(description="The arguments the model gave.")
    result: JSON | None = strawberry.field(
        description="What the tool answered ({error} when it refused)."
    )
    at: str = strawberry.field(description="When it was called (ISO 8601, UTC).")


def tool_calls(entries: list[dict[str, Any]]) -> list[ToolCall]:
    return [
        ToolCall(
            id=strawberry.ID(str(e.get("id", ""))),
            name=str(e.get("name", "")),
            arguments=JSON(e.get("arguments") if isinstance(e.get("arguments"), dict) else {}),
            result=e.get("result"),
            at=str(e.get("at", "")),
        )
        for e in entries
        if isinstance(e, dict)
    ]


@strawberry.type
class BookingQuery:
    @strawberry.field(
        description="The tenant's bookings, newest first. Errors: invalid_request, resource_not_found."
    )
    async def bookings(
        self, info: Info, limit: LimitArg = 20, offset: OffsetArg = 0, tenant_id: TenantIdArg = None
    ) -> BookingPage:
        page = await bookings.list_bookings(
            info.context.caller(), limit=limit, offset=offset, tenant_id=tenant_id
        )
        return page_of(BookingPage, page, Booking.from_model)

    @strawberry.field(
        description="The tenant's leads, newest first. Errors: invalid_request, resource_not_found."
    )
    async def leads(
        self, info: Info, limit: LimitArg = 20, offset: OffsetArg = 0, tenant_id: TenantIdArg = None
    ) -> LeadPage:
        page = await bookings.list_leads(
            info.context.caller(), limit=limit, offset=offset, tenant_id=tenant_id
        )
        return page_of(LeadPage, page, Lead.from_model)

    @strawberry.field(
        description="The tenant's callbacks to make, newest first. Errors: invalid_request, resource_not_found."
    )
    async def callbacks(
        self, info: Info, limit: LimitArg = 20, offset: OffsetArg = 0, tenant_id: TenantIdArg = None
    ) -> CallbackPage:
        page = await bookings.list_callbacks(
            info.context.caller(), limit=limit, offset=offset, tenant_id=tenant_id
        )
        return page_of(CallbackPage, page, Callback.from_model)
