"""No credential reaches a log line (issue 9, point 8): the redacting filter on each credential
form, uvicorn's access records, the app installing it, a real server's log after requests that
carry every kind of secret, and the session guard (tests/log_guard.py) catching a leak."""

import contextlib
import logging
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from uvicorn.logging import AccessFormatter
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import connect

from resolvers import redaction
from resolvers.redaction import FILTER, REDACTED, redact
from resolvers.security import (
    new_prefixed_key,
    new_refresh_token,
    new_tenant_key,
    new_webhook_secret,
)
from resolvers.settings import Settings
from tests import log_guard, servers
from tests.factories import PASSWORD

LIVE = new_prefixed_key("voc_sk_live_")
TEST = new_prefixed_key("voc_sk_test_")
PUBLISHABLE = new_prefixed_key("voc_pk_live_")
TENANT_KEY = new_tenant_key()
REFRESH = new_refresh_token()
WEBHOOK_SECRET = new_webhook_secret()
JWT = jwt.encode({"sub": "usr_1", "exp": 2_000_000_000}, "k" * 40, algorithm="HS256")

# (text, the secret it carries)
CREDENTIAL_FORMS = [
    (f"/v1/stream?apiKey={LIVE}", LIVE),
    ("/v1/stream?agentId=a&apiKey=not-a-key-format-1&x=1", "not-a-key-format-1"),
    ("GET /x?API_KEY=plainvalue9 HTTP/1.1", "plainvalue9"),
    ("/x?api-key=plainvalue9", "plainvalue9"),
    ("/x?api%5Fkey=plainvalue9", "plainvalue9"),
    ("/x?key=plainvalue9", "plainvalue9"),
    ("/x?a=1&token=plainvalue9", "plainvalue9"),
    ("/x?access_token=plainvalue9", "plainvalue9"),
    ("/x?refresh_token=plainvalue9", "plainvalue9"),
    ("/x?Password=plainvalue9", "plainvalue9"),
    ("/x?client_secret=plainvalue9", "plainvalue9"),
    ("/x?signature=v1,plainvalue9", "plainvalue9"),
    ("/hook;jsessionid=plainvalue9", "plainvalue9"),
    ("login failed: password=plainvalue9 user=a@b.c", "plainvalue9"),
    ("kwargs password='plain value 9'", "plain value 9"),
    ('{"email": "a@b.c", "password": "plainvalue9"}', "plainvalue9"),
    ("{'newPassword': 'plainvalue9'}", "plainvalue9"),
    (f"Authorization: Bearer {JWT}", JWT),
    ("Authorization: Bearer opaqueplainvalue9", "opaqueplainvalue9"),
    ("authorization=Basic dXNlcjpwbGFpbnZhbHVlOQ==", "dXNlcjpwbGFpbnZhbHVlOQ=="),
    ("[(b'authorization', b'Bearer opaqueplainvalue9')]", "opaqueplainvalue9"),
    ("{'x-api-key': 'plainvalue9'}", "plainvalue9"),
    (f"X-Api-Key: {TEST}", TEST),
    (f"the key {LIVE} was used", LIVE),
    (f"test key {TEST}.", TEST),
    (f"widget key {PUBLISHABLE}", PUBLISHABLE),
    (f"tenant key {TENANT_KEY}", TENANT_KEY),
    (f"refresh {REFRESH}", REFRESH),
    (f"secret {WEBHOOK_SECRET}", WEBHOOK_SECRET),
    (f"token {JWT} expired", JWT),
]

HARMLESS = [
    "GET /api/health HTTP/1.1",
    "/api/tenants/ten_1/calls?limit=20&offset=0",
    "keyId=key_123 idempotencyKey=abc",
    "missing Bearer token",
    "authorization header required",
    "the key vk_a1b2…9f3c was rotated",
    "voc_sk_live_Ab3d…x9Yz",
    "pass your key as ?apiKey=",
]


@pytest.mark.parametrize(("text", "secret"), CREDENTIAL_FORMS)
def test_every_credential_form_is_redacted(text: str, secret: str) -> None:
    clean = redact(text)
    assert secret not in clean
    assert REDACTED in clean
    assert redact(clean) == clean  # idempotent: a second handler changes nothing
    assert log_guard.scan_lines([clean], "x") == []


