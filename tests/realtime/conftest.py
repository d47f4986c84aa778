"""Fixtures shared by the realtime tests: the app served on a loopback port, the fake Twilio
and a Twilio carrier against it, and every voice provider pointed at the fake
OpenAI-compatible server."""

from collections.abc import AsyncIterator, Iterator

import pytest

from resolvers.settings import configure, get_settings
from tests import ws
from tests.realtime.fake_openai import API_KEY, FakeOpenAI
from tests.realtime.test_twilio_carrier import fake, pro, twilio

__all__ = ["base", "fake", "openai", "pro", "twilio"]


@pytest.fixture
async def base(app: object) -> AsyncIterator[str]:
    """The app on a loopback port (uvicorn), for WebSocket clients: its ws:// base URL."""
    async with ws.serve(app) as url:
        yield url


@pytest.fixture
def openai() -> Iterator[FakeOpenAI]:
    """Speech-to-text, the agent and text-to-speech all on a fake OpenAI server (conftest's
    clean fixture restores the session settings afterwards)."""
    with FakeOpenAI() as fake_server:
        configure(
            get_settings().with_overrides(
                stt_provider="openai",
                llm_provider="openai",
                tts_provider="openai",
                openai_base_url=fake_server.base_url,
                openai_api_key=API_KEY,
                openai_timeout=5.0,
            )
        )
        yield fake_server
