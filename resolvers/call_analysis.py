"""End-of-call figures: cost, sentiment, summary and a BANT lead score from the transcript."""

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

_POSITIVE = {
    "merci",
    "parfait",
    "super",
    "génial",
    "excellent",
    "d'accord",
    "volontiers",
    "thanks",
    "thank",
    "great",
    "perfect",
    "awesome",
    "good",
    "gracias",
    "perfecto",
    "genial",
    "شكرا",
    "ممتاز",
    "مزيان",
    "بزاف",
    "zwin",
    "mzyan",
    "chokran",
    "shukran",
    "yes",
    "oui",
    "sí",
}
_NEGATIVE = {
    "problème",
    "nul",
    "mauvais",
    "déçu",
    "plainte",
    "arnaque",
    "jamais",
    "problem",
    "bad",
    "terrible",
    "angry",
    "complaint",
    "never",
    "awful",
    "problema",
    "malo",
    "queja",
    "مشكل",
    "مشكلة",
    "خايب",
    "سيء",
    "khayb",
    "machi",
    "non",
    "no",
}
_BANT = {
    # need 30, timeline 30, budget 20, authority 20 (contract section 9)
    "need": (
        30,
        (
            "besoin",
            "cherche",
            "voudrais",
            "veux",
            "need",
            "looking for",
            "want",
            "would like",
            "necesito",
            "quiero",
            "busco",
            "بغيت",
            "أريد",
            "محتاج",
            "bghit",
            "rendez-vous",
            "appointment",
            "cita",
        ),
    ),
    "timeline": (
        30,
        (
            "demain",
            "aujourd'hui",
            "semaine",
            "mois",
            "bientôt",
            "urgent",
            "tomorrow",
            "today",
            "next week",
            "this week",
            "soon",
            "mañana",
            "hoy",
            "semana",
            "غدا",
            "غدوة",
            "اليوم",
            "ghda",
            "lyoum",
        ),
    ),
    "budget": (
        20,
        (
            "budget",
            "prix",
            "tarif",
            "euros",
            "dirhams",
            "mad",
            "dh",
            "€",
            "$",
            "price",
            "cost",
            "dollars",
            "presupuesto",
            "precio",
            "ميزانية",
            "الثمن",
            "درهم",
            "flous",
        ),
    ),
    "authority": (
        20,
        (
            "je décide",
            "je suis le gérant",
            "directeur",
            "propriétaire",
            "owner",
            "manager",
            "i decide",
            "my company",
            "ma société",
            "dueño",
            "gerente",
            "decido",
            "المدير",
            "مول الشركة",
            "ana li kanqarrar",
        ),
    ),
}
_WORD = re.compile(r"[\w'\u2019-]+", re.UNICODE)


def call_cost(duration_s: int, price_per_minute: Decimal) -> Decimal:
    """Per second of connected time, rounded to the cent (127 s at 0.06/min → 0.13)."""
    return (Decimal(duration_s) * price_per_minute / Decimal(60)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def _user_text(transcript: list[dict[str, Any]]) -> str:
    return " ".join(
        str(t.get("content", "")) for t in transcript if t.get("role") == "user"
    ).lower()


def sentiment(transcript: list[dict[str, Any]]) -> str:
    words = _WORD.findall(_user_text(transcript))
    score = sum(w in _POSITIVE for w in words) - sum(w in _NEGATIVE for w in words)
    return "positive" if score > 0 else "negative" if score < 0 else "neutral"


def bant(transcript: list[dict[str, Any]]) -> dict[str, int]:
    text = _user_text(transcript)
    return {
        axis: (weight if any(k in text for k in keys) else 0)
        for axis, (weight, keys) in _BANT.items()
    }


def lead_score(transcript: list[dict[str, Any]], explicit: int | None = None) -> int:
    """The agent's qualify_lead score when it ran, else BANT evidence in the caller's words."""
    if explicit is not None:
        return max(0, min(100, explicit))
    return sum(bant(transcript).values())


def summary(transcript: list[dict[str, Any]], ended_reason: str | None, *, limit: int = 400) -> str:
    user = [str(t["content"]) for t in transcript if t.get("role") == "user" and t.get("content")]
    agent = [str(t["content"]) for t in transcript if t.get("role") == "agent" and t.get("content")]
    if not user:
        text = (
            "No caller speech."
            if not agent
            else f"The agent spoke ({len(agent)} turns); the caller said nothing."
        )
    else:
        text = f"Caller: {user[0]}"
        if len(user) > 1:
            text += f" … {user[-1]}"
        text += f" ({len(user)} caller turns, {len(agent)} agent turns)."
    if ended_reason:
        text += f" Ended: {ended_reason}."
    return text[:limit]
