"""GraphQL for calls: the same operations as /v1/calls, and live call events over
graphql-transport-ws."""

from collections.abc import AsyncGenerator
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from models.call import Call as CallModel
from resolvers import call_events, calls
from resolvers.errors import DomainError
from schema.agents import Agent, LimitArg, OffsetArg
from schema.bookings import ToolCall, tool_calls
from schema.context import Info
from schema.pagination import page_of
from schema.subscriptions import context_free, deliver, shared_root
from schema.tenants import TenantIdArg

CallIdArg = Annotated[
    strawberry.ID,
    strawberry.argument(
        description="The call's id (call_...). Another tenant's is resource_not_found."
    ),
]


@strawberry.type(description="One line of a call's transcript.")
class TranscriptLine:
    role: str = strawberry.field(description="agent or user.")
    content: str = strawberry.field(description="What was said.")
    start_ms: int | None = strawberry.field(
        description="When the line started, in ms from the answer."
    )


@strawberry.type(description="Medians of the parts of a turn's latency, in milliseconds.")
class LatencyParts:
    eot: int | None = strawberry.field(description="Silence waited for to detect the end of turn.")
    stt: int | None = strawberry.field(description="Speech recognition still running after it.")
    agent: int | None = strawberry.field(description="The agent's answer, tools included.")
    tts: int | None = strawberry.field(description="Speech synthesis up to the first frame sent.")


@strawberry.type(description="Voice-to-voice latency of the call's turns.")
class CallLatency:
    p50_ms: int | None = strawberry.field(description="Median, in milliseconds.")
    p95_ms: int | None = strawberry.field(description="95th percentile, in milliseconds.")
    turns: int | None = strawberry.field(description="Voice turns measured.")
    parts_p50_ms: LatencyParts | None = strawberry.field(
        description="Median of each part of a turn's latency."
    )

    @classmethod
    def from_dict(cls, latency: dict[str, Any]) -> "CallLatency":
        parts = latency.get("partsP50Ms")
        return cls(
            p50_ms=_ms(latency.get("p50Ms")),
            p95_ms=_ms(latency.get("p95Ms")),
            turns=_ms(latency.get("turns")),
            parts_p50_ms=LatencyParts(
                **{k: _ms(parts.get(k)) for k in ("eot", "stt", "agent", "tts")}
            )
            if isinstance(parts, dict)
            else None,
        )


