"""The Tortoise configuration for a database URL (SQLite by default, PostgreSQL at scale)."""

from typing import Any

from models import MODEL_MODULES


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": database_url},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For Tortoise's own CLI (`tortoise -c models.config.TORTOISE_ORM makemigrations`): the
# autodetector only needs the models, not a real database.
TORTOISE_ORM = tortoise_config("sqlite://:memory:")
