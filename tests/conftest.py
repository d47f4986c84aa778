"""Shared fixtures: one app per test session on the chosen backend, a clean database per test."""

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tortoise import Tortoise, connections
from tortoise.exceptions import OperationalError

from app import create_app
from resolvers import services
from resolvers.settings import Settings, configure
from tests import backends

pytest_plugins = ["tests.log_guard"]
TEST_SECRET = "test-secret-" + "x" * 40


def pytest_configure(config: pytest.Config) -> None:
    missing = backends.services_missing()
    if missing:
        message = "services not reachable: " + ", ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            raise pytest.UsageError(message + " (CI=true: a missing service is a failure)")
        config.issue_config_time_warning(
            pytest.PytestConfigWarning(message + "; skipping this backend"), stacklevel=2
        )
        config.option.markexpr = "not_selectable_marker_never_used"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not backends.services_missing():
        backends.drop_created()


# Modules that touch no database, bus or server process (no ``app`` fixture, no
# tests.servers or tests.backends): what they check cannot differ between the backends, so
# they run in the SQLite pass only, as test_quality's code gates do.
TESTS = Path(__file__).resolve().parent
BACKEND_FREE = frozenset(
    TESTS / name
    for name in (
        "realtime/test_audio.py",
        "realtime/test_bant.py",
        "realtime/test_dialogue_builtin.py",
        "realtime/test_dialogue_understanding.py",
        "realtime/test_espeak.py",
        "realtime/test_nlu.py",
        "realtime/test_openai_providers.py",
        "realtime/test_vad.py",
        "realtime/test_whisper.py",
        "resolvers/test_call_analysis.py",
        "resolvers/test_errors.py",
        "resolvers/test_knowledge_import.py",
        "resolvers/test_knowledge_search.py",
        "resolvers/test_settings.py",
        "resolvers/test_urls.py",
        "resolvers/test_vocabulary.py",
        "test_understanding_data.py",
    )
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.option.markexpr == "not_selectable_marker_never_used":
        skip = pytest.mark.skip(reason="backend services not reachable (not in CI)")
        for item in items:
            item.add_marker(skip)
        config.option.markexpr = ""
    backend_free = [item for item in items if Path(str(item.path)) in BACKEND_FREE]
    for item in backend_free:
        if "app" in item.fixturenames:  # type: ignore[attr-defined]
            raise pytest.UsageError(f"{item.nodeid} uses the app: it is not backend-free")
    if backends.backend_name() != "sqlite":
        skip = pytest.mark.skip(reason="touches no backend: runs in the SQLite pass")
        for item in backend_free:
            item.add_marker(skip)


# Tests that keep the CPU busy with speech models: with both passes running at once
# (tests/__main__.py), only one of them runs at a time across the passes (tests/browser
# holds the same lock for its whole module, in its own conftest).
CPU_HEAVY = TESTS / "realtime"
# ...except its modules that load no speech model: pure functions of text and numbers.
CPU_LIGHT = frozenset(
    TESTS / "realtime" / name
    for name in (
        "test_audio.py",
        "test_bant.py",
        "test_dialogue_builtin.py",
        "test_dialogue_understanding.py",
        "test_openai_providers.py",
        "test_vad.py",
    )
)


@pytest.fixture(autouse=True)
async def _cpu_heavy_one_at_a_time(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    lock_path = os.environ.get("VOCALIA_TEST_CPU_LOCK")
    path = Path(str(request.node.path))
    if not lock_path or CPU_HEAVY not in path.parents or path in CPU_LIGHT:
        yield
        return
    with open(lock_path, "a") as handle:
        # Polled, so the session's event loop (heartbeats, workers) keeps running meanwhile.
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> backends.Backend:
    return backends.prepare(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def settings(backend: backends.Backend, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        env="development",
        database_url=backend.database_url,
        redis_url=backend.redis_url,
        jwt_secret=TEST_SECRET,
        var_dir=Path(tmp_path_factory.mktemp("var")),
        allow_private_urls=True,
        cors_origins=("https://dashboard.vocalia.test",),
        # Generous per-IP auth limits: tests that check them lower these explicitly.
        auth_ip_limit=(10_000, 60),
        register_ip_limit=(10_000, 3600),
        redis_prefix=backends.REDIS_PREFIX,
        # Speech models load on first use: most tests never speak.
        voice_warm_up=False,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[object]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(autouse=True)
async def clean(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[None]:
    """Every test starts on empty tables, empty rate-limit windows and the session settings."""
    if "app" not in request.fixturenames:
        yield
        return
    configure(settings)
    await _truncate()
    await services.current().reset()
    yield
    configure(settings)


async def _truncate() -> None:
    # Calls a previous test left running would keep writing while the tables are emptied.
    for carrier in list(services.current().carriers.values()):
        await carrier.close()
    conn = connections.get("default")
    tables = [m._meta.db_table for app in (Tortoise.apps or {}).values() for m in app.values()]
    if conn.capabilities.dialect != "postgres":
        await conn.execute_script("".join(f"DELETE FROM {t};" for t in tables))
        return
    for attempt in range(5):
        try:
            await conn.execute_script(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            return
        except OperationalError as exc:
            # The webhook worker may hold a row lock for an instant: PostgreSQL then picks
            # TRUNCATE as the deadlock victim; a retry wins.
            if "deadlock" not in str(exc) or attempt == 4:
                raise
            await asyncio.sleep(0.05)


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
