"""Assembly: settings, lifespan, middleware and the route table; the vocalia-server CLI."""

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute

from realtime import engine, registry, stream_ws, twilio_media, twilio_routes, workers
from realtime.carriers.simulated import SimulatedCarrier
from realtime.carriers.twilio import TwilioCarrier
from realtime.metrics import exposition
from realtime.text_agent import TextAgent
from resolvers import billing, calls, db, demo, instance, principals, redaction, services
from resolvers.errors import DomainError
from resolvers.knowledge import importers as kb_importers
from resolvers.knowledge import jobs as kb_jobs
from resolvers.settings import Settings, SettingsError, configure
from rest_compat.errors import EXCEPTION_HANDLERS
from rest_compat.middleware import GateMiddleware
from rest_compat.routes import routes as rest_routes
from schema import graphiql
from schema.view import GraphQLEndpoint

log = logging.getLogger("vocalia")


async def metrics_endpoint(request: Request) -> Response:
    body, content_type = exposition()
    return Response(body, media_type=content_type)


async def _sweep(stale_after: float) -> None:
    """What dead processes left (their calls end server-restart, their crawls resume here),
    calls whose prepaid credits ran out, and Stripe's pending events."""
    await calls.fail_orphaned_calls(stale_after)
    await calls.end_unfunded_calls()
    await kb_jobs.get_runner().resume_orphans(stale_after)
    await billing.sweep()


def create_app(settings: Settings | None = None, *, run_migrations: bool = True) -> Starlette:
    settings = settings or Settings.from_env()
    configure(settings)
    # Before uvicorn logs its first request line: no credential reaches any log.
    redaction.install()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # One stack: whatever start-up step fails, what was opened before it is closed, in
        # reverse order (services first opened, last closed).
        async with services.open_services(settings, run_migrations=run_migrations) as svc:
            stack = svc.exit_stack
            workers.configure(settings.voice_workers)
            stack.callback(workers.shutdown)
            stack.push_async_callback(engine.close)
            svc.add_carrier(registry.WebCarrier())
            svc.add_carrier(SimulatedCarrier())
            svc.text_brain = TextAgent()  # POST /respond: the voice agent's brain, in text
            svc.voice_status = lambda: engine.status(settings)
            if settings.twilio_configured:
                svc.add_carrier(TwilioCarrier())
            control_ready = asyncio.Event()
            background = [
                asyncio.create_task(
                    instance.listen_for_control(calls.handle_control, control_ready),
                    name="control",
                ),
                asyncio.create_task(
                    instance.heartbeat_loop(
                        settings.heartbeat_seconds,
                        settings.owner_stale_seconds,
                        lambda: _sweep(settings.owner_stale_seconds),
                    ),
                    name="heartbeat",
                ),
            ]
            if settings.voice_warm_up:
                background.append(
                    asyncio.create_task(engine.warm_up(settings), name="voice-warm-up")
                )
            for task in background:
                stack.push_async_callback(services.cancel_task, task)
            await asyncio.wait_for(control_ready.wait(), timeout=10)
            yield

    graphql = GraphQLEndpoint(development=settings.development)
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            # Before the /v1 mount, which would otherwise claim the socket.
            WebSocketRoute("/v1/stream", stream_ws.stream),
            *rest_routes,
            *twilio_routes.routes,
            WebSocketRoute(twilio_media.STREAM_PATH, twilio_media.media_stream),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            *graphiql.routes,
        ],
        middleware=[Middleware(GateMiddleware)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )


def app_factory() -> Starlette:
    """For uvicorn workers: settings come from the environment; `serve` already migrated."""
    return create_app(run_migrations=False)


# --- CLI ------------------------------------------------------------------------------


async def _with_db(settings: Settings, fn: object) -> object:
    await db.migrate(settings.database_url)
    await db.open_db(settings.database_url)
    try:
        return await fn()  # type: ignore[operator]
    finally:
        await db.close_db()


async def _with_services(settings: Settings, fn: Callable[[], Awaitable[int]]) -> int:
    """A command that works as a process of the platform: its crawl publishes progress on
    the shared bus (Redis), where the servers' subscribers see it."""
    async with services.open_services(settings):
        return await fn()


