"""Operator commands: the demo tenant for a first run, and platform superadmins."""

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from models.agent import Agent, PhoneNumber
from models.base import new_id
from models.credential import ApiKey
from models.tenant import Tenant
from models.user import User
from resolvers import agents, auth, keys, validation
from resolvers.errors import conflict
from resolvers.principals import Principal
from resolvers.security import hash_password, sha256_hex, verify_password

DEMO_EMAIL = "demo@vocalia.local"
DEMO_COMPANY = "VocalIA Demo"
CREDENTIALS_FILE = "demo-credentials.json"
# The reference's own example call: its caller number (`from`) and destination (`to`).
DEMO_CALLER = "+212520123456"
DEMO_CUSTOMER = "+212612345678"
DEMO_METADATA = {"customerId": "cust_123", "orderId": "ord_456"}

# Bodies as POST /v1/agents takes them: the reference calls agent_support_fr by name.
DEMO_AGENTS: tuple[dict[str, Any], ...] = (
    {
        "id": "agent_support_fr",
        "name": "Support client VocalIA",
        "language": "fr",
        "persona": "small_business",
        "greeting": "Bonjour, service client VocalIA, comment puis-je vous aider ?",
        "instructions": (
            "Tu es l'agent du service client de VocalIA. Réponds en français, poliment et en "
            "une ou deux phrases, en t'appuyant sur la FAQ. Si tu ne connais pas la réponse, "
            "propose de rappeler le client ou de le transférer à un conseiller."
        ),
        "faq": [
            {
                "question": "Quels sont vos horaires ?",
                "answer": "Nous sommes ouverts du lundi au vendredi, de 9 h à 18 h.",
            },
            {
                "question": "Comment joindre un conseiller ?",
                "answer": "Je peux vous transférer à un conseiller pendant nos horaires.",
            },
            {
                "question": "Comment suivre ma commande ?",
                "answer": "Donnez-moi votre numéro de commande et je vérifie son statut.",
            },
        ],
    },
    {
        "id": "agent_support_en",
        "name": "VocalIA customer support",
        "language": "en",
        "persona": "small_business",
        "greeting": "Hello, VocalIA customer support, how can I help you?",
        "instructions": (
            "You are VocalIA's customer support agent. Answer in English, politely and in one "
            "or two sentences, from the FAQ. When you do not know, offer a callback or a "
            "transfer to an adviser."
        ),
        "faq": [
            {
                "question": "What are your opening hours?",
                "answer": "We are open Monday to Friday, 9 am to 6 pm.",
            },
            {
                "question": "How do I reach an adviser?",
                "answer": "I can transfer you to an adviser during our opening hours.",
            },
            {
                "question": "How do I track my order?",
                "answer": "Give me your order number and I will check its status.",
            },
        ],
    },
)


@dataclass(frozen=True)
class DemoCredentials:
    """What var/demo-credentials.json keeps. ``None``: no longer valid (changed or rotated by
    someone since seeding) and not replaceable without breaking what they did."""

    tenant_id: str
    email: str
    password: str | None
    tenant_key: str | None
    secret_key: str | None
    test_key: str | None
    publishable_key: str | None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


@dataclass(frozen=True)
class DemoTenant:
    credentials: DemoCredentials
    agent_ids: list[str]
    caller_number: str
    notes: list[str] = field(default_factory=list)

    def call_body(self) -> dict[str, Any]:
        """A POST /v1/calls body that works as is on the demo tenant."""
        body: dict[str, Any] = {"to": DEMO_CUSTOMER, "agentId": DEMO_AGENTS[0]["id"]}
        body["from"] = self.caller_number
        body["metadata"] = dict(DEMO_METADATA)
        return body


# Which stored key is which kind of credential: (ApiKey.kind, mode, name of a replacement).
_KEYS = {
    "secret_key": ("secret", "live", "demo live"),
    "test_key": ("secret", "test", "demo sandbox"),
    "publishable_key": ("publishable", "live", "demo widget"),
}
_LABELS = {
    "tenant_key": "tenant key",
    "secret_key": "secret key (live)",
    "test_key": "secret key (test)",
    "publishable_key": "publishable key",
}


