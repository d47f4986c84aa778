"""Database lifecycle: apply migrations, open and close the connections."""

import logging
from pathlib import Path

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate as tortoise_migrate

from models.config import tortoise_config

log = logging.getLogger("vocalia.db")


def _ensure_sqlite_dir(database_url: str) -> None:
    if database_url.startswith("sqlite://") and ":memory:" not in database_url:
        Path(database_url.removeprefix("sqlite://").split("?")[0]).parent.mkdir(
            parents=True, exist_ok=True
        )


async def migrate(database_url: str) -> None:
    """Apply every pending migration of models/migrations (Tortoise's built-in migrations)."""
    _ensure_sqlite_dir(database_url)
    try:
        await tortoise_migrate(config=tortoise_config(database_url))
    finally:
        await Tortoise.close_connections()


async def open_db(database_url: str) -> None:
    _ensure_sqlite_dir(database_url)
    # The lifespan runs in another task than the requests: the global fallback lets every
    # task see this context (Tortoise 1.x is ContextVar-based).
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


async def ping() -> bool:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # any driver failure means "not reachable"
        log.warning("database ping failed", exc_info=True)
        return False
    return True
