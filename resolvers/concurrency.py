"""Simultaneous-call slots per tenant: exact under concurrency, shared through Redis when set.

A slot is a lease (call id → expiry); a process that dies leaves leases that expire, and
restart safety releases the slots of the calls it fails.
"""

import time
from typing import Protocol

from resolvers import services


class CallSlots(Protocol):
    async def acquire(self, tenant_id: str, call_id: str, limit: int, ttl: float) -> bool: ...
    async def release(self, tenant_id: str, call_id: str) -> None: ...
    async def in_use(self, tenant_id: str) -> int: ...
    async def reset(self) -> None: ...
    async def close(self) -> None: ...


class MemoryCallSlots:
    def __init__(self) -> None:
        self._leases: dict[str, dict[str, float]] = {}

    def _live(self, tenant_id: str) -> dict[str, float]:
        now = time.monotonic()
        leases = self._leases.setdefault(tenant_id, {})
        for call_id in [c for c, exp in leases.items() if exp <= now]:
            del leases[call_id]
        return leases

    async def acquire(self, tenant_id: str, call_id: str, limit: int, ttl: float) -> bool:
        leases = self._live(tenant_id)
        if call_id not in leases and len(leases) >= limit:
            return False
        leases[call_id] = time.monotonic() + ttl
        return True

    async def release(self, tenant_id: str, call_id: str) -> None:
        self._leases.get(tenant_id, {}).pop(call_id, None)

    async def in_use(self, tenant_id: str) -> int:
        return len(self._live(tenant_id))

    async def reset(self) -> None:
        self._leases.clear()

    async def close(self) -> None:
        return None


_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  return 1
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3])) + 60)
return 1
"""


class RedisCallSlots:
    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as aioredis

        pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=50, timeout=10)
        self._redis = aioredis.Redis.from_pool(pool)
        self._prefix = f"{prefix}:slots:"
        self._acquire = self._redis.register_script(_ACQUIRE)

    async def acquire(self, tenant_id: str, call_id: str, limit: int, ttl: float) -> bool:
        return bool(
            await self._acquire(keys=[self._prefix + tenant_id], args=[call_id, limit, ttl])
        )

    async def release(self, tenant_id: str, call_id: str) -> None:
        await self._redis.zrem(self._prefix + tenant_id, call_id)

    async def in_use(self, tenant_id: str) -> int:
        key = self._prefix + tenant_id
        await self._redis.zremrangebyscore(key, "-inf", time.time())
        return int(await self._redis.zcard(key))

    async def reset(self) -> None:
        async for key in self._redis.scan_iter(match=self._prefix + "*", count=1000):
            await self._redis.delete(key)

    async def close(self) -> None:
        await self._redis.aclose()


def get_slots() -> CallSlots:
    return services.current().call_slots


def make_slots(redis_url: str | None, prefix: str) -> CallSlots:
    return RedisCallSlots(redis_url, prefix) if redis_url else MemoryCallSlots()
