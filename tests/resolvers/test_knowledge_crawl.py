"""Crawling a local site into the knowledge base: pages within the limits are stored,
robots.txt and noindex are honoured, a link or redirect to a private address is refused,
progress is published while it runs, and a job a dead process left is resumed elsewhere."""

import asyncio
import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from models.knowledge import KnowledgeDocument, KnowledgeJob
from resolvers import events, urls
from resolvers.errors import DomainError
from resolvers.knowledge import jobs, search
from resolvers.urls import IPAddress
from tests.factories import TenantCtx, make_tenant

pytestmark = pytest.mark.usefixtures("app")

# site.test is this machine (loopback, allowed in tests); www.site.test is the same site by
# name but resolves to a private network address: it must never be fetched.
ADDRESSES = {"site.test": "127.0.0.1", "www.site.test": "10.0.0.5", "cdn.example": "8.8.8.8"}


def page(title: str, body: str, links: list[str] = (), meta: str = "") -> bytes:  # type: ignore[assignment]
    anchors = "".join(f'<a href="{href}">{href}</a> ' for href in links)
    return (
        f"<html><head><title>{title}</title>{meta}</head><body><main><h1>{title}</h1>"
        f"<p>{body}</p><nav>{anchors}</nav></main></body></html>"
    ).encode()


class Site:
    def __init__(self) -> None:
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                status, headers, body = site.answer(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://site.test:{self.port}"

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        html = {"Content-Type": "text/html; charset=utf-8"}
        long_text = "La livraison est gratuite à Casablanca dès 300 dirhams d'achat. " * 8
        pages: dict[str, tuple[int, dict[str, str], bytes]] = {
            "/robots.txt": (
                200,
                {"Content-Type": "text/plain"},
                b"User-agent: *\nDisallow: /private/\nCrawl-delay: 0.05\n",
            ),
            "/": (
                200,
                html,
                page(
                    "Accueil",
                    "Bienvenue chez Atlas, votre magasin de Casablanca. " * 4,
                    [
                        "/livraison",
                        "/horaires#matin",
                        "/private/secret",
                        "/vers-ailleurs",
                        "/vers-interne",
                        f"http://www.site.test:{self.port}/interne",
                        "https://cdn.example/autre-site",
                        "/logo.png",
                        "/cache",
                        "mailto:contact@atlas.ma",
                    ],
                ),
            ),
            "/livraison": (200, html, page("Livraison", long_text, ["/livraison/zones"])),
            "/livraison/zones": (
                200,
                html,
                page("Zones", "Nous livrons Casablanca, Rabat et Marrakech. " * 5, ["/loin"]),
            ),
            "/loin": (200, html, page("Trop loin", "Au-delà de la profondeur. " * 5)),
            "/horaires": (
                200,
                html,
                page("Horaires", "Ouvert du lundi au samedi de 9h à 19h. " * 4),
            ),
            "/private/secret": (200, html, page("Secret", "Ne doit jamais être lu. " * 5)),
            "/vers-ailleurs": (302, {"Location": "https://cdn.example/"}, b""),
            "/vers-interne": (302, {"Location": f"http://www.site.test:{self.port}/x"}, b""),
            "/logo.png": (200, {"Content-Type": "image/png"}, b"\x89PNG...."),
            "/cache": (
                200,
                html,
                page(
                    "Cache",
                    "Page à ne pas indexer. " * 5,
                    meta='<meta name="robots" content="noindex">',
                ),
            ),
        }
        return pages.get(path.split("?")[0], (404, html, b"not found"))

    def __enter__(self) -> "Site":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    async def resolve(host: str, port: int) -> list[IPAddress]:
        if host not in ADDRESSES:
            raise OSError(f"{host} does not resolve")
        return [ipaddress.ip_address(ADDRESSES[host])]

    monkeypatch.setattr(urls, "resolve", resolve)
    with Site() as running:
        yield running


async def wait_done(job_id: str, timeout: float = 30) -> KnowledgeJob:
    async with asyncio.timeout(timeout):
        while True:
            job = await KnowledgeJob.get(id=job_id)
            if job.status not in jobs.ACTIVE:
                return job
            await asyncio.sleep(0.05)


async def crawl(t: TenantCtx, site: Site, **limits: Any) -> KnowledgeJob:
    job = await jobs.start_crawl(
        t.principal, {"url": site.base + "/", "language": "fr", "maxDepth": 2, **limits}
    )
    return await wait_done(job.id)


async def test_a_site_is_crawled_within_its_limits_and_rules(site: Site) -> None:
    t = await make_tenant(plan="pro")
    channel = events.tenant_channel(t.id, "kb_jobs")
    bus = events.get_bus()
    assert bus is not None
    seen: list[dict[str, Any]] = []

    async def listen() -> None:
        async with bus.subscribe(channel) as stream:
            async for event in stream:
                seen.append(event["data"])
                if event["data"]["status"] in jobs.FINAL:
                    return

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0.05)
    job = await crawl(t, site)
    await asyncio.wait_for(listener, 5)

    assert job.status == "completed"
    stored = {d.key: d for d in await KnowledgeDocument.filter(tenant_id=t.id)}
    base = site.base
    assert set(stored) == {
        f"{base}/",
        f"{base}/livraison",
        f"{base}/livraison/zones",
        f"{base}/horaires",
    }
    assert stored[f"{base}/livraison"].source == f"{base}/livraison"
    assert stored[f"{base}/livraison"].title == "Livraison"
    assert "gratuite à Casablanca" in stored[f"{base}/livraison"].content
    assert "<" not in stored[f"{base}/livraison"].content  # clean text, no markup
    # robots.txt, the depth limit, other hosts and the private address were never fetched.
    assert "/private/secret" not in site.hits
    assert "/loin" not in site.hits
    reasons = {s["url"].removeprefix(base): s["reason"] for s in job.skipped}
    assert reasons["/private/secret"] == "disallowed by robots.txt"
    assert reasons["/vers-ailleurs"] == "off the site"
    assert "private" in reasons["/vers-interne"]  # a redirect to 10.0.0.5
    assert "private" in reasons[f"http://www.site.test:{site.port}/interne".removeprefix(base)]
    assert reasons["/logo.png"] == "not HTML (image/png)"
    assert reasons["/cache"] == "noindex"
    # Progress was published step by step, ending with the final state.
    assert [p["pages"] for p in seen] == sorted(p["pages"] for p in seen)
    assert seen[-1] == jobs.progress(job)
    assert seen[0]["status"] == "running"
    assert seen[-1]["pages"] == 4
    # The crawled pages answer searches at once.
    [best] = await search.search(t.principal, "livraison gratuite Casablanca", limit=1)
    assert best.key == f"{base}/livraison"


