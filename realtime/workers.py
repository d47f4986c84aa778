"""The bounded pool that runs blocking model work (speech recognition, synthesis) off the
event loop. Its threads are few (``VOCALIA_VOICE_WORKERS``); callers wait their turn in
``run_blocking`` rather than piling work onto the pool's unbounded queue."""

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

_pool: ThreadPoolExecutor | None = None
_slots: asyncio.Semaphore | None = None
_size = 0


def configure(workers: int) -> None:
    """(Re)size the pool; called by the app's lifespan."""
    global _pool, _slots, _size
    if _pool is not None and workers == _size:
        return
    if _pool is not None:
        _pool.shutdown(wait=False)
    _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="voice")
    _slots = asyncio.Semaphore(workers)
    _size = workers


def shutdown() -> None:
    global _pool, _slots, _size
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
    _pool, _slots, _size = None, None, 0


def _ready() -> tuple[ThreadPoolExecutor, asyncio.Semaphore]:
    if _pool is None or _slots is None:
        configure(2)
    if _pool is None or _slots is None:
        raise RuntimeError("the voice pool could not start")
    return _pool, _slots


def size() -> int:
    """Workers in the pool (0 before it starts)."""
    return _size


def free_slots() -> int:
    """Workers idle right now (what optional work, like partial transcripts, may take)."""
    _, slots = _ready()
    return slots._value  # asyncio.Semaphore has no public reading of its count


async def run_blocking(fn: Callable[..., T], *args: object) -> T:
    """Run ``fn(*args)`` on the voice pool, at most ``workers`` at a time."""
    pool, slots = _ready()
    async with slots:
        loop = asyncio.get_running_loop()
        call = functools.partial(contextvars.copy_context().run, fn, *args)
        return await loop.run_in_executor(pool, call)
