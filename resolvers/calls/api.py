"""Calls through the API: place, read, list, transfer and hang up (the /v1 telephony API and
GraphQL share these), and the control messages that reach the process driving a call."""

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from tortoise.transactions import in_transaction

from models.agent import Agent
from models.base import new_id
from models.call import Call, CallTransition
from models.tenant import Tenant, WebhookEndpoint
from resolvers import (
    agents,
    carriers,
    concurrency,
    instance,
    outbox,
    usage,
    validation,
)
from resolvers.calls.machine import (
    FINAL,
    MAX_METADATA_BYTES,
    SLOT_MARGIN,
    STATUSES,
    CallDirection,
    bus_event,
    publish,
    transition,
    webhook_data,
)
from resolvers.carriers import CarrierName
from resolvers.errors import DomainError, ErrorCode, conflict, forbidden, invalid
from resolvers.pagination import Page, paginate
from resolvers.plans import plan_of
from resolvers.principals import Principal, get_owned, get_tenant, require_secret, tenant_scope
from resolvers.settings import get_settings
from resolvers.urls import check_outbound_url

log = logging.getLogger("vocalia.calls")


def _metadata(value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid("metadata must be an object", param="metadata")
    if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_METADATA_BYTES:
        raise invalid(
            f"metadata must be at most {MAX_METADATA_BYTES} bytes of JSON", param="metadata"
        )
    return value


async def _webhook_url(tenant: Tenant, value: object) -> str | None:
    if value is None:
        return None
    if "webhooks" not in plan_of(tenant.plan).features:
        raise forbidden("webhooks need the Pro or Enterprise plan")
    url = await check_outbound_url(value, param="webhookUrl")
    if not await WebhookEndpoint.filter(tenant_id=tenant.id).exists():
        raise invalid(
            "configure a webhook endpoint first: its secret signs per-call deliveries",
            param="webhookUrl",
        )
    return url


async def create_call(
    principal: Principal | None,
    *,
    to: object,
    agent_id: object,
    from_number: object = None,
    metadata: object = None,
    webhook_url: object = None,
) -> Call:
    """Place an outbound call. Raises invalid_phone_number, invalid_request,
    agent_not_configured, insufficient_permissions, concurrency_limit_exceeded,
    quota_exceeded, insufficient_credits."""
    p = require_secret(principal)
    tenant = await get_tenant(p)
    to_number = validation.e164(to, "to")
    agent = await agents.agent_for_call(tenant.id, agent_id)
    caller = await agents.caller_id_for(tenant.id, from_number)
    meta = _metadata(metadata)
    hook = await _webhook_url(tenant, webhook_url)
    mode = p.mode
    # A number's carrier was checked against agents.CARRIERS when it was added.
    carrier_name: CarrierName = (
        "simulated" if mode == "test" or caller is None else cast(CarrierName, caller.carrier)
    )
    carrier = carriers.get(carrier_name)
    if carrier is None:
        raise invalid(
            f"the {carrier_name} carrier is not configured on this server: the operator sets"
            " VOCALIA_TWILIO_ACCOUNT_SID, VOCALIA_TWILIO_AUTH_TOKEN and VOCALIA_PUBLIC_URL; a"
            " sandbox key (voc_sk_test_...) always calls through the simulated carrier",
            param="from",
        )
    plan = plan_of(tenant.plan)
    if carrier_name != "simulated" and "telephony" not in plan.features:
        raise forbidden(
            "phone calls through a carrier need the Pro or Enterprise plan: upgrade the plan,"
            " or use a sandbox key (voc_sk_test_...) for simulated calls"
        )
    async with admission(tenant, agent, mode, metric="calls", what="a call") as call_id:
        call = await insert_call(
            tenant,
            agent,
            call_id,
            "outbound",
            to_number,
            caller.number if caller else None,
            carrier_name,
            mode,
            meta,
            hook,
        )
    await _start_carrier(call, agent)
    return call


@asynccontextmanager
async def admission(
    tenant: Tenant, agent: Agent, mode: str, *, metric: str, what: str
) -> AsyncIterator[str]:
    """Admit a new call (``metric`` "calls") or voice session ("sessions") under the plan's
    limits and yield its id: prepaid credit, a simultaneous-call slot (released again if the
    body fails), then the monthly quota. Sandbox (test) mode is never counted or charged.
    Raises insufficient_credits, concurrency_limit_exceeded, quota_exceeded."""
    plan = plan_of(tenant.plan)
    price = Decimal(get_settings().call_price_per_minute)
    if mode == "live" and tenant.prepaid and tenant.credit_balance < price:
        raise DomainError(
            ErrorCode.INSUFFICIENT_CREDITS,
            f"the prepaid balance cannot cover {what}; top up your credits",
        )
    call_id = new_id("call")
    slots = concurrency.get_slots()
    if not await slots.acquire(
        tenant.id, call_id, plan.simultaneous_calls, agent.max_duration + SLOT_MARGIN
    ):
        raise DomainError(
            ErrorCode.CONCURRENCY_LIMIT_EXCEEDED,
            f"the {plan.name} plan allows {plan.simultaneous_calls} simultaneous calls",
        )
    try:
        limit = plan.calls_per_month if metric == "calls" else plan.sessions_per_month
        if mode == "live" and not await usage.try_consume(tenant.id, metric, limit):
            raise DomainError(
                ErrorCode.QUOTA_EXCEEDED,
                f"the {plan.name} plan's {limit} {metric} this month are used up",
            )
        yield call_id
    except BaseException:
        await slots.release(tenant.id, call_id)
        raise


async def insert_call(
    tenant: Tenant,
    agent: Agent,
    call_id: str,
    direction: CallDirection,
    to_number: str | None,
    from_number: str | None,
    carrier_name: CarrierName,
    mode: str,
    meta: dict[str, Any],
    hook: str | None,
    language: str | None = None,
) -> Call:
    """A new call row in ``initiating`` with its first transition and call.initiated event
    (the caller holds the concurrency slot and has consumed the quota)."""
    now = datetime.now(UTC)
    async with in_transaction():
        call = await Call.create(
            id=call_id,
            tenant=tenant,
            agent_id=agent.agent_id,
            direction=direction,
            status="initiating",
            to_number=to_number,
            from_number=from_number,
            carrier=carrier_name,
            mode=mode,
            language=language or agent.language,
            metadata=meta,
            webhook_url=hook,
            owner=instance.INSTANCE_ID,
        )
        await CallTransition.create(call_id=call.id, status="initiating", at=now)
        event = await outbox.enqueue(
            tenant.id,
            "call.initiated",
            webhook_data(call),
            call_id=call.id,
            call_webhook_url=hook,
            now=now,
        )
    await publish(call, bus_event(call, "call.initiated", event.id, webhook_data(call)))
    outbox.wake()
    return call


async def _start_carrier(call: Call, agent: Agent) -> None:
    carrier = carriers.get(call.carrier)
    try:
        if carrier is None:
            raise RuntimeError(f"carrier {call.carrier} vanished")
        await carrier.start(call, agent)
    except Exception:
        log.exception("carrier %s could not start %s", call.carrier, call.id)
        await transition(call.id, "failed", reason="carrier-error")


async def get_call(
    principal: Principal | None, call_id: object, *, tenant_id: str | None = None
) -> Call:
    """Raises resource_not_found for an unknown call or another tenant's (or tenant)."""
    p = require_secret(principal)
    return await get_owned(Call, await tenant_scope(p, tenant_id), "call", call_id)


async def list_calls(
    principal: Principal | None,
    *,
    limit: object = 20,
    offset: object = 0,
    status: object = None,
    date_from: object = None,
    date_to: object = None,
    tenant_id: str | None = None,
) -> Page[Call]:
    """Newest first. Raises invalid_request (limit 1-100, offset ≥ 0, status, dates)."""
    p = require_secret(principal)
    tenant = await get_tenant(p, tenant_id)
    # Bounds first: a bad limit is reported before a bad filter.
    validation.page_bounds(limit, offset)
    qs = Call.filter(tenant_id=tenant.id)
    if status is not None:
        qs = qs.filter(status=validation.choice(status, "status", STATUSES))
    start, stop, included = validation.date_range(date_from, date_to)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if stop is not None:
        qs = qs.filter(created_at__lte=stop) if included else qs.filter(created_at__lt=stop)
    return await paginate(qs, limit, offset, "-created_at", "-id")


async def transfer_call(
    principal: Principal | None, call_id: object, *, to: object, message: object = None
) -> Call:
    """Hand an in-progress call to a human: the AI leg ends completed/transferred, then the
    owning process says ``message`` (recorded as the agent's last line) and bridges the
    caller. Raises resource_not_found, invalid_phone_number, conflict."""
    call = await get_call(principal, call_id)
    target = validation.e164(to, "to")
    text = validation.text(message, "message", max_len=500)
    if call.status != "in-progress":
        raise conflict(f"only an in-progress call can be transferred; this one is {call.status}")
    ended = await transition(
        call.id,
        "completed",
        reason="transferred",
        updates={"transferred_to": target},
        extra_events=("call.transferred",),
        closing_line=text.strip() if text else None,
    )
    if ended is None:
        raise conflict("the call ended before it could be transferred")
    await instance.send_control(
        call.owner,
        {"op": "transfer", "callId": call.id, "to": target, "message": text},
        handle_control,
    )
    return ended


async def hangup_call(principal: Principal | None, call_id: object) -> Call:
    """End a call from the API. Raises resource_not_found, conflict (already ended)."""
    call = await get_call(principal, call_id)
    if call.status in FINAL:
        raise conflict(f"the call already ended ({call.status})")
    answered = call.status == "in-progress"
    ended = await transition(
        call.id,
        "completed" if answered else "failed",
        reason="agent-hangup" if answered else "canceled",
    )
    if ended is None:
        raise conflict("the call already ended")
    await instance.send_control(call.owner, {"op": "hangup", "callId": call.id}, handle_control)
    return ended


async def handle_control(message: dict[str, Any]) -> None:
    """Executed by the process that drives the call."""
    call = await Call.get_or_none(id=str(message.get("callId")))
    if call is None:
        return
    carrier = carriers.get(call.carrier)
    if carrier is None:
        return
    if message.get("op") == "transfer":
        await carrier.transfer(call, str(message["to"]), message.get("message"))
    elif message.get("op") == "hangup":
        await carrier.hangup(call)
