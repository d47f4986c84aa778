"""Carriers behind one interface. Implementations live in realtime/ and are installed by
app.py; the call engine only knows this protocol."""

from typing import Literal, Protocol

from models.agent import Agent
from models.call import Call
from resolvers import services

# Call.carrier and PhoneNumber.carrier, as stored and shown: "web" is the stream's own leg.
CarrierName = Literal["simulated", "twilio", "web"]


class Carrier(Protocol):
    name: str

    async def start(self, call: Call, agent: Agent) -> None:
        """Begin dialing; report progress through resolvers.calls (ringing, answered, ended).
        Must return quickly: the conversation runs in the carrier's own task."""

    async def transfer(self, call: Call, to: str, message: str | None) -> None:
        """Bridge the caller to ``to`` (the AI leg is already ended in the database)."""

    async def hangup(self, call: Call) -> None:
        """Stop the call's media and the carrier-side leg (already ended in the database)."""

    async def close(self) -> None:
        """End what the carrier still drives (process shutdown) and release its clients."""


def install(carrier: Carrier) -> None:
    """Register a carrier with the current services; its owner closes it (Services.add_carrier
    also closes it with the services)."""
    services.current().carriers[carrier.name] = carrier


def uninstall_all() -> None:
    services.current().carriers.clear()


def get(name: str) -> Carrier | None:
    return services.current().carriers.get(name)


def names() -> tuple[str, ...]:
    return tuple(services.current().carriers)
