"""HTTP to tenant-supplied URLs (webhooks): connections go to the address the check vetted.

``urls.vet_outbound_url`` resolves the host and refuses private addresses; a plain client
would resolve it a second time when connecting, and a DNS answer that changed in between
(rebinding) would reach whatever it names then. Here the TCP connection is made to a vetted
address while the URL keeps its host name, so the Host header, the TLS SNI and the
certificate check still use the name, and the pool still keys connections by it (rewriting
the URL to the IP would let two names on one IP share a TLS session).

A request without a pin (a caller that skipped the check, an unexpected host) is resolved
and vetted here, through the same ``urls.resolve``: nothing leaves unchecked.
"""

import ipaddress
import ssl
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

from resolvers import urls
from resolvers.urls import Destination, IPAddress

PIN = "vocalia.pinned"  # request extension: the Destination the check returned
_pins: ContextVar[Mapping[str, tuple[IPAddress, ...]] | None] = ContextVar(
    "outbound_pins", default=None
)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects to the pinned (or freshly vetted) addresses of a host, in order."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        last: Exception | None = None
        for ip in await self._addresses(host, port):
            try:
                return await self._inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last or httpcore.ConnectError(f"host {host!r} has no address")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("outbound requests use TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)

    @staticmethod
    async def _addresses(host: str, port: int) -> tuple[IPAddress, ...]:
        try:
            addresses: tuple[IPAddress, ...] = (ipaddress.ip_address(host),)
        except ValueError:
            pinned = (_pins.get() or {}).get(host.lower())
            if pinned:
                return pinned  # vetted by the check this request was made from
            try:
                addresses = tuple(await urls.resolve(host, port))
            except (OSError, TimeoutError, UnicodeError) as exc:
                raise httpcore.ConnectError(f"host {host!r} does not resolve") from exc
            if not addresses:
                raise httpcore.ConnectError(f"host {host!r} does not resolve") from None
        if any(urls.refused(ip) for ip in addresses):
            raise httpcore.ConnectError(
                f"refused: {host} resolves to a private, loopback, link-local or reserved address"
            )
        return addresses


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on the pinned backend; never a proxy, never environment settings."""

    def __init__(
        self, *, verify: ssl.SSLContext | bool = True, limits: httpx.Limits | None = None
    ) -> None:
        limits = limits or httpx.Limits()
        super().__init__(verify=verify, trust_env=False, limits=limits)
        # httpx takes no network backend: the pool it built (still unused) is replaced by
        # the same pool on ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedBackend(),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = request.extensions.get(PIN)
        host = request.url.raw_host.decode("ascii").lower()
        if not isinstance(target, Destination) or target.host != host:
            # No pin, or the client reads another host from the URL than the check did:
            # the backend resolves and vets what it connects to.
            return await super().handle_async_request(request)
        token = _pins.set({**(_pins.get() or {}), host: target.addresses})
        try:
            # The connection (if a new one is needed) is opened inside this call.
            return await super().handle_async_request(request)
        finally:
            _pins.reset(token)


def client(
    *,
    timeout: float,
    limits: httpx.Limits | None = None,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """A client for tenant URLs: pinned connections, no redirects, no proxies from the
    environment. Send through ``post`` so each request carries its vetted addresses."""
    return httpx.AsyncClient(
        transport=PinnedTransport(verify=verify, limits=limits),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )


async def post(client: httpx.AsyncClient, target: Destination, **kwargs: Any) -> httpx.Response:
    """POST to a vetted destination over a connection to one of its vetted addresses."""
    return await client.post(target.url, extensions={PIN: target}, **kwargs)
