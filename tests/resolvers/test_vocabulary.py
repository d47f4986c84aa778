"""The domain's words are defined once as Literal types; their values are what the database
stores and the API shows, byte for byte."""

from typing import get_args

from resolvers import agents, calls, principals
from resolvers.carriers import CarrierName


def test_call_vocabulary_keeps_its_stored_values() -> None:
    assert calls.STATUSES == ("initiating", "ringing", "in-progress", "completed", "failed")
    assert get_args(calls.CallStatus) == calls.STATUSES
    assert calls.ACTIVE + calls.FINAL == calls.STATUSES
    assert calls.DIRECTIONS == ("outbound", "inbound", "web")
    assert set(calls.ALLOWED_FROM) | {"initiating"} == set(calls.STATUSES)
    assert set(calls.EVENT_FOR_STATUS) == set(calls.STATUSES)


def test_carrier_and_principal_vocabulary() -> None:
    assert get_args(CarrierName) == ("simulated", "twilio", "web")
    assert agents.CARRIERS == ("simulated", "twilio")
    assert principals.ROLES == ("owner", "admin", "member", "viewer")
    assert principals.MANAGER_ROLES == ("owner", "admin")
    assert get_args(principals.PrincipalKind) == (
        "user",
        "tenant_key",
        "secret_key",
        "publishable_key",
    )
    assert principals.SUPERADMIN == "superadmin"
