"""What a voice session is built from: its speech and language providers, its timing
options, and the frame that reports its end."""

from dataclasses import dataclass
from typing import Any

from models.call import Call
from realtime.dialogue import LanguageModel
from realtime.speech import SpeechToText, TextToSpeech
from resolvers.settings import Settings


@dataclass
class Providers:
    stt: SpeechToText
    model: LanguageModel
    tts: TextToSpeech


@dataclass
class SessionOptions:
    in_rate: int
    out_rate: int
    realtime: bool = True  # pace output on the wall clock (False: the simulated caller)
    greet: bool = True
    end_of_turn_ms: int = 400
    barge_in_ms: int = 120
    reprompt_s: float = 8.0
    silence_timeout_s: float = 20.0
    # Partial transcripts (final: false) while the caller speaks: for a client that shows
    # them (the /v1/stream widget); a phone line or the simulated caller has no use for them.
    partials: bool = False

    @classmethod
    def from_settings(cls, settings: Settings, in_rate: int, out_rate: int) -> "SessionOptions":
        return cls(
            in_rate=in_rate,
            out_rate=out_rate,
            end_of_turn_ms=settings.end_of_turn_ms,
            barge_in_ms=settings.barge_in_ms,
            reprompt_s=settings.silence_reprompt_seconds,
            silence_timeout_s=settings.silence_timeout_seconds,
        )


def end_frame(call: Call) -> dict[str, Any]:
    return {
        "type": "end",
        "callId": call.id,
        "summary": call.summary or "",
        "metadata": {
            "duration": call.duration,
            "sentiment": call.sentiment,
            "leadScore": call.lead_score,
            "endedReason": call.ended_reason,
            "latency": call.latency or None,
        },
    }
