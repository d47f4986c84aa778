"""A small OpenAI on a loopback port: ``/v1/audio/transcriptions``, ``/v1/audio/speech``,
streamed ``/v1/chat/completions`` and ``/v1/embeddings``, with OpenAI's request checks, error
bodies and SSE chunks.

A Starlette app served by uvicorn on its own event loop in a background thread, so the providers'
httpx clients talk real HTTP (multipart, chunked SSE) to it while the test's loop awaits. Each
test scripts what comes next and reads what was received::

    with FakeOpenAI() as fake:
        fake.transcripts.append("hello")
        fake.script_chat(ToolCalls([("end_call", '{"reason": "done"}')]), Say("Bye."))
        fake.fail_next("/v1/chat/completions", Fail(500, "The server had an error"))
        fake.script_embeddings(Stall(0), Malformed())  # the second embeddings answer breaks

Its embeddings are deterministic and carry a little meaning: the words of one concept
(``CONCEPTS``: "prix", "tarif", "price", "سعر"...) land on the same dimension, every other word
on its own hashed one, so a test can show what a model adds to spelling-based vectors.
"""

import asyncio
import email.parser
import email.policy
import hashlib
import io
import json
import math
import re
import secrets
import socket
import threading
import time
import unicodedata
import wave
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

API_KEY = "sk-test-" + "k3y" * 12
SPEECH_RATE = 24_000
SECONDS_PER_CHAR = 0.02  # the fake's speech lasts this long per input character


# --- embeddings -----------------------------------------------------------------------------

EMBEDDING_DIM = 256
EMBEDDING_MODELS = frozenset(
    {"text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002"}
)
MAX_EMBEDDING_INPUTS = 2048  # OpenAI's limit per request
# Words of one meaning, across languages and spellings (folded: lowercase, no accents).
CONCEPTS: dict[str, tuple[str, ...]] = {
    "price": ("prix", "tarif", "tarifs", "price", "cost", "cout", "coute", "coutent", "سعر", "ثمن"),
    "delivery": ("livraison", "livrer", "delivery", "shipping", "توصيل", "التوصيل"),
    "hours": ("horaires", "horaire", "hours", "opening", "ouverture", "ouverts", "ouvert"),
    "refund": ("remboursement", "rembourser", "refund", "refunds", "retour"),
}
_CONCEPT_OF = {word: concept for concept, words in CONCEPTS.items() for word in words}
_FUNCTION_WORDS = frozenset(
    {
        *("le", "la", "les", "l", "un", "une", "des", "de", "du", "d", "et", "ou", "est", "a"),
        *("au", "aux", "en", "par", "pour", "sur", "vos", "votre", "nous", "vous", "quel"),
        *("quels", "quelle", "combien", "the", "an", "of", "is", "are", "what", "how", "your"),
        *("sont", "we", "our", "do", "does"),
    }
)
# Not unit length, like some compatible servers: the client normalises.
EMBEDDING_SCALE = 3.0


def fake_embedding(text: str, dim: int = EMBEDDING_DIM) -> list[float]:
    """The fake's vector for ``text``: +-1 per word (its concept's, or its own) on a hashed
    dimension, times ``EMBEDDING_SCALE``; all zeros for a text without words."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    vector = [0.0] * dim
    for word in re.findall(r"\w+", folded):
        if word in _FUNCTION_WORDS:
            continue
        feature = "c:" + _CONCEPT_OF[word] if word in _CONCEPT_OF else "w:" + word
        digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
        vector[digest % dim] += EMBEDDING_SCALE * (1.0 if digest >> 63 else -1.0)
    return vector


def speech_seconds(text: str) -> float:
    return round(len(text) * SECONDS_PER_CHAR, 3)


def tone(seconds: float, rate: int = SPEECH_RATE, hz: float = 440.0) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * math.pi * hz * t) * 8000).astype("<i2").tobytes()


# --- chat scripts -------------------------------------------------------------------------------


@dataclass
class Say:
    """The assistant answers ``text``, streamed a few characters per chunk."""

    text: str
    chunk: int = 6


@dataclass
class ToolCalls:
    """The assistant asks for tools: (name, arguments JSON string) each, the arguments cut into
    ``fragment``-character deltas, the calls' chunks interleaved when ``interleave``."""

    calls: list[tuple[str, str]]
    text: str = ""
    fragment: int = 5
    interleave: bool = False


