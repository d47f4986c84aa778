"""Per-plan request limits (contract section 4): exact under concurrency, per tenant, with the
X-RateLimit-* headers on every authenticated response; shared through Redis by several
processes; and the sliding-window limiters of resolvers/limits.py on their own."""

import asyncio
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest

from resolvers import limits, services
from resolvers.limits import MemoryRateLimiter, RateResult, RedisRateLimiter
from resolvers.settings import Settings
from tests import backends, servers
from tests.factories import make_tenant

ME = "/api/auth/me"

NO_REDIS = "needs Redis, which only the postgres pass provides (VOCALIA_TEST_BACKEND=postgres)"


def _split(responses: list[httpx.Response]) -> tuple[list[httpx.Response], list[httpx.Response]]:
    ok = [r for r in responses if r.status_code == 200]
    limited = [r for r in responses if r.status_code == 429]
    assert len(ok) + len(limited) == len(responses), sorted({r.status_code for r in responses})
    return ok, limited


def _assert_limited_batch(
    responses: list[httpx.Response], limit: int, started: float, finished: float
) -> None:
    """`limit` answers 200 with remaining limit-1 .. 0 (each exactly once), the rest 429
    rate_limit_exceeded; every answer has the three headers and a reset within the window."""
    ok, limited = _split(responses)
    assert len(ok) == limit
    assert len(limited) == len(responses) - limit
    for r in responses:
        assert r.headers["x-ratelimit-limit"] == str(limit)
        reset = int(r.headers["x-ratelimit-reset"])
        # Epoch seconds when the oldest counted request (sent after `started`) leaves the
        # 60 s window: in the future, and no further than one window (rounded up) away.
        assert finished < reset <= math.ceil(finished + 60)
        assert reset >= started + 60
    assert sorted(int(r.headers["x-ratelimit-remaining"]) for r in ok) == list(range(limit))
    for r in limited:
        assert r.headers["x-ratelimit-remaining"] == "0"
        body = r.json()["error"]
        assert body["code"] == "rate_limit_exceeded"
        assert body["status"] == 429
        assert body["request_id"] == r.headers["x-request-id"]
        retry_after = int(r.headers["retry-after"])
        assert 1 <= retry_after <= 60
        # Retry-After and X-RateLimit-Reset name the same moment (each rounded up).
        assert abs((finished + retry_after) - int(r.headers["x-ratelimit-reset"])) <= 2


# --- one process, through the ASGI app ---------------------------------------------------


@pytest.fixture
async def private_limiter(app: object, settings: Settings) -> AsyncIterator[None]:
    """The session's kind of limiter (Redis on the postgres pass, memory otherwise) on a key
    prefix of this test's own: another session sharing the Redis database resets the common
    prefix between its tests, which would add requests to an exact count here."""
    svc = services.current()
    original = svc.limiter
    mine = limits.make_limiter(settings.redis_url, f"vocalia-rl-{uuid.uuid4().hex[:8]}")
    svc.limiter = mine
    try:
        yield
    finally:
        svc.limiter = original
        await mine.reset()
        await mine.close()


uses_private_limiter = pytest.mark.usefixtures("private_limiter")


@uses_private_limiter
async def test_starter_allows_exactly_60_of_100_concurrent(client: httpx.AsyncClient) -> None:
    t = await make_tenant("starter")
    started = time.time()
    responses = await asyncio.gather(*(client.get(ME, headers=t.headers) for _ in range(100)))
    finished = time.time()
    _assert_limited_batch(list(responses), 60, started, finished)


@uses_private_limiter
async def test_remaining_counts_down_one_by_one(client: httpx.AsyncClient) -> None:
    t = await make_tenant("starter")
    seen = []
    for _ in range(5):
        r = await client.get(ME, headers=t.headers)
        assert r.status_code == 200
        seen.append(r.headers["x-ratelimit-remaining"])
    assert seen == ["59", "58", "57", "56", "55"]


@uses_private_limiter
async def test_pro_allows_exactly_300_of_310_concurrent(client: httpx.AsyncClient) -> None:
    t = await make_tenant("pro")
    first = await client.get(ME, headers=t.headers)
    assert first.status_code == 200
    assert first.headers["x-ratelimit-limit"] == "300"
    assert first.headers["x-ratelimit-remaining"] == "299"
    started = time.time()
    responses = await asyncio.gather(*(client.get(ME, headers=t.headers) for _ in range(309)))
    finished = time.time()
    ok, limited = _split(list(responses))
    assert (len(ok), len(limited)) == (299, 10)
    assert sorted(int(r.headers["x-ratelimit-remaining"]) for r in ok) == list(range(299))
    for r in responses:
        assert r.headers["x-ratelimit-limit"] == "300"
        assert started - 1 < int(r.headers["x-ratelimit-reset"]) - 60 <= math.ceil(finished)
    assert {r.json()["error"]["code"] for r in limited} == {"rate_limit_exceeded"}


