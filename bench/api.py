"""Requests per second of two dashboard reads, next to a bare Starlette app doing the same reads,
and the first read through GraphQL.

    .venv/bin/python bench/api.py [--duration 8] [--rounds 2] [--connections 64] [--client auto]

Four real uvicorn processes (1 worker each, 127.0.0.1, one SQLite file, in-memory bus, no access
log) serve, in turn:

  (a) GET /api/auth/me                 our app: gate (JWT, plan, rate limit, headers), resolver
  (b) GET /api/tenants/{id}/usage      our app
  (c) GET /bare/me/{user_id}           bare Starlette + Tortoise: the same user+tenant read, same JSON
  (d) GET /bare/usage/{tenant_id}      bare Starlette + Tortoise: the same tenant+counters reads
  (e) POST /graphql { me { ... } }     our app: the same data as (a), through Strawberry

Ratios: (a)/(c) and (b)/(d) (target >= 0.7), (e)/(a) GraphQL against REST (target >= 0.6).

The load generator is wrk when installed (`apt-get install wrk`; closed loop, `wrk -t2
-c<connections>`, a Lua script for the POST), otherwise an asyncio/httpx client with as many
concurrent connections; the output says which ran. The Python client tops out at a few hundred
requests a second on this machine, so it first measures its own ceiling against the bare
/api/health route; a target that reaches 85 % of that ceiling is marked client-bound and the
ratios are then reported as not meaningful.

Rate limit: the bench tenant is created through the resolvers (auth.register) on the enterprise
plan, 1000 requests/min. A run sends far more than that per minute, so the *bench server process
only* replaces the enterprise plan's requests_per_minute with 10**9 before building the app (see
`vocalia_app`): the limiter still runs on every request (same code, same window bookkeeping) but
never refuses. Production limits (resolvers/plans.py) are untouched; every response is checked
to be a 200 and non-2xx answers are reported.
"""

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

BENCH_SECRET = "bench-secret-" + "z" * 40
UNLIMITED = 10**9
ME_QUERY = "{ me { id email name company language role tenantId createdAt } }"
CLIENT_BOUND = 0.85  # of the load generator's own ceiling


# --- the servers (imported by uvicorn in the server processes) ------------------------------


def vocalia_app() -> Starlette:
    """Our app as `app:app_factory` builds it, with the enterprise request limit lifted in this
    process only (see the module docstring)."""
    from app import app_factory
    from resolvers import plans

    plans.PLANS["enterprise"] = dataclasses.replace(
        plans.PLANS["enterprise"], requests_per_minute=UNLIMITED
    )
    return app_factory()


def _iso(dt: object) -> str | None:
    from datetime import UTC, datetime

    if not isinstance(dt, datetime):
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bare_app() -> Starlette:
    """Starlette + Tortoise on the same database and models, none of our layers."""
    from datetime import UTC, datetime

    from tortoise import Tortoise

    from models.config import tortoise_config
    from models.tenant import Tenant
    from models.usage import UsageCounter
    from models.user import User
    from resolvers.plans import plan_of

    database_url = os.environ["VOCALIA_DATABASE_URL"]

    async def me(request: Request) -> Response:
        user = await User.filter(id=request.path_params["user_id"]).select_related("tenant").first()
        if user is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        tenant = user.tenant if user.tenant_id else None
        return JSONResponse(
            {
                "user": {
                    "id": user.id,
                    "email": user.email,
                    "name": user.name,
                    "company": tenant.name if tenant is not None else None,
                    "language": user.language,
                    "role": user.role,
                    "tenant_id": user.tenant_id,
                    "created_at": _iso(user.created_at),
                }
            }
        )

    async def usage(request: Request) -> Response:
        tenant = await Tenant.get_or_none(id=request.path_params["tenant_id"])
        if tenant is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        now = datetime.now(UTC)
        period = now.strftime("%Y-%m")
        start = datetime(now.year, now.month, 1, tzinfo=UTC)
        end = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
        rows = await UsageCounter.filter(tenant_id=tenant.id, period=period).values_list(
            "metric", "value"
        )
        used = {"calls": 0, "sessions": 0, "kb": 0}
        for metric, value in rows:
            used[str(metric)] = int(value)
        plan = plan_of(tenant.plan)
        limits = {
            "calls": plan.calls_per_month,
            "sessions": plan.sessions_per_month,
            "kb": plan.kb_entries,
        }
        return JSONResponse(
            {
                "tenant_id": tenant.id,
                "plan": plan.name,
                "period_start": _iso(start),
                "period_end": _iso(end),
                "quotas": {
                    m: {
                        "used": used[m],
                        "limit": limits[m],
                        "pct": int(used[m] * 100 / limits[m] + 0.5) if limits[m] else 100,
                    }
                    for m in used
                },
                "features_enabled": list(plan.features),
            }
        )

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
        try:
            yield
        finally:
            await Tortoise.close_connections()

    return Starlette(
        routes=[
            Route("/api/health", health),
            Route("/bare/me/{user_id}", me),
            Route("/bare/usage/{tenant_id}", usage),
        ],
        lifespan=lifespan,
    )