@dataclass
class Fail:
    """An OpenAI error answer: ``{"error": {"message", "type", "param", "code"}}``."""

    status: int
    message: str
    type: str = "invalid_request_error"
    code: str | None = None


@dataclass
class Slow:
    """Start streaming ``then``, but stall ``seconds`` after the first chunk."""

    seconds: float
    then: Say = field(default_factory=lambda: Say("Too late."))


@dataclass
class Malformed:
    """A stream whose second event is not JSON."""


@dataclass
class CutOff:
    """A stream that stops after the role chunk: no finish_reason, no [DONE]."""


ChatScript = Say | ToolCalls | Fail | Slow | Malformed | CutOff


@dataclass
class Stall:
    """An embeddings answer that comes after ``seconds`` (``Stall(0)``: a normal answer)."""

    seconds: float


@dataclass
class Reversed:
    """An embeddings answer listing its items last index first (``index`` still right)."""


@dataclass
class DropOne:
    """An embeddings answer missing its last item."""


# Malformed: an embeddings answer whose body is cut off mid-JSON.
EmbeddingScript = Stall | Reversed | DropOne | Malformed | Fail


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # name, type, data


def openai_error(
    status: int, message: str, type_: str = "invalid_request_error", **extra: Any
) -> Response:
    body = {"error": {"message": message, "type": type_, "param": None, "code": None, **extra}}
    return JSONResponse(body, status_code=status)


