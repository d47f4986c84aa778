"""Unified customer profiles: the people a tenant's agents talked to, each merging the calls,
voice sessions and text conversations, leads, bookings and callbacks that share a phone
number or an email (a lead's email and phone join the two; a call's number joins its rows).

Profiles are computed from those rows when asked (nothing is copied, so an erasure or an edit
is seen at once); a profile's id is derived from its earliest identifier, so it stays the
same while that identifier is in the rows.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from models.booking import Booking, Callback, Lead
from models.call import Call
from models.conversation import Conversation
from resolvers import validation
from resolvers.errors import not_found
from resolvers.pagination import Page
from resolvers.principals import Principal, get_tenant, require_secret

MAX_QUERY = 200
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Profile:
    id: str
    names: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    lead_score: int | None = None
    conversations: list[str] = field(default_factory=list)  # call_… and conv_… ids
    leads: list[str] = field(default_factory=list)
    bookings: list[dict[str, object]] = field(default_factory=list)  # {id, starts_at, status}
    callbacks: list[dict[str, object]] = field(default_factory=list)  # {id, at, status}
    first_seen: datetime | None = None
    last_seen: datetime | None = None


class _Sets:
    """Union-find over identifiers ("tel:+212…", "mail:a@b")."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, keys: list[str]) -> str | None:
        if not keys:
            return None
        root = self.find(keys[0])
        for key in keys[1:]:
            other = self.find(key)
            if other != root:
                self.parent[max(other, root)] = min(other, root)
                root = min(other, root)
        return root


def _keys(phone: str | None, email: str | None) -> list[str]:
    keys = []
    if phone:
        keys.append(f"tel:{phone}")
    if email:
        keys.append(f"mail:{email.strip().lower()}")
    return keys


def _seen(profile: Profile, at: datetime | None) -> None:
    if at is None:
        return
    profile.first_seen = at if profile.first_seen is None else min(profile.first_seen, at)
    profile.last_seen = at if profile.last_seen is None else max(profile.last_seen, at)


def _add(items: list[str], value: str | None) -> None:
    if value and value not in items:
        items.append(value)


async def _profiles(tenant_id: str) -> list[Profile]:
    leads = await Lead.filter(tenant_id=tenant_id).order_by("created_at", "id")
    bookings = await Booking.filter(tenant_id=tenant_id).order_by("created_at", "id")
    callbacks = await Callback.filter(tenant_id=tenant_id).order_by("created_at", "id")
    calls = await (
        Call.filter(tenant_id=tenant_id)
        .exclude(direction="web")
        .order_by("created_at", "id")
        .values("id", "direction", "to_number", "from_number", "created_at")
    )
    sets = _Sets()
    # What ties a conversation to a person: the call's number, and each row's identifiers.
    by_subject: dict[str, list[str]] = {}
    for c in calls:
        number = c["to_number"] if c["direction"] == "outbound" else c["from_number"]
        if number:
            by_subject.setdefault(str(c["id"]), []).append(f"tel:{number}")
    rows: list[tuple[object, list[str], str | None]] = []
    for lead in leads:
        rows.append((lead, _keys(lead.phone, lead.email), lead.call_id or lead.conversation_id))
    for booking in bookings:
        subject = booking.call_id or booking.conversation_id
        rows.append((booking, _keys(booking.phone, None), subject))
    for callback in callbacks:
        subject = callback.call_id or callback.conversation_id
        rows.append((callback, _keys(callback.phone, None), subject))
    for _, keys, subject in rows:
        if subject:
            by_subject.setdefault(subject, []).extend(keys)
    for keys in by_subject.values():
        sets.join(keys)
    for _, keys, _ in rows:
        sets.join(keys)

    profiles: dict[str, Profile] = {}

    def profile_of(keys: list[str]) -> Profile | None:
        root = sets.join(keys)
        if root is None:
            return None
        if root not in profiles:
            digest = hashlib.sha256(f"{tenant_id}\x00{root}".encode()).hexdigest()[:20]
            profiles[root] = Profile(id=f"ucp_{digest}")
        return profiles[root]

    for key in list(sets.parent):
        found = profile_of([key])
        if found is None:
            continue
        kind, value = key.split(":", 1)
        _add(found.phones if kind == "tel" else found.emails, value)
    for subject, keys in by_subject.items():
        found = profile_of(keys)
        if found is not None:
            _add(found.conversations, subject)
    times = {str(c["id"]): c["created_at"] for c in calls}
    for row, keys, subject in rows:
        found = profile_of(keys or by_subject.get(subject or "", []))
        if found is None:
            continue
        if subject:
            _add(found.conversations, subject)
        _seen(found, getattr(row, "created_at", None))
        if isinstance(row, Lead):
            _add(found.leads, row.id)
            _add(found.names, row.name)
            found.lead_score = max(found.lead_score or 0, row.score)
        elif isinstance(row, Booking):
            _add(found.names, row.name)
            found.bookings.append({"id": row.id, "starts_at": row.starts_at, "status": row.status})
        elif isinstance(row, Callback):
            found.callbacks.append({"id": row.id, "at": row.at, "status": row.status})
    texts = [s for s in by_subject if not s.startswith("call_")]
    for row in await Conversation.filter(tenant_id=tenant_id, id__in=texts).values(
        "id", "created_at", "last_message_at"
    ):
        times[str(row["id"])] = row["last_message_at"] or row["created_at"]
    for found in profiles.values():
        for subject in found.conversations:
            _seen(found, times.get(subject))
    return sorted(
        profiles.values(),
        key=lambda p: (p.last_seen or _EPOCH, p.id),
        reverse=True,
    )


def _matches(profile: Profile, q: str) -> bool:
    folded = q.casefold()
    return any(folded in v.casefold() for v in (*profile.names, *profile.phones, *profile.emails))


async def list_profiles(
    principal: Principal | None,
    *,
    q: object = None,
    limit: object = 20,
    offset: object = 0,
    tenant_id: str | None = None,
) -> Page[Profile]:
    """Most recently seen first; ``q`` finds a name, number or email by part. Raises
    invalid_request, resource_not_found."""
    tenant = await get_tenant(require_secret(principal), tenant_id)
    limit_v, offset_v = validation.page_bounds(limit, offset)
    wanted = validation.text(q, "q", max_len=MAX_QUERY) if q is not None else None
    found = await _profiles(tenant.id)
    if wanted:
        found = [p for p in found if _matches(p, wanted)]
    return Page(found[offset_v : offset_v + limit_v], len(found), limit_v, offset_v)


async def get_profile(
    principal: Principal | None, profile_id: object, tenant_id: str | None = None
) -> Profile:
    """Raises resource_not_found (unknown, or another tenant's)."""
    tenant = await get_tenant(require_secret(principal), tenant_id)
    if isinstance(profile_id, str) and profile_id.startswith("ucp_"):
        for profile in await _profiles(tenant.id):
            if profile.id == profile_id:
                return profile
    raise not_found("customer profile", param="id")
