"""Browser tests drive Whisper and eSpeak through a real server: they take the suite's CPU lock
like tests/realtime does (tests/conftest.py), so the two backend passes never run them at once."""

import fcntl
import os
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module", autouse=True)
def _cpu_heavy_module() -> Iterator[None]:
    # Held for the whole module: its server and browser are shared by every test in it.
    lock_path = os.environ.get("VOCALIA_TEST_CPU_LOCK")
    if not lock_path:
        yield
        return
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