class FakeOpenAI:
    def __init__(self, api_key: str = API_KEY) -> None:
        self.api_key = api_key
        self.transcripts: deque[str] = deque()
        self.default_transcript = ""
        self.speech_as_wav = False  # answer WAV whatever response_format asked
        self.transcription_delay = 0.0
        self._chat: deque[ChatScript] = deque()
        self._embeddings: deque[EmbeddingScript] = deque()
        self.embedding_dim = EMBEDDING_DIM
        self._failures: dict[str, deque[Fail]] = {}
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/v1"
        app = Starlette(
            routes=[
                Route("/v1/audio/transcriptions", self._transcriptions, methods=["POST"]),
                Route("/v1/audio/speech", self._speech, methods=["POST"]),
                Route("/v1/chat/completions", self._chat_completions, methods=["POST"]),
                Route("/v1/embeddings", self._embeddings_route, methods=["POST"]),
            ]
        )
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> "FakeOpenAI":
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake OpenAI did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- scripting and records ------------------------------------------------------------

    def script_chat(self, *scripts: ChatScript) -> None:
        """Answer the next chat completions with these, in order (then ``Say("OK.")``)."""
        with self._lock:
            self._chat.extend(scripts)

    def script_embeddings(self, *scripts: EmbeddingScript) -> None:
        """Shape the next embeddings answers with these, in order (then normal answers)."""
        with self._lock:
            self._embeddings.extend(scripts)

    def fail_next(self, path: str, *failures: Fail) -> None:
        with self._lock:
            self._failures.setdefault(path, deque()).extend(failures)

    def requests(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self._received if path is None or r.path == path]

    def chat_bodies(self) -> list[dict[str, Any]]:
        return [r.json for r in self.requests("/v1/chat/completions")]

    def embedding_inputs(self) -> list[list[str]]:
        """The ``input`` of each embeddings request received, in order."""
        return [r.json["input"] for r in self.requests("/v1/embeddings")]

    # --- common checks --------------------------------------------------------------------

    def _check(self, request: Request, received: Received) -> Response | None:
        with self._lock:
            self._received.append(received)
            queue = self._failures.get(request.url.path)
            failure = queue.popleft() if queue else None
        auth = request.headers.get("authorization", "")
        if auth != f"Bearer {self.api_key}":
            # OpenAI names a (masked) key; ours echoes it whole, so leaks show in tests.
            given = auth.removeprefix("Bearer ")
            return openai_error(
                401,
                f"Incorrect API key provided: {given}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )
        if failure is not None:
            return openai_error(failure.status, failure.message, failure.type, code=failure.code)
        return None

    # --- /v1/audio/transcriptions ---------------------------------------------------------

    async def _transcriptions(self, request: Request) -> Response:
        received = Received(request.url.path, dict(request.headers))
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            received.form, received.files = _multipart(content_type, await request.body())
        refused = self._check(request, received)
        if refused is not None:
            return refused
        if not content_type.startswith("multipart/form-data"):
            return openai_error(400, "Invalid Content-Type header; expected multipart/form-data")
        if not received.form.get("model"):
            return openai_error(400, "you must provide a model parameter", param="model")
        if "file" not in received.files:
            return openai_error(400, "you must provide a file parameter", param="file")
        filename, _, data = received.files["file"]
        if not filename.endswith(".wav"):
            return openai_error(400, "Invalid file format. This fake reads WAV only.")
        try:
            with wave.open(io.BytesIO(data), "rb") as wav:
                wav.readframes(wav.getnframes())
        except (wave.Error, EOFError):
            return openai_error(400, "Audio file might be corrupted or unsupported")
        if self.transcription_delay:
            await asyncio.sleep(self.transcription_delay)
        with self._lock:
            text = self.transcripts.popleft() if self.transcripts else self.default_transcript
        if received.form.get("response_format", "json") == "text":
            return Response(text, media_type="text/plain")
        return JSONResponse({"text": text})

    # --- /v1/audio/speech -----------------------------------------------------------------

    async def _speech(self, request: Request) -> Response:
        received = Received(request.url.path, dict(request.headers), json=await _json(request))
        refused = self._check(request, received)
        if refused is not None:
            return refused
        body = received.json
        if not isinstance(body, dict):
            return openai_error(400, "We could not parse the JSON body of your request.")
        for name in ("model", "input", "voice"):
            if not body.get(name):
                return openai_error(400, f"Missing required parameter: '{name}'.", param=name)
        pcm = tone(speech_seconds(body["input"]))
        if self.speech_as_wav or body.get("response_format") == "wav":
            out = io.BytesIO()
            with wave.open(out, "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(SPEECH_RATE)
                wav.writeframes(pcm)
            return Response(out.getvalue(), media_type="audio/wav")
        return Response(pcm, media_type="audio/pcm")

    # --- /v1/chat/completions -------------------------------------------------------------

    async def _chat_completions(self, request: Request) -> Response:
        received = Received(request.url.path, dict(request.headers), json=await _json(request))
        refused = self._check(request, received)
        if refused is not None:
            return refused
        problem = _chat_problem(received.json)
        if problem:
            return openai_error(400, problem)
        with self._lock:
            script = self._chat.popleft() if self._chat else Say("OK.")
        if isinstance(script, Fail):
            return openai_error(script.status, script.message, script.type, code=script.code)
        model = received.json["model"]
        return StreamingResponse(
            _events(script, model), media_type="text/event-stream; charset=utf-8"
        )

    # --- /v1/embeddings -------------------------------------------------------------------

    async def _embeddings_route(self, request: Request) -> Response:
        received = Received(request.url.path, dict(request.headers), json=await _json(request))
        refused = self._check(request, received)
        if refused is not None:
            return refused
        body = received.json
        if not isinstance(body, dict):
            return openai_error(400, "We could not parse the JSON body of your request.")
        model = body.get("model")
        if not model:
            return openai_error(400, "you must provide a model parameter", param="model")
        if model not in EMBEDDING_MODELS:
            return openai_error(
                404,
                f"The model `{model}` does not exist or you do not have access to it.",
                code="model_not_found",
            )
        inputs = body.get("input")
        if isinstance(inputs, str):
            inputs = [inputs]
        if (
            not isinstance(inputs, list)
            or not inputs
            or not all(isinstance(text, str) and text for text in inputs)
        ):
            return openai_error(
                400,
                "'$.input' is invalid. Please check the API reference: "
                "https://platform.openai.com/docs/api-reference.",
                param="input",
            )
        if len(inputs) > MAX_EMBEDDING_INPUTS:
            return openai_error(
                400,
                f"Invalid 'input': array too long. Expected an array with maximum length "
                f"{MAX_EMBEDDING_INPUTS}, but got an array with length {len(inputs)} instead.",
                param="input",
            )
        if body.get("encoding_format", "float") != "float":
            return openai_error(400, "this fake answers encoding_format 'float' only")
        with self._lock:
            script = self._embeddings.popleft() if self._embeddings else None
        if isinstance(script, Fail):
            return openai_error(script.status, script.message, script.type, code=script.code)
        if isinstance(script, Stall):
            await asyncio.sleep(script.seconds)
        if isinstance(script, Malformed):
            return Response(
                b'{"object": "list", "data": [{"object": "embe', media_type="application/json"
            )
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": fake_embedding(text, self.embedding_dim),
            }
            for i, text in enumerate(inputs)
        ]
        if isinstance(script, Reversed):
            data.reverse()
        if isinstance(script, DropOne):
            data.pop()
        tokens = sum(len(re.findall(r"\w+|[^\w\s]", text)) for text in inputs)
        return JSONResponse(
            {
                "object": "list",
                "data": data,
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        return None


def _multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    form: dict[str, str] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        filename = part.get_filename()
        if filename is not None:
            files[str(name)] = (filename, part.get_content_type(), bytes(data))
        else:
            form[str(name)] = bytes(data).decode()
    return form, files


def _chat_problem(body: Any) -> str | None:
    """What OpenAI would answer 400 for, in the requests our provider can send."""
    if not isinstance(body, dict):
        return "We could not parse the JSON body of your request."
    if not body.get("model"):
        return "you must provide a model parameter"
    if body.get("stream") is not True:
        return "this fake only streams"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array"
    asked: set[str] = set()
    for i, message in enumerate(messages):
        role = message.get("role")
        if role not in ("system", "user", "assistant", "tool"):
            return f"Invalid value for 'messages[{i}].role'"
        if role == "assistant":
            asked = {c["id"] for c in message.get("tool_calls") or []}
        elif role == "tool":
            if message.get("tool_call_id") not in asked or not isinstance(
                message.get("content"), str
            ):
                return (
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'."
                )
        elif not isinstance(message.get("content"), str):
            return f"Invalid type for 'messages[{i}].content'"
    tools = body.get("tools")
    if tools is not None:
        for tool in tools:
            fn = tool.get("function") or {}
            if tool.get("type") != "function" or not fn.get("name") or "parameters" not in fn:
                return (
                    "Invalid 'tools': each tool is {type: function, function: {name, parameters}}"
                )
    if body.get("tool_choice") not in (None, "auto", "none", "required"):
        return "Invalid 'tool_choice'"
    return None


def _chunk(chat_id: str, model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    payload = {
        "id": chat_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


async def _events(script: ChatScript, model: str) -> AsyncIterator[bytes]:
    chat_id = "chatcmpl-" + secrets.token_hex(12)
    yield _chunk(chat_id, model, {"role": "assistant", "content": "", "refusal": None})
    if isinstance(script, Slow):
        await asyncio.sleep(script.seconds)
        script = script.then
    if isinstance(script, Malformed):
        yield b'data: {"id": "' + chat_id.encode() + b'", "choices": [\n\n'
        yield b"data: [DONE]\n\n"
        return
    if isinstance(script, CutOff):
        return
    if isinstance(script, ToolCalls):
        if script.text:
            yield _chunk(chat_id, model, {"content": script.text})
        for delta in _tool_deltas(script):
            yield _chunk(chat_id, model, {"tool_calls": [delta]})
        yield _chunk(chat_id, model, {}, "tool_calls")
    elif isinstance(script, Say):
        for start in range(0, len(script.text), script.chunk):
            yield _chunk(chat_id, model, {"content": script.text[start : start + script.chunk]})
        yield _chunk(chat_id, model, {}, "stop")
    yield b"data: [DONE]\n\n"


def _tool_deltas(script: ToolCalls) -> list[dict[str, Any]]:
    """OpenAI's tool-call deltas: the first names the call, the next carry argument fragments."""
    per_call: list[list[dict[str, Any]]] = []
    for index, (name, arguments) in enumerate(script.calls):
        deltas: list[dict[str, Any]] = [
            {
                "index": index,
                "id": "call_" + secrets.token_hex(12),
                "type": "function",
                "function": {"name": name, "arguments": ""},
            }
        ]
        for start in range(0, len(arguments), script.fragment):
            fragment = arguments[start : start + script.fragment]
            deltas.append({"index": index, "function": {"arguments": fragment}})
        per_call.append(deltas)
    if not script.interleave:
        return [d for deltas in per_call for d in deltas]
    out: list[dict[str, Any]] = []
    for step in range(max(len(d) for d in per_call)):
        out.extend(deltas[step] for deltas in per_call if step < len(deltas))
    return out
