"""The API's resources, each a sync class and an async twin over the same `Op`s."""

from vocalia.resources._common import (
    AGENT_FIELDS,
    CALL_CREATE_FIELDS,
    PHONE_NUMBER_FIELDS,
    RESPOND_FIELDS,
    wire_body,
)
from vocalia.resources.agents import Agents, AsyncAgents
from vocalia.resources.calls import AsyncCalls, Calls
from vocalia.resources.phone_numbers import AsyncPhoneNumbers, PhoneNumbers

__all__ = [
    "AGENT_FIELDS",
    "CALL_CREATE_FIELDS",
    "PHONE_NUMBER_FIELDS",
    "RESPOND_FIELDS",
    "Agents",
    "AsyncAgents",
    "AsyncCalls",
    "AsyncPhoneNumbers",
    "Calls",
    "PhoneNumbers",
    "wire_body",
]