def test_what_surrounds_a_credential_is_kept() -> None:
    assert redact(f"/v1/stream?agentId=a1&apiKey={LIVE}&lang=fr") == (
        "/v1/stream?agentId=a1&apiKey=[redacted]&lang=fr"
    )
    assert redact(f"Authorization: Bearer {JWT}") == "Authorization: Bearer [redacted]"
    assert redact('{"email": "a@b.c", "password": "x y"}') == (
        '{"email": "a@b.c", "password": "[redacted]"}'
    )


@pytest.mark.parametrize("text", HARMLESS)
def test_text_without_a_credential_is_unchanged(text: str) -> None:
    assert redact(text) == text


def _record(
    name: str, msg: object, args: object = (), exc_info: object = None
) -> logging.LogRecord:
    # Built directly, not through a logger: the installed record factory would redact it first.
    return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, exc_info)  # type: ignore[arg-type]


def test_uvicorn_access_records_keep_their_five_arguments() -> None:
    record = _record(
        "uvicorn.access",
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/v1/stream?apiKey={LIVE}&agentId=a", "1.1", 403),
    )
    FILTER.filter(record)
    assert isinstance(record.args, tuple)
    assert record.args[2] == "/v1/stream?apiKey=[redacted]&agentId=a"
    assert record.args[4] == 403
    line = AccessFormatter(fmt="%(client_addr)s %(request_line)s %(status_code)s").format(record)
    assert (
        line == "127.0.0.1:5000 GET /v1/stream?apiKey=[redacted]&agentId=a HTTP/1.1 403 Forbidden"
    )


def test_websocket_lines_of_uvicorn_error_are_redacted() -> None:
    record = _record(
        "uvicorn.error",
        '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:1", f"/v1/stream?apiKey={TEST}"),
    )
    FILTER.filter(record)
    assert (
        record.getMessage() == '127.0.0.1:1 - "WebSocket /v1/stream?apiKey=[redacted]" [accepted]'
    )


def test_a_secret_split_between_format_and_argument_is_redacted() -> None:
    record = _record("vocalia.x", "login with password=%s for %s", ("plainvalue9", "a@b.c"))
    FILTER.filter(record)
    assert record.getMessage() == "login with password=[redacted] for a@b.c"


def test_arguments_that_are_not_strings_are_redacted_in_the_message() -> None:
    record = _record("vocalia.x", "bad message %r", ({"token": "plainvalue9", "n": 1},))
    FILTER.filter(record)
    assert record.getMessage() == "bad message {'token': '[redacted]', 'n': 1}"
    mapping = _record("vocalia.x", "%(who)s used %(key)s", ({"who": "a", "key": LIVE},))
    FILTER.filter(mapping)
    assert mapping.getMessage() == "a used [redacted]"
    not_a_string = _record("vocalia.x", ValueError(f"bad key {LIVE}"))
    FILTER.filter(not_a_string)
    assert not_a_string.getMessage() == "bad key [redacted]"


def test_exception_text_and_stack_are_redacted() -> None:
    try:
        raise RuntimeError(f"could not call https://hooks.example/x?token=plainvalue9 with {LIVE}")
    except RuntimeError:
        record = _record("vocalia.x", "delivery failed", exc_info=sys.exc_info())
    record.stack_info = f"Stack (most recent call last):\n  key = {TENANT_KEY}"
    FILTER.filter(record)
    text = logging.Formatter().format(record)
    assert (
        "RuntimeError: could not call https://hooks.example/x?token=[redacted] with [redacted]"
        in text
    )
    assert "plainvalue9" not in text
    assert LIVE not in text
    assert TENANT_KEY not in text


def test_a_record_rewritten_after_redaction_is_redacted_again() -> None:
    record = _record("vocalia.x", "nothing here")
    FILTER.filter(record)
    record.msg = f"now {LIVE}"  # what logging.makeLogRecord does after the factory ran
    FILTER.filter(record)
    assert record.getMessage() == "now [redacted]"