async def test_the_page_limit_stops_the_crawl(site: Site) -> None:
    t = await make_tenant(plan="pro")
    job = await crawl(t, site, maxPages=2)
    assert (job.status, job.pages) == ("completed", 2)
    assert await KnowledgeDocument.filter(tenant_id=t.id).count() == 2


async def test_a_job_left_by_a_dead_process_is_resumed_from_its_frontier(site: Site) -> None:
    t = await make_tenant(plan="pro")
    job = await jobs.start_crawl(t.principal, {"url": site.base + "/", "language": "fr"})
    # This process "dies" after the first page: its task stops, the row keeps its frontier.
    async with asyncio.timeout(10):
        while (await KnowledgeJob.get(id=job.id)).pages < 1:
            await asyncio.sleep(0.01)
    await jobs.get_runner().close()
    left = await KnowledgeJob.get(id=job.id)
    assert left.status == "running"
    assert left.frontier
    await KnowledgeJob.filter(id=job.id).update(owner="proc_dead")
    hits_before = list(site.hits)

    claimed = await jobs.get_runner().resume_orphans(stale_after=30)
    assert claimed == [job.id]
    done = await wait_done(job.id)
    assert (done.status, done.pages) == ("completed", 4)
    # Resumed, not restarted: pages already stored were not fetched again.
    again = [h for h in site.hits[len(hits_before) :] if h in hits_before and h != "/robots.txt"]
    assert again == []
    assert await KnowledgeDocument.filter(tenant_id=t.id).count() == 4
    # A second sweep finds nothing to claim.
    assert await jobs.get_runner().resume_orphans(stale_after=30) == []


async def test_a_job_can_be_canceled_once(site: Site) -> None:
    t = await make_tenant(plan="pro")
    job = await jobs.start_crawl(t.principal, {"url": site.base + "/", "language": "fr"})
    canceled = await jobs.cancel_job(t.principal, job.id)
    assert canceled.status == "canceled"
    with pytest.raises(DomainError) as exc:
        await jobs.cancel_job(t.principal, job.id)
    assert exc.value.code == "conflict"
    await asyncio.sleep(0.3)
    assert (await KnowledgeJob.get(id=job.id)).status == "canceled"


@pytest.mark.parametrize(
    ("data", "param"),
    [
        ({"url": "http://10.0.0.5/"}, "url"),
        ({"url": "http://169.254.169.254/latest/meta-data/"}, "url"),
        ({"url": "ftp://site.test/"}, "url"),
        ({"url": 12}, "url"),
        ({"url": "http://site.test/", "maxPages": 0}, "maxPages"),
        ({"url": "http://site.test/", "maxDepth": 9}, "maxDepth"),
        ({"url": "http://site.test/", "maxBytes": "big"}, "maxBytes"),
        ({"url": "http://site.test/", "language": "de"}, "language"),
    ],
)
async def test_bad_crawl_requests_are_refused_and_start_nothing(
    site: Site, data: dict[str, Any], param: str
) -> None:
    t = await make_tenant(plan="pro")
    with pytest.raises(DomainError) as exc:
        await jobs.start_crawl(t.principal, data)
    assert (exc.value.code, exc.value.param) == ("invalid_request", param)
    assert await KnowledgeJob.filter(tenant_id=t.id).count() == 0


async def test_another_tenants_job_is_not_found(site: Site) -> None:
    t = await make_tenant(plan="pro")
    other = await make_tenant(plan="pro")
    job = await jobs.start_crawl(t.principal, {"url": site.base + "/", "maxPages": 1})
    for principal, job_id in ((other.principal, job.id), (t.principal, "kbj_unknown")):
        with pytest.raises(DomainError) as exc:
            await jobs.get_job(principal, job_id)
        assert exc.value.code == "resource_not_found"
    with pytest.raises(DomainError):
        await jobs.cancel_job(other.principal, job.id)
    await wait_done(job.id)
