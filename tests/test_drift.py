"""Generated artefacts stay in step with the code: the GraphQL SDL and the migrations."""

import json
import subprocess
import sys
from pathlib import Path

from schema import schema

ROOT = Path(__file__).resolve().parent.parent


def test_schema_graphql_matches_the_code() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    assert committed.strip() == schema.as_str().strip(), (
        "schema.graphql is stale: run `vocalia-server export-schema`"
    )


_DETECT = """
import asyncio, json, sys
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.cli.cli import tortoise_cli_context
from models.config import tortoise_config

async def main():
    config = tortoise_config("sqlite://:memory:")
    apps = config["apps"]
    async with tortoise_cli_context(config) as ctx:
        writers = await MigrationAutodetector(ctx.apps, apps).changes()
    print(json.dumps([[w.app_label, w.name, [type(op).__name__ for op in w.operations]] for w in writers]))

asyncio.run(main())
"""


def test_models_and_migrations_agree() -> None:
    # A fresh interpreter: the autodetector initialises Tortoise globally.
    out = subprocess.run(
        [sys.executable, "-c", _DETECT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    pending = json.loads(out.stdout.strip().splitlines()[-1])
    assert pending == [], (
        f"models changed without a migration: {pending}; run `tortoise makemigrations` (see README)"
    )
