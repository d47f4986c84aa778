"""Voice-to-voice latency: per turn, per call, and as Prometheus histograms on ``/metrics``.

A turn's latency runs from the end of the caller's speech to the first agent audio frame
sent. Its parts: the end-of-turn wait (silence the detector needed, on the media clock), speech
recognition still running after that, the agent's answer, and speech synthesis up to the first
frame on the wire.
"""

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)
_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.5, 2.0, 3.0, 5.0, 10.0)
TURN_SECONDS = Histogram(
    "vocalia_voice_turn_latency_seconds",
    "End of the caller's speech to the first agent audio frame sent",
    registry=REGISTRY,
    buckets=_BUCKETS,
)
PART_SECONDS = Histogram(
    "vocalia_voice_turn_part_seconds",
    "Parts of a turn's latency: end-of-turn wait, stt, agent, tts",
    ["part"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0, 5.0),
)
SESSIONS = Gauge(
    "vocalia_voice_sessions", "Voice sessions running in this process", registry=REGISTRY
)
TURNS = Counter("vocalia_voice_turns", "Caller turns answered", ["source"], registry=REGISTRY)
INTERRUPTS = Counter(
    "vocalia_voice_interrupts", "Barge-ins: the caller spoke over the agent", registry=REGISTRY
)
SESSION_ERRORS = Counter(
    "vocalia_voice_session_errors", "Voice sessions ended by an error", ["code"], registry=REGISTRY
)

PARTS = ("eot", "stt", "agent", "tts")


@dataclass
class TurnTiming:
    """Monotonic times of one turn; ``eot_ms`` is on the media clock."""

    eot_ms: float = 0.0
    decided_at: float = 0.0  # end of turn detected (or text received)
    stt_done_at: float = 0.0
    agent_done_at: float = 0.0
    first_audio_at: float = 0.0

    def parts_ms(self) -> dict[str, float]:
        stt = max(0.0, self.stt_done_at - self.decided_at) * 1000
        agent = max(0.0, self.agent_done_at - max(self.stt_done_at, self.decided_at)) * 1000
        tts = max(0.0, self.first_audio_at - self.agent_done_at) * 1000
        return {"eot": self.eot_ms, "stt": stt, "agent": agent, "tts": tts}

    def total_ms(self) -> float:
        return self.eot_ms + max(0.0, self.first_audio_at - self.decided_at) * 1000


def observe(timing: TurnTiming) -> None:
    TURN_SECONDS.observe(timing.total_ms() / 1000)
    for part, ms in timing.parts_ms().items():
        PART_SECONDS.labels(part).observe(ms / 1000)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def summary(timings: list[TurnTiming]) -> dict[str, object]:
    """The call's ``latency`` object: p50/p95 of voice turns and the median of each part."""
    totals = [t.total_ms() for t in timings]
    if not totals:
        return {}
    parts = {p: round(percentile([t.parts_ms()[p] for t in timings], 50)) for p in PARTS}
    return {
        "p50Ms": round(percentile(totals, 50)),
        "p95Ms": round(percentile(totals, 95)),
        "turns": len(totals),
        "partsP50Ms": parts,
    }


def exposition() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