# --- set-up: database, tenant, token --------------------------------------------------------


@dataclasses.dataclass
class Fixture:
    tenant_id: str
    user_id: str
    token: str


async def _prepare(database_url: str, var_dir: Path) -> Fixture:
    from resolvers import auth, db, usage
    from resolvers.security import issue_access_token
    from resolvers.settings import Settings, configure

    configure(Settings(database_url=database_url, jwt_secret=BENCH_SECRET, var_dir=var_dir))
    await db.migrate(database_url)
    await db.open_db(database_url)
    try:
        reg = await auth.register(
            email="bench@example.com",
            password="bench-password-123",
            company="Bench Co",
            name="Bench Owner",
            plan="enterprise",
        )
        # Some usage, so (b) and (d) read rows rather than an empty table.
        await usage.increment(reg.tenant.id, "calls", 42)
        await usage.increment(reg.tenant.id, "sessions", 7)
        token, _ = issue_access_token(reg.user.id, reg.tenant.id, "owner")
    finally:
        await db.close_db()
    return Fixture(tenant_id=reg.tenant.id, user_id=reg.user.id, token=token)


# --- load generators ------------------------------------------------------------------------


@dataclasses.dataclass
class Result:
    rps: float
    requests: int
    non_2xx: int
    p50_ms: float | None
    p99_ms: float | None


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk_ms(text: str, label: str) -> float | None:
    m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else None


def run_wrk(
    url: str, headers: dict[str, str], seconds: float, connections: int, body: str | None = None
) -> Result:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if body is not None:
            script.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n')
            script.write('wrk.headers["Content-Type"] = "application/json"\n')
            script.flush()
            cmd += ["-s", script.name]
        out = subprocess.run(
            [*cmd, url], capture_output=True, text=True, timeout=seconds + 30, check=True
        ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    if rps is None or total is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    if errors:
        print(f"    wrk: {errors.group(0)}")
    return Result(
        rps=float(rps.group(1)),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        p50_ms=_wrk_ms(out, "50%"),
        p99_ms=_wrk_ms(out, "99%"),
    )


async def _python_load(
    url: str, headers: dict[str, str], seconds: float, connections: int, body: str | None
) -> Result:
    latencies: list[float] = []
    non_2xx = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30.0) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal non_2xx
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                if body is None:
                    r = await client.get(url)
                else:
                    r = await client.post(
                        url, content=body, headers={"Content-Type": "application/json"}
                    )
                latencies.append(time.perf_counter() - t)
                if not 200 <= r.status_code < 300:
                    non_2xx += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float | None:
        return latencies[int(p * (len(latencies) - 1))] * 1000 if latencies else None

    return Result(len(latencies) / elapsed, len(latencies), non_2xx, pct(0.50), pct(0.99))


def run_python(
    url: str, headers: dict[str, str], seconds: float, connections: int, body: str | None = None
) -> Result:
    return asyncio.run(_python_load(url, headers, seconds, connections, body))


