"""What carriers and the voice engine report about the calls they drive: progress, transcript
lines, tool calls, carrier ids; and the calls a dead process left behind."""

import asyncio
import json
import math
import weakref
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q

from models.base import new_id
from models.call import Call
from resolvers import (
    instance,
    outbox,
)
from resolvers.calls.machine import ACTIVE, FINAL, bus_event, publish, transition


async def mark_ringing(call_id: str) -> Call | None:
    return await transition(call_id, "ringing")


async def mark_answered(call_id: str) -> Call | None:
    return await transition(call_id, "in-progress")


async def end_call(
    call_id: str, *, reason: str, failed: bool = False, lead_score: int | None = None
) -> Call | None:
    return await transition(
        call_id, "failed" if failed else "completed", reason=reason, explicit_lead_score=lead_score
    )


async def add_transcript(
    call_id: str, role: str, content: str, start_ms: int | None = None
) -> None:
    """Append a line (only the owning process writes a call's transcript) and publish it."""
    call = await Call.get_or_none(id=call_id)
    if call is None or call.status in FINAL:
        return
    line: dict[str, Any] = {"role": role, "content": content}
    if start_ms is not None:
        line["startMs"] = start_ms
    call.transcript = [*call.transcript, line]
    # Conditional: a line racing the call's end (a transfer, a hang-up) is not added after it.
    if not await Call.filter(id=call_id, status__in=ACTIVE).update(transcript=call.transcript):
        return
    await publish(
        call, bus_event(call, "transcript", None, {"role": role, "text": content, "final": True})
    )


MAX_TOOL_CALLS = 200
MAX_TOOL_CALL_BYTES = 16 * 1024
_tool_call_locks: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()


def _storable_json(value: Any, depth: int = 0) -> Any:
    """What a model produced, as JSON every backend stores: PostgreSQL's jsonb refuses NUL,
    lone surrogates and NaN."""
    if depth > 10:
        return None
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode()
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_storable_json(str(k)): _storable_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable_json(v, depth + 1) for v in value]
    return _storable_json(str(value))


async def record_tool_call(
    call_id: str, name: str, arguments: dict[str, Any], result: Any = None
) -> str:
    """Append the tool call to the call's record (only the owning process writes it; a lock
    keeps its concurrent tool calls apart) and publish it as a function_call event."""
    fc_id = new_id("fc", 16)
    entry = {
        "id": fc_id,
        "name": _storable_json(name),
        "arguments": _storable_json(arguments),
        "result": _storable_json(result),
        "at": outbox.iso_now(),
    }
    if len(json.dumps(entry, ensure_ascii=False).encode()) > MAX_TOOL_CALL_BYTES:
        entry["arguments"] = entry["result"] = {"truncated": True}
    lock = _tool_call_locks.setdefault(call_id, asyncio.Lock())
    async with lock:
        call = await Call.get_or_none(id=call_id)
        if call is None:
            return fc_id
        if len(call.tool_calls) < MAX_TOOL_CALLS:
            call.tool_calls = [*call.tool_calls, entry]
            await Call.filter(id=call_id).update(tool_calls=call.tool_calls)
    data = {k: entry[k] for k in ("id", "name", "arguments", "result")}
    await publish(call, bus_event(call, "function_call", None, data))
    return fc_id


# --- restart safety ---------------------------------------------------------------------------


async def fail_orphaned_calls(stale_after: float) -> list[str]:
    """Calls left initiating/ringing/in-progress by a process that stopped heartbeating end
    failed with endedReason server-restart (their events and webhooks go out)."""
    alive = await instance.live_instances(stale_after)
    orphans = (
        await Call.filter(status__in=ACTIVE)
        .exclude(owner__in=list(alive))
        .values_list("id", flat=True)
    )
    ended = []
    for call_id in orphans:
        if await transition(str(call_id), "failed", reason="server-restart") is not None:
            ended.append(str(call_id))
    return ended


# --- carrier identifiers -------------------------------------------------------------------


async def set_carrier_call_id(call_id: str, carrier_call_id: str) -> bool:
    """Record the carrier's id for the call (Twilio's CallSid) once it is known. True when the
    call now carries that id; False when the call is unknown or already carries another."""
    changed = (
        await Call.filter(id=call_id)
        .filter(Q(carrier_call_id__isnull=True) | Q(carrier_call_id=carrier_call_id))
        .update(carrier_call_id=carrier_call_id, updated_at=datetime.now(UTC))
    )
    return bool(changed)
