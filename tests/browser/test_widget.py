"""The Voice Widget in a real browser: Debian's Chromium driven by Playwright, against a real
server (tests/servers.py) with the offline voice stack (Whisper, builtin agent, eSpeak).

The microphone is Chromium's fake capture device playing ``en_booking_request.wav`` once
(``%noloop``): tests/fixtures/audio/en_booking.wav ("Hello, I would like to book an
appointment tomorrow at ten in the morning.") after 6 s of digital silence, so the agent's
greeting is over before the caller speaks, then 2 s of silence; or, to talk over the
greeting, ``en_barge_in.wav``: en_hours.wav ("What are your opening hours?") after 1 s.
Customers' pages are served from another origin than the API's (a loopback HTTP server),
which the demo tenant allows; the demo page is the API's own.

Chromium: ``apt-get install -y chromium`` (never ``playwright install``); Playwright for
Python: the ``playwright==1.65.2`` package. Without them these tests skip, and fail under
CI=true.
"""

import datetime as dt
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests import servers

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
SPEECH = HERE / "en_booking_request.wav"
# The same question 1 s after the microphone opens: while the agent still greets.
BARGE_IN = HERE / "en_barge_in.wav"
# en_booking.wav's sentence twice, 60 ms apart, after the greeting: 7.6 s of speech, so a
# partial transcript comes back long before the turn ends, even on a loaded machine.
LONG_SPEECH = HERE / "en_long_request.wav"
IN_CI = os.environ.get("CI", "").lower() == "true"

try:
    from playwright.async_api import Browser, Page, Playwright, async_playwright
except ImportError:  # pragma: no cover - depends on the machine
    async_playwright = None  # type: ignore[assignment]

_missing = [
    what
    for what, ok in (
        ("the playwright package (pip install playwright==1.65.2)", async_playwright is not None),
        (f"{CHROMIUM} (apt-get install -y chromium)", CHROMIUM.exists()),
    )
    if not ok
]
if _missing and IN_CI:
    raise RuntimeError("CI=true and the browser test cannot run: missing " + ", ".join(_missing))
if _missing:
    pytest.skip("missing " + ", ".join(_missing), allow_module_level=True)

# A customer's site: another origin than the API's, a real HTTP server on loopback (a page
# Playwright fulfils itself counts as a public address, which Chromium's local network access
# checks then keep from reaching the loopback API).
PAGES: dict[str, str] = {}


