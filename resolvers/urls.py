"""Origins and outbound URLs: parsing, normalising and refusing private destinations (SSRF)."""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from resolvers.errors import invalid
from resolvers.settings import get_settings

MAX_URL = 2048


def normalize_origin(value: object, param: str = "origins") -> str:
    """``scheme://host[:port]`` with a lowercase host, no path, query, fragment or credentials."""
    if not isinstance(value, str) or not value or len(value) > 255 or not value.isprintable():
        raise invalid("each origin must be a string like https://shop.example.com", param=param)
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError as exc:
        raise invalid(f"{value!r} is not a valid origin", param=param) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid(f"{value!r} is not a valid origin: use scheme://host[:port]", param=param)
    if (
        parts.username
        or parts.password
        or parts.query
        or parts.fragment
        or parts.path not in ("", "/")
    ):
        raise invalid(
            f"{value!r} is not a valid origin: no path, query or credentials", param=param
        )
    host = parts.hostname.lower()
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise invalid(f"{value!r} has an invalid host name", param=param) from exc
    if not _valid_host(host):
        raise invalid(f"{value!r} has an invalid host name", param=param)
    display_host = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{display_host}" + (
        f":{port}" if port is not None and port != default else ""
    )


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    return all(
        0 < len(label) <= 63
        and label[0] != "-"
        and label[-1] != "-"
        and all(c.isalnum() or c == "-" for c in label)
        for label in labels
    )


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
# Inside 2000::/3 yet not reachable on the internet, and unknown to Python 3.11's is_global.
_NOT_GLOBAL_V6 = (ipaddress.IPv6Network("3fff::/20"),)  # documentation (RFC 9637)
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_SIXTOFOUR = ipaddress.IPv6Network("2002::/16")
_TEREDO = ipaddress.IPv6Network("2001::/32")
# Forms whose packets a translator or tunnel delivers to the IPv4 address they carry: they
# are judged by that address alone (a DNS64 resolver answers 64:ff9b::/96 for every
# IPv4-only host, so refusing the prefix would refuse the internet on an IPv6-only network).
_CARRIERS = (_MAPPED, _NAT64, _SIXTOFOUR, _TEREDO)


def _v4(value: int) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(value & 0xFFFFFFFF)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: mapped and compatible (::ffff:0:0/96,
    ::/96), NAT64 (64:ff9b::/96; 64:ff9b:1::/48 at the RFC 6052 /48 and /96 positions),
    6to4 (2002::/16) and Teredo (2001::/32: its server and its client)."""
    n = int(ip)
    if ip in _MAPPED or ip in _NAT64:
        return [_v4(n)]
    if ip in _COMPATIBLE:
        return [] if n <= 1 else [_v4(n)]  # :: and ::1 are themselves, not IPv4
    if ip in _NAT64_LOCAL:
        # RFC 6052 /48: the IPv4 is split around the reserved octet (bits 64-71).
        at_48 = ((n >> 64) & 0xFFFF) << 16 | ((n >> 40) & 0xFFFF)
        return [v4 for v4 in (_v4(at_48), _v4(n)) if int(v4)]  # one layout leaves zeros
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    return []


def _blocked_v4(ip: ipaddress.IPv4Address) -> bool:
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified


def blocked(ip: IPAddress) -> bool:
    """True for an address outbound requests must not reach: not globally routable, or an
    IPv6 form of an IPv4 address that is not (NAT64, 6to4, Teredo, mapped, compatible)."""
    if isinstance(ip, ipaddress.IPv4Address):
        return _blocked_v4(ip)
    carried = embedded_ipv4(ip)
    if any(_blocked_v4(v4) for v4 in carried):
        return True
    if carried and any(ip in net for net in _CARRIERS):
        return False
    # Only 2000::/3 is routed on the internet: this refuses site-local (fec0::/10), unique
    # local, link-local, multicast, the deprecated compatible form and 64:ff9b:1::/48
    # (local-use NAT64, RFC 8215) whatever they carry.
    return (
        ip not in _GLOBAL_UNICAST
        or not ip.is_global
        or ip.is_multicast
        or any(ip in net for net in _NOT_GLOBAL_V6)
    )


def refused(ip: IPAddress) -> bool:
    """What this server refuses to reach: a blocked address, except loopback when the
    settings allow it (VOCALIA_ALLOW_PRIVATE_URLS: local receivers in tests and development;
    private networks, link-local and cloud metadata stay refused even then)."""
    if not blocked(ip):
        return False
    if get_settings().allow_private_urls:
        v4 = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        return not (ip.is_loopback or (v4 is not None and v4.is_loopback))
    return True


@dataclass(frozen=True)
class Destination:
    """An outbound URL that passed the check, with the addresses it was vetted at: the
    connection goes to one of these (resolvers.outbound), never to a second DNS answer."""

    url: str
    host: str  # as the HTTP client connects to it: lowercase ASCII (IDNA), IPv6 unbracketed
    port: int
    addresses: tuple[IPAddress, ...]


async def check_outbound_url(value: object, param: str = "url") -> str:
    """A URL we will POST to: https (http only in development), resolving only to public
    addresses. Raises invalid_request. Checked at creation and again before each delivery."""
    return (await vet_outbound_url(value, param)).url


async def vet_outbound_url(
    value: object, param: str = "url", *, allow_http: bool = False
) -> Destination:
    """check_outbound_url, keeping the addresses that were checked so the connection can be
    pinned to them (DNS rebinding). ``allow_http``: plain http too (reading public pages,
    as the knowledge-base crawler does; never for what we send). Raises invalid_request."""
    settings = get_settings()
    if not isinstance(value, str) or not value or len(value) > MAX_URL:
        raise invalid(
            f"{param} must be an absolute URL of at most {MAX_URL} characters", param=param
        )
    if not value.isprintable():
        raise invalid(f"{param} must not contain control characters", param=param)
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError as exc:
        raise invalid(f"{param} is not a valid URL", param=param) from exc
    allowed_schemes = ("https", "http") if settings.development or allow_http else ("https",)
    if parts.scheme not in allowed_schemes:
        raise invalid(f"{param} must use {' or '.join(allowed_schemes)}", param=param)
    if not parts.hostname or parts.username or parts.password:
        raise invalid(f"{param} must have a host and no credentials", param=param)
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses: list[IPAddress] = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = await _addresses(host, port, param)
    if any(refused(ip) for ip in addresses):
        message = f"{param} resolves to a private, loopback, link-local or reserved address"
        if settings.development:
            # A developer pointing a webhook at a local receiver learns the switch at once.
            message += "; in development, VOCALIA_ALLOW_PRIVATE_URLS=1 allows it"
        raise invalid(message, param=param)
    try:
        wire_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        wire_host = host
    return Destination(value.strip(), wire_host, port, tuple(addresses))


async def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses ``host`` resolves to (raises OSError or TimeoutError when it does not).
    The check and the pinned connection both ask here, through the module, so a test can
    swap in a resolver whose answers change between calls (DNS rebinding)."""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(5):
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[IPAddress] = []
    for info in infos:
        try:
            ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        except ValueError:
            continue
        if ip not in out:
            out.append(ip)
    return out


async def _addresses(host: str, port: int, param: str) -> list[IPAddress]:
    try:
        out = await resolve(host, port)
    except (OSError, TimeoutError, UnicodeError) as exc:
        raise invalid(f"{param}: host {host!r} does not resolve", param=param) from exc
    if not out:
        raise invalid(f"{param}: host {host!r} does not resolve", param=param)
    return out
