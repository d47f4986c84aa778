"""Revocation: credentials stop working at once, on every process, and so do the sockets
they opened.

Two mechanisms:

* Ended sessions. An access token names its session (claim ``sid``, the refresh-token family)
  and the user's session version (claim ``sv``). Logout ends a session; a password change (or
  "log out everywhere") raises the user's version. Both are written to a SessionStore for as
  long as a token issued before could still be unexpired (the access-token lifetime), and
  every authentication reads the store: one MGET with Redis, two dict lookups in memory.
* Revocation messages. Anything that ends credentials (a revoked or rotated key, logout, a
  password change, the tenant's erasure, a plan downgrade) publishes a message on one bus
  channel every process listens to; each process closes its own sockets opened with those
  credentials (4401: credential gone, 4403: plan downgrade). The process that revokes also
  applies it locally at once, so the bus is only needed to reach the others.

Nothing here knows a transport: a socket registers a ``close(code, reason)`` callback.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from resolvers import events, services
from resolvers.settings import get_settings

log = logging.getLogger("vocalia.revocation")

CHANNEL = "sys:revocations"
CREDENTIAL_GONE = 4401
PLAN_DOWNGRADED = 4403
# Clocks of several processes differ a little: keep entries a bit past the token lifetime.
_SKEW = 60


class SessionStore(Protocol):
    async def session_valid(self, user_id: str, session_id: str, version: int) -> bool: ...
    async def end_sessions(self, session_ids: list[str], ttl: int) -> None: ...
    async def raise_version(self, user_id: str, version: int, ttl: int) -> None: ...
    async def close(self) -> None: ...


class MemorySessionStore:
    """One process: ended sessions and raised versions, each with its expiry."""

    def __init__(self) -> None:
        self._ended: dict[str, float] = {}
        self._versions: dict[str, tuple[int, float]] = {}
        self._writes = 0

    async def session_valid(self, user_id: str, session_id: str, version: int) -> bool:
        now = time.time()
        ended = self._ended.get(session_id)
        if ended is not None and ended > now:
            return False
        raised = self._versions.get(user_id)
        return not (raised is not None and raised[1] > now and version < raised[0])

    async def end_sessions(self, session_ids: list[str], ttl: int) -> None:
        until = time.time() + ttl
        for sid in session_ids:
            self._ended[sid] = until
        self._pruned()

    async def raise_version(self, user_id: str, version: int, ttl: int) -> None:
        current = self._versions.get(user_id)
        if current is None or current[0] < version:
            self._versions[user_id] = (version, time.time() + ttl)
        self._pruned()

    def _pruned(self) -> None:
        self._writes += 1
        if self._writes % 1000:
            return
        now = time.time()
        self._ended = {k: v for k, v in self._ended.items() if v > now}
        self._versions = {k: v for k, v in self._versions.items() if v[1] > now}

    async def close(self) -> None:
        return None


# Keep the highest version: two password changes racing must not lower it.
_RAISE_SCRIPT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 1
"""


class RedisSessionStore:
    """Shared by every process; entries expire with the last token they could concern."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as aioredis

        pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=100, timeout=10)
        self._redis = aioredis.Redis.from_pool(pool)
        self._prefix = f"{prefix}:rv:"
        self._raise = self._redis.register_script(_RAISE_SCRIPT)

    async def session_valid(self, user_id: str, session_id: str, version: int) -> bool:
        ended, raised = await self._redis.mget(
            self._prefix + "sid:" + session_id, self._prefix + "sv:" + user_id
        )
        return ended is None and (raised is None or version >= int(raised))

    async def end_sessions(self, session_ids: list[str], ttl: int) -> None:
        if session_ids:
            async with self._redis.pipeline(transaction=False) as pipe:
                for sid in session_ids:
                    pipe.set(self._prefix + "sid:" + sid, b"1", ex=ttl)
                await pipe.execute()

    async def raise_version(self, user_id: str, version: int, ttl: int) -> None:
        await self._raise(keys=[self._prefix + "sv:" + user_id], args=[version, ttl])

    async def close(self) -> None:
        await self._redis.aclose()


def get_store() -> SessionStore:
    return services.current().sessions


def make_store(redis_url: str | None, prefix: str) -> SessionStore:
    return RedisSessionStore(redis_url, prefix) if redis_url else MemorySessionStore()


# --- sockets and revocation messages ----------------------------------------------------


class Subject(Protocol):
    """What a socket was opened with (a resolvers.principals.Principal)."""

    @property
    def tenant_id(self) -> str | None: ...
    @property
    def key_id(self) -> str | None: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def session_id(self) -> str | None: ...


@dataclass(eq=False)
class LiveSocket:
    subject: Subject
    close: Callable[[int, str], None]
    closed: bool = field(default=False)

    def end(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.close(code, reason)
        except Exception:
            log.exception("closing a revoked socket failed")


_sockets: dict[str | None, set[LiveSocket]] = {}  # by tenant id (None: platform users)
# Called with a tenant id whenever its plan changed or it was erased (the plan cache).
tenant_changed: list[Callable[[str], None]] = []


def register(subject: Subject, close: Callable[[int, str], None]) -> LiveSocket:
    """A socket to end when its credential is revoked; unregister() it when it closes."""
    socket = LiveSocket(subject, close)
    _sockets.setdefault(subject.tenant_id, set()).add(socket)
    return socket


def unregister(socket: LiveSocket) -> None:
    group = _sockets.get(socket.subject.tenant_id)
    if group is not None:
        group.discard(socket)
        if not group:
            del _sockets[socket.subject.tenant_id]


def live_sockets(tenant_id: str | None) -> int:
    """Registered sockets of a tenant in this process (tests wait on it)."""
    return len(_sockets.get(tenant_id, ()))


def _matches(subject: Subject, message: dict[str, Any]) -> bool:
    if message.get("tenant_wide"):
        return True
    if subject.key_id is not None and subject.key_id in message.get("key_ids", ()):
        return True
    user_id = message.get("user_id")
    if user_id is None or subject.user_id != user_id:
        return False
    return bool(message.get("all_sessions")) or subject.session_id in message.get("session_ids", ())


def apply(message: dict[str, Any]) -> int:
    """End this process's sockets that the message revokes; how many."""
    tenant_id = message.get("tenant_id")
    if message.get("tenant_changed") and isinstance(tenant_id, str):
        for hook in tenant_changed:
            hook(tenant_id)
    code = int(message.get("code", CREDENTIAL_GONE))
    reason = str(message.get("reason", "credential revoked"))
    ended = 0
    for socket in list(_sockets.get(tenant_id, ())):
        if _matches(socket.subject, message):
            socket.end(code, reason)
            ended += 1
    return ended


