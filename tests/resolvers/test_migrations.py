"""Migrations upgrade a database that already holds data, on SQLite and on PostgreSQL.

Each case runs in a fresh interpreter: Tortoise's connections are process-global, and the
suite's own app holds them for the whole session.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

from tests import backends
from tests.servers import ROOT

SCRIPT = """
import asyncio, sys
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError
from tortoise.migrations.api import migrate
from models.agent import PhoneNumber
from models.config import tortoise_config

async def main(url: str) -> None:
    config = tortoise_config(url)
    # A database as 0005 left it: phone numbers were unique across tenants.
    await migrate(config=config, app_labels=["models"], target="models.0005_idempotency_keys")
    await Tortoise.close_connections()
    await Tortoise.init(config=config)
    # Tenants as 0005 stored them: today's model has columns that did not exist then.
    conn = Tortoise.get_connection(next(iter(config["connections"])))
    for tenant_id in ("ten_a", "ten_b"):
        await conn.execute_script(
            "INSERT INTO tenants (id, name, plan, language, timezone, widget_config, prepaid,"
            " credit_balance, created_at, updated_at) VALUES"
            f" ('{tenant_id}', 'T', 'starter', 'fr', 'UTC', '{{}}', FALSE, 0,"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
    await PhoneNumber.create(id="pn_a", tenant_id="ten_a", number="+212520123456", is_default=True)
    await Tortoise.close_connections()

    await migrate(config=config, app_labels=["models"])
    await Tortoise.close_connections()
    await Tortoise.init(config=config)
    kept = await PhoneNumber.get(id="pn_a")
    assert (kept.tenant_id, kept.number, kept.is_default) == ("ten_a", "+212520123456", True)
    # Another tenant may now hold the same number ...
    await PhoneNumber.create(id="pn_b", tenant_id="ten_b", number="+212520123456")
    # ... but one tenant still holds a number once.
    try:
        await PhoneNumber.create(id="pn_a2", tenant_id="ten_a", number="+212520123456")
    except IntegrityError:
        print("UPGRADED", await PhoneNumber.filter(number="+212520123456").count(), flush=True)
    finally:
        await Tortoise.close_connections()

asyncio.run(main(sys.argv[1]))
"""


def test_phone_numbers_become_unique_per_tenant_on_an_existing_database(tmp_path: Path) -> None:
    backend = backends.prepare(tmp_path, suffix="_upgrade")
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), backend.database_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.strip().splitlines()[-1:] == ["UPGRADED 2"], result.stderr[-3000:]