async def seed_demo(var_dir: Path) -> DemoTenant:
    """Create the demo tenant once (development only) and bring it up to date: its agents and
    caller number, and credentials checked against the database on every run (a revoked key
    is replaced, a changed password is not printed). Keys are kept under var/ with mode 0600
    because the database holds only their hashes; a run that finds nothing to do writes
    nothing and prints the same."""
    path = var_dir / CREDENTIALS_FILE
    saved = _load(path)
    user = await User.get_or_none(email=DEMO_EMAIL)
    if saved is None or user is None or user.tenant_id != saved.tenant_id:
        saved = await _register(path, user)
        user = await User.get(email=DEMO_EMAIL)
    tenant = await Tenant.get(id=saved.tenant_id)
    owner = Principal(
        kind="user", tenant_id=tenant.id, role="owner", plan=tenant.plan, user_id=user.id
    )
    notes: list[str] = []
    creds = await _valid_credentials(owner, user, saved, notes)
    if creds != saved:
        _save(path, creds)
    agent_ids = await _ensure_agents(owner, notes)
    caller = await _ensure_caller_number(owner)
    return DemoTenant(creds, agent_ids, caller, notes)


async def _register(path: Path, stale: User | None) -> DemoCredentials:
    password = "demo-" + new_id("pw", 12).split("_")[1]
    if stale is not None:
        await stale.delete()
    reg = await auth.register(
        email=DEMO_EMAIL, password=password, company=DEMO_COMPANY, name="Demo Owner", plan="pro"
    )
    owner = Principal(
        kind="user", tenant_id=reg.tenant.id, role="owner", plan="pro", user_id=reg.user.id
    )
    issued = {
        attr: (await keys.create_key(owner, kind=kind, mode=mode, name=name)).secret
        for attr, (kind, mode, name) in _KEYS.items()
    }
    creds = DemoCredentials(
        tenant_id=reg.tenant.id,
        email=DEMO_EMAIL,
        password=password,
        tenant_key=reg.api_key,
        **issued,
    )
    _save(path, creds)
    return creds


async def _key_works(tenant_id: str, secret: str | None, kind: str, mode: str | None) -> bool:
    """The same lookup authentication does (by the secret's hash), on this tenant's keys."""
    if not secret:
        return False
    qs = ApiKey.filter(tenant_id=tenant_id, key_hash=sha256_hex(secret), kind=kind, revoked_at=None)
    if mode is not None:
        qs = qs.filter(mode=mode)
    return await qs.exists()


async def _valid_credentials(
    owner: Principal, user: User, saved: DemoCredentials, notes: list[str]
) -> DemoCredentials:
    creds = saved
    if saved.password is not None and not await verify_password(user.password_hash, saved.password):
        creds = replace(creds, password=None)
    tenant_id = saved.tenant_id
    if not await _key_works(tenant_id, saved.tenant_key, "tenant", None):
        # One vk_ key is active at a time: rotating again would revoke the key whoever rotated
        # it now uses, so a new one is issued only when none is active at all.
        if await ApiKey.filter(tenant_id=tenant_id, kind="tenant", revoked_at=None).exists():
            creds = replace(creds, tenant_key=None)
        else:
            issued = await keys.rotate_tenant_key(owner)
            creds = replace(creds, tenant_key=issued.secret)
            notes.append("tenant key: the saved one was revoked; this one replaces it")
    for attr, (kind, mode, name) in _KEYS.items():
        if not await _key_works(tenant_id, getattr(saved, attr), kind, mode):
            issued = await keys.create_key(owner, kind=kind, mode=mode, name=name)
            creds = replace(creds, **{attr: issued.secret})
            notes.append(f"{_LABELS[attr]}: the saved one was revoked; this one replaces it")
    return creds


async def _ensure_agents(owner: Principal, notes: list[str]) -> list[str]:
    """Add the demo agents a tenant lacks (one seeded by an older version has none); agents
    that exist are left as their owner changed them."""
    tenant_id = owner.tenant_id
    for spec in DEMO_AGENTS:
        agent = await Agent.get_or_none(tenant_id=tenant_id, agent_id=spec["id"])
        if agent is None:
            await agents.create_agent(owner, spec)
        elif not agent.enabled:
            notes.append(
                f"agent {spec['id']!r} is disabled: enable it with PATCH /v1/agents/{spec['id']}"
                ' {"enabled": true} before calling it'
            )
    return [str(spec["id"]) for spec in DEMO_AGENTS]


async def _ensure_caller_number(owner: Principal) -> str:
    """The reference's caller number on the simulated carrier (numbers are per tenant)."""
    if not await PhoneNumber.exists(tenant_id=owner.tenant_id, number=DEMO_CALLER):
        await agents.add_phone_number(
            owner, {"number": DEMO_CALLER, "label": "demo caller", "carrier": "simulated"}
        )
    return DEMO_CALLER


def _load(path: Path) -> DemoCredentials | None:
    try:
        data = json.loads(path.read_text())
        return DemoCredentials(**{name: data.get(name) for name in DemoCredentials.__annotations__})
    except (OSError, ValueError, TypeError):
        return None


def _save(path: Path, creds: DemoCredentials) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        os.fchmod(fh.fileno(), 0o600)  # a file that existed keeps its mode through O_CREAT
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
