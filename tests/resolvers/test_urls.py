"""The outbound-URL check (SSRF): which addresses it refuses, IPv6 forms of IPv4 decoded, the
resolver hook it shares with the pinned connection, and the development hint."""

import ipaddress
from collections.abc import Iterator

import pytest

from resolvers import urls
from resolvers.errors import DomainError
from resolvers.settings import Settings, configure, get_settings
from resolvers.urls import IPAddress, blocked, embedded_ipv4, vet_outbound_url

HINT = "; in development, VOCALIA_ALLOW_PRIVATE_URLS=1 allows it"
REFUSED = "url resolves to a private, loopback, link-local or reserved address"

# Issue 9, point 6: IPv6 spellings of loopback and metadata addresses that used to pass.
ISSUE_ADDRESSES = [
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "::127.0.0.1",  # IPv4-compatible
    "fec0::1",  # site-local
]
REFUSED_V6 = [
    *ISSUE_ADDRESSES,
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::6440:1",  # NAT64 of 100.64.0.1 (shared address space)
    "64:ff9b:1::7f00:1",  # local-use NAT64, /96 layout
    "64:ff9b:1:7f00:0:100::",  # local-use NAT64, /48 layout of 127.0.0.1
    "64:ff9b:1::5db8:d70e",  # local-use NAT64 of a public address: never global
    "2002:a9fe:a9fe::1",  # 6to4 of the metadata address
    "2002:c0a8:101::",  # 6to4 of 192.168.1.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo whose client is 192.0.2.45
    "2001:0:5db8:d70e:0:f227:80ff:fffe",  # Teredo whose client is 127.0.0.1 (obfuscated)
    "::93.184.215.14",  # the deprecated compatible form, whatever it carries
    "::",
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:10.1.2.3",
    "fed0::1",  # still site-local (fec0::/10)
    "fd00::1",
    "fe80::1",
    "ff02::1",
    "ff0e::1",  # global-scope multicast
    "100::1",  # discard-only
    "2001:db8::1",  # documentation
    "3fff::1",  # documentation (RFC 9637), unknown to Python 3.11's is_global
    "4000::1",  # outside 2000::/3: unallocated
]
ALLOWED_V6 = [
    "2606:4700:4700::1111",
    "2a00:1450:4007:80f::200e",
    "64:ff9b::5db8:d70e",  # NAT64 (DNS64) of 93.184.215.14
    "2002:5db8:d70e::1",  # 6to4 of 93.184.215.14
    "2001:0:5db8:d70e:0:f227:a247:f1f1",  # Teredo: server and client both public
    "::ffff:93.184.215.14",
]
REFUSED_V4 = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "0.0.0.0",  # noqa: S104 (an address refused, not bound)
    "192.0.2.1",
    "198.18.0.1",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
]
ALLOWED_V4 = ["93.184.215.14", "1.1.1.1", "8.8.8.8"]


@pytest.fixture
def strict(settings: Settings) -> Iterator[None]:
    before = get_settings()
    configure(settings.with_overrides(allow_private_urls=False))
    yield
    configure(before)


