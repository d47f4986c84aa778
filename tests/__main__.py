"""The whole suite: quality gates and tests on SQLite + memory bus, and on PostgreSQL + Redis.

`python -m tests` (what README and .ci/run call). Extra arguments go to pytest.
Outside CI a pass whose services are unreachable is skipped; with CI=true it fails.

The two passes run at the same time (each has its own database, Redis prefix and temporary
directories), their lines prefixed with the pass's name. Tests that load the CPU with speech
models (tests/realtime) take a lock file first, so the two passes never run two of them at
once and their timings stay those of one pass. VOCALIA_TEST_SERIAL=1 runs one pass after the
other instead.
"""

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PASSES = (("sqlite", "SQLite + in-memory bus"), ("postgres", "PostgreSQL + Redis"))


def _exit_code(name: str, code: int) -> int:
    # 5 = nothing collected: the postgres pass skips itself without its services, outside CI.
    if code == 5 and name == "postgres" and os.environ.get("CI", "").lower() != "true":
        return 0
    return code


def _serial(argv: list[str]) -> int:
    status = 0
    for name, label in PASSES:
        print(f"\n===== test pass: {label} =====", flush=True)
        env = {**os.environ, "VOCALIA_TEST_BACKEND": name}
        code = subprocess.call([sys.executable, "-m", "pytest", *argv], env=env)
        status = status or _exit_code(name, code)
    return status


def _pump(name: str, stream: object, lock: threading.Lock) -> None:
    for line in stream:  # type: ignore[attr-defined]
        with lock:
            sys.stdout.write(f"[{name}] {line}")
            sys.stdout.flush()


def _parallel(argv: list[str]) -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="vocalia-tests-") as tmp:
        cpu_lock = str(Path(tmp) / "cpu-heavy.lock")
        out_lock = threading.Lock()
        procs, pumps = [], []
        for name, label in PASSES:
            print(f"===== test pass: {label} (prefix [{name}]) =====", flush=True)
            env = {
                **os.environ,
                "VOCALIA_TEST_BACKEND": name,
                "VOCALIA_TEST_CPU_LOCK": cpu_lock,
                "PYTHONUNBUFFERED": "1",
            }
            proc = subprocess.Popen(
                [sys.executable, "-m", "pytest", *argv],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
            )
            pump = threading.Thread(target=_pump, args=(name, proc.stdout, out_lock))
            pump.start()
            procs.append((name, label, proc))
            pumps.append(pump)
        status = 0
        for (name, label, proc), pump in zip(procs, pumps, strict=True):
            code = proc.wait()
            pump.join()
            result = _exit_code(name, code)
            print(f"===== {label}: {'passed' if result == 0 else f'FAILED (exit {code})'} =====")
            status = status or result
    print(f"===== both passes in {time.monotonic() - started:.0f} s =====", flush=True)
    return status


def main(argv: list[str]) -> int:
    if os.environ.get("VOCALIA_TEST_SERIAL", "").lower() in ("1", "true", "yes"):
        return _serial(argv)
    return _parallel(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