def _print_demo(seeded: demo.DemoTenant, host: str, port: int) -> None:
    """What a newcomer needs, only credentials that work now, ending with one working call."""
    creds = seeded.credentials
    # A wildcard bind address is no address to send a request to.
    reach = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 (a comparison)
    base = f"http://[{reach}]:{port}" if ":" in reach else f"http://{reach}:{port}"
    print(f"VocalIA demo tenant (development only; kept in var/{demo.CREDENTIALS_FILE})")
    password = creds.password or "(password changed since seeding)"
    print(f"  dashboard login   {creds.email} / {password}")
    print(f"  tenant id         {creds.tenant_id}")
    lines = {
        "tenant key       ": (
            creds.tenant_key,
            "(rotated since seeding: the new one was shown once; POST"
            f" /api/tenants/{creds.tenant_id}/api-key/rotate issues another)",
        ),
        "secret key (live)": (creds.secret_key, "(none valid)"),
        "secret key (test)": (creds.test_key, "(none valid)"),
        "publishable key  ": (creds.publishable_key, "(none valid)"),
    }
    for label, (value, missing) in lines.items():
        print(f"  {label} {value or missing}")
    print(f"  agents            {', '.join(seeded.agent_ids)}")
    print(f"  caller number     {seeded.caller_number} (simulated carrier)")
    print(f"  GraphQL           {base}/graphql   REST {base}/api/...   OpenAPI {base}/openapi.json")
    for note in seeded.notes:
        print(f"  note: {note}")
    key = creds.test_key or creds.secret_key
    if key is not None:
        body = json.dumps(seeded.call_body(), ensure_ascii=False)
        print("A simulated call with the sandbox key (GET /v1/calls/<id> shows its transcript):")
        print(
            f'curl -X POST {base}/v1/calls -H "Authorization: Bearer {key}"'
            f" -H \"Content-Type: application/json\" -d '{body}'"
        )
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vocalia-server", description="VocalIA API server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="apply migrations and run the server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--demo", action="store_true", help="create (once) and print the demo tenant"
    )
    sub.add_parser("migrate", help="apply pending migrations")
    admin = sub.add_parser("create-superadmin", help="create a platform superadmin")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", help="default: $VOCALIA_SUPERADMIN_PASSWORD")
    admin.add_argument("--name", default="")
    sub.add_parser("seed-demo", help="create the demo tenant and print its credentials")
    export = sub.add_parser("export-schema", help="write the GraphQL SDL (schema.graphql)")
    export.add_argument("--output", default="schema.graphql")
    kb = sub.add_parser("kb", help="fill a tenant's knowledge base").add_subparsers(
        dest="kb_command", required=True
    )
    kb_import = kb.add_parser("import", help="import files: JSON, CSV, Markdown, text, PDF")
    kb_import.add_argument("--tenant", required=True, help="the tenant's id")
    kb_import.add_argument("--language", help="default: the tenant's")
    kb_import.add_argument("--format", choices=kb_importers.FORMATS, help="default: by extension")
    kb_import.add_argument("--no-overwrite", action="store_true", help="keep existing entries")
    kb_import.add_argument("files", nargs="+", type=Path)
    kb_crawl = kb.add_parser("crawl", help="crawl a site into the knowledge base (a job)")
    kb_crawl.add_argument("--tenant", required=True, help="the tenant's id")
    kb_crawl.add_argument("url")
    kb_crawl.add_argument("--language", help="default: the tenant's")
    for name, (default, maximum) in kb_jobs.LIMITS.items():
        flag = "--" + "".join(f"-{c.lower()}" if c.isupper() else c for c in name)
        kb_crawl.add_argument(flag, dest=name, type=int, help=f"{default} (at most {maximum})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"vocalia-server: {exc}", file=sys.stderr)
        return 2
    configure(settings)

    try:
        if args.command == "export-schema":
            from schema import schema

            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(schema.as_str() + "\n")
            print(f"wrote {args.output}")
        elif args.command == "kb":
            run = _kb_import if args.kb_command == "import" else _kb_crawl
            return asyncio.run(_with_services(settings, lambda: run(args)))
        elif args.command == "migrate":
            asyncio.run(db.migrate(settings.database_url))
            print("migrations applied")
        elif args.command == "create-superadmin":
            password = args.password or os.environ.get("VOCALIA_SUPERADMIN_PASSWORD")
            user = asyncio.run(
                _with_db(settings, lambda: demo.create_superadmin(args.email, password, args.name))
            )
            print(json.dumps({"superadmin": user.id, "email": user.email}))  # type: ignore[attr-defined]
        elif args.command == "seed-demo" or (args.command == "serve" and args.demo):
            if not settings.development:
                print("vocalia-server: the demo tenant exists only in development", file=sys.stderr)
                return 2
            seeded = cast(
                demo.DemoTenant,
                asyncio.run(_with_db(settings, lambda: demo.seed_demo(settings.var_dir))),
            )
            _print_demo(seeded, getattr(args, "host", "127.0.0.1"), getattr(args, "port", 8000))
        if args.command == "serve":
            return _serve(settings, args.host, args.port, args.workers)
    except DomainError as exc:
        print(f"vocalia-server: {exc.code.value}: {exc.message}", file=sys.stderr)
        return 1
    return 0


async def _kb_import(args: argparse.Namespace) -> int:
    """Each file in turn, a progress bar over them; a file that cannot be imported is named
    with its error and the others still go in (each is all or nothing)."""
    from tqdm import tqdm

    principal = await principals.operator_for(args.tenant)
    failed = 0
    with tqdm(args.files, desc="import", unit="file", file=sys.stderr) as bar:
        for path in bar:
            bar.set_postfix_str(path.name)
            try:
                report = await kb_importers.import_file(
                    principal,
                    await asyncio.to_thread(path.read_bytes),
                    path.name,
                    declared=args.format,
                    language=args.language,
                    overwrite=not args.no_overwrite,
                )
            except (DomainError, OSError) as exc:
                failed += 1
                message = (
                    f"{exc.code.value}: {exc.message}" if isinstance(exc, DomainError) else exc
                )
                tqdm.write(f"{path}: {message}", file=sys.stderr)
                continue
            tqdm.write(
                f"{path}: imported {report.imported}, updated {report.updated},"
                f" skipped {report.skipped} of {report.total}"
            )
            for error in report.errors:
                tqdm.write(f"  item {error['index']} ({error.get('key')}): {error['message']}")
    return 1 if failed else 0


async def _kb_crawl(args: argparse.Namespace) -> int:
    """Start the crawl here and follow its row until it is over. Interrupted, the job stays
    in the database and a running server resumes it."""
    from tqdm import tqdm

    principal = await principals.operator_for(args.tenant)
    data: dict[str, object] = {"url": args.url}
    if args.language:
        data["language"] = args.language
    data |= {name: getattr(args, name) for name in kb_jobs.LIMITS if getattr(args, name)}
    job = await kb_jobs.start_crawl(principal, data)
    tqdm.write(f"job {job.id}: crawling {job.url}", file=sys.stderr)
    with tqdm(total=job.max_pages, desc="crawl", unit="page", file=sys.stderr) as bar:
        while True:
            job = await kb_jobs.get_job(principal, job.id)
            bar.update(job.pages - bar.n)
            bar.set_postfix(queued=len(job.frontier), skipped=len(job.skipped), bytes=job.bytes)
            if job.status in kb_jobs.FINAL:
                break
            await asyncio.sleep(0.2)
    for skipped in job.skipped:
        tqdm.write(f"  skipped {skipped['url']}: {skipped['reason']}", file=sys.stderr)
    print(json.dumps(kb_jobs.progress(job), ensure_ascii=False))
    return 0 if job.status == "completed" else 1


def _serve(settings: Settings, host: str, port: int, workers: int) -> int:
    import uvicorn

    asyncio.run(db.migrate(settings.database_url))
    if workers > 1 and not settings.redis_url:
        log.warning(
            "%d workers without VOCALIA_REDIS_URL: limits and live events are per process", workers
        )
    uvicorn.run(
        "app:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
        # Audio frames are small; a bigger WebSocket message is refused before it is buffered.
        ws_max_size=1 << 20,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
