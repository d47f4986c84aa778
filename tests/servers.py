"""Real server processes for tests: `uvicorn app:app_factory --factory` on a free loopback port.

Every helper is synchronous and bounded: a server that does not answer `/api/health` within the
startup timeout is killed and its log is put in the error; `stop` terminates, waits, then kills.
Use `running` (a context manager) so processes are stopped even when the test fails.
"""

import concurrent.futures
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests import backends

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
JWT_SECRET = "servers-test-secret-" + "y" * 40
DEFAULT_TARGET = "app:app_factory"
# Every server log file this session wrote, for tests/log_guard.py to scan at the end.
LOG_PATHS: list[Path] = []


def free_port() -> int:
    """A port the kernel just handed out on loopback (another process may take it before us,
    which `start` survives by retrying on a fresh port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def prepare_database(tmp_dir: Path, suffix: str) -> backends.Backend:
    """A fresh database of the session's backend for server processes.

    `backends.prepare` calls `asyncio.run`; a worker thread keeps it off the thread that owns
    pytest-asyncio's session loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(backends.prepare, tmp_dir, suffix).result(timeout=60)


def server_env(
    database_url: str,
    var_dir: Path,
    *,
    redis_url: str | None = None,
    redis_prefix: str | None = None,
    jwt_secret: str = JWT_SECRET,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The process environment of a server: ours, minus any VOCALIA_* inherited by accident."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOCALIA_")}
    env.update(
        {
            "VOCALIA_ENV": "development",
            "VOCALIA_DATABASE_URL": database_url,
            "VOCALIA_JWT_SECRET": jwt_secret,
            "VOCALIA_VAR_DIR": str(var_dir),
            "PYTHONUNBUFFERED": "1",
            "VOCALIA_VOICE_WARM_UP": "0",
        }
    )
    if redis_url:
        env["VOCALIA_REDIS_URL"] = redis_url
    if redis_prefix:
        env["VOCALIA_REDIS_PREFIX"] = redis_prefix
    env.update(extra or {})
    return env


def migrate(env: Mapping[str, str], timeout: float = 90.0) -> None:
    """Apply the migrations once, before several servers share a database (they would race)."""
    done = subprocess.run(
        [sys.executable, "-m", "app", "migrate"],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"migrate failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""


def _spawn(
    env: Mapping[str, str], target: str, port: int, log_path: Path, *, access_log: bool = True
) -> Server:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
        # The access log is on so that the session's log guard sees every request line.
        "--log-level",
        "info" if access_log else "warning",
        *([] if access_log else ["--no-access-log"]),
    ]
    LOG_PATHS.append(log_path)
    # The log goes to a file, never a pipe: a full pipe would block a chatty server.
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            cmd, cwd=ROOT, env=dict(env), stdout=log, stderr=subprocess.STDOUT
        )
    return Server(url=f"http://{HOST}:{port}", process=process, log_path=log_path)


def _wait_healthy(server: Server, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                return False
            try:
                if client.get(server.url + "/api/health").status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    return False


def start(
    env: Mapping[str, str],
    log_dir: Path,
    *,
    target: str = DEFAULT_TARGET,
    name: str = "server",
    startup_timeout: float = 30.0,
    attempts: int = 3,
    access_log: bool = True,
) -> Server:
    """Start one server and wait until /api/health answers 200. Raises RuntimeError otherwise."""
    log_dir.mkdir(parents=True, exist_ok=True)
    last_log = ""
    for attempt in range(attempts):
        server = _spawn(
            env, target, free_port(), log_dir / f"{name}-{attempt}.log", access_log=access_log
        )
        if _wait_healthy(server, startup_timeout):
            return server
        stop(server)
        last_log = server.log()
        if "address already in use" not in last_log.lower():
            break
    raise RuntimeError(f"{name} did not become healthy; its log:\n{last_log}")


def stop(server: Server, timeout: float = 10.0) -> None:
    """SIGTERM (uvicorn shuts down gracefully, running the lifespan's cleanup), then SIGKILL."""
    process = server.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
    else:
        process.wait()


@contextlib.contextmanager
def running(
    env: Mapping[str, str],
    log_dir: Path,
    count: int = 1,
    *,
    target: str = DEFAULT_TARGET,
    startup_timeout: float = 30.0,
) -> Iterator[list[Server]]:
    """`count` servers on the same environment (database, Redis); all stopped on exit."""
    started: list[Server] = []
    try:
        for i in range(count):
            started.append(
                start(
                    env, log_dir, target=target, name=f"server{i}", startup_timeout=startup_timeout
                )
            )
        yield started
    finally:
        for server in started:
            stop(server)


def relaxed_auth_app_factory() -> object:
    """`app:app_factory` with the session app's generous per-IP limits on register, login and
    refresh (see tests/conftest.py). A fuzzer hits those routes hundreds of times from one
    address; with the production limits (5 registrations an hour) it would only see 429s."""
    from app import create_app
    from resolvers.settings import Settings

    settings = Settings.from_env().with_overrides(
        auth_ip_limit=(10_000, 60),
        register_ip_limit=(10_000, 3600),
        # The fuzzer also sends bad bearer credentials on purpose, hundreds of them.
        auth_failure_ip_limit=(10_000, 60),
    )
    return create_app(settings, run_migrations=False)


def flush_redis_prefix(redis_url: str | None, prefix: str) -> None:
    """Delete what servers left under their private prefix (rate windows live up to an hour)."""
    if not redis_url:
        return
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
