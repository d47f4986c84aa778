"""Crawl jobs: a site read breadth-first into the knowledge base, one page per step.

A job is a row (models.knowledge.KnowledgeJob) holding its frontier, what it has seen and
its counters; each step fetches one page, stores it as an entry (the page's URL is its key)
and saves the job, so a process that dies loses at most the page in flight: the heartbeat
sweep of a live process claims a job whose owner stopped heartbeating and resumes it from its
frontier. Each step publishes the job's progress on the tenant's ``kb_jobs`` channel (the
GraphQL ``kbJob`` subscription and the CLI's progress bar read it).
"""

import asyncio
import hashlib
import logging
from collections.abc import AsyncGenerator, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from models.base import new_id
from models.knowledge import KnowledgeJob
from models.tenant import Tenant
from resolvers import events, instance, outbound, services, urls, validation
from resolvers.call_events import MAX_PENDING
from resolvers.errors import DomainError, ErrorCode, conflict, invalid
from resolvers.knowledge import crawler
from resolvers.knowledge.documents import KB, MAX_KEY, entry, store_entries
from resolvers.principals import Principal, get_owned, get_tenant, require_secret, require_writer

log = logging.getLogger("vocalia.kb")

ACTIVE = ("queued", "running")
FINAL = ("completed", "failed", "canceled")
LIMITS = {  # name: (default, maximum)
    "maxPages": (20, 200),
    "maxDepth": (2, 5),
    "maxBytes": (5_000_000, 20_000_000),
}
MAX_SEEN = 5000
MAX_SKIPPED = 200


def progress(job: KnowledgeJob) -> dict[str, Any]:
    """The job as its subscribers and API clients see it."""
    return {
        "id": job.id,
        "status": job.status,
        "url": job.url,
        "language": job.language,
        "pages": job.pages,
        "maxPages": job.max_pages,
        "bytes": job.bytes,
        "queued": len(job.frontier),
        "skipped": list(job.skipped),
        "error": job.error,
    }


def _limit(data: dict[str, Any], name: str) -> int:
    default, maximum = LIMITS[name]
    value = data.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= maximum:
        raise invalid(f"{name} must be an integer from 1 to {maximum}", param=name)
    return value


async def start_crawl(
    principal: Principal | None, data: dict[str, Any], tenant_id: str | None = None
) -> KnowledgeJob:
    """Queue a crawl of ``data.url`` and start it in this process. Raises invalid_request
    (a URL that is not public http(s), limits out of range), resource_not_found."""
    p = require_writer(principal, KB)
    tenant = await get_tenant(p, tenant_id)
    language = validation.language(data.get("language", tenant.language))
    target = await urls.vet_outbound_url(data.get("url"), "url", allow_http=True)
    start = crawler.normalize(target.url)
    job = await KnowledgeJob.create(
        id=new_id("kbj"),
        tenant=tenant,
        language=language,
        url=start,
        max_pages=_limit(data, "maxPages"),
        max_depth=_limit(data, "maxDepth"),
        max_bytes=_limit(data, "maxBytes"),
        frontier=[[start, 0]],
        seen=[start],
        owner=instance.INSTANCE_ID,
    )
    get_runner().start(job.id)
    return job


async def get_job(
    principal: Principal | None, job_id: object, tenant_id: str | None = None
) -> KnowledgeJob:
    tenant = await get_tenant(require_secret(principal), tenant_id)
    return await get_owned(KnowledgeJob, tenant.id, "knowledge-base job", job_id)


async def cancel_job(
    principal: Principal | None, job_id: object, tenant_id: str | None = None
) -> KnowledgeJob:
    """Raises resource_not_found, conflict (already over)."""
    require_writer(principal, KB)
    job = await get_job(principal, job_id, tenant_id)
    if not await KnowledgeJob.filter(id=job.id, status__in=ACTIVE).update(
        status="canceled", finished_at=datetime.now(UTC), owner=None
    ):
        raise conflict(f"the job is already {job.status}")
    await job.refresh_from_db()
    await _publish(job)
    return job


