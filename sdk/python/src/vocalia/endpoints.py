"""Every HTTP operation this SDK calls, as ``(method, path template)``. A test checks each one
against the server's /openapi.json, so a route that moves or disappears fails there first."""

from urllib.parse import quote

CALLS = "/v1/calls"
CALL = "/v1/calls/{call_id}"
CALL_TRANSFER = "/v1/calls/{call_id}/transfer"
CALL_HANGUP = "/v1/calls/{call_id}/hangup"
AGENTS = "/v1/agents"
AGENT = "/v1/agents/{agent_id}"
PHONE_NUMBERS = "/v1/phone-numbers"
PHONE_NUMBER = "/v1/phone-numbers/{number_id}"
RESPOND = "/respond"
STREAM = "/v1/stream"  # WebSocket (contract §6), not in the OpenAPI document

ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("POST", CALLS),
    ("GET", CALLS),
    ("GET", CALL),
    ("POST", CALL_TRANSFER),
    ("POST", CALL_HANGUP),
    ("GET", AGENTS),
    ("POST", AGENTS),
    ("GET", AGENT),
    ("PATCH", AGENT),
    ("DELETE", AGENT),
    ("GET", PHONE_NUMBERS),
    ("POST", PHONE_NUMBERS),
    ("DELETE", PHONE_NUMBER),
    ("POST", RESPOND),
)


def path(template: str, **ids: str) -> str:
    """A path with its ids filled in, each percent-encoded (an id can never add a segment)."""
    return template.format(**{k: quote(v, safe="") for k, v in ids.items()})