def test_install_is_idempotent_and_covers_handlers_added_later() -> None:
    root = logging.getLogger()
    early = logging.StreamHandler()
    root.addHandler(early)
    try:
        redaction.install()
        redaction.install()
        assert early.filters.count(FILTER) == 1
        for name in redaction.UVICORN_LOGGERS:
            assert logging.getLogger(name).filters.count(FILTER) == 1
        factory = logging.getLogRecordFactory()
        assert isinstance(factory, redaction._RedactingFactory)
        assert not isinstance(factory.inner, redaction._RedactingFactory)
    finally:
        root.removeHandler(early)

    # A handler attached after install() gets no filter, yet sees redacted records.
    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    logger = logging.getLogger("vocalia.redaction-probe")
    late = Collect()
    logger.addHandler(late)
    logger.propagate = False
    try:
        logger.warning("stream opened with /v1/stream?apiKey=%s", LIVE)
        logger.warning(f"refresh {REFRESH}")  # an f-string, as careless code logs
    finally:
        logger.removeHandler(late)
        logger.propagate = True
    assert seen == ["stream opened with /v1/stream?apiKey=[redacted]", "refresh [redacted]"]


def test_create_app_installs_the_redaction(settings: Settings) -> None:
    from app import create_app

    redaction.uninstall()
    try:
        assert not isinstance(logging.getLogRecordFactory(), redaction._RedactingFactory)
        create_app(settings, run_migrations=False)
        assert isinstance(logging.getLogRecordFactory(), redaction._RedactingFactory)
        for name in redaction.UVICORN_LOGGERS:
            assert FILTER in logging.getLogger(name).filters
    finally:
        redaction.install()  # the rest of the session stays redacted whatever happened


# --- the session guard ------------------------------------------------------------------


def test_the_guard_catches_a_key_logged_without_the_filter(tmp_path: Path) -> None:
    leaked = _record("somewhere.unfiltered", "client connected with %s", (LIVE,))
    [finding] = log_guard.scan_records([leaked])
    assert finding.kind == "secret or publishable key"
    assert LIVE in finding.line

    handler = log_guard.GuardHandler()
    handler.handle(_record("x", f"GET /v1/stream?apiKey={LIVE} HTTP/1.1"))
    handler.handle(_record("x", "GET /v1/stream?apiKey=[redacted] HTTP/1.1"))
    assert [f.kind for f in handler.findings] == ["secret or publishable key"]

    log = tmp_path / "server0-0.log"
    log.write_text(
        'INFO:     127.0.0.1:1 - "GET /api/health HTTP/1.1" 200 OK\n'
        f'INFO:     127.0.0.1:1 - "GET /v1/stream?apiKey={TENANT_KEY} HTTP/1.1" 404 Not Found\n'
        'INFO:     127.0.0.1:1 - "GET /v1/stream?apiKey=[redacted] HTTP/1.1" 404 Not Found\n'
    )
    [in_file] = log_guard.scan_files([log, tmp_path / "gone.log"])
    assert in_file.kind == "tenant key"
    assert in_file.where == str(log)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        (f"user {LIVE}", "secret or publishable key"),
        (f"user {TEST}", "secret or publishable key"),
        (f"widget {PUBLISHABLE}", "secret or publishable key"),
        (f"tenant {TENANT_KEY}", "tenant key"),
        (f"refresh {REFRESH}", "refresh token"),
        (f"secret {WEBHOOK_SECRET}", "webhook secret"),
        (f"token {JWT}", "JWT"),
        ("Authorization: Bearer opaqueopaqueopaque1", "bearer credential"),
        ("GET /x?password=plainvalue9 HTTP/1.1", "credential in a query string"),
        (f"signed up with {PASSWORD}", "test password"),
    ],
)
def test_the_guard_knows_every_credential_form(line: str, kind: str) -> None:
    [finding] = log_guard.scan_lines([line], "x", log_guard.known_secrets())
    assert finding.kind == kind
    assert log_guard.scan_lines([redact(line)], "x") == []


# --- a real server's log ----------------------------------------------------------------


