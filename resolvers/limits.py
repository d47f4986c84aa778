"""Request rate limits: an exact sliding window, in memory by default, in Redis when shared;
failed authentications per client IP; sockets per credential."""

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from models.base import new_id
from resolvers import services

log = logging.getLogger("vocalia.limits")

# Contract section 4: a socket holds at most 20 subscriptions, a key or user at most 50 sockets.
MAX_SUBSCRIPTIONS_PER_SOCKET = 20
MAX_SOCKETS_PER_CREDENTIAL = 50


@dataclass(frozen=True)
class RateResult:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # epoch seconds when the oldest counted request leaves the window
    retry_after: int


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window: float) -> RateResult: ...
    async def reset(self) -> None: ...
    async def close(self) -> None: ...


def _result(
    allowed: bool, limit: int, count: int, oldest: float, now: float, window: float
) -> RateResult:
    reset_at = oldest + window
    return RateResult(
        allowed=allowed,
        limit=limit,
        remaining=max(0, limit - count),
        reset=math.ceil(reset_at),
        retry_after=0 if allowed else max(1, math.ceil(reset_at - now)),
    )


class MemoryRateLimiter:
    """A sliding log per key. Exact under concurrency in one process: ``hit`` never awaits
    between reading and writing the log."""

    def __init__(self) -> None:
        self._logs: dict[str, deque[float]] = {}
        self._hits = 0

    async def hit(self, key: str, limit: int, window: float) -> RateResult:
        now = time.time()
        log = self._logs.setdefault(key, deque())
        cutoff = now - window
        while log and log[0] <= cutoff:
            log.popleft()
        allowed = len(log) < limit
        if allowed:
            log.append(now)
        self._hits += 1
        if self._hits % 10_000 == 0:
            self._prune(now)
        return _result(allowed, limit, len(log), log[0] if log else now, now, window)

    def _prune(self, now: float) -> None:
        # Keys of idle tenants would otherwise accumulate forever.
        for key in [k for k, log in self._logs.items() if not log or log[-1] < now - 3600]:
            del self._logs[key]

    async def reset(self) -> None:
        self._logs.clear()

    async def close(self) -> None:
        return None


# ZSET sliding log, atomic in Redis; the server's clock is the one clock all processes share.
_REDIS_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  count = count + 1
  allowed = 1
