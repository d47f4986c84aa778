"""A webhook receiver on 127.0.0.1: records every request and answers as scripted per path.

A threaded ``http.server`` (HTTP/1.1, keep-alive) in a daemon thread, so it serves while the
test's event loop awaits. Each path has a queue of scripted replies, used in order, then a
default reply (200 unless set). A reply can redirect, be slow, or hold until released::

    with Receiver() as rx:
        rx.script("/hook", Reply(500))           # first request: 500, then the default 200
        rx.default("/moved", Reply(308, headers={"Location": rx.url("/elsewhere")}))
        ...
        await rx.wait_for(2, "/hook")

``Receiver(tls=context)`` serves https with that server context and records the SNI name of
each handshake in ``rx.sni``.
"""

import asyncio
import json
import ssl
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"
HOLD_LIMIT = 30.0  # a held request is answered after this long even if never released


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0  # seconds to wait before answering
    hold: threading.Event | None = None  # answer only once this is set (or HOLD_LIMIT)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    at: float  # time.monotonic() on arrival, before the reply is sent

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


class Receiver:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self._lock = threading.Lock()
        self._requests: list[Received] = []
        self.sni: list[str | None] = []
        self._tls = tls
        self._scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self._defaults: dict[str, Reply] = {}
        self._holds: list[threading.Event] = []
        self._server = ThreadingHTTPServer((HOST, 0), self._handler_class())
        self._server.daemon_threads = True
        if tls is not None:
            tls.sni_callback = self._record_sni
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> "Receiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        for hold in self._holds:
            hold.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "Receiver":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        return f"{'https' if self._tls else 'http'}://{HOST}:{self.port}{path}"

    def _record_sni(self, _sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        with self._lock:
            self.sni.append(name)

    # --- scripting -------------------------------------------------------------------------

    def script(self, path: str, *replies: Reply) -> None:
        """Answer the next requests to ``path`` with these replies, in order."""
        with self._lock:
            self._scripts[path].extend(replies)
            self._holds.extend(r.hold for r in replies if r.hold is not None)

    def default(self, path: str, reply: Reply) -> None:
        """Answer requests to ``path`` with ``reply`` once its script is used up."""
        with self._lock:
            self._defaults[path] = reply
            if reply.hold is not None:
                self._holds.append(reply.hold)

    def _reply_for(self, path: str) -> Reply:
        with self._lock:
            queue = self._scripts.get(path)
            if queue:
                return queue.popleft()
            return self._defaults.get(path, Reply())

    # --- what arrived ----------------------------------------------------------------------

    def requests(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self._requests if path is None or r.path == path]

    def events(self, path: str | None = None) -> list[dict[str, Any]]:
        """The JSON bodies received on ``path``, in arrival order."""
        return [r.json() for r in self.requests(path)]

    async def wait_for(self, count: int, path: str | None = None, timeout: float = 10.0) -> None:
        """Until at least ``count`` requests arrived on ``path`` (any path when None)."""
        deadline = time.monotonic() + timeout
        while len(self.requests(path)) < count:
            if time.monotonic() > deadline:
                got = [(r.path, r.headers.get("x-vocalia-event")) for r in self.requests()]
                raise AssertionError(f"expected {count} requests on {path}, got {got}")
            await asyncio.sleep(0.01)

    def _record(self, request: Received) -> None:
        with self._lock:
            self._requests.append(request)

    # --- the HTTP side ---------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                receiver._record(
                    Received(
                        method=self.command,
                        path=path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=body,
                        at=time.monotonic(),
                    )
                )
                reply = receiver._reply_for(path)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.hold is not None:
                    reply.hold.wait(HOLD_LIMIT)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    self.close_connection = True  # the sender went away while we held it

            do_POST = do_GET = do_PUT = _handle

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
