"""Carriers behind one interface. Implementations live in realtime/ and are installed by
app.py; the call engine only knows this protocol."""

from typing import Protocol

from models.agent import Agent
from models.call import Call


class Carrier(Protocol):
    name: str

    async def start(self, call: Call, agent: Agent) -> None:
        """Begin dialing; report progress through resolvers.calls (ringing, answered, ended).
        Must return quickly: the conversation runs in the carrier's own task."""

    async def transfer(self, call: Call, to: str, message: str | None) -> None:
        """Bridge the caller to ``to`` (the AI leg is already ended in the database)."""

    async def hangup(self, call: Call) -> None:
        """Stop the call's media and the carrier-side leg (already ended in the database)."""


_carriers: dict[str, Carrier] = {}


def install(carrier: Carrier) -> None:
    _carriers[carrier.name] = carrier


def uninstall_all() -> None:
    _carriers.clear()


def get(name: str) -> Carrier | None:
    return _carriers.get(name)


def names() -> tuple[str, ...]:
    return tuple(_carriers)