@pytest.fixture(scope="module")
def log_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.Server]:
    tmp = tmp_path_factory.mktemp("logs")
    backend = servers.prepare_database(tmp, suffix="_logs")
    prefix = f"vocalia-logs-{uuid.uuid4().hex[:8]}"
    env = servers.server_env(
        backend.database_url, tmp / "var", redis_url=backend.redis_url, redis_prefix=prefix
    )
    servers.migrate(env)
    try:
        with servers.running(env, tmp / "logs") as (server,):
            yield server
    finally:
        servers.flush_redis_prefix(backend.redis_url, prefix)


def _try_socket(url: str) -> None:
    # Refused or closed, the attempt is what gets logged.
    with (
        contextlib.suppress(InvalidStatus, WebSocketException, TimeoutError, OSError),
        connect(url, open_timeout=10, close_timeout=2) as ws,
    ):
        ws.recv(timeout=5)


@pytest.mark.slow
def test_a_server_log_holds_none_of_the_secrets_it_was_sent(log_server: servers.Server) -> None:
    base = log_server.url
    ws_base = base.replace("http://", "ws://")
    email = f"logs{time.monotonic_ns()}@example.com"
    wrong_password = "wrong-passphrase-" + uuid.uuid4().hex
    with httpx.Client(base_url=base, timeout=10) as client:
        r = client.post(
            "/api/auth/register", json={"email": email, "password": PASSWORD, "company": "Logs"}
        )
        assert r.status_code == 201, r.text
        tenant_key = r.json()["tenant"]["api_key"]
        r = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        access, refresh = r.json()["access_token"], r.json()["refresh_token"]
        auth = {"Authorization": f"Bearer {access}"}
        r = client.post(
            "/graphql",
            json={"query": "mutation { createApiKey(kind: SECRET) { secret } }"},
            headers=auth,
        )
        secret = r.json()["data"]["createApiKey"]["secret"]
        assert secret.startswith("voc_sk_live_")

        # Every way a credential travels: query strings, headers, bodies.
        client.get(f"/v1/stream?apiKey={secret}")
        client.get(f"/v1/stream?api_key={tenant_key}&agentId=a")
        assert client.get("/api/auth/me", headers=auth).status_code == 200
        client.get(f"/api/auth/me?access_token={access}")
        client.get("/graphql", params={"query": "{ me { id } }", "token": access})
        r = client.post("/api/auth/login", json={"email": email, "password": wrong_password})
        assert r.status_code == 401, r.text
        client.post(
            "/api/auth/login", content=f'{{"email": "{email}", "password": "{wrong_password}"'
        )
        client.get(f"/api/auth/login?password={wrong_password}")
        client.post("/api/auth/refresh", json={"refresh_token": refresh})
        client.post(f"/api/auth/refresh?refresh_token={refresh}", json={})
    _try_socket(f"{ws_base}/v1/stream?apiKey={secret}&agentId=nope")
    _try_socket(f"{ws_base}/v1/stream?apiKey={tenant_key}")
    _try_socket(f"{ws_base}/v1/stream?apiKey=voc_sk_live_{'0' * 38}")

    servers.stop(log_server)  # everything it had to say is in the file now
    text = log_server.log_path.read_text(errors="replace")
    for value in (secret, tenant_key, access, refresh, wrong_password, PASSWORD, "0" * 38):
        assert value not in text
    # The lines are there, redacted: the check above is not passing on an empty log.
    assert '"GET /v1/stream?apiKey=[redacted] HTTP/1.1"' in text
    assert '"GET /v1/stream?api_key=[redacted]&agentId=a HTTP/1.1"' in text
    assert '"GET /api/auth/me?access_token=[redacted] HTTP/1.1"' in text
    assert '"GET /api/auth/login?password=[redacted] HTTP/1.1"' in text
    assert '"POST /api/auth/refresh?refresh_token=[redacted] HTTP/1.1"' in text
    assert '"WebSocket /v1/stream?apiKey=[redacted]&agentId=nope"' in text
    assert log_guard.scan_files([log_server.log_path], log_guard.known_secrets()) == []
