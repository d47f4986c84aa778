"""Dashboard users and their refresh tokens."""

from tortoise import fields

from models.base import TimestampedModel
from models.tenant import Tenant


class User(TimestampedModel):
    id = fields.CharField(primary_key=True, max_length=40)
    # Null only for platform superadmins, who belong to no tenant.
    tenant: fields.ForeignKeyNullableRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="users", null=True, on_delete=fields.CASCADE
    )
    tenant_id: str | None
    email = fields.CharField(max_length=254, unique=True)
    password_hash = fields.CharField(max_length=200)
    name = fields.CharField(max_length=200, default="")
    language = fields.CharField(max_length=8, default="fr")
    role = fields.CharField(max_length=20, default="owner")
    failed_logins = fields.IntField(default=0)
    failed_window_start = fields.DatetimeField(null=True)
    locked_until = fields.DatetimeField(null=True)
    last_login_at = fields.DatetimeField(null=True)
    # In every access token (claim sv); a password change increments it, which ends every
    # session issued before.
    session_version = fields.IntField(default=0)

    class Meta:
        table = "users"


class RefreshToken(TimestampedModel):
    id = fields.CharField(primary_key=True, max_length=40)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="refresh_tokens", on_delete=fields.CASCADE
    )
    user_id: str
    family_id = fields.CharField(max_length=40, db_index=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    rotated_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_tokens"
