"""A /v1/stream client for tests and benches: contract §6 frames over a real socket."""

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from realtime.audio import read_wav, resample, silence

FIXTURES = Path(__file__).parent / "fixtures" / "audio"
TIMEOUT = 30.0


def fixture_pcm(name: str, rate: int = 16000) -> bytes:
    """A committed eSpeak fixture as PCM16 at ``rate``."""
    audio = read_wav(FIXTURES / name)
    return resample(audio.pcm, audio.rate, rate)


class VoiceClient:
    """One stream: sends frames, records every server frame with its arrival time."""

    def __init__(self, conn: ClientConnection, rate: int = 16000) -> None:
        self.conn = conn
        self.rate = rate
        self.frames: list[tuple[float, dict[str, Any]]] = []
        self.closed: tuple[int, str] | None = None
        self._cursor = 0
        self._reader = asyncio.create_task(self._read())
        self._arrived = asyncio.Event()

    async def _read(self) -> None:
        try:
            async for raw in self.conn:
                message = json.loads(raw)
                self.frames.append((time.monotonic(), message))
                self._arrived.set()
        except ConnectionClosed:
            pass
        rcvd = self.conn.protocol.close_rcvd
        self.closed = (rcvd.code, rcvd.reason) if rcvd else (1006, "")
        self._arrived.set()

    async def send(self, message: dict[str, Any]) -> None:
        await self.conn.send(json.dumps(message))

    async def config(
        self,
        agent_id: str,
        language: str = "en",
        rate: int | None = None,
        *,
        partials: bool = False,
    ) -> dict[str, Any]:
        """Partial transcripts are off unless asked for: a test reading "the caller's
        transcript" then reads the final one."""
        await self.send(
            {
                "type": "config",
                "agentId": agent_id,
                "language": language,
                "sampleRate": rate or self.rate,
                "partials": partials,
            }
        )
        return await self.expect("ready")

    async def audio(
        self, pcm: bytes, *, speed: float = 1.0, frame_ms: int = 20, binary: bool = True
    ) -> float:
        """Send ``pcm`` in ``frame_ms`` frames, ``speed`` times faster than real time.
        Returns the monotonic time the last frame was sent."""
        size = self.rate * frame_ms // 1000 * 2
        start = time.monotonic()
        for i, offset in enumerate(range(0, len(pcm), size)):
            chunk = pcm[offset : offset + size]
            if binary:
                await self.conn.send(chunk)
            else:
                await self.send({"type": "audio", "audio": base64.b64encode(chunk).decode()})
            due = start + (i + 1) * frame_ms / 1000 / speed
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        return time.monotonic()

    async def say(self, name: str, *, speed: float = 4.0, tail_ms: int = 800) -> float:
        """A fixture, then silence so the turn ends; returns when the speech itself ended."""
        ended = await self.audio(fixture_pcm(name, self.rate), speed=speed)
        await self.audio(silence(self.rate, tail_ms), speed=speed)
        return ended

    async def wait(
        self, check: Callable[[dict[str, Any]], bool], timeout: float = TIMEOUT
    ) -> dict[str, Any]:
        """The next frame (after those already consumed) that satisfies ``check``."""
        deadline = time.monotonic() + timeout
        while True:
            while self._cursor < len(self.frames):
                _, message = self.frames[self._cursor]
                self._cursor += 1
                if check(message):
                    return message
            if self.closed is not None:
                raise AssertionError(f"closed {self.closed} while waiting; got {self.types()}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting; got {self.types()}")
            self._arrived.clear()
            try:
                async with asyncio.timeout(left):
                    await self._arrived.wait()
            except TimeoutError:
                pass

    async def expect(self, kind: str, timeout: float = TIMEOUT, **fields: Any) -> dict[str, Any]:
        return await self.wait(
            lambda m: m.get("type") == kind and all(m.get(k) == v for k, v in fields.items()),
            timeout,
        )

    async def agent_line(self, timeout: float = TIMEOUT) -> str:
        frame = await self.expect("transcript", timeout, role="agent")
        return str(frame["text"])

    async def wait_closed(self, timeout: float = TIMEOUT) -> tuple[int, str]:
        async with asyncio.timeout(timeout):
            await asyncio.shield(self._reader)
        assert self.closed is not None
        return self.closed

    def types(self) -> list[str]:
        return [str(m.get("type")) for _, m in self.frames if m.get("type") != "audio"]

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for _, m in self.frames if m.get("type") == kind]

    def first_after(self, kind: str, after: float) -> float | None:
        for at, message in self.frames:
            if at >= after and message.get("type") == kind:
                return at
        return None


def stream_url(base: str, api_key: str) -> str:
    root = base.rsplit("/graphql", 1)[0]
    return f"{root}/v1/stream?apiKey={quote(api_key)}"


@asynccontextmanager
async def open_stream(
    base: str, api_key: str, *, origin: str | None = None, rate: int = 16000
) -> AsyncIterator[VoiceClient]:
    headers = {"Origin": origin} if origin else None
    async with connect(
        stream_url(base, api_key), additional_headers=headers, max_size=None, open_timeout=10
    ) as conn:
        client = VoiceClient(conn, rate)
        try:
            yield client
        finally:
            client._reader.cancel()
