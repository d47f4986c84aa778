"""The server's frames on ``WS /v1/stream`` (contract §6) as typed events."""

import base64
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True)
class StreamEvent:
    """A server frame; ``raw`` is the frame's JSON as received."""

    type: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, kw_only=True)
class ReadyEvent(StreamEvent):
    call_id: str


@dataclass(frozen=True, kw_only=True)
class AudioEvent(StreamEvent):
    """Agent speech: PCM16 LE mono at the stream's sample rate (decoded from base64)."""

    audio: bytes = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class TranscriptEvent(StreamEvent):
    role: str
    text: str
    final: bool


@dataclass(frozen=True, kw_only=True)
class FunctionCallEvent(StreamEvent):
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class InterruptEvent(StreamEvent):
    """The caller barged in: drop the agent audio queued for playback."""


@dataclass(frozen=True, kw_only=True)
class EndEvent(StreamEvent):
    summary: str | None
    metadata: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class ErrorEvent(StreamEvent):
    code: str
    message: str


def parse_event(data: dict[str, Any]) -> StreamEvent:
    """A server frame as its event class (an unknown type as a plain `StreamEvent`)."""
    kind = str(data.get("type"))
    if kind == "ready":
        return ReadyEvent(type=kind, raw=data, call_id=str(data.get("callId")))
    if kind == "audio":
        audio = base64.b64decode(data.get("audio") or "")
        return AudioEvent(type=kind, raw=data, audio=audio)
    if kind == "transcript":
        return TranscriptEvent(
            type=kind,
            raw=data,
            role=str(data.get("role")),
            text=str(data.get("text") or ""),
            final=data.get("final", True) is not False,
        )
    if kind == "function_call":
        args = data.get("arguments")
        return FunctionCallEvent(
            type=kind,
            raw=data,
            id=str(data.get("id")),
            name=str(data.get("name")),
            arguments=args if isinstance(args, dict) else {},
        )
    if kind == "interrupt":
        return InterruptEvent(type=kind, raw=data)
    if kind == "end":
        metadata = data.get("metadata")
        summary = data.get("summary")
        return EndEvent(
            type=kind,
            raw=data,
            summary=summary if isinstance(summary, str) else None,
            metadata=metadata if isinstance(metadata, dict) else {},
        )
    if kind == "error":
        return ErrorEvent(
            type=kind,
            raw=data,
            code=str(data.get("code") or "internal_error"),
            message=str(data.get("message") or ""),
        )
    return StreamEvent(type=kind, raw=data)
