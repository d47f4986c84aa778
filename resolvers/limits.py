"""Request rate limits: an exact sliding window, in memory by default, in Redis when shared."""

import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from models.base import new_id


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


_limiter: RateLimiter = MemoryRateLimiter()


def install(limiter: RateLimiter) -> None:
    global _limiter
    _limiter = limiter


def get_limiter() -> RateLimiter:
    return _limiter


def make_limiter(redis_url: str | None, prefix: str) -> RateLimiter:
    return RedisRateLimiter(redis_url, prefix) if redis_url else MemoryRateLimiter()