class _Site(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write((body or "not found").encode())

    def log_message(self, format: str, *args: Any) -> None:
        return


SITE = http.server.ThreadingHTTPServer((servers.HOST, 0), _Site)
HOST_ORIGIN = f"http://{servers.HOST}:{SITE.server_address[1]}"
# The same site under another name: an origin the demo tenant never allowed.
OTHER_ORIGIN = f"http://localhost:{SITE.server_address[1]}"


@pytest.fixture(scope="module", autouse=True)
def host_site() -> Iterator[str]:
    thread = threading.Thread(target=SITE.serve_forever, name="host-site", daemon=True)
    thread.start()
    yield HOST_ORIGIN
    SITE.shutdown()
    SITE.server_close()


TIMEOUT_MS = 90_000  # the first turn loads Whisper and eSpeak


@dataclass
class Demo:
    server: servers.Server
    tenant_id: str
    publishable_key: str
    token: str  # the demo owner's access token

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def new_publishable_key(self, name: str) -> tuple[str, str]:
        with httpx.Client(base_url=self.server.url, timeout=10.0) as http:
            r = http.post(
                f"/api/tenants/{self.tenant_id}/keys",
                json={"kind": "publishable", "name": name},
                headers=self.headers,
            )
        assert r.status_code == 201, r.text
        return r.json()["key"]["id"], r.json()["secret"]

    def revoke(self, key_id: str) -> None:
        with httpx.Client(base_url=self.server.url, timeout=10.0) as http:
            r = http.delete(f"/api/tenants/{self.tenant_id}/keys/{key_id}", headers=self.headers)
        assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    tmp = tmp_path_factory.mktemp("browser")
    backend = servers.prepare_database(tmp, suffix="_browser")
    env = servers.server_env(backend.database_url, tmp / "var")
    # The demo tenant (pro plan, agent_support_en, a publishable key) as `serve --demo` makes it.
    seeded = subprocess.run(
        [sys.executable, "-m", "app", "seed-demo"],
        cwd=servers.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    creds = json.loads((tmp / "var" / "demo-credentials.json").read_text())
    with servers.running(env, tmp / "logs") as (server,):
        with httpx.Client(base_url=server.url, timeout=10.0) as http:
            login = http.post(
                "/api/auth/login", json={"email": creds["email"], "password": creds["password"]}
            )
            assert login.status_code == 200, login.text
            token = login.json()["access_token"]
            r = http.put(
                f"/api/tenants/{creds['tenant_id']}/allowed-origins",
                json={"origins": [HOST_ORIGIN]},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 200, r.text
        yield Demo(server, creds["tenant_id"], creds["publishable_key"], token)


async def _launch(pw: "Playwright", *, fake_ui: bool, speech: Path = SPEECH) -> "Browser":
    args = [
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={speech}%noloop",
        "--autoplay-policy=no-user-gesture-required",
    ]
    if fake_ui:
        # Accepts the microphone prompt; without it headless Chromium denies the permission.
        args.insert(0, "--use-fake-ui-for-media-stream")
    return await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)


# Playwright's async API: its sync one runs an event loop of its own on this thread, where
# the suite's async fixtures then cannot run theirs.
@pytest.fixture(scope="module")
async def playwright() -> AsyncIterator["Playwright"]:
    async with async_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
async def browser(playwright: "Playwright") -> AsyncIterator["Browser"]:
    b = await _launch(playwright, fake_ui=True)
    yield b
    await b.close()


@pytest.fixture(scope="module")
async def barging_browser(playwright: "Playwright") -> AsyncIterator["Browser"]:
    b = await _launch(playwright, fake_ui=True, speech=BARGE_IN)
    yield b
    await b.close()


@pytest.fixture(scope="module")
async def talking_browser(playwright: "Playwright") -> AsyncIterator["Browser"]:
    b = await _launch(playwright, fake_ui=True, speech=LONG_SPEECH)
    yield b
    await b.close()


@pytest.fixture(scope="module")
async def denying_browser(playwright: "Playwright") -> AsyncIterator["Browser"]:
    b = await _launch(playwright, fake_ui=False)
    yield b
    await b.close()


EVENTS_JS = """
window.__events = [];
for (const name of ["ready", "conversationStart", "message", "conversationEnd", "error"]) {
  VocalIA.on(name, (data) => window.__events.push({name, data}));
}
"""


def host_page(api: str, embed: str) -> str:
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A customer's site</h1><button id="page-button">page button</button>
{embed}
</body></html>"""


def init_embed(api: str, options: dict[str, Any]) -> str:
    return (
        f'<script src="{api}/voice-assistant/voice-widget-b2b.js"></script>'
        f"<script>{EVENTS_JS}VocalIA.init({json.dumps({**options, 'apiUrl': api})});</script>"
    )


async def open_page(browser: "Browser", html: str, origin: str = HOST_ORIGIN) -> "Page":
    context = await browser.new_context()
    page = await context.new_page()
    # The page's console and errors, printed with a failing test's output.
    page.on("console", lambda msg: print(f"[console.{msg.type}] {msg.text}"))
    page.on("pageerror", lambda exc: print(f"[pageerror] {exc}"))
    path = f"/shop-{len(PAGES)}.html"
    PAGES[path] = html
    await page.goto(origin + path)
    return page


async def open_ready_widget(browser: "Browser", api: str, key: str) -> "Page":
    """A customer's page embedding the widget with VocalIA.init for the English agent, once
    the widget is ready."""
    options = {"apiKey": key, "agentId": "agent_support_en", "language": "en"}
    page = await open_page(browser, host_page(api, init_embed(api, options)))
    await wait_event(page, "ready", timeout=20_000)
    return page


async def events(page: "Page", name: str | None = None) -> list[dict[str, Any]]:
    all_events: list[dict[str, Any]] = await page.evaluate("window.__events")
    return [e for e in all_events if name is None or e["name"] == name]


async def wait_event(
    page: "Page", name: str, where: str = "() => true", timeout: float = TIMEOUT_MS
) -> Any:
    """The data of the ``name`` events that match ``where`` (a JS predicate), once one does."""
    matching = f"window.__events.filter((e) => e.name === {json.dumps(name)} && ({where})(e.data))"
    await page.wait_for_function(f"{matching}.length > 0", timeout=timeout)
    found: list[Any] = await page.evaluate(f"{matching}.map((e) => e.data)")
    return found


async def test_a_booking_by_voice_on_the_demo_page(browser: "Browser", demo: Demo) -> None:
    api = demo.server.url
    context = await browser.new_context()
    page = await context.new_page()
    page.on("console", lambda msg: print(f"[console.{msg.type}] {msg.text}"))
    await page.goto(api + "/widget/demo?lang=en")
    launcher = page.locator("#vocalia-widget .launcher")
    await launcher.wait_for(timeout=20_000)
    await page.evaluate(EVENTS_JS)
    assert await launcher.get_attribute("aria-expanded") == "false"
    await launcher.click()
    dialog = page.get_by_role("dialog", name="Voice assistant")
    assert await dialog.is_visible()
    assert await launcher.get_attribute("aria-expanded") == "true"
    started = await wait_event(page, "conversationStart")
    call_id = started[0]["callId"]
    assert call_id.startswith("call_")
    assert started[0]["channel"] == "voice"

    # The agent's greeting: spoken (buffers scheduled) and written once heard.
    agent_line = page.locator("#vocalia-widget .line.agent[data-final=true]").first
    await agent_line.wait_for(timeout=TIMEOUT_MS)
    assert "how can I help" in await agent_line.inner_text()
    debug = await page.evaluate("VocalIA.debug")
    assert debug["audioBuffersScheduled"] > 0
    assert debug["audioSecondsScheduled"] > 1.0
    assert debug["framesSent"] > 0

    # The caller books from the fake microphone, through the real Whisper pipeline.
    heard = await wait_event(page, "message", "(d) => d.role === 'user'")
    assert "appointment tomorrow" in heard[0]["text"].lower()
    user_line = page.locator("#vocalia-widget .line.user[data-final=true]").first
    assert "appointment tomorrow" in (await user_line.inner_text()).lower()
    # One line for the caller's turn: a partial shown live ("Hello," at the comma's pause) is
    # replaced in place by the final. The server sends that partial only when its recognition
    # ends before the turn does, which a loaded machine does not always allow.
    assert await page.locator("#vocalia-widget .line.user").count() == 1
    booked = await wait_event(page, "message", "(d) => d.role === 'agent' && /booked/.test(d.text)")
    assert "Your appointment is booked for tomorrow" in booked[-1]["text"]
    assert "10" in booked[-1]["text"]
    assert (await page.evaluate("VocalIA.debug"))["audioBuffersScheduled"] > debug[
        "audioBuffersScheduled"
    ]

    # Typed text while the stream is live goes over the stream, same call.
    await page.locator("#vocalia-widget input").fill("How do I track my order?")
    await page.locator("#vocalia-widget .send").click()
    await wait_event(page, "message", "(d) => d.role === 'agent' && /order number/.test(d.text)")

    # Escape closes the dialog and ends the call; the focus goes back to the launcher.
    await page.keyboard.press("Escape")
    assert not await dialog.is_visible()
    ended = await wait_event(page, "conversationEnd")
    assert ended[0]["callId"] == call_id
    assert await page.evaluate("document.activeElement.id") == "vocalia-widget"
    assert (
        await page.evaluate(
            "document.getElementById('vocalia-widget').shadowRoot.activeElement.className"
        )
        == "launcher"
    )
    # The events, in order: the call starts, the greeting, the request, the booking, the typed
    # question and its answer, the end; no error.
    order = [(e["name"], e["data"].get("role")) for e in await events(page) if e["name"] != "ready"]
    assert order == [
        ("conversationStart", None),
        ("message", "agent"),
        ("message", "user"),
        ("message", "agent"),
        ("message", "user"),
        ("message", "agent"),
        ("conversationEnd", None),
    ]
    await context.close()

    # The booking is in the database, for tomorrow at 10 where the tenant is.
    with httpx.Client(base_url=api, timeout=10.0) as http:
        call = http.get(f"/api/tenants/{demo.tenant_id}/calls/{call_id}", headers=demo.headers)
        found = http.post(
            "/graphql",
            json={"query": "{ bookings { items { callId startsAt timezone } } }"},
            headers=demo.headers,
        )
    assert call.status_code == 200, call.text
    assert call.json()["direction"] == "web"
    assert found.status_code == 200, found.text
    [booking] = [b for b in found.json()["data"]["bookings"]["items"] if b["callId"] == call_id]
    zone = ZoneInfo(booking["timezone"])
    starts = dt.datetime.fromisoformat(booking["startsAt"]).astimezone(zone)
    tomorrow = dt.datetime.now(zone).date() + dt.timedelta(days=1)
    assert (starts.date(), starts.hour, starts.minute) == (tomorrow, 10, 0)


async def test_the_callers_line_shows_live_then_is_replaced_by_the_final(
    talking_browser: "Browser", demo: Demo
) -> None:
    api = demo.server.url
    page = await open_ready_widget(talking_browser, api, demo.publishable_key)
    await page.locator("#vocalia-widget .launcher").click()
    await wait_event(page, "conversationStart")
    live = page.locator("#vocalia-widget .line.user.partial[data-final=false]")
    await live.wait_for(timeout=TIMEOUT_MS)
    assert "hello" in (await live.inner_text()).lower()
    heard = await wait_event(page, "message", "(d) => d.role === 'user'")
    assert "appointment tomorrow" in heard[0]["text"].lower()
    # The same line, now final: one line for the caller's turn, and no partial left.
    assert await page.locator("#vocalia-widget .line.user").count() == 1
    assert await page.locator("#vocalia-widget .line.partial").count() == 0
    final = page.locator("#vocalia-widget .line.user[data-final=true]")
    assert "appointment tomorrow" in (await final.inner_text()).lower()
    assert (await page.evaluate("VocalIA.debug"))["partialLines"] > 0
    await page.keyboard.press("Escape")
    await wait_event(page, "conversationEnd")


async def test_the_caller_talking_over_the_greeting_stops_its_playback(
    barging_browser: "Browser", demo: Demo
) -> None:
    api = demo.server.url
    page = await open_ready_widget(barging_browser, api, demo.publishable_key)
    await page.locator("#vocalia-widget .launcher").click()
    await wait_event(page, "conversationStart")
    # The server hears the caller over its greeting and sends interrupt: the widget stops
    # what was playing and drops what was scheduled, at once.
    await page.wait_for_function("VocalIA.debug.interrupts > 0", timeout=TIMEOUT_MS)
    cut = (await page.evaluate("VocalIA.debug"))["lastInterrupt"]
    assert cut["sourcesStopped"] > 0
    assert cut["secondsCut"] > 0
    assert cut["sourcesLeft"] == 0
    # The question is still heard and answered.
    answers = await wait_event(
        page, "message", "(d) => d.role === 'agent' && /Monday/.test(d.text)"
    )
    assert "Monday to Friday" in answers[-1]["text"]
    await page.keyboard.press("Escape")
    await wait_event(page, "conversationEnd")
    assert await events(page, "error") == []


async def test_denied_microphone_is_an_error_and_typing_still_works(
    denying_browser: "Browser", demo: Demo
) -> None:
    api = demo.server.url
    page = await open_ready_widget(denying_browser, api, demo.publishable_key)
    await page.locator("#vocalia-widget .launcher").click()
    errors = await wait_event(page, "error", timeout=20_000)
    assert errors[0]["code"] == "microphone_denied"
    alert = page.locator("#vocalia-widget .alert")
    assert await alert.get_attribute("role") == "alert"
    assert "Microphone blocked" in await alert.inner_text()
    assert (await page.evaluate("VocalIA.debug"))["state"] == "idle"
    # The typed fallback: POST /respond with the publishable key from the allowed origin.
    await page.locator("#vocalia-widget input").fill("What are your opening hours?")
    await page.keyboard.press("Enter")
    answer = await wait_event(page, "message", "(d) => d.role === 'agent'")
    assert "Monday to Friday" in answer[0]["text"]
    started = await events(page, "conversationStart")
    assert started[0]["data"]["channel"] == "text"
    assert started[0]["data"]["sessionId"].startswith("conv_")
    lines = page.locator("#vocalia-widget .line[data-final=true]")
    assert await lines.count() == 2


async def test_arabic_is_right_to_left_and_keyboard_accessible(
    browser: "Browser", demo: Demo
) -> None:
    api = demo.server.url
    # The reference's first embedding, as it documents it: window.VOCALIA_CONFIG before the
    # script, with the tenant and no key (this page's origin is one the tenant allows).
    config = {
        "tenant_id": demo.tenant_id,
        "api_url": api,
        "language": "ar",
        "position": "top-left",
        "autoStart": False,
    }
    embed = (
        f"<script>window.VOCALIA_CONFIG = {json.dumps(config)};</script>"
        f'<script src="{api}/voice-assistant/voice-widget-b2b.js"></script>'
        f"<script>{EVENTS_JS}</script>"
    )
    page = await open_page(browser, host_page(api, embed))
    await page.wait_for_function(
        "VocalIA.debug !== null && document.getElementById('vocalia-widget')"
    )
    launcher = page.locator("#vocalia-widget .launcher")
    await launcher.wait_for()
    box = page.locator("#vocalia-widget .vc")
    assert await box.get_attribute("dir") == "rtl"
    assert await box.get_attribute("lang") == "ar"
    assert await box.evaluate("(n) => getComputedStyle(n).direction") == "rtl"
    assert await launcher.get_attribute("aria-label") == "تحدث مع مساعدنا"
    where = await launcher.bounding_box()
    assert where is not None
    assert where["x"] < 100
    assert where["y"] < 100
    # Keyboard only: focus the launcher, open with Enter, Tab stays in the dialog.
    await launcher.focus()
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="المساعد الصوتي")
    assert await dialog.is_visible()
    assert await dialog.get_attribute("aria-modal") == "true"
    inside = (
        "(n) => n.shadowRoot.activeElement && n.shadowRoot.activeElement.closest('.panel') !== null"
    )
    host = page.locator("#vocalia-widget")
    for _ in range(8):
        await page.keyboard.press("Tab")
        assert await host.evaluate(inside), "the focus left the open dialog"
    for _ in range(3):
        await page.keyboard.press("Shift+Tab")
        assert await host.evaluate(inside), "the focus left the open dialog"
    await page.keyboard.press("Escape")
    assert not await dialog.is_visible()
    assert await launcher.get_attribute("aria-expanded") == "false"
    # Typed text goes to /respond with the widget token the config handed over.
    await launcher.click()
    await page.locator("#vocalia-widget input").fill("ما هي أوقات العمل؟")
    await page.locator("#vocalia-widget .send").click()
    started = await wait_event(page, "conversationStart")
    assert (started[0]["channel"], started[0]["language"]) == ("text", "ar")
    assert await events(page, "error") == []


async def test_a_publishable_key_on_a_site_not_allowed_is_an_error_and_sends_nothing(
    browser: "Browser", demo: Demo
) -> None:
    api = demo.server.url
    with httpx.Client(base_url=api, timeout=10.0) as http:
        before = http.get(f"/api/tenants/{demo.tenant_id}/calls", headers=demo.headers).json()
    options = {"apiKey": demo.publishable_key, "agentId": "agent_support_en", "language": "en"}
    page = await open_page(browser, host_page(api, init_embed(api, options)), OTHER_ORIGIN)
    errors = await wait_event(page, "error", timeout=20_000)
    # The API answers 403 without CORS headers: the page cannot even read why.
    assert errors[0]["code"] == "config_unavailable"
    alert = page.locator("#vocalia-widget .alert")
    assert await alert.get_attribute("role") == "alert"
    assert await alert.inner_text() == "The assistant is not available on this site."
    assert await events(page, "ready") == []
    await page.locator("#vocalia-widget .launcher").click()
    await page.wait_for_timeout(1000)
    debug = await page.evaluate("VocalIA.debug")
    assert (debug["framesSent"], debug["textTurns"], debug["state"]) == (0, 0, "idle")
    assert await events(page, "conversationStart") == []
    with httpx.Client(base_url=api, timeout=10.0) as http:
        after = http.get(f"/api/tenants/{demo.tenant_id}/calls", headers=demo.headers).json()
    assert after["total"] == before["total"]


async def test_the_page_and_the_widget_keep_their_own_styles_and_the_api_drives_it(
    browser: "Browser", demo: Demo
) -> None:
    api = demo.server.url
    # A host page whose CSS would restyle every button and hide any ".launcher".
    hostile = (
        "<style>button { background: rgb(255, 0, 0) !important; font-size: 40px !important; }"
        " .launcher, .panel { display: none !important; }</style>"
    )
    options = {
        "apiKey": demo.publishable_key,
        "agentId": "agent_support_en",
        "language": "en",
        "theme": {"primaryColor": "#112233"},
    }
    page = await open_page(browser, host_page(api, hostile + init_embed(api, options)))
    await wait_event(page, "ready", timeout=20_000)
    launcher = page.locator("#vocalia-widget .launcher")
    assert await launcher.is_visible()
    style = "(n) => [getComputedStyle(n).backgroundColor, getComputedStyle(n).fontSize]"
    # The theme applies inside; the page's rules do not reach through the Shadow DOM...
    assert (await launcher.evaluate(style))[0] == "rgb(17, 34, 51)"
    # ... and the widget's rules do not reach the page.
    assert await page.locator("#page-button").evaluate(style) == ["rgb(255, 0, 0)", "40px"]
    dialog = page.get_by_role("dialog", name="Voice assistant")
    await page.evaluate("VocalIA.open()")
    assert await dialog.is_visible()
    await page.evaluate("VocalIA.close()")
    assert not await dialog.is_visible()
    await page.evaluate("VocalIA.destroy()")
    assert await page.locator("#vocalia-widget").count() == 0
    assert await page.evaluate("VocalIA.debug") is None
    # The four positions: each corner of the viewport.
    viewport = page.viewport_size
    assert viewport is not None
    for position in ("bottom-right", "bottom-left", "top-right", "top-left"):
        await page.evaluate(
            f"VocalIA.init({json.dumps({**options, 'apiUrl': api, 'position': position})})"
        )
        box = await page.locator("#vocalia-widget .launcher").bounding_box()
        assert box is not None
        left = box["x"] < viewport["width"] / 2
        top = box["y"] < viewport["height"] / 2
        assert (top, left) == (position.startswith("top"), position.endswith("left")), position
        await page.evaluate("VocalIA.destroy()")
    assert await events(page, "error") == []


async def test_a_socket_closed_by_the_server_is_an_error_with_a_message(
    browser: "Browser", demo: Demo
) -> None:
    key_id, key = demo.new_publishable_key("to revoke")
    api = demo.server.url
    page = await open_ready_widget(browser, api, key)
    await page.locator("#vocalia-widget .launcher").click()
    started = await wait_event(page, "conversationStart")
    # Revoking the key makes the server send an error frame and close the socket (4401).
    demo.revoke(key_id)
    errors = await wait_event(page, "error", timeout=20_000)
    assert errors[0]["code"] == "invalid_api_key"
    assert "revoked" in await page.locator("#vocalia-widget .alert").inner_text()
    ended = await wait_event(page, "conversationEnd", timeout=20_000)
    assert ended[0]["callId"] == started[0]["callId"]
    assert ended[0]["metadata"]["endedReason"] == "canceled"
    # A refusal is not retried.
    await page.wait_for_timeout(1500)
    debug = await page.evaluate("VocalIA.debug")
    assert (debug["state"], debug["reconnectAttempts"]) == ("idle", 0)


async def test_the_demo_page_embeds_a_working_widget(browser: "Browser", demo: Demo) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(demo.server.url + "/widget/demo?lang=es")
    launcher = page.locator("#vocalia-widget .launcher")
    await launcher.wait_for(timeout=20_000)
    # The config was read with the demo key from the page's own origin, which it now allows.
    assert await launcher.get_attribute("aria-label") == "Hablar con nuestro asistente"
    assert (await page.evaluate("VocalIA.debug"))["errors"] == []
    assert await page.locator("#events").inner_text() == ""
    await context.close()


async def test_a_lost_server_is_reported_and_retried(browser: "Browser", demo: Demo) -> None:
    # Last in this module: it stops the server.
    api = demo.server.url
    page = await open_ready_widget(browser, api, demo.publishable_key)
    await page.locator("#vocalia-widget .launcher").click()
    await wait_event(page, "conversationStart")
    demo.server.process.kill()
    demo.server.process.wait(timeout=10)
    errors = await wait_event(page, "error", "(d) => d.code === 'connection_lost'", timeout=20_000)
    assert "reconnecting" in errors[0]["message"]
    alert = page.locator("#vocalia-widget .alert")
    assert "Connection lost, reconnecting" in await alert.inner_text()
    # Retried with back-off, then given up on with its own message.
    await page.wait_for_function("VocalIA.debug.reconnectAttempts >= 2", timeout=20_000)
    await wait_event(page, "error", "(d) => d.code === 'connection_failed'", timeout=60_000)
    assert "Cannot connect" in await alert.inner_text()
    assert (await page.evaluate("VocalIA.debug"))["state"] == "idle"
