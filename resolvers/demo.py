"""Operator commands: the demo tenant for a first run, and platform superadmins."""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from models.base import new_id
from models.user import User
from resolvers import auth, keys, validation
from resolvers.errors import conflict
from resolvers.principals import Principal
from resolvers.security import hash_password

DEMO_EMAIL = "demo@vocalia.local"
DEMO_COMPANY = "VocalIA Demo"


@dataclass(frozen=True)
class DemoCredentials:
    tenant_id: str
    email: str
    password: str
    tenant_key: str
    secret_key: str
    test_key: str
    publishable_key: str

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


async def seed_demo(var_dir: Path) -> DemoCredentials:
    """Create the demo tenant once (development only); later runs print the same credentials,
    which are kept under var/ with mode 0600 because the database holds only their hashes."""
    path = var_dir / "demo-credentials.json"
    if path.exists():
        data = json.loads(path.read_text())
        if await User.filter(email=data["email"]).exists():
            return DemoCredentials(**data)
    password = "demo-" + new_id("pw", 12).split("_")[1]
    existing = await User.get_or_none(email=DEMO_EMAIL)
    if existing is not None:
        await existing.delete()
    reg = await auth.register(
        email=DEMO_EMAIL, password=password, company=DEMO_COMPANY, name="Demo Owner", plan="pro"
    )
    owner = Principal(
        kind="user", tenant_id=reg.tenant.id, role="owner", plan="pro", user_id=reg.user.id
    )
    secret = await keys.create_key(owner, kind="secret", mode="live", name="demo live")
    test = await keys.create_key(owner, kind="secret", mode="test", name="demo sandbox")
    publishable = await keys.create_key(owner, kind="publishable", mode="live", name="demo widget")
    creds = DemoCredentials(
        tenant_id=reg.tenant.id,
        email=DEMO_EMAIL,
        password=password,
        tenant_key=reg.api_key,
        secret_key=secret.secret,
        test_key=test.secret,
        publishable_key=publishable.secret,
    )
    _save(path, creds)
    return creds


def _save(path: Path, creds: DemoCredentials) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(creds.as_dict(), fh, indent=2)


async def create_superadmin(email: object, password: object, name: object = "") -> User:
    """A platform superadmin (no tenant). Raises invalid_request, conflict."""
    email_v = validation.email(email)
    password_v = validation.password(password)
    if await User.filter(email=email_v).exists():
        raise conflict("an account with this email already exists", param="email")
    return await User.create(
        id=new_id("usr"),
        tenant=None,
        email=email_v,
        password_hash=await hash_password(password_v),
        name=validation.text(name, "name", max_len=200) or "",
        role="superadmin",
    )