_STAGE = {"queued": 0, "running": 1} | dict.fromkeys(FINAL, 2)


def _stage(p: Mapping[str, Any]) -> tuple[int, int, int, int]:
    """How far a job's progress is: every step raises it (its counters only grow)."""
    return (
        _STAGE.get(str(p.get("status")), 0),
        int(p.get("pages") or 0),
        int(p.get("bytes") or 0),
        len(p.get("skipped") or ()),
    )


async def job_progress(
    principal: Principal | None, job_id: str, tenant_id: str | None
) -> AsyncGenerator[Mapping[str, Any], None]:
    """The job's progress, for a subscriber: its state now, then each newer step, until a
    final status. Raises resource_not_found (another tenant's job)."""
    job = await get_job(principal, job_id, tenant_id)
    channel = events.tenant_channel(job.tenant_id, "kb_jobs")
    # Listen first, then read the state: a step published in between is then either in that
    # state already (and dropped as not newer) or after it.
    async with events.get_bus().subscribe(channel, MAX_PENDING) as live:
        await job.refresh_from_db()
        last: Mapping[str, Any] = progress(job)
        yield last
        if last["status"] in FINAL:
            return
        async for event in live:
            p = event.get("data")
            if (
                event.get("type") != "kb.job"
                or event.get("tenantId") != job.tenant_id
                or not isinstance(p, Mapping)
                or p.get("id") != job.id
            ):
                continue
            if p == last or _stage(p) < _stage(last):
                continue
            last = p
            yield p
            if p.get("status") in FINAL:
                return


async def _publish(job: KnowledgeJob) -> None:
    bus = services.current().bus  # None in a process without one: nobody is listening
    if bus is not None:
        await bus.publish(
            events.tenant_channel(job.tenant_id, "kb_jobs"),
            {"type": "kb.job", "tenantId": job.tenant_id, "data": progress(job)},
        )


def _page_key(url: str) -> str:
    """A page's entry key: its URL (a long one cut, with a digest of the whole)."""
    if len(url) <= MAX_KEY:
        return url
    return url[: MAX_KEY - 17] + "#" + hashlib.sha256(url.encode()).hexdigest()[:16]


class _Stopped(Exception):
    """The job stopped being this process's to run (canceled, erased, taken over)."""


