"""Which database and Redis the suite runs on: VOCALIA_TEST_BACKEND=sqlite (default) or postgres."""

import asyncio
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PG_ADMIN_URL = os.environ.get(
    "VOCALIA_TEST_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/test"
)
# One database (and Redis prefix) per test run, so concurrent runs never share state;
# every database a run creates is dropped when it ends (drop_created).
RUN_ID = f"{os.getpid()}"
PG_DATABASE = os.environ.get("VOCALIA_TEST_PG_DATABASE", f"vocalia_test_{RUN_ID}")
REDIS_PREFIX = f"vocalia-test-{RUN_ID}"
_created: list[str] = []
REDIS_URL = os.environ.get("VOCALIA_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


@dataclass(frozen=True)
class Backend:
    name: str
    database_url: str
    redis_url: str | None


def backend_name() -> str:
    return os.environ.get("VOCALIA_TEST_BACKEND", "sqlite")


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=2):
            return True
    except OSError:
        return False


async def _recreate_pg_database(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def prepare(tmp_dir: Path, suffix: str = "") -> Backend:
    """A fresh, empty database (and a flushed Redis prefix) for one test session."""
    if backend_name() == "postgres":
        name = PG_DATABASE + suffix
        asyncio.run(_recreate_pg_database(name))
        _created.append(name)
        admin = urlsplit(PG_ADMIN_URL)
        return Backend("postgres", f"postgres://{admin.netloc}/{name}", REDIS_URL)
    return Backend("sqlite", f"sqlite://{tmp_dir}/vocalia{suffix}.sqlite3", None)


async def _drop(names: list[str]) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1))
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def drop_created() -> None:
    if _created:
        asyncio.run(_drop(list(_created)))
        _created.clear()


def services_missing() -> list[str]:
    if backend_name() != "postgres":
        return []
    missing = []
    if not reachable(PG_ADMIN_URL):
        missing.append(f"PostgreSQL ({PG_ADMIN_URL})")
    if not reachable(REDIS_URL):
        missing.append(f"Redis ({REDIS_URL})")
    return missing