async def publish(message: dict[str, Any]) -> None:
    """Apply here at once, then tell every other process. Call after the change committed."""
    apply(message)
    try:
        await events.get_bus().publish(CHANNEL, message)
    except Exception:
        # The credential is already refused by the database (and the session store); only
        # sockets on other processes stay open until they next authenticate.
        log.exception("could not publish a revocation")


async def revoke_keys(tenant_id: str, key_ids: list[str], reason: str) -> None:
    if key_ids:
        await publish({"tenant_id": tenant_id, "key_ids": key_ids, "reason": reason})


async def end_sessions(
    tenant_id: str | None, user_id: str, session_ids: list[str], reason: str
) -> None:
    """Logout: those sessions' access tokens are refused from now on, their sockets close."""
    await get_store().end_sessions(session_ids, get_settings().access_token_ttl + _SKEW)
    await publish(
        {"tenant_id": tenant_id, "user_id": user_id, "session_ids": session_ids, "reason": reason}
    )


async def end_all_sessions(tenant_id: str | None, user_id: str, version: int, reason: str) -> None:
    """Password change: tokens issued with a session version below ``version`` are refused."""
    await get_store().raise_version(user_id, version, get_settings().access_token_ttl + _SKEW)
    await publish(
        {"tenant_id": tenant_id, "user_id": user_id, "all_sessions": True, "reason": reason}
    )


async def end_tenant(tenant_id: str, code: int, reason: str) -> None:
    """Erasure (4401) or plan downgrade (4403): every socket of the tenant closes."""
    await publish(
        {
            "tenant_id": tenant_id,
            "tenant_wide": True,
            "tenant_changed": True,
            "code": code,
            "reason": reason,
        }
    )


async def tenant_updated(tenant_id: str) -> None:
    """The tenant's plan changed without ending its sockets: processes forget cached plans."""
    await publish({"tenant_id": tenant_id, "tenant_changed": True, "key_ids": []})


# --- lifecycle ----------------------------------------------------------------------------


async def _listen(bus: events.Bus, ready: asyncio.Event) -> None:
    # For the life of the process: a lost backend connection resubscribes (revocations
    # published meanwhile only miss sockets here; their credentials are refused anyway).
    while True:
        try:
            async with bus.subscribe(CHANNEL) as stream:
                ready.set()
                async for message in stream:
                    try:
                        apply(message)
                    except Exception:
                        log.exception("bad revocation message %r", message)
        except (ConnectionError, OSError, events.SubscriberOverflow):
            if not ready.is_set():
                raise
            log.exception("revocation listener lost the bus; resubscribing")
        await asyncio.sleep(1.0)  # stop() cancels the loop before the bus disconnects


async def start_listener(bus: events.Bus) -> asyncio.Task[None]:
    """The task that applies revocations heard on ``bus``, once it is subscribed (resolvers.
    services opens it and cancels it before the bus disconnects)."""
    ready = asyncio.Event()
    listener = asyncio.create_task(_listen(bus, ready), name="revocations")
    waiter = asyncio.ensure_future(ready.wait())
    await asyncio.wait({waiter, listener}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if listener.done():
        listener.result()  # the subscription failed: raise it
    return listener
