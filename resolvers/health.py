"""Liveness of what the API depends on: the database and the event bus."""

from dataclasses import dataclass

from resolvers import db, events


@dataclass(frozen=True)
class Health:
    database: bool
    bus: bool

    @property
    def ok(self) -> bool:
        return self.database and self.bus


async def check() -> Health:
    try:
        bus = events.get_bus()
    except RuntimeError:
        bus_ok = False
    else:
        bus_ok = await bus.ping()
    return Health(database=await db.ping(), bus=bus_ok)