# --- main -----------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per server")
    parser.add_argument("--rounds", type=int, default=2, help="measurements per target (median)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args()

    from tests import servers

    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    load = run_wrk if use_wrk else run_python
    import uvicorn

    print(f"machine   {os.cpu_count()} cores, {_cpu_model()}, {platform.platform()}")
    print(f"python    {platform.python_version()} ({platform.python_implementation()})")
    print(
        f"server    uvicorn {uvicorn.__version__}, 1 worker, 127.0.0.1, --no-access-log, "
        "SQLite, in-memory bus (client and servers share the machine)"
    )
    if use_wrk:
        version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
        print(
            f"load      wrk ({version.split(chr(10))[0].split(' Copyright')[0]}), -t2 "
            f"-c{args.connections}, {args.duration:g} s x {args.rounds} rounds, "
            f"{args.warmup:g} s warm-up"
        )
    else:
        print(
            f"load      python asyncio+httpx (wrk not installed), {args.connections} "
            f"connections, {args.duration:g} s x {args.rounds} rounds, {args.warmup:g} s warm-up"
        )
    print(f"limit     enterprise plan with requests_per_minute={UNLIMITED} in the bench server")
    print()

    with tempfile.TemporaryDirectory(prefix="vocalia-bench-") as tmp_name:
        tmp = Path(tmp_name)
        database_url = f"sqlite://{tmp}/bench.sqlite3"
        fx = asyncio.run(_prepare(database_url, tmp / "var"))
        env = servers.server_env(database_url, tmp / "var", jwt_secret=BENCH_SECRET)
        auth = {"Authorization": f"Bearer {fx.token}"}
        ours = servers.start(env, tmp / "logs", target="bench.api:vocalia_app", name="ours")
        try:
            bare = servers.start(env, tmp / "logs", target="bench.api:bare_app", name="bare")
            try:
                gql = json.dumps({"query": ME_QUERY})
                targets: dict[str, tuple[str, str, dict[str, str], str | None]] = {
                    "a": ("our  GET /api/auth/me", f"{ours.url}/api/auth/me", auth, None),
                    "b": (
                        "our  GET /api/tenants/:id/usage",
                        f"{ours.url}/api/tenants/{fx.tenant_id}/usage",
                        auth,
                        None,
                    ),
                    "c": (
                        "bare GET (same reads as a)",
                        f"{bare.url}/bare/me/{fx.user_id}",
                        {},
                        None,
                    ),
                    "d": (
                        "bare GET (same reads as b)",
                        f"{bare.url}/bare/usage/{fx.tenant_id}",
                        {},
                        None,
                    ),
                    "e": ("our  POST /graphql { me }", f"{ours.url}/graphql", auth, gql),
                }
                # Same answers: the bare routes do the same work, not less.
                with httpx.Client(timeout=10.0) as http:
                    bodies = {}
                    for key, (_, url, headers, body) in targets.items():
                        if body is None:
                            r = http.get(url, headers=headers)
                        else:
                            r = http.post(
                                url,
                                content=body,
                                headers={**headers, "Content-Type": "application/json"},
                            )
                        if r.status_code != 200 or "errors" in r.json():
                            raise RuntimeError(f"{url}: {r.status_code} {r.text}")
                        bodies[key] = r.json()
                assert bodies["a"] == bodies["c"], (bodies["a"], bodies["c"])
                assert bodies["b"] == bodies["d"], (bodies["b"], bodies["d"])
                me_rest, me_gql = bodies["a"]["user"], bodies["e"]["data"]["me"]
                assert (me_gql["id"], me_gql["email"], me_gql["company"], me_gql["tenantId"]) == (
                    me_rest["id"],
                    me_rest["email"],
                    me_rest["company"],
                    me_rest["tenant_id"],
                ), (me_rest, me_gql)
                print("check     (a) == (c), (b) == (d), (e) == (a): same data")
                ceiling = None
                if not use_wrk:
                    # What the Python client itself can send: the cheapest route there is.
                    load(f"{bare.url}/api/health", {}, args.warmup, args.connections)
                    ceiling = load(
                        f"{bare.url}/api/health", {}, args.duration, args.connections
                    ).rps
                    print(f"client    ceiling {ceiling:.0f} requests/s (bare GET /api/health)")
                for _, url, headers, body in targets.values():
                    load(url, headers, args.warmup, args.connections, body)
                results: dict[str, list[Result]] = {k: [] for k in targets}
                for _ in range(args.rounds):
                    for key, (_, url, headers, body) in targets.items():
                        results[key].append(
                            load(url, headers, args.duration, args.connections, body)
                        )
            finally:
                servers.stop(bare)
        finally:
            servers.stop(ours)

    print()
    print(
        f"{'':4}{'target':33}{'rps (median)':>13}{'rps per round':>20}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}   (latency: last round)"
    )
    median: dict[str, float] = {}
    for key, (label, _, _, _) in targets.items():
        runs = results[key]
        median[key] = statistics.median(r.rps for r in runs)
        last = runs[-1]
        rounds = " / ".join(f"{r.rps:.0f}" for r in runs)
        p50 = f"{last.p50_ms:.1f}" if last.p50_ms is not None else "-"
        p99 = f"{last.p99_ms:.1f}" if last.p99_ms is not None else "-"
        print(
            f"({key}) {label:33}{median[key]:>13.0f}{rounds:>20}{p50:>9}{p99:>9}"
            f"{sum(r.non_2xx for r in runs):>9}"
        )
    print()
    ratio_ac = median["a"] / median["c"]
    ratio_bd = median["b"] / median["d"]
    ratio_ea = median["e"] / median["a"]
    print(
        f"ratio (a)/(c) = {ratio_ac:.2f}   ratio (b)/(d) = {ratio_bd:.2f}   (target >= 0.70)   "
        f"ratio (e)/(a) GraphQL/REST = {ratio_ea:.2f}   (target >= 0.60)"
    )
    bound = [k for k in median if ceiling is not None and median[k] >= CLIENT_BOUND * ceiling]
    if bound:
        print(
            f"CLIENT-BOUND: ({'), ('.join(bound)}) reached >= {CLIENT_BOUND:.0%} of the Python "
            f"client's own ceiling ({ceiling:.0f}/s): these ratios measure the client, not the "
            "servers. Install wrk (apt-get install wrk) and run again."
        )
    bad = sum(r.non_2xx for runs in results.values() for r in runs)
    if bad:
        print(f"WARNING: {bad} non-2xx responses; the figures above are not valid")
        return 1
    print(
        json.dumps(
            {
                "a_c": round(ratio_ac, 3),
                "b_d": round(ratio_bd, 3),
                "e_a": round(ratio_ea, 3),
                "client_bound": bool(bound),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
