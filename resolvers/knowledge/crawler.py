"""Fetching a site's pages for the knowledge base, as the contract's outbound rules allow.

Every hop is vetted (resolvers.urls) and its connection pinned to the vetted addresses
(resolvers.outbound): a link, or a redirect, to a private, loopback or metadata address is
refused, and so is a redirect off the site. Pages are read up to a byte budget and must be
HTML; robots.txt is honoured (its rules and crawl delay for our user agent), and so are a
page's ``<meta name="robots">`` noindex and nofollow. HTML becomes clean text with
trafilatura (boilerplate, menus and footers removed).
"""

import asyncio
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

import httpx
import lxml.html
import trafilatura
from lxml.etree import ParserError
from protego import Protego

from resolvers import outbound, urls
from resolvers.errors import DomainError

USER_AGENT = "VocalIA-KBCrawler/1.0"
MAX_PAGE_BYTES = 2_000_000
MAX_ROBOTS_BYTES = 500_000
MAX_REDIRECTS = 5
MAX_CRAWL_DELAY = 5.0
TIMEOUT = 10.0


class Refused(Exception):
    """A page that is not fetched or not kept, and why (shown in the job's ``skipped``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    body: bytes
    content_type: str
    encoding: str | None


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str
    links: list[str]
    index: bool  # False: <meta name="robots" content="noindex">


def normalize(url: str) -> str:
    """The form URLs are compared in: no fragment, lower-case scheme and host, no default
    port, "/" for an empty path."""
    url, _ = urldefrag(url.strip())
    parts = urlsplit(url)
    scheme, netloc = parts.scheme.lower(), parts.netloc.lower()
    for default in ((":80", "http"), (":443", "https")):
        if netloc.endswith(default[0]) and scheme == default[1]:
            netloc = netloc[: -len(default[0])]
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def same_site(url: str, site: str) -> bool:
    """Same host, www. or not."""
    a = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    b = (urlsplit(site).hostname or "").lower().removeprefix("www.")
    return bool(a) and a == b


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    site: str,
    budget: int,
    accept: tuple[str, ...] = ("text/html", "application/xhtml+xml"),
) -> Fetched:
    """GET ``url`` following at most MAX_REDIRECTS same-site redirects, each hop vetted.
    Raises Refused."""
    limit = min(MAX_PAGE_BYTES, budget)
    for _ in range(MAX_REDIRECTS + 1):
        try:
            target = await urls.vet_outbound_url(url, "url", allow_http=True)
        except DomainError as exc:
            raise Refused(exc.message) from exc
        if not same_site(target.url, site):
            raise Refused("off the site")
        try:
            async with client.stream(
                "GET",
                target.url,
                headers={"User-Agent": USER_AGENT, "Accept": ", ".join(accept)},
                extensions={outbound.PIN: target},
            ) as response:
                if response.is_redirect:
                    location = response.headers.get("location")
                    if not location:
                        raise Refused(f"HTTP {response.status_code} without a Location")
                    url = normalize(urljoin(target.url, location))
                    continue
                if response.status_code != 200:
                    raise Refused(f"HTTP {response.status_code}")
                content_type = response.headers.get("content-type", "").split(";")[0].strip()
                if content_type.lower() not in accept:
                    raise Refused(f"not HTML ({content_type or 'no content type'})")
                body = bytearray()
                async for piece in response.aiter_bytes():
                    body += piece
                    if len(body) > limit:
                        raise Refused(f"larger than {limit} bytes")
                return Fetched(normalize(target.url), bytes(body), content_type, response.encoding)
        except (httpx.HTTPError, OSError) as exc:
            raise Refused(f"{type(exc).__name__}: {exc}"[:200]) from exc
    raise Refused(f"more than {MAX_REDIRECTS} redirects")


@dataclass(frozen=True)
class Robots:
    rules: Protego | None  # None: no robots.txt, everything allowed

    def allows(self, url: str) -> bool:
        return self.rules is None or bool(self.rules.can_fetch(url, USER_AGENT))

    @property
    def delay(self) -> float:
        if self.rules is None:
            return 0.0
        value = self.rules.crawl_delay(USER_AGENT)
        return min(float(value), MAX_CRAWL_DELAY) if value else 0.0


async def robots(client: httpx.AsyncClient, site: str) -> Robots:
    """The site's robots.txt: missing or unreadable (4xx, not text) allows everything; a
    robots.txt that cannot be reached at all (5xx, refused) allows nothing, as RFC 9309 says."""
    parts = urlsplit(site)
    url = urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
    try:
        got = await fetch(client, url, site=site, budget=MAX_ROBOTS_BYTES, accept=("text/plain",))
    except Refused as exc:
        if exc.reason.startswith("HTTP 4") or exc.reason.startswith("not HTML"):
            return Robots(None)
        return Robots(Protego.parse("User-agent: *\nDisallow: /\n"))
    return Robots(Protego.parse(got.body.decode("utf-8", "replace")))


def extract(page: Fetched) -> Extracted:
    """Title, clean text and same-document links of an HTML page (CPU: run in a thread)."""
    html = page.body.decode(page.encoding or "utf-8", "replace")
    try:
        tree = lxml.html.document_fromstring(html)
    except (ParserError, ValueError) as exc:
        raise Refused("not parsable HTML") from exc
    directives = " ".join(
        str(m.get("content", "")).lower()
        for m in tree.iter("meta")
        if str(m.get("name", "")).lower() in ("robots", USER_AGENT.split("/")[0].lower())
    )
    title = " ".join((tree.findtext(".//title") or "").split())[:500]
    links: list[str] = []
    if "nofollow" not in directives and "none" not in directives:
        tree.make_links_absolute(page.url, resolve_base_href=True)
        for element, attribute, link, _ in tree.iterlinks():
            rel = str(element.get("rel", "")).lower()
            followed = element.tag == "a" and attribute == "href" and "nofollow" not in rel
            if followed and urlsplit(link).scheme in ("http", "https"):
                links.append(normalize(link))
    text = trafilatura.extract(
        html, url=page.url, include_comments=False, include_tables=True, favor_recall=True
    )
    index = "noindex" not in directives and "none" not in directives
    return Extracted(title, (text or "").strip(), list(dict.fromkeys(links)), index)


async def extract_async(page: Fetched) -> Extracted:
    return await asyncio.to_thread(extract, page)
