"""One Services object: opened in order, closed in reverse, also when start-up fails half-way.

Each case runs in a fresh interpreter: Tortoise's connections are process-global, and the
suite's own app holds them for the whole session.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.servers import ROOT, free_port

SCRIPT = """
import asyncio, sys
from pathlib import Path
from tortoise import connections
from tortoise.exceptions import ConfigurationError
from resolvers import limits, services
from resolvers.settings import Settings

async def main(var: str, redis_url: str | None) -> None:
    before = services.current()
    settings = Settings(
        database_url=f"sqlite://{var}/s.sqlite3", var_dir=Path(var), jwt_secret="s" * 40,
        redis_url=redis_url, redis_prefix="vocalia-services-test",
    )
    opened = None
    try:
        async with services.open_services(settings) as svc:
            opened = svc
            assert services.current() is svc and svc.bus is not None and svc.worker is not None
            assert limits.get_limiter() is svc.limiter
            print("OPEN", type(svc.limiter).__name__, flush=True)
    except Exception as exc:
        print("FAILED", type(exc).__name__, flush=True)
    # Whatever happened, nothing stays open and the previous services are back.
    assert services.current() is before, "previous services not restored"
    try:
        assert not list(connections.all()), "database left open"
    except ConfigurationError:
        pass  # no connection configured at all: closed and discarded

    left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert not left, f"tasks left running: {left}"
    print("CLEAN", opened is not None, flush=True)

asyncio.run(main(sys.argv[1], sys.argv[2] or None))
"""


def _run(tmp_path: Path, redis_url: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), str(tmp_path), redis_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_services_open_then_close_everything(tmp_path: Path) -> None:
    out = _run(tmp_path, "")
    assert "OPEN MemoryRateLimiter" in out
    assert "CLEAN True" in out


def test_a_start_up_failure_half_way_closes_what_was_opened(tmp_path: Path) -> None:
    # The database, limiter, slots and session store open; the bus cannot connect to a port
    # nobody listens on: all of them are closed again and the error reaches the caller.
    out = _run(tmp_path, f"redis://127.0.0.1:{free_port()}/0")
    assert "OPEN" not in out
    assert "FAILED" in out
    assert "CLEAN False" in out
