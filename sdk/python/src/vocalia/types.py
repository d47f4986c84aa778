"""The API's objects as frozen dataclasses with snake_case attributes.

Each field's name on the wire is its camelCase form unless the field says otherwise
(``wire("from")``); ``raw`` keeps the JSON object as received, so a field the server adds
before this SDK knows it is still reachable. A test compares these classes with the server's
``/openapi.json`` (every field exists there; every required field there exists here).
"""

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, Literal, Self, TypeVar

CallStatus = Literal["initiating", "ringing", "in-progress", "completed", "failed"]
CallDirection = Literal["outbound", "inbound", "web"]
Sentiment = Literal["positive", "neutral", "negative"]
Language = Literal["fr", "en", "es", "ar", "ary"]
Role = Literal["agent", "user"]
LeadStatus = Literal["cold", "warm", "hot"]


def wire(name: str, **kw: Any) -> Any:
    """A field whose JSON name is not the camelCase of its attribute."""
    return field(metadata={"json": name}, **kw)


def _camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def wire_name(f: "dataclasses.Field[Any]") -> str:
    name = f.metadata.get("json")
    return name if isinstance(name, str) else _camel(f.name)


def parse_datetime(value: str) -> datetime:
    """``2026-01-29T15:30:00Z`` (the API's format) or any ISO 8601 date-time."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _decode(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decode(options[0], value) if len(options) == 1 else value
    if origin is list:
        (item,) = typing.get_args(tp)
        return [_decode(item, v) for v in value] if isinstance(value, list) else value
    if tp is datetime:
        return parse_datetime(value) if isinstance(value, str) else value
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(tp, type) and issubclass(tp, Model) and isinstance(value, Mapping):
        return tp.from_json(value)
    return value


@dataclass(frozen=True, kw_only=True)
class Model:
    """Base of every API object: ``from_json`` decodes nested objects and date-times."""

    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _hints: ClassVar[dict[type, dict[str, Any]]] = {}

    @classmethod
    def api_fields(cls) -> dict[str, "dataclasses.Field[Any]"]:
        """The fields that come from the API, by wire name."""
        return {wire_name(f): f for f in dataclasses.fields(cls) if f.name != "raw"}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        hints = Model._hints.get(cls)
        if hints is None:
            hints = Model._hints[cls] = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for key, f in cls.api_fields().items():
            if key in data:
                values[f.name] = _decode(hints[f.name], data[key])
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                values[f.name] = None
        return cls(**values, raw=dict(data))


@dataclass(frozen=True, kw_only=True)
class TranscriptLine(Model):
    role: Role
    content: str
    start_ms: int | None = None


@dataclass(frozen=True, kw_only=True)
class ToolCall(Model):
    """A tool the agent called during a call, with its result."""

    id: str
    name: str
    arguments: dict[str, Any]
    at: datetime
    result: Any = None


@dataclass(frozen=True, kw_only=True)
class Call(Model):
    id: str
    status: CallStatus
    direction: CallDirection
    to: str | None
    from_: str | None = wire("from")
    agent_id: str
    created_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    duration: int | None
    transcript: list[TranscriptLine]
    sentiment: Sentiment | None
    summary: str | None
    lead_score: int | None
    cost: float | None
    ended_reason: str | None
    metadata: dict[str, Any]
    recording_url: str | None
    # {"p50Ms": ..., "p95Ms": ...} of the voice-to-voice turns, once measured.
    latency: dict[str, Any] | None
    tool_calls: list[ToolCall]

    @property
    def ended(self) -> bool:
        return self.status in ("completed", "failed")


@dataclass(frozen=True, kw_only=True)
class FaqEntry(Model):
    # Both are always sent in practice; the response schema does not require them.
    question: str | None = None
    answer: str | None = None


@dataclass(frozen=True, kw_only=True)
class Agent(Model):
    id: str
    name: str
    language: Language
    persona: str
    instructions: str
    greeting: str
    voice: str
    tools: list[str]
    faq: list[FaqEntry]
    transfer_number: str | None
    max_duration: int
    enabled: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class PhoneNumber(Model):
    id: str
    number: str
    label: str
    is_default: bool
    carrier: str
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class Deleted(Model):
    id: str
    deleted: bool


@dataclass(frozen=True, kw_only=True)
class Lead(Model):
    score: int
    status: LeadStatus


@dataclass(frozen=True, kw_only=True)
class AgentAction(Model):
    """A tool the text agent ran during a turn (booking, lead, callback, transfer request)."""

    id: str
    type: str
    arguments: dict[str, Any]
    result: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class RespondResult(Model):
    """The answer of ``POST /respond`` (snake_case on the wire, as the reference shows)."""

    success: bool
    response: str
    session_id: str = wire("session_id")
    language: Language
    agent_id: str = wire("agent_id")
    lead: Lead
    actions: list[AgentAction]
    ended: bool


@dataclass(frozen=True, kw_only=True)
class WebhookEvent(Model):
    """A verified webhook delivery's body (contract §7)."""

    id: str
    event: str
    timestamp: datetime
    tenant_id: str
    data: dict[str, Any]


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: ``{data, total, limit, offset}``."""

    data: list[T]
    total: int
    limit: int
    offset: int

    @property
    def has_more(self) -> bool:
        return bool(self.data) and self.offset + len(self.data) < self.total

    def __iter__(self) -> typing.Iterator[T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)
