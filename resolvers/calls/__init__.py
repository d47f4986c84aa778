"""Calls (phone and web): the status machine, the API, and what carriers report.

``resolvers.calls`` is the one name the transports use; the modules split it by concern.
"""

from resolvers.calls.api import (
    admission,
    create_call,
    get_call,
    handle_control,
    hangup_call,
    insert_call,
    list_calls,
    transfer_call,
)
from resolvers.calls.credits import end_unfunded_calls
from resolvers.calls.machine import (
    ACTIVE,
    ALLOWED_FROM,
    DIRECTIONS,
    EVENT_FOR_STATUS,
    FINAL,
    MAX_METADATA_BYTES,
    SLOT_MARGIN,
    STATUSES,
    CallDirection,
    CallStatus,
    bus_event,
    publish,
    transition,
    webhook_data,
)
from resolvers.calls.reports import (
    MAX_TOOL_CALL_BYTES,
    MAX_TOOL_CALLS,
    add_transcript,
    end_call,
    fail_orphaned_calls,
    mark_answered,
    mark_ringing,
    record_tool_call,
    set_carrier_call_id,
)

__all__ = [
    "ACTIVE",
    "ALLOWED_FROM",
    "DIRECTIONS",
    "EVENT_FOR_STATUS",
    "FINAL",
    "MAX_METADATA_BYTES",
    "MAX_TOOL_CALLS",
    "MAX_TOOL_CALL_BYTES",
    "SLOT_MARGIN",
    "STATUSES",
    "CallDirection",
    "CallStatus",
    "add_transcript",
    "admission",
    "bus_event",
    "create_call",
    "end_call",
    "end_unfunded_calls",
    "fail_orphaned_calls",
    "get_call",
    "handle_control",
    "hangup_call",
    "insert_call",
    "list_calls",
    "mark_answered",
    "mark_ringing",
    "publish",
    "record_tool_call",
    "set_carrier_call_id",
    "transfer_call",
    "transition",
    "webhook_data",
]
