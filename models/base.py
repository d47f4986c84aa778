"""Shared model pieces: the timestamped base and client-visible random ids."""

import secrets
import string

from tortoise import fields
from tortoise.models import Model

BASE62 = string.digits + string.ascii_letters
BASE36 = string.digits + string.ascii_lowercase


def random_string(length: int, alphabet: str = BASE62) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_id(prefix: str, length: int = 20) -> str:
    """A prefixed random base62 id such as ``usr_3kTq...`` (about 119 bits at 20 chars)."""
    return f"{prefix}_{random_string(length)}"


class TimestampedModel(Model):
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True