@uses_private_limiter
async def test_tenants_have_independent_budgets(client: httpx.AsyncClient) -> None:
    a = await make_tenant("starter")
    b = await make_tenant("starter")
    for _ in range(10):
        assert (await client.get(ME, headers=a.headers)).status_code == 200
    # B spends its whole budget and more, concurrently.
    responses = await asyncio.gather(*(client.get(ME, headers=b.headers) for _ in range(70)))
    ok, limited = _split(list(responses))
    assert (len(ok), len(limited)) == (60, 10)
    # A's window did not move.
    r = await client.get(ME, headers=a.headers)
    assert r.status_code == 200
    assert r.headers["x-ratelimit-remaining"] == "49"


async def test_unauthenticated_requests_carry_no_rate_headers(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/health")
    assert r.status_code == 200
    assert "x-ratelimit-limit" not in r.headers
    r = await client.get(ME)
    assert r.status_code == 401
    assert "x-ratelimit-limit" not in r.headers


# --- several processes -------------------------------------------------------------------


async def _register_and_login(base_url: str, plan: str = "starter") -> tuple[str, str]:
    email = f"rl-{uuid.uuid4().hex[:12]}@example.com"
    password = "rate-limit-password"
    async with httpx.AsyncClient(base_url=base_url, timeout=10.0) as http:
        reg = await http.post(
            "/api/auth/register",
            json={"email": email, "password": password, "company": "Limits Inc", "plan": plan},
        )
        assert reg.status_code == 201, reg.text
        login = await http.post("/api/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
    return reg.json()["tenant"]["id"], login.json()["access_token"]


async def _fire(urls: list[str], token: str, total: int) -> list[httpx.Response]:
    """`total` concurrent GET /api/auth/me, spread round-robin over the servers."""
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=total, max_keepalive_connections=total)
    async with httpx.AsyncClient(timeout=30.0, limits=limits) as http:
        return list(
            await asyncio.gather(
                *(http.get(urls[i % len(urls)] + ME, headers=headers) for i in range(total))
            )
        )


@pytest.fixture(scope="module")
def redis_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[servers.Server]]:
    """Two uvicorn processes on one PostgreSQL database and one Redis (a private prefix)."""
    if backends.backend_name() != "postgres":
        pytest.skip("two processes share a limit only through Redis; " + NO_REDIS)
    tmp = tmp_path_factory.mktemp("mp")
    backend = servers.prepare_database(tmp, suffix="_mp")
    assert backend.redis_url is not None
    prefix = f"vocalia-mp-{uuid.uuid4().hex[:8]}"
    env = servers.server_env(
        backend.database_url, tmp / "var", redis_url=backend.redis_url, redis_prefix=prefix
    )
    servers.migrate(env)
    try:
        with servers.running(env, tmp / "logs", count=2) as started:
            yield started
    finally:
        servers.flush_redis_prefix(backend.redis_url, prefix)


@pytest.mark.slow
async def test_two_processes_share_one_limit_through_redis(
    redis_servers: list[servers.Server],
) -> None:
    urls = [s.url for s in redis_servers]
    assert len(set(urls)) == 2
    _, token = await _register_and_login(urls[0])
    started = time.time()
    responses = await _fire(urls, token, 100)
    finished = time.time()
    _assert_limited_batch(responses, 60, started, finished)
    # Both processes answered; the exact 60/40 split across them (100/0 without Redis, see
    # the next test) is what shows one shared window. Which process refuses depends on timing.
    for url in urls:
        mine = [r for r in responses if str(r.url).startswith(url)]
        assert len(mine) == 50
        assert 200 in {r.status_code for r in mine}


@pytest.mark.slow
async def test_tenants_are_independent_across_processes(
    redis_servers: list[servers.Server],
) -> None:
    urls = [s.url for s in redis_servers]
    _, token_a = await _register_and_login(urls[1])
    _, token_b = await _register_and_login(urls[0])
    responses = await _fire(urls, token_b, 70)
    ok, limited = _split(responses)
    assert (len(ok), len(limited)) == (60, 10)
    async with httpx.AsyncClient(timeout=10.0) as http:
        r = await http.get(urls[0] + ME, headers={"Authorization": f"Bearer {token_a}"})
    assert r.status_code == 200
    assert r.headers["x-ratelimit-remaining"] == "59"


@pytest.fixture(scope="module")
def memory_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[servers.Server]]:
    """Two uvicorn processes on one SQLite file and no Redis (the sqlite pass only)."""
    if backends.backend_name() != "sqlite":
        pytest.skip("demonstrates the single-node default: sqlite pass only")
    tmp = tmp_path_factory.mktemp("mem")
    backend = servers.prepare_database(tmp, suffix="_mem")
    env = servers.server_env(backend.database_url, tmp / "var")
    servers.migrate(env)
    with servers.running(env, tmp / "logs", count=2) as started:
        yield started


@pytest.mark.slow
async def test_without_redis_each_process_counts_alone(
    memory_servers: list[servers.Server],
) -> None:
    """Why several processes need VOCALIA_REDIS_URL: the in-memory window is per process, so two
    of them let 2 x 50 requests through where the plan allows 60 (app.py warns about this)."""
    urls = [s.url for s in memory_servers]
    _, token = await _register_and_login(urls[0])
    responses = await _fire(urls, token, 100)
    ok, limited = _split(responses)
    assert (len(ok), len(limited)) == (100, 0)
    for url in urls:
        remaining = sorted(
            int(r.headers["x-ratelimit-remaining"]) for r in responses if str(r.url).startswith(url)
        )
        assert remaining == list(range(10, 60))