def _ms(value: object) -> int | None:
    return round(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _transcript(lines: list[dict[str, Any]]) -> list[TranscriptLine]:
    return [
        TranscriptLine(
            role=str(line.get("role", "")),
            content=str(line.get("content", "")),
            start_ms=_ms(line.get("startMs")),
        )
        for line in lines
        if isinstance(line, dict)
    ]


@strawberry.type(description="A call (phone or web) and, once it ended, its analysis.")
class Call:
    id: strawberry.ID = strawberry.field(description="call_...")
    status: str = strawberry.field(
        description="initiating, ringing, in-progress, completed or failed."
    )
    direction: str = strawberry.field(description="outbound, inbound or web.")
    to: str | None = strawberry.field(description="The number called (E.164).")
    from_: str | None = strawberry.field(name="from", description="The caller id (E.164).")
    agent_id: str = strawberry.field(description="The id of the agent that takes the call.")
    created_at: datetime = strawberry.field(description="When the call was placed (UTC).")
    answered_at: datetime | None = strawberry.field(description="When it was answered (UTC).")
    ended_at: datetime | None = strawberry.field(description="When it ended (UTC).")
    duration: int | None = strawberry.field(description="Connected time in seconds.")
    transcript: list[TranscriptLine] = strawberry.field(description="What was said, in order.")
    sentiment: str | None = strawberry.field(description="positive, neutral or negative.")
    summary: str | None = strawberry.field(description="A short summary, once ended.")
    lead_score: int | None = strawberry.field(description="0 to 100, once ended.")
    cost: float | None = strawberry.field(description="What the call cost, in the plan currency.")
    ended_reason: str | None = strawberry.field(
        description="customer-hangup, agent-hangup, transferred, busy, no-answer, ..."
    )
    metadata: JSON = strawberry.field(description="The metadata given when it was placed.")
    recording_url: str | None = strawberry.field(description="The recording, when one was kept.")
    latency: CallLatency | None = strawberry.field(
        description="Voice-to-voice latency of the turns, when measured."
    )
    tool_calls: list[ToolCall] = strawberry.field(
        description="The tools the agent called, in order, with their results."
    )
    tenant_id: strawberry.Private[str]

    @strawberry.field(
        description="The agent of the call (null once deleted); batched across a page of calls."
    )
    async def agent(self, info: Info) -> Agent | None:
        row = await info.context.loaders.agent_by_key.load((self.tenant_id, self.agent_id))
        return Agent.from_model(row) if row is not None else None

    @classmethod
    def from_model(cls, c: CallModel) -> "Call":
        latency = c.latency if isinstance(c.latency, dict) else {}
        return cls(
            id=strawberry.ID(c.id),
            status=c.status,
            direction=c.direction,
            to=c.to_number,
            from_=c.from_number,
            agent_id=c.agent_id,
            created_at=c.created_at,
            answered_at=c.answered_at,
            ended_at=c.ended_at,
            duration=c.duration,
            transcript=_transcript(list(c.transcript or [])),
            sentiment=c.sentiment,
            summary=c.summary,
            lead_score=c.lead_score,
            cost=float(c.cost) if isinstance(c.cost, Decimal | int | float) else None,
            ended_reason=c.ended_reason,
            metadata=JSON(c.metadata),
            recording_url=c.recording_url,
            latency=CallLatency.from_dict(latency) if latency else None,
            tool_calls=tool_calls(list(c.tool_calls or [])),
            tenant_id=c.tenant_id,
        )


@strawberry.type(description="A page of calls, newest first.")
class CallPage:
    items: list[Call] = strawberry.field(description="The calls of this page.")
    total: int = strawberry.field(description="All calls matching the filters.")
    limit: int = strawberry.field(description="Page size (1-100).")
    offset: int = strawberry.field(description="Calls skipped.")


@strawberry.type(description="A live event of a call, as published when it happens.")
class CallEvent:
    id: strawberry.ID = strawberry.field(
        description="evt_...; a status event has the id of its webhook event."
    )
    type: str = strawberry.field(
        description="call.initiated, call.ringing, call.answered, call.transferred, call.completed, call.failed, transcript or function_call."
    )
    call_id: strawberry.ID = strawberry.field(description="The call it is about.")
    timestamp: str = strawberry.field(description="When it happened (ISO 8601, UTC).")
    data: JSON = strawberry.field(
        description="Status events: the webhook data (callId, status, duration, ...); transcript: {role, text, final}; function_call: {id, name, arguments, result}."
    )

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> "CallEvent":
        return cls(
            id=strawberry.ID(str(event.get("id", ""))),
            type=str(event.get("type", "")),
            call_id=strawberry.ID(str(event.get("callId", ""))),
            timestamp=str(event.get("timestamp", "")),
            data=JSON(event.get("data") or {}),
        )


@strawberry.input(description="A call to place (the body of POST /v1/calls).")
class CreateCallInput:
    to: str = strawberry.field(description="The number to call, E.164 (+212612345678).")
    agent_id: str = strawberry.field(description="The agent that talks.")
    from_: str | None = strawberry.field(
        name="from",
        default=None,
        description="Caller id: one of the tenant's numbers; the default number when omitted.",
    )
    metadata: JSON | None = strawberry.field(
        default=None, description="Your own data, a JSON object of at most 16 KiB."
    )
    webhook_url: str | None = strawberry.field(
        default=None, description="Also send this call's events here (Pro and Enterprise)."
    )


@strawberry.type
class CallQuery:
    @strawberry.field(
        description="The tenant's calls, newest first. Errors: invalid_request, resource_not_found."
    )
    async def calls(
        self,
        info: Info,
        limit: LimitArg = 20,
        offset: OffsetArg = 0,
        status: Annotated[
            str | None,
            strawberry.argument(
                description="Only this status: initiating, ringing, in-progress, completed or failed."
            ),
        ] = None,
        from_: Annotated[
            str | None,
            strawberry.argument(
                name="from",
                description="Created at or after (ISO 8601 date or date-time; a date is its start).",
            ),
        ] = None,
        to: Annotated[
            str | None,
            strawberry.argument(
                description="Created at or before (ISO 8601; a date includes the whole day)."
            ),
        ] = None,
        tenant_id: TenantIdArg = None,
    ) -> CallPage:
        page = await calls.list_calls(
            info.context.caller(),
            limit=limit,
            offset=offset,
            status=status,
            date_from=from_,
            date_to=to,
            tenant_id=tenant_id,
        )
        return page_of(CallPage, page, Call.from_model)

    @strawberry.field(description="One call. Errors: resource_not_found.")
    async def call(self, info: Info, id: CallIdArg) -> Call:
        return Call.from_model(await calls.get_call(info.context.caller(), str(id)))


@strawberry.type
class CallMutation:
    @strawberry.mutation(
        description="Place an outbound call (status initiating). Errors: invalid_phone_number, invalid_request, agent_not_configured, insufficient_permissions, concurrency_limit_exceeded, quota_exceeded, insufficient_credits."
    )
    async def create_call(
        self,
        info: Info,
        input: Annotated[CreateCallInput, strawberry.argument(description="The call to place.")],
    ) -> Call:
        call = await calls.create_call(
            info.context.caller(),
            to=input.to,
            agent_id=input.agent_id,
            from_number=input.from_,
            metadata=input.metadata,
            webhook_url=input.webhook_url,
        )
        return Call.from_model(call)

    @strawberry.mutation(
        description="Hand an in-progress call to a human; the AI leg ends completed/transferred. Errors: resource_not_found, invalid_phone_number, conflict (not in progress)."
    )
    async def transfer_call(
        self,
        info: Info,
        id: CallIdArg,
        to: Annotated[str, strawberry.argument(description="The human's number, E.164.")],
        message: Annotated[
            str | None,
            strawberry.argument(description="Said to the caller before the transfer."),
        ] = None,
    ) -> Call:
        call = await calls.transfer_call(info.context.caller(), str(id), to=to, message=message)
        return Call.from_model(call)

    @strawberry.mutation(
        description="End a call. Errors: resource_not_found, conflict (already ended)."
    )
    async def hangup_call(self, info: Info, id: CallIdArg) -> Call:
        return Call.from_model(await calls.hangup_call(info.context.caller(), str(id)))


# Each event's selection runs once for all the subscribers with the same document, and goes
# to their sockets directly (schema.subscriptions): CallEvent must stay plain data (checked).
context_free(CallEvent)


@strawberry.type
class CallSubscription:
    @strawberry.subscription(
        description="One call's events in order (status events missed before subscribing come first) until call.completed or call.failed, then the stream completes. Errors: resource_not_found."
    )
    async def call_events(
        self,
        info: Info,
        call_id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="The call's id (call_...). Another tenant's is resource_not_found."
            ),
        ],
    ) -> AsyncGenerator[CallEvent, None]:
        source = call_events.call_events(info.context.caller(), str(call_id))
        try:
            async for event in source:
                root = shared_root(event, CallEvent.from_event)
                if not await deliver(root):
                    yield root
        except DomainError as exc:
            # The argument is callId here, not the id of REST's path.
            if exc.param == "id":
                raise DomainError(exc.code, exc.message, param="callId") from exc
            raise
        finally:
            await source.aclose()

    @strawberry.subscription(
        description="Live events of the caller's tenant (never another's), optionally only some types. Errors: invalid_request, resource_not_found."
    )
    async def tenant_events(
        self,
        info: Info,
        types: Annotated[
            list[str] | None,
            strawberry.argument(
                description="Only these types (call.initiated, call.completed, transcript, ...); every type when omitted."
            ),
        ] = None,
        tenant_id: TenantIdArg = None,
    ) -> AsyncGenerator[CallEvent, None]:
        source = call_events.tenant_events(info.context.caller(), types, tenant_id)
        try:
            async for event in source:
                root = shared_root(event, CallEvent.from_event)
                if not await deliver(root):
                    yield root
        finally:
            await source.aclose()
