"""graphql-transport-ws over a real socket, against the session app.

The session app owns the process's Tortoise context, so a second app (TestClient on a fresh
instance) cannot run beside it. Instead an in-process uvicorn serves the *same* app object on a
free loopback port, inside the session's event loop, without running its lifespan again; tests
talk to it with the `websockets` client, exactly as a browser would.
"""

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from resolvers import events

PROTOCOL = "graphql-transport-ws"
TIMEOUT = 10.0


@asynccontextmanager
async def serve(app: object) -> AsyncIterator[str]:
    """Serve ``app`` on 127.0.0.1 (a port the kernel picks); yields the ws:// URL of /graphql."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        lifespan="off",
        ws="websockets-sansio",
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(TIMEOUT):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, TIMEOUT)
        sock.close()


class GraphQLSocket:
    """One graphql-transport-ws connection: JSON messages in, JSON messages out."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn

    async def send(self, message: dict[str, Any]) -> None:
        await self.conn.send(json.dumps(message))

    async def receive(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            raw = await self.conn.recv()
        message: dict[str, Any] = json.loads(raw)
        return message

    async def init(self, token: str | None) -> None:
        """connection_init with ``{"authorization": "Bearer <token>"}`` (no payload: None)."""
        payload = {"authorization": f"Bearer {token}"} if token is not None else {}
        await self.send({"type": "connection_init", "payload": payload})

    async def subscribe(
        self, op_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        await self.send(
            {
                "id": op_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )

    async def until_complete(self, op_id: str, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """Every message of one operation up to and including its complete (or error)."""
        out: list[dict[str, Any]] = []
        async with asyncio.timeout(timeout):
            while True:
                message = await self.receive(timeout)
                if message.get("id") != op_id:
                    continue
                out.append(message)
                if message["type"] in ("complete", "error"):
                    return out

    async def closed_with(self, timeout: float = TIMEOUT) -> tuple[int | None, str]:
        """Wait for the server to close the socket; its close code and reason."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.conn.recv()
        except ConnectionClosed as exc:
            rcvd = exc.rcvd
            return (rcvd.code, rcvd.reason) if rcvd else (None, "")
        raise AssertionError("unreachable")


@asynccontextmanager
async def session(url: str, token: str | None = None) -> AsyncIterator[GraphQLSocket]:
    """A connection; with a token, initialised and acknowledged."""
    async with connect(url, subprotocols=[PROTOCOL], open_timeout=TIMEOUT) as conn:  # type: ignore[list-item]
        ws = GraphQLSocket(conn)
        if token is not None:
            await ws.init(token)
            ack = await ws.receive()
            assert ack == {"type": "connection_ack"}, ack
        yield ws


async def wait_for_subscribers(channel: str, count: int = 1, timeout: float = TIMEOUT) -> None:
    """Events published before a subscriber listens are gone: wait until it does."""
    bus = events.get_bus()
    async with asyncio.timeout(timeout):
        while bus.local_subscribers(channel) < count:
            await asyncio.sleep(0.005)
