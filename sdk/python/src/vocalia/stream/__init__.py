"""``WS /v1/stream`` (contract §6): realtime voice, as typed events.

::

    async with client.stream("agent_support_fr", language="fr") as s:
        print(s.call_id)
        await s.send_text("Bonjour")          # or: await s.send_audio(pcm16_le_mono)
        async for event in s:
            if isinstance(event, TranscriptEvent) and event.final:
                print(event.role, event.text)
            elif isinstance(event, AudioEvent):
                play(event.audio)              # PCM16 LE mono at the stream's sample rate
            elif isinstance(event, EndEvent):
                break
        # leaving the block sends {"type": "end"} if it was not sent, then closes

A refusal before ``ready`` raises the matching `VocalIAError` (``AuthenticationError`` for a
bad key, ``AgentNotConfiguredError``...). Later, ``error`` frames are yielded as `ErrorEvent`;
when the server then closes the socket with ``4000 + status`` the iteration raises the error.
"""

from vocalia.stream.connection import (
    SAMPLE_RATES,
    AsyncStream,
    Stream,
    StreamConfig,
    stream_url,
)
from vocalia.stream.events import (
    AudioEvent,
    EndEvent,
    ErrorEvent,
    FunctionCallEvent,
    InterruptEvent,
    ReadyEvent,
    StreamEvent,
    TranscriptEvent,
    parse_event,
)

__all__ = [
    "SAMPLE_RATES",
    "AsyncStream",
    "AudioEvent",
    "EndEvent",
    "ErrorEvent",
    "FunctionCallEvent",
    "InterruptEvent",
    "ReadyEvent",
    "Stream",
    "StreamConfig",
    "StreamEvent",
    "TranscriptEvent",
    "parse_event",
    "stream_url",
]