class JobRunner:
    """The crawl tasks of this process."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, job_id: str) -> None:
        if job_id in self._tasks:
            return
        task = asyncio.create_task(self._run(job_id), name=f"kb-job-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job_id, None))

    @property
    def running(self) -> list[str]:
        return sorted(self._tasks)

    async def close(self) -> None:
        """Stop every crawl where it is: its row keeps the frontier, another process (or
        this one, restarted) resumes it."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def resume_orphans(self, stale_after: float) -> list[str]:
        """Claim the jobs whose process stopped heartbeating, and run them here."""
        alive = await instance.live_instances(stale_after)
        alive.add(instance.INSTANCE_ID)
        claimed = []
        for job in await KnowledgeJob.filter(status__in=ACTIVE):
            if job.owner in alive or job.id in self._tasks:
                continue
            # Conditional: of two processes sweeping at once, one wins.
            if await KnowledgeJob.filter(id=job.id, owner=job.owner).update(
                owner=instance.INSTANCE_ID
            ):
                claimed.append(job.id)
                self.start(job.id)
        return claimed

    async def _run(self, job_id: str) -> None:
        try:
            await self._crawl(job_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("crawl %s failed", job_id)
            await self._finish(job_id, "failed", "the crawl failed unexpectedly")

    async def _finish(self, job_id: str, status: str, error: str | None = None) -> None:
        if await KnowledgeJob.filter(
            id=job_id, status__in=ACTIVE, owner=instance.INSTANCE_ID
        ).update(status=status, error=error, finished_at=datetime.now(UTC), owner=None):
            job = await KnowledgeJob.get(id=job_id)
            await _publish(job)

    async def _crawl(self, job_id: str) -> None:
        job = await KnowledgeJob.get_or_none(id=job_id)
        if job is None or job.status not in ACTIVE or job.owner != instance.INSTANCE_ID:
            return
        tenant = await Tenant.get(id=job.tenant_id)
        # Conditional: a cancel that landed since the row was read wins.
        if not await KnowledgeJob.filter(
            id=job.id, status__in=ACTIVE, owner=instance.INSTANCE_ID
        ).update(status="running", updated_at=datetime.now(UTC)):
            return
        job.status = "running"
        await _publish(job)
        async with outbound.client(timeout=crawler.TIMEOUT) as client:
            rules = await crawler.robots(client, job.url)
            while job.frontier and job.pages < job.max_pages and job.bytes < job.max_bytes:
                current = await KnowledgeJob.get_or_none(id=job.id)
                if current is None or current.status != "running":
                    return  # canceled, or the tenant erased
                if current.owner != instance.INSTANCE_ID:
                    return  # another process took it over
                url, depth = str(job.frontier[0][0]), int(str(job.frontier[0][1]))
                job.frontier = job.frontier[1:]
                try:
                    await self._visit(job, tenant, rules, client, url, depth)
                except DomainError as exc:
                    if exc.code == ErrorCode.QUOTA_EXCEEDED:
                        await self._save(job)
                        await self._finish(job.id, "failed", exc.message)
                        return
                    _skip(job, url, exc.message)
                except crawler.Refused as exc:
                    _skip(job, url, exc.reason)
                except _Stopped:
                    return
                if not await self._save(job):
                    return  # canceled (or taken over) meanwhile: its last state is published
                await _publish(job)
                if job.frontier and rules.delay:
                    await asyncio.sleep(rules.delay)
        await self._finish(job.id, "completed")

    async def _visit(
        self,
        job: KnowledgeJob,
        tenant: Tenant,
        rules: crawler.Robots,
        client: httpx.AsyncClient,
        url: str,
        depth: int,
    ) -> None:
        if not rules.allows(url):
            raise crawler.Refused("disallowed by robots.txt")
        page = await crawler.fetch(client, url, site=job.url, budget=job.max_bytes - job.bytes)
        job.bytes += len(page.body)
        extracted = await crawler.extract_async(page)
        if depth < job.max_depth:
            known = set(job.seen)
            for link in extracted.links:
                if len(job.seen) >= MAX_SEEN:
                    break
                if link not in known and crawler.same_site(link, job.url):
                    known.add(link)
                    job.seen = [*job.seen, link]
                    job.frontier = [*job.frontier, [link, depth + 1]]
        if not extracted.index:
            raise crawler.Refused("noindex")
        if not extracted.text:
            raise crawler.Refused("no text")
        if not await KnowledgeJob.filter(
            id=job.id, status="running", owner=instance.INSTANCE_ID
        ).exists():
            raise _Stopped  # canceled while the page was fetched: it is not stored
        item = entry(
            _page_key(page.url),
            extracted.text[:200_000],
            title=extracted.title or None,
            source=page.url,
        )
        await store_entries(tenant, [item], language=job.language, actor_id=job.id)
        job.pages += 1

    async def _save(self, job: KnowledgeJob) -> bool:
        """Whether the job was still this process's to save."""
        return (
            await KnowledgeJob.filter(
                id=job.id, status="running", owner=instance.INSTANCE_ID
            ).update(
                frontier=job.frontier,
                seen=job.seen,
                pages=job.pages,
                bytes=job.bytes,
                skipped=job.skipped,
                updated_at=datetime.now(UTC),
            )
            > 0
        )


def _skip(job: KnowledgeJob, url: str, reason: str) -> None:
    if len(job.skipped) < MAX_SKIPPED:
        job.skipped = [*job.skipped, {"url": url, "reason": reason[:200]}]


def get_runner() -> JobRunner:
    """This process's runner (the current services'; one is made for services that have
    none, as a CLI's or a unit test's)."""
    svc = services.current()
    if svc.kb_jobs is None:
        svc.kb_jobs = JobRunner()
    return svc.kb_jobs
