"""Plans and their limits (contract section 4)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    name: str
    requests_per_minute: int
    simultaneous_calls: int
    calls_per_month: int
    sessions_per_month: int
    kb_entries: int
    allowed_origins: int
    features: tuple[str, ...]
    price_per_minute: float = 0.06


_STARTER_FEATURES = ("voice_widget",)
_PRO_FEATURES = (*_STARTER_FEATURES, "cloud_voice", "telephony", "webhooks", "export", "catalog")
_ENTERPRISE_FEATURES = (*_PRO_FEATURES, "hitl", "voice_cloning")

PLANS: dict[str, Plan] = {
    "starter": Plan("starter", 60, 5, 100, 500, 200, 2, _STARTER_FEATURES),
    "pro": Plan("pro", 300, 25, 500, 2000, 2000, 10, _PRO_FEATURES),
    "enterprise": Plan("enterprise", 1000, 100, 10000, 50000, 50000, 10, _ENTERPRISE_FEATURES),
}
PLAN_NAMES = tuple(PLANS)


def plan_of(name: str) -> Plan:
    return PLANS.get(name, PLANS["starter"])