class Resolver:
    """Answers from a script, one answer per call, and counts the calls."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.calls.append((host, port))
        answer = self.answers[min(len(self.calls), len(self.answers)) - 1]
        return [ipaddress.ip_address(a) for a in answer]


@pytest.mark.parametrize("address", REFUSED_V6 + REFUSED_V4)
def test_refused_addresses(address: str) -> None:
    assert blocked(ipaddress.ip_address(address)) is True


@pytest.mark.parametrize("address", ALLOWED_V6 + ALLOWED_V4)
def test_allowed_addresses(address: str) -> None:
    assert blocked(ipaddress.ip_address(address)) is False


@pytest.mark.parametrize(
    ("address", "carried"),
    [
        ("64:ff9b::7f00:1", ["127.0.0.1"]),
        ("64:ff9b::a9fe:a9fe", ["169.254.169.254"]),
        ("64:ff9b:1:7f00:0:100::", ["127.0.0.1"]),
        ("64:ff9b:1::a9fe:a9fe", ["169.254.169.254"]),
        ("2002:7f00:1::", ["127.0.0.1"]),
        ("::127.0.0.1", ["127.0.0.1"]),
        ("::ffff:169.254.169.254", ["169.254.169.254"]),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", ["65.54.227.120", "192.0.2.45"]),
        ("::1", []),
        ("::", []),
        ("fec0::1", []),
        ("2606:4700:4700::1111", []),
    ],
)
def test_embedded_ipv4_is_decoded(address: str, carried: list[str]) -> None:
    ip = ipaddress.ip_address(address)
    assert isinstance(ip, ipaddress.IPv6Address)
    assert [str(v4) for v4 in embedded_ipv4(ip)] == carried


@pytest.mark.parametrize("address", ISSUE_ADDRESSES)
async def test_issue_literals_are_refused_with_the_hint(strict: None, address: str) -> None:
    with pytest.raises(DomainError) as caught:
        await vet_outbound_url(f"https://[{address}]:8443/hook")
    assert (caught.value.code, caught.value.param) == ("invalid_request", "url")
    assert caught.value.message == REFUSED + HINT


async def test_the_hint_is_never_given_in_production(settings: Settings) -> None:
    before = get_settings()
    configure(settings.with_overrides(env="production", allow_private_urls=False))
    try:
        with pytest.raises(DomainError) as caught:
            await vet_outbound_url("https://[64:ff9b::7f00:1]/hook", param="webhookUrl")
    finally:
        configure(before)
    assert caught.value.message == "webhookUrl" + REFUSED.removeprefix("url")
    assert "VOCALIA_ALLOW_PRIVATE_URLS" not in caught.value.message


async def test_a_name_is_refused_when_any_answer_is_private(
    strict: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolver = Resolver(["93.184.215.14", "64:ff9b::a9fe:a9fe"])
    monkeypatch.setattr(urls, "resolve", resolver)
    with pytest.raises(DomainError) as caught:
        await vet_outbound_url("https://hooks.example.test/x")
    assert caught.value.message == REFUSED + HINT
    assert resolver.calls == [("hooks.example.test", 443)]


async def test_a_vetted_destination_keeps_the_checked_addresses(
    strict: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolver = Resolver(["93.184.215.14", "2606:4700:4700::1111"])
    monkeypatch.setattr(urls, "resolve", resolver)
    target = await vet_outbound_url(" https://Hooks.Example.TEST:8443/x?a=1 ")
    assert target.url == "https://Hooks.Example.TEST:8443/x?a=1"
    assert (target.host, target.port) == ("hooks.example.test", 8443)
    assert [str(ip) for ip in target.addresses] == ["93.184.215.14", "2606:4700:4700::1111"]
    literal = await vet_outbound_url("http://[2606:4700:4700::1111]/x")
    assert (literal.host, literal.port, literal.addresses) == (
        "2606:4700:4700::1111",
        80,
        (ipaddress.ip_address("2606:4700:4700::1111"),),
    )
    assert len(resolver.calls) == 1  # a literal is never resolved


async def test_a_name_that_does_not_resolve(strict: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(urls, "resolve", Resolver([]))
    with pytest.raises(DomainError) as caught:
        await vet_outbound_url("https://nowhere.example.test/x", param="webhookUrl")
    assert caught.value.message == "webhookUrl: host 'nowhere.example.test' does not resolve"


async def test_only_loopback_passes_when_private_urls_are_allowed(settings: Settings) -> None:
    # The session settings allow them (loopback receivers in tests): loopback, written
    # plainly, passes; private networks, metadata and disguised loopback stay refused.
    before = get_settings()
    configure(settings)
    try:
        for url in ("http://127.0.0.1:9/x", "http://[::1]:9/x", "http://[::ffff:127.0.0.2]:9/x"):
            target = await vet_outbound_url(url)
            assert len(target.addresses) == 1
            assert target.addresses[0].is_loopback or target.addresses[0].ipv4_mapped
        for url in (
            "http://[64:ff9b::7f00:1]:9/x",
            "http://10.0.0.5/x",
            "http://169.254.169.254/latest/meta-data",
            "http://192.168.1.1/",
        ):
            with pytest.raises(DomainError) as caught:
                await vet_outbound_url(url)
            assert caught.value.code == "invalid_request"
    finally:
        configure(before)
