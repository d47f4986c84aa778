"""SSRF end to end: IPv6 spellings of loopback and metadata addresses refused on every surface
that takes a tenant URL, and deliveries pinned to the address the check vetted (DNS
rebinding), over real connections to local receivers (http and https)."""

import asyncio
import ipaddress
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from models.call import Call
from models.tenant import WebhookEndpoint
from resolvers import outbound, urls
from resolvers.settings import Settings, configure
from resolvers.urls import IPAddress, vet_outbound_url
from tests.factories import assert_error, make_tenant
from tests.graphql import gql
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_delivery import EXAMPLE, FAST, Hooks, emit, make_hooks, wait_settled

ISSUE_ADDRESSES = [
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",
    "2002:7f00:1::",
    "::127.0.0.1",
    "fec0::1",
]
PUBLIC = "93.184.215.14"  # globally routable; connections to it are refused on this machine
PUBLIC_HOOK = f"https://{PUBLIC}/hook"
HINT = "; in development, VOCALIA_ALLOW_PRIVATE_URLS=1 allows it"
REFUSED = "resolves to a private, loopback, link-local or reserved address"
NAME = "hooks.example.test"
SET_HOOKS = """
mutation($e: [WebhookEndpointInput!]!) { setWebhookEndpoints(endpoints: $e) { id url } }"""
CREATE_CALL = "mutation($i: CreateCallInput!) { createCall(input: $i) { id } }"
ONE_ATTEMPT = {**FAST, "webhook_retry_schedule": (0,)}


@pytest.fixture(autouse=True)
def fast(clean: None, settings: Settings) -> None:
    configure(settings.with_overrides(**ONE_ATTEMPT))


def strict(settings: Settings, **changes: object) -> None:
    changes = {**ONE_ATTEMPT, "allow_private_urls": False, **changes}
    configure(settings.with_overrides(**changes))


class Resolver:
    """Answers from a script, one answer per call (the last one repeats), counting calls."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.calls.append((host, port))
        answer = self.answers[min(len(self.calls), len(self.answers)) - 1]
        return [ipaddress.ip_address(a) for a in answer]


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


# --- the issue's addresses on every surface ----------------------------------------------


@pytest.mark.parametrize("address", ISSUE_ADDRESSES)
async def test_webhook_endpoint_refused_on_rest_and_graphql(
    client: httpx.AsyncClient, settings: Settings, address: str
) -> None:
    t = await make_tenant("pro")
    strict(settings)
    url = f"https://[{address}]/hook"
    r = await client.put(
        f"/api/tenants/{t.id}/webhooks", json={"endpoints": [{"url": url}]}, headers=t.headers
    )
    message = f"endpoints[0].url {REFUSED}{HINT}"
    assert_error(r, 400, "invalid_request", param="endpoints[0].url", message=message)
    body = await gql(client, SET_HOOKS, {"e": [{"url": url}]}, t.headers)
    assert body["data"] is None, body
    [error] = body["errors"]
    assert error["message"] == message
    assert error["extensions"] == {
        "code": "invalid_request",
        "status": 400,
        "param": "endpoints[0].url",
    }
    assert await WebhookEndpoint.filter(tenant_id=t.id).count() == 0


@pytest.mark.parametrize("address", ISSUE_ADDRESSES)
async def test_call_webhook_url_refused_on_v1_and_graphql(
    client: httpx.AsyncClient, settings: Settings, address: str
) -> None:
    strict(settings)
    hooks = await make_hooks(client, [{"url": PUBLIC_HOOK}])
    url = f"https://[{address}]:8443/calls"
    r = await client.post(
        "/v1/calls", json={**EXAMPLE, "webhookUrl": url}, headers=hooks.key_headers
    )
    message = f"webhookUrl {REFUSED}{HINT}"
    assert_error(r, 400, "invalid_request", param="webhookUrl", message=message)
    variables = {"i": {"to": EXAMPLE["to"], "agentId": EXAMPLE["agentId"], "webhookUrl": url}}
    body = await gql(client, CREATE_CALL, variables, hooks.key_headers)
    assert body["data"] is None, body
    [error] = body["errors"]
    assert error["message"] == message
    assert error["extensions"] == {"code": "invalid_request", "status": 400, "param": "webhookUrl"}
    assert await Call.filter(tenant_id=hooks.id).count() == 0


async def test_no_hint_in_production(client: httpx.AsyncClient, settings: Settings) -> None:
    t = await make_tenant("pro")
    strict(settings, env="production")
    r = await client.put(
        f"/api/tenants/{t.id}/webhooks",
        json={"endpoints": [{"url": "https://[64:ff9b::a9fe:a9fe]/latest"}]},
        headers=t.headers,
    )
    error = assert_error(
        r, 400, "invalid_request", param="endpoints[0].url", message=f"endpoints[0].url {REFUSED}"
    )
    assert "VOCALIA_ALLOW_PRIVATE_URLS" not in error["message"]


# --- DNS rebinding: deliveries go to the vetted address ------------------------------------


async def _hooks_at(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, url: str, first: list[str]
) -> Hooks:
    """An endpoint created while ``url``'s host resolves to ``first``."""
    monkeypatch.setattr(urls, "resolve", Resolver(first))
    return await make_hooks(client, [{"url": url}])


