"""Voice-to-voice latency and silent-stream capacity of one server process, offline stack.

    .venv/bin/python bench/voice.py [--turns 24] [--streams 200,400] [--skip-capacity]

Latency: a real uvicorn process (SQLite, in-memory bus, Whisper base, builtin agent, eSpeak;
models warmed at start) serves WS /v1/stream. This process plays callers: English utterances of
2-3 s synthesized with eSpeak, streamed in real time as 20 ms binary frames, followed by
silence until the agent has answered. Per turn it measures, on its own clock, the time from the
last frame of speech sent to the first agent audio frame received; the server reports each
turn's parts (end-of-turn wait, speech recognition still running after it, agent, synthesis)
in the agent's transcript frame. Side by side, in the same run, the floor of a serial pipeline
on the same machine: the end-of-turn silence plus this process's own Whisper and eSpeak times
for the same utterances. Targets: p50 <= 900 ms, p95 <= 1,300 ms. The same turns are
measured again in sessions that ask for partial transcripts (alternating with the others):
partials must not slow the final line (p50 and p95 ratios <= 1.10).

Capacity: the server is pinned to CPU 0 (taskset) and this process to CPU 1. N streams each send
20 ms silent 16 kHz binary frames in real time. After their greetings have played, the server's
CPU time over a window gives its load at N streams; a probe stream's typed turn shows it still
answers. Streams per core = N / (CPU share), reported for each N. Target: >= 200 per core.
"""

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from realtime.audio import resample, silence  # noqa: E402
from realtime.speech import Audio  # noqa: E402
from realtime.speech.espeak import EspeakSpeaker  # noqa: E402
from realtime.speech.whisper import WhisperTranscriber  # noqa: E402
from resolvers.settings import Settings  # noqa: E402
from tests.voice import VoiceClient, open_stream  # noqa: E402

RATE = 16000
SECRET = "bench-voice-secret-" + "x" * 32
LINES = [
    "What are your opening hours on Saturday?",
    "Do you have parking near the clinic?",
    "How much does a first consultation cost?",
    "Can you tell me where you are located?",
    "Do you accept payment by credit card?",
    "Is the doctor available next week?",
]
PER_SESSION = 4
PER_TENANT = 100  # enterprise: 100 simultaneous calls


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, workdir: Path, *, cpu: int | None, warm: bool) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("VOCALIA_")}
        env.update(
            VOCALIA_ENV="development",
            VOCALIA_DATABASE_URL=f"sqlite://{workdir}/bench.sqlite3",
            VOCALIA_VAR_DIR=str(workdir / "var"),
            VOCALIA_JWT_SECRET=SECRET,
            VOCALIA_VOICE_WARM_UP="1" if warm else "0",
            VOCALIA_SILENCE_REPROMPT_SECONDS="600",
            VOCALIA_SILENCE_TIMEOUT_SECONDS="1200",
        )
        workdir.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "app", "migrate"], cwd=ROOT, env=env, check=True)
        cmd = [sys.executable, "-m", "uvicorn", "app:app_factory", "--factory"]
        cmd += ["--port", str(self.port), "--log-level", "warning", "--no-access-log"]
        cmd += ["--ws-max-size", str(1 << 20)]
        if cpu is not None and shutil.which("taskset"):
            cmd = ["taskset", "-c", str(cpu), *cmd]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def tenant(base: str, n: int) -> str:
    """An enterprise tenant with an English agent; returns its vk_ key."""
    r = httpx.post(
        f"{base}/api/auth/register",
        json={
            "email": f"bench{n}@example.com",
            "password": "correct-horse-battery",
            "company": f"Bench {n}",
            "name": "Bench",
            "plan": "enterprise",
        },
    )
    r.raise_for_status()
    key = str(r.json()["tenant"]["api_key"])
    r = httpx.post(
        f"{base}/v1/agents",
        json={"id": "agent_en", "name": "Atlas Dental", "language": "en"},
        headers={"Authorization": f"Bearer {key}"},
    )
    r.raise_for_status()
    return key


# --- latency ------------------------------------------------------------------------------------


def utterances() -> list[bytes]:
    speaker = EspeakSpeaker.shared()

    async def render() -> list[bytes]:
        out = []
        for line in LINES:
            audio = await speaker.synthesize(line, "en")
            out.append(resample(audio.pcm, audio.rate, RATE))
        return out

    return asyncio.run(render())


SENT = [0]  # frames sent by every caller of this process


async def keep_silent(voice: VoiceClient, until: asyncio.Event) -> None:
    frame = silence(RATE, 20)
    start = time.monotonic()
    n = 0
    while not until.is_set():
        await voice.conn.send(frame)
        n += 1
        SENT[0] += 1
        delay = start + n * 0.02 - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)


