"""The agent answers from the tenant's knowledge base by voice: the simulated caller asks a
question of an imported FAQ in other words, through the real pipeline (eSpeak, VAD, Whisper,
the builtin agent); the answer is the entry's, cited in the call's toolCalls. Another
tenant asking the same hears that the agent does not know.

The caller speaks English: eSpeak's French is heard by Whisper base as a different sentence on
almost every render (renders of one text differ within a process; see the stack spike), so a
French spoken question would test the recogniser's luck, not the agent. French knowledge
answers are shown on typed turns (tests/rest/test_respond.py)."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from resolvers.knowledge import documents
from resolvers.settings import Settings, configure
from tests.factories import make_key, make_tenant
from tests.realtime.test_simulated_caller import FAST, wait_final

FAQ: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "fixtures/kb_faq.json").read_text()
)
QUESTION = "Do you charge for delivery in Casablanca?"


@pytest.fixture(autouse=True)
def fast_carrier(settings: Settings) -> None:
    configure(settings.with_overrides(**FAST))


async def ask(client: httpx.AsyncClient, tenant: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {await make_key(tenant)}"}
    agent = {"id": "agent_kb", "name": "Atlas", "language": "en"}
    assert (await client.post("/v1/agents", json=agent, headers=headers)).status_code == 201
    body = {
        "to": "+212612345678",
        "agentId": "agent_kb",
        "metadata": {"simulate": {"script": [QUESTION]}},
    }
    r = await client.post("/v1/calls", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return await wait_final(client, r.json()["id"], headers)


async def test_a_spoken_question_is_answered_from_the_knowledge_base(
    client: httpx.AsyncClient,
) -> None:
    shop = await make_tenant(plan="pro")
    entries = [
        documents.entry(e["topic"], e["answer"], title=e["question"])
        for e in FAQ["entries"]
        if e["language"] == "en"
    ]
    report = await documents.write_entries(shop.principal, entries, language="en")
    delivery = next(d for d in report.documents if d.key == "delivery")
    done = await ask(client, shop)
    agent_lines = [t["content"] for t in done["transcript"] if t["role"] == "agent"]
    heard = [t["content"] for t in done["transcript"] if t["role"] != "agent"]
    assert any("Delivery is free in Casablanca" in line for line in agent_lines), heard
    [searched] = [t for t in done["toolCalls"] if t["name"] == "search_knowledge_base"]
    assert searched["result"]["results"][0]["id"] == delivery.id

    stranger = await make_tenant(plan="pro")  # same question, no knowledge base
    other = await ask(client, stranger)
    said = " ".join(t["content"] for t in other["transcript"] if t["role"] == "agent")
    assert "free" not in said
    [nothing] = [t for t in other["toolCalls"] if t["name"] == "search_knowledge_base"]
    assert nothing["result"] == {"results": []}
