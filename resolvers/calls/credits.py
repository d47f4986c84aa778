"""Prepaid credit spent while calls are connected: a call whose tenant's balance is used up
ends ``credits-exhausted`` (contract section 4: calls cost per second of connected time).

Each process runs :func:`end_unfunded_calls` at every heartbeat. It counts what each prepaid
tenant's connected live calls have cost so far; when that reaches the balance, every such call
ends (completed, ``endedReason: "credits-exhausted"``) and its owning process hangs it up.
A call can therefore run at most one heartbeat past the balance; the charge at the end is the
real connected time, so the balance may go a few cents below zero and the next call is
refused ``insufficient_credits``.
"""

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

from models.call import Call
from models.tenant import Tenant
from resolvers import call_analysis, instance
from resolvers.calls.api import handle_control
from resolvers.calls.machine import transition
from resolvers.settings import get_settings

REASON = "credits-exhausted"


async def end_unfunded_calls(now: datetime | None = None) -> list[str]:
    """End the connected live calls of prepaid tenants whose balance they have spent; returns
    the ids of the calls this process ended."""
    now = now or datetime.now(UTC)
    rows = await Call.filter(
        status="in-progress", mode="live", answered_at__isnull=False, tenant__prepaid=True
    ).values("id", "tenant_id", "answered_at")
    if not rows:
        return []
    price = Decimal(get_settings().call_price_per_minute)
    spent: dict[str, Decimal] = defaultdict(Decimal)
    by_tenant: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        seconds = max(0, round((now - row["answered_at"]).total_seconds()))
        spent[row["tenant_id"]] += call_analysis.call_cost(seconds, price)
        by_tenant[row["tenant_id"]].append(row["id"])
    balances = dict(await Tenant.filter(id__in=list(by_tenant)).values_list("id", "credit_balance"))
    ended = []
    for tenant_id, call_ids in by_tenant.items():
        balance = balances.get(tenant_id)
        if balance is None or spent[tenant_id] < Decimal(balance):
            continue
        for call_id in call_ids:
            call = await transition(call_id, "completed", reason=REASON)
            if call is None:
                continue  # it ended meanwhile, or another process ended it first
            ended.append(call_id)
            await instance.send_control(
                call.owner, {"op": "hangup", "callId": call_id}, handle_control
            )
    return ended