# --- the limiters themselves -------------------------------------------------------------


@pytest.fixture
async def redis_limiters() -> AsyncIterator[list[RedisRateLimiter]]:
    """Two limiters (two connections, as two processes would have) on one private prefix."""
    if backends.backend_name() != "postgres":
        pytest.skip(NO_REDIS)
    prefix = f"vocalia-unit-{uuid.uuid4().hex[:8]}"
    limiters = [RedisRateLimiter(backends.REDIS_URL, prefix) for _ in range(2)]
    try:
        yield limiters
    finally:
        await limiters[0].reset()
        for limiter in limiters:
            await limiter.close()


def _check_exact(results: list[RateResult], limit: int) -> None:
    allowed = [r for r in results if r.allowed]
    refused = [r for r in results if not r.allowed]
    assert len(allowed) == limit
    assert sorted(r.remaining for r in allowed) == list(range(limit))
    assert all(r.remaining == 0 and r.retry_after >= 1 for r in refused)
    assert all(r.limit == limit for r in results)


async def test_memory_limiter_is_exact_under_concurrency() -> None:
    limiter = MemoryRateLimiter()
    results = await asyncio.gather(*(limiter.hit("k", 60, 60.0) for _ in range(100)))
    _check_exact(list(results), 60)
    assert sum(r.allowed for r in results) == 60


async def test_redis_limiter_is_exact_under_concurrency(
    redis_limiters: list[RedisRateLimiter],
) -> None:
    results = await asyncio.gather(*(redis_limiters[i % 2].hit("k", 60, 60.0) for i in range(100)))
    _check_exact(list(results), 60)


Hit = Callable[[], Awaitable[RateResult]]


async def _sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.time()))


async def _check_sliding(hit: Hit) -> None:
    """Limit 2 per 0.5 s. Each hit happens between the clock readings around it, so the
    sleeps below put every request safely inside or outside the window."""
    first_before = time.time()
    first = await hit()
    first_after = time.time()
    assert (first.allowed, first.remaining) == (True, 1)
    assert math.ceil(first_before + 0.5) <= first.reset <= math.ceil(first_after + 0.5)
    await _sleep_until(first_after + 0.25)
    second_before = time.time()
    assert (await hit()).allowed
    second_after = time.time()
    refused = [await hit() for _ in range(5)]
    assert [(r.allowed, r.remaining, r.retry_after) for r in refused] == [(False, 0, 1)] * 5
    # The first hit has left the window, the second has not: exactly one fits. The five
    # refusals were not logged, or nothing would fit here.
    await _sleep_until(first_after + 0.55)
    assert second_before + 0.5 > time.time()
    third = await hit()
    assert (third.allowed, third.remaining) == (True, 0)
    assert not (await hit()).allowed
    # Now the second has left too; the third is still counted.
    await _sleep_until(second_after + 0.55)
    fourth = await hit()
    assert (fourth.allowed, fourth.remaining) == (True, 0)


async def test_memory_limiter_window_slides() -> None:
    limiter = MemoryRateLimiter()
    await _check_sliding(lambda: limiter.hit("slide", 2, 0.5))


async def test_redis_limiter_window_slides(redis_limiters: list[RedisRateLimiter]) -> None:
    n = 0

    def hit() -> Awaitable[RateResult]:
        nonlocal n
        n += 1
        return redis_limiters[n % 2].hit("slide", 2, 0.5)

    await _check_sliding(hit)


async def test_memory_limiter_keys_and_reset() -> None:
    limiter = MemoryRateLimiter()
    for _ in range(3):
        assert (await limiter.hit("a", 3, 60.0)).allowed
    assert not (await limiter.hit("a", 3, 60.0)).allowed
    assert (await limiter.hit("b", 3, 60.0)).remaining == 2
    await limiter.reset()
    result = await limiter.hit("a", 3, 60.0)
    assert (result.allowed, result.remaining) == (True, 2)


async def test_redis_limiter_keys_and_reset(redis_limiters: list[RedisRateLimiter]) -> None:
    first, second = redis_limiters
    other = RedisRateLimiter(backends.REDIS_URL, f"vocalia-other-{uuid.uuid4().hex[:8]}")
    try:
        for _ in range(3):
            assert (await first.hit("a", 3, 60.0)).allowed
        assert not (await second.hit("a", 3, 60.0)).allowed
        assert (await second.hit("b", 3, 60.0)).remaining == 2
        assert (await other.hit("a", 3, 60.0)).remaining == 2
        await second.reset()
        result = await first.hit("a", 3, 60.0)
        assert (result.allowed, result.remaining) == (True, 2)
        # reset() only touches its own prefix.
        assert (await other.hit("a", 3, 60.0)).remaining == 1
    finally:
        await other.reset()
        await other.close()
