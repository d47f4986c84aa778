"""End-of-call figures computed from the transcript and the connected time."""

from decimal import Decimal

import pytest

from resolvers import call_analysis


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(127, "0.13"), (0, "0.00"), (1, "0.00"), (60, "0.06"), (3600, "3.60"), (9, "0.01")],
)
def test_cost_is_per_second_rounded_to_the_cent(seconds: int, expected: str) -> None:
    assert call_analysis.call_cost(seconds, Decimal("0.06")) == Decimal(expected)


def test_sentiment_reads_the_caller_only() -> None:
    happy = [
        {"role": "user", "content": "Parfait, merci beaucoup"},
        {"role": "agent", "content": "problème"},
    ]
    angry = [{"role": "user", "content": "C'est nul, j'ai un problème"}]
    assert call_analysis.sentiment(happy) == "positive"
    assert call_analysis.sentiment(angry) == "negative"
    assert call_analysis.sentiment([{"role": "user", "content": "Bonjour"}]) == "neutral"
    assert call_analysis.sentiment([]) == "neutral"


def test_bant_weights_follow_the_contract() -> None:
    transcript = [
        {
            "role": "user",
            "content": "Je cherche un appartement, budget 900000 dirhams, pour le mois prochain",
        },
        {"role": "user", "content": "C'est moi le propriétaire de la société, je décide"},
    ]
    assert call_analysis.bant(transcript) == {
        "need": 30,
        "timeline": 30,
        "budget": 20,
        "authority": 20,
    }
    assert call_analysis.lead_score(transcript) == 100
    assert call_analysis.lead_score([{"role": "user", "content": "I need a quote"}]) == 30
    assert call_analysis.lead_score(transcript, explicit=85) == 85
    assert call_analysis.lead_score([], explicit=140) == 100


def test_summary_names_the_caller_and_the_end() -> None:
    transcript = [
        {"role": "agent", "content": "Bonjour"},
        {"role": "user", "content": "Je voudrais un rendez-vous"},
        {"role": "agent", "content": "Quel jour ?"},
        {"role": "user", "content": "Demain"},
    ]
    assert call_analysis.summary(transcript, "customer-hangup") == (
        "Caller: Je voudrais un rendez-vous … Demain (2 caller turns, 2 agent turns). Ended: customer-hangup."
    )
    assert call_analysis.summary([], "busy") == "No caller speech. Ended: busy."