async def one_turn(voice: VoiceClient, pcm: bytes) -> tuple[float, dict[str, float]]:
    spoken_end = await voice.audio(pcm, speed=1.0)
    done = asyncio.Event()
    quiet = asyncio.create_task(keep_silent(voice, done))
    try:
        line = await voice.expect("transcript", 30, role="agent")
    finally:
        done.set()
        await quiet
    first = voice.first_after("audio", spoken_end)
    if first is None:
        raise RuntimeError("no agent audio")
    parts = line.get("latencyMs") or {}
    return (first - spoken_end) * 1000, {k: float(v) for k, v in parts.items()}


PARTIALS_SEEN: dict[bool, int] = {False: 0, True: 0}


async def latency(
    base: str, key: str, turns: int, clips: list[bytes], *, partials: bool = False
) -> list[tuple[float, dict[str, float]]]:
    results: list[tuple[float, dict[str, float]]] = []
    ws_base = base.replace("http://", "ws://") + "/graphql"
    while len(results) < turns:
        async with open_stream(ws_base, key) as voice:
            await voice.config("agent_en", "en", partials=partials)
            await voice.agent_line(30)  # the greeting has played
            for i in range(PER_SESSION):
                if len(results) >= turns:
                    break
                results.append(await one_turn(voice, clips[(len(results) + i) % len(clips)]))
            await voice.send({"type": "end"})
            await voice.expect("end")
            PARTIALS_SEEN[partials] += sum(
                1 for m in voice.of("transcript") if m.get("final") is False
            )
    return results


async def latency_side_by_side(
    base: str, key: str, turns: int, clips: list[bytes]
) -> dict[bool, list[tuple[float, dict[str, float]]]]:
    """Sessions without and with partial transcripts, alternating, so both see the same
    machine; ``turns`` each."""
    out: dict[bool, list[tuple[float, dict[str, float]]]] = {False: [], True: []}
    while len(out[True]) < turns:
        for partials in (False, True):
            out[partials] += await latency(base, key, PER_SESSION, clips, partials=partials)
    return out


def floor(clips: list[bytes], eot_ms: int, workdir: Path) -> tuple[float, float, float]:
    """The same machine's serial floor: end-of-turn silence + Whisper + eSpeak, measured here."""
    settings = Settings(var_dir=workdir / "var", jwt_secret=SECRET)
    stt = WhisperTranscriber.shared(settings)
    tts = EspeakSpeaker.shared()

    async def measure() -> tuple[list[float], list[float]]:
        await stt.warm_up()
        stt_ms, tts_ms = [], []
        for pcm in clips * 2:
            t0 = time.perf_counter()
            await stt.transcribe(Audio(pcm, RATE), "en")
            stt_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            await tts.synthesize("We are open from nine in the morning.", "en")
            tts_ms.append((time.perf_counter() - t0) * 1000)
        return stt_ms, tts_ms

    stt_ms, tts_ms = asyncio.run(measure())
    stt_p50, tts_p50 = statistics.median(stt_ms), statistics.median(tts_ms)
    return eot_ms + stt_p50 + tts_p50, stt_p50, tts_p50


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


# --- capacity -----------------------------------------------------------------------------------


