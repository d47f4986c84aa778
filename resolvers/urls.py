"""Origins and outbound URLs: parsing, normalising and refusing private destinations (SSRF)."""

import asyncio
import ipaddress
import socket
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


def _blocked(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


async def check_outbound_url(value: object, param: str = "url") -> str:
    """A URL we will POST to: https (http only in development), resolving only to public
    addresses. Raises invalid_request. Checked at creation and again before each delivery."""
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
    allowed_schemes = ("https", "http") if settings.development else ("https",)
    if parts.scheme not in allowed_schemes:
        raise invalid(f"{param} must use {' or '.join(allowed_schemes)}", param=param)
    if not parts.hostname or parts.username or parts.password:
        raise invalid(f"{param} must have a host and no credentials", param=param)
    host = parts.hostname
    try:
        literal = ipaddress.ip_address(host)
        addresses = [literal]
    except ValueError:
        addresses = await _resolve(host, port or (443 if parts.scheme == "https" else 80), param)
    if not settings.allow_private_urls:
        for ip in addresses:
            if _blocked(ip):
                raise invalid(
                    f"{param} resolves to a private, loopback, link-local or reserved address",
                    param=param,
                )
    return value.strip()


async def _resolve(
    host: str, port: int, param: str
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(5):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError, UnicodeError) as exc:
        raise invalid(f"{param}: host {host!r} does not resolve", param=param) from exc
    out = []
    for info in infos:
        try:
            out.append(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
        except ValueError:
            continue
    if not out:
        raise invalid(f"{param}: host {host!r} does not resolve", param=param)
    return out