async def test_a_rebinding_answer_never_reaches_loopback(
    client: httpx.AsyncClient, settings: Settings, rx: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "localhost": were the client to resolve the name itself (no pinning), the system
    # resolver would send this delivery to the receiver on 127.0.0.1.
    strict(settings)
    url = f"http://localhost:{rx.port}/hook"
    hooks = await _hooks_at(client, monkeypatch, url, [PUBLIC])
    rebinding = Resolver([PUBLIC], ["127.0.0.1"])
    monkeypatch.setattr(urls, "resolve", rebinding)
    await emit(hooks.id)
    [delivery] = await wait_settled(client, hooks)
    assert delivery["status"] == "failed"
    [attempt] = delivery["attempts"]
    # The connection went to the vetted public address, which refuses it here.
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("ConnectError: "), attempt
    assert rebinding.calls == [("localhost", rx.port)]  # the check only: nothing asked again
    await asyncio.sleep(0.1)
    assert rx.requests() == []


async def test_a_private_first_answer_is_refused(
    client: httpx.AsyncClient, settings: Settings, rx: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    strict(settings)
    hooks = await _hooks_at(client, monkeypatch, f"http://{NAME}:{rx.port}/hook", [PUBLIC])
    rebinding = Resolver(["127.0.0.1"], [PUBLIC])
    monkeypatch.setattr(urls, "resolve", rebinding)
    await emit(hooks.id)
    [delivery] = await wait_settled(client, hooks)
    assert delivery["status"] == "failed"
    [attempt] = delivery["attempts"]
    assert (attempt["status_code"], attempt["error"]) == (None, f"refused: url {REFUSED}{HINT}")
    assert rebinding.calls == [(NAME, rx.port)]
    await asyncio.sleep(0.1)
    assert rx.requests() == []


async def test_a_pinned_delivery_keeps_the_host_header(
    client: httpx.AsyncClient, rx: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Private addresses allowed (the session settings): the name resolves to the receiver.
    resolver = Resolver(["127.0.0.1"])
    monkeypatch.setattr(urls, "resolve", resolver)
    hooks = await make_hooks(client, [{"url": f"http://{NAME}:{rx.port}/hook"}])
    await emit(hooks.id)
    [delivery] = await wait_settled(client, hooks)
    assert delivery["status"] == "succeeded", delivery
    [request] = rx.requests("/hook")
    assert request.headers["host"] == f"{NAME}:{rx.port}"
    # Once when the endpoint was set, once before the delivery; the connection asked nothing.
    assert resolver.calls == [(NAME, rx.port), (NAME, rx.port)]


async def test_requests_without_a_pin_are_vetted_at_connection(
    client: httpx.AsyncClient, settings: Settings, rx: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    strict(settings)
    resolver = Resolver(["127.0.0.1"])
    monkeypatch.setattr(urls, "resolve", resolver)
    async with outbound.client(timeout=5) as http:
        for url in (f"http://localhost:{rx.port}/a", rx.url("/b")):
            with pytest.raises(httpx.ConnectError, match=f"^refused: .* {REFUSED}$"):
                await http.post(url, content=b"{}")
        # A pin for another host than the URL's is no pin: the URL's host is vetted.
        target = urls.Destination(
            f"http://localhost:{rx.port}/c", NAME, rx.port, (ipaddress.ip_address(PUBLIC),)
        )
        with pytest.raises(httpx.ConnectError, match=r"^refused: localhost "):
            await outbound.post(http, target, content=b"{}")
    assert resolver.calls == [("localhost", rx.port), ("localhost", rx.port)]
    assert rx.requests() == []


# --- https: the name stays the TLS name -----------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate valid for NAME only (openssl, as on any server)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", f"/CN={NAME}"),
            *("-addext", f"subjectAltName=DNS:{NAME}"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


async def test_a_pinned_https_connection_keeps_host_sni_and_certificate_name(
    app: object, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = certificate
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    trust = ssl.create_default_context(cafile=str(cert))
    resolver = Resolver(["127.0.0.1"])
    monkeypatch.setattr(urls, "resolve", resolver)
    with Receiver(tls=server) as rx:
        target = await vet_outbound_url(f"https://{NAME}:{rx.port}/hook")
        async with outbound.client(timeout=5, verify=trust) as http:
            r = await outbound.post(http, target, content=b'{"ok": true}')
            assert r.status_code == 200
            # The certificate names NAME, not the address the connection went to.
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await outbound.post(http, await vet_outbound_url(rx.url("/ip")), content=b"{}")
        [request] = rx.requests("/hook")
        assert request.headers["host"] == f"{NAME}:{rx.port}"
        assert request.body == b'{"ok": true}'
        assert rx.sni == [NAME, None]  # an IP is never sent as SNI
    assert resolver.calls == [(NAME, rx.port)]