async def silent_streams(
    base: str, keys: list[str], n: int, window: float, server: Server
) -> dict[str, float]:
    ws_base = base.replace("http://", "ws://") + "/graphql"
    stop = asyncio.Event()
    ready = 0
    errors: list[str] = []

    async def caller(i: int) -> None:
        nonlocal ready
        try:
            async with open_stream(ws_base, keys[i // PER_TENANT]) as voice:
                await voice.config("agent_en", "en")
                ready += 1
                await keep_silent(voice, stop)
                if voice.of("error"):
                    errors.append(str(voice.of("error")[0]))
                await voice.send({"type": "end"})
        except Exception as exc:
            errors.append(repr(exc))

    tasks = [asyncio.create_task(caller(i)) for i in range(n)]
    for _ in range(n):
        await asyncio.sleep(0.01)  # stagger the openings a little, as real traffic would be
    deadline = time.monotonic() + 60
    while ready < n and time.monotonic() < deadline and len(errors) == 0:
        await asyncio.sleep(0.1)
    await asyncio.sleep(5)  # every greeting has played
    cpu0, t0, sent0 = server.cpu_seconds(), time.monotonic(), SENT[0]
    await asyncio.sleep(window / 2)
    probe_ms = await probe(ws_base, keys[-1])
    await asyncio.sleep(window / 2)
    cpu1, t1, sent1 = server.cpu_seconds(), time.monotonic(), SENT[0]
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    share = (cpu1 - cpu0) / (t1 - t0)
    # Frames actually sent, against 50 a second per stream: the callers kept real time.
    realtime = (sent1 - sent0) / ((t1 - t0) * 50 * max(1, ready))
    return {
        "streams": ready,
        "cpu": share,
        "probe_ms": probe_ms,
        "errors": len(errors),
        "realtime": realtime,
    }


async def probe(ws_base: str, key: str) -> float:
    async with open_stream(ws_base, key) as voice:
        await voice.config("agent_en", "en")
        await voice.agent_line(30)
        t0 = time.monotonic()
        await voice.send({"type": "text", "text": "What are your opening hours?"})
        await voice.expect("audio", 30)
        elapsed = (time.monotonic() - t0) * 1000
        await voice.send({"type": "end"})
        await voice.expect("end")
        return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=24)
    parser.add_argument("--streams", default="200,400")
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--skip-capacity", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every turn")
    args = parser.parse_args()
    eot_ms = Settings().end_of_turn_ms
    print(f"machine: {os.cpu_count()} CPUs, python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="vocalia-bench-voice-") as tmp:
        workdir = Path(tmp)
        if not args.skip_latency:
            clips = utterances()
            durations = [len(c) / 2 / RATE for c in clips]
            print(
                f"utterances: {len(clips)}, {min(durations):.1f}-{max(durations):.1f} s of speech"
            )
            server = Server(workdir / "latency", cpu=None, warm=True)
            try:
                key = tenant(server.base, 1)
                time.sleep(3)  # the warm-up has loaded Whisper
                both = asyncio.run(latency_side_by_side(server.base, key, args.turns, clips))
            finally:
                server.stop()
            turns = both[False]
            totals = [t for t, _ in turns]
            with_partials = [t for t, _ in both[True]]
            if args.verbose:
                for i, (total, parts) in enumerate(turns):
                    print(f"  turn {i:2d} line {i % len(clips)}: {total:6.0f} ms {parts}")
            print(
                f"\nvoice-to-voice over {len(turns)} turns (client clock: last speech frame sent -> first agent audio received)"
            )
            print(
                f"  p50 {pct(totals, 50):.0f} ms   p95 {pct(totals, 95):.0f} ms   (targets 900 / 1300)"
            )
            print(
                f"  with partial transcripts (sessions alternating with the above):"
                f" p50 {pct(with_partials, 50):.0f} ms   p95 {pct(with_partials, 95):.0f} ms;"
                f" p50 ratio {pct(with_partials, 50) / pct(totals, 50):.2f},"
                f" p95 ratio {pct(with_partials, 95) / pct(totals, 95):.2f}"
                f" ({PARTIALS_SEEN[True]} partials over {len(with_partials)} turns;"
                f" target: ratios <= 1.10)"
            )
            parts = ("total", "eot", "stt", "agent", "tts")
            print("  server-side parts, p50 / p95 ms:")
            for part in parts:
                vals = [p[part] for _, p in turns if part in p]
                if vals:
                    print(f"    {part:<6} {pct(vals, 50):7.0f} {pct(vals, 95):7.0f}")
            base_ms, stt_ms, tts_ms = floor(clips, eot_ms, workdir)
            print(
                f"  serial floor measured here: eot {eot_ms} + whisper {stt_ms:.0f} + espeak {tts_ms:.0f}"
                f" = {base_ms:.0f} ms; p50 / floor = {pct(totals, 50) / base_ms:.2f}"
            )
        if not args.skip_capacity:
            counts = [int(x) for x in args.streams.split(",") if x]
            tenants = -(-max(counts) // PER_TENANT) + 1
            if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
                os.sched_setaffinity(0, {1})
            print("\nsilent 16 kHz streams, server pinned to one core (CPU 0), callers on CPU 1:")
            for n in counts:
                server = Server(workdir / f"capacity-{n}", cpu=0, warm=False)
                try:
                    keys = [tenant(server.base, i) for i in range(tenants)]
                    result = asyncio.run(silent_streams(server.base, keys, n, args.window, server))
                finally:
                    server.stop()
                per_core = result["streams"] / result["cpu"] if result["cpu"] > 0 else float("inf")
                print(
                    f"  {int(result['streams']):4d} streams: server CPU {100 * result['cpu']:5.1f}% of a core"
                    f" -> {per_core:6.0f} streams/core; probe turn answered in {result['probe_ms']:.0f} ms;"
                    f" callers sent {100 * result['realtime']:.0f}% of real-time frames;"
                    f" errors {int(result['errors'])}"
                )
            print("  target: >= 200 streams per core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