end
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local oldest_score = tostring(now)
if oldest[2] then oldest_score = oldest[2] end
return {allowed, count, oldest_score, tostring(now)}
"""


class RedisRateLimiter:
    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as aioredis

        # A blocking pool: past max_connections concurrent hits wait for a free connection
        # (redis-py's default pool raises MaxConnectionsError, a 500 for request 101).
        pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=100, timeout=10)
        self._redis = aioredis.Redis.from_pool(pool)
        self._prefix = f"{prefix}:rl:"
        self._script = self._redis.register_script(_REDIS_SCRIPT)

    async def hit(self, key: str, limit: int, window: float) -> RateResult:
        allowed, count, oldest, now = await self._script(
            keys=[self._prefix + key], args=[window, limit, new_id("h", 12)]
        )
        return _result(bool(allowed), limit, int(count), float(oldest), float(now), window)

    async def reset(self) -> None:
        async for key in self._redis.scan_iter(match=self._prefix + "*", count=1000):
            await self._redis.delete(key)

    async def close(self) -> None:
        await self._redis.aclose()

    async def ping(self) -> bool:
        return bool(await self._redis.ping())


def get_limiter() -> RateLimiter:
    return services.current().limiter


def make_limiter(redis_url: str | None, prefix: str) -> RateLimiter:
    return RedisRateLimiter(redis_url, prefix) if redis_url else MemoryRateLimiter()


# --- failed authentications per client IP ------------------------------------------------

# IPs that used up their failures, until when (epoch seconds): Services.blocked_ips. The
# count itself lives in the limiter (shared through Redis); this copy lets the next credential
# from a blocked IP be refused without any lookup at all. Another process learns of the block
# at its own next failure from that IP.


def auth_blocked(client_ip: str) -> int | None:
    """Seconds until this IP may authenticate again, or None when it may now."""
    blocked = services.current().blocked_ips
    until = blocked.get(client_ip)
    if until is None:
        return None
    left = until - time.time()
    if left <= 0:
        blocked.pop(client_ip, None)
        return None
    return max(1, math.ceil(left))


async def auth_failed(client_ip: str, limit: int, window: float) -> int | None:
    """Count one failed authentication; seconds to wait when this one is over the limit."""
    result = await get_limiter().hit(f"ip:authfail:{client_ip}", limit, window)
    if not result.allowed or result.remaining == 0:
        now = time.time()
        blocked = services.current().blocked_ips
        if len(blocked) > 10_000:
            for ip in [ip for ip, until in blocked.items() if until <= now]:
                del blocked[ip]
        # Until the oldest failure leaves the window (reset is rounded up: cap at one window).
        blocked[client_ip] = min(float(result.reset), now + window)
    return None if result.allowed else result.retry_after


# --- sockets per credential ----------------------------------------------------------------


class SocketSlots(Protocol):
    async def acquire(self, owner: str, socket_id: str, limit: int) -> bool: ...
    async def release(self, owner: str, socket_id: str) -> None: ...
    async def start(self) -> None: ...
    async def close(self) -> None: ...


class MemorySocketSlots:
    def __init__(self) -> None:
        self._held: dict[str, set[str]] = {}

    async def acquire(self, owner: str, socket_id: str, limit: int) -> bool:
        held = self._held.setdefault(owner, set())
        if len(held) >= limit:
            return False
        held.add(socket_id)
        return True

    async def release(self, owner: str, socket_id: str) -> None:
        held = self._held.get(owner)
        if held is not None:
            held.discard(socket_id)
            if not held:
                del self._held[owner]

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._held.clear()


# A ZSET per owner: member = socket id, score = when its slot expires (Redis' clock). A
# process refreshes its sockets' slots every third of the TTL; a crashed one stops, and its
# slots fall out at the next acquire after they expire.
_ACQUIRE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local ttl = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(ttl * 1000))
return 1
"""
_REFRESH_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local ttl = tonumber(ARGV[1])
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', now + ttl, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], math.ceil(ttl * 1000))
return 1
"""


class RedisSocketSlots:
    """Socket counts shared by every process."""

    def __init__(self, url: str, prefix: str, ttl: float) -> None:
        import redis.asyncio as aioredis

        pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=50, timeout=10)
        self._redis = aioredis.Redis.from_pool(pool)
        self._prefix = f"{prefix}:ws:"
        self.ttl = ttl
        self._acquire = self._redis.register_script(_ACQUIRE_SCRIPT)
        self._refresh = self._redis.register_script(_REFRESH_SCRIPT)
        self._held: dict[str, set[str]] = {}
        self._refresher: asyncio.Task[None] | None = None

    async def acquire(self, owner: str, socket_id: str, limit: int) -> bool:
        ok = await self._acquire(keys=[self._prefix + owner], args=[self.ttl, limit, socket_id])
        if ok:
            self._held.setdefault(owner, set()).add(socket_id)
        return bool(ok)

    async def release(self, owner: str, socket_id: str) -> None:
        held = self._held.get(owner)
        if held is not None:
            held.discard(socket_id)
            if not held:
                del self._held[owner]
        await self._redis.zrem(self._prefix + owner, socket_id)

    async def refresh(self) -> None:
        for owner, held in list(self._held.items()):
            if held:
                await self._refresh(keys=[self._prefix + owner], args=[self.ttl, *held])

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                await self.refresh()
            except Exception:
                log.exception("could not refresh socket slots")

    async def start(self) -> None:
        self._refresher = asyncio.create_task(self._refresh_loop(), name="socket-slots")

    async def close(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        await self._redis.aclose()


def get_socket_slots() -> SocketSlots:
    return services.current().socket_slots


def make_socket_slots(redis_url: str | None, prefix: str, ttl: float) -> SocketSlots:
    return RedisSocketSlots(redis_url, prefix, ttl) if redis_url else MemorySocketSlots()
