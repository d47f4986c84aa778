"""POST /respond: text turns with the same agent brain as a call — context across turns,
bookings and leads with their webhooks, the knowledge base, Darija in both scripts, the
sessions quota, widget keys from allowed origins, and every bad input's documented code."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.booking import Booking, Lead
from models.conversation import Conversation
from models.knowledge import KnowledgeDocument
from models.usage import UsageCounter
from models.webhook import WebhookEvent
from resolvers import keys, origins, usage
from resolvers.knowledge import documents
from resolvers.plans import plan_of
from tests.factories import TenantCtx, assert_error, make_key, make_tenant
from tests.realtime.test_stream import make_shop

ORIGIN = "https://atlas-dental.example"


async def turn(
    client: httpx.AsyncClient, headers: dict[str, str], message: str, **fields: Any
) -> dict[str, Any]:
    r = await client.post("/respond", json={"message": message, **fields}, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_a_conversation_keeps_its_context_books_and_fires_the_webhook(
    client: httpx.AsyncClient,
) -> None:
    shop = await make_shop(client)
    h = shop.headers
    first = await turn(client, h, "Bonjour, je voudrais prendre un rendez-vous", agentId="agent_fr")
    assert first["success"] is True
    assert first["language"] == "fr"
    assert first["session_id"].startswith("conv_")
    assert first["actions"] == []
    assert first["response"]
    sid = first["session_id"]
    # The date and time come in the next turn: the conversation remembers the booking asked.
    second = await turn(client, h, "demain à 10h", session_id=sid)
    assert second["session_id"] == sid
    [booked] = [a for a in second["actions"] if a["type"] == "create_booking"]
    assert booked["arguments"]["time"] == "10:00"
    booking = await Booking.get(id=booked["result"]["bookingId"])
    assert (booking.conversation_id, booking.call_id) == (sid, None)
    event = await WebhookEvent.get(tenant_id=shop.ctx.id, type="booking.created")
    data = json.loads(event.body)["data"]
    assert (data["bookingId"], data["conversationId"], data["callId"]) == (booking.id, sid, None)
    conv = await Conversation.get(id=sid)
    assert [line["role"] for line in conv.transcript] == ["user", "assistant"] * 2
    assert conv.transcript[2]["content"] == "demain à 10h"
    assert [c["name"] for c in conv.tool_calls] == ["create_booking"]
    assert conv.turns == 2
    # One session of the plan's quota for the whole conversation.
    assert (await usage.used(shop.ctx.id))["sessions"] == 1


async def test_a_lead_is_qualified_and_its_score_returned(client: httpx.AsyncClient) -> None:
    shop = await make_shop(client)
    h = shop.headers
    first = await turn(
        client, h, "je cherche un nouveau site web pour ma boutique", agentId="agent_fr"
    )
    assert first["lead"] == {"score": 0, "status": "cold"}
    sid = first["session_id"]
    second = await turn(client, h, "c'est assez urgent, il me le faut ce mois-ci", session_id=sid)
    assert second["lead"] == {"score": 60, "status": "warm"}
    third = await turn(
        client, h, "je suis le gérant et mon budget est de 20000 dirhams", session_id=sid
    )
    assert third["lead"] == {"score": 100, "status": "hot"}
    assert [a["type"] for a in third["actions"]] == ["qualify_lead"]
    lead = await Lead.get(conversation_id=sid)
    assert (lead.score, lead.qualified) == (100, True)
    [event] = await WebhookEvent.filter(tenant_id=shop.ctx.id, type="lead.qualified")
    assert json.loads(event.body)["data"]["conversationId"] == sid
    assert (await Conversation.get(id=sid)).lead_score == 100


@pytest.mark.parametrize(
    "message",
    ["bghit nakhod maw3id ghda m3a l3achra", "بغيت ناخد موعد غدا مع العشرة"],
    ids=["arabizi", "arabic-script"],
)
async def test_darija_is_detected_and_answered_in_darija(
    client: httpx.AsyncClient, message: str
) -> None:
    shop = await make_shop(client)
    # No language given, or another one: a Darija message is answered in Darija.
    for fields in ({}, {"language": "fr"}):
        body = await turn(client, shop.headers, message, agentId="agent_fr", **fields)
        assert body["language"] == "ary", body
        assert [a["type"] for a in body["actions"]] == ["create_booking"]
        french = await turn(client, shop.headers, "demain à 10h", agentId="agent_fr")
        assert body["response"] != french["response"]


async def test_english_and_spanish_are_detected(client: httpx.AsyncClient) -> None:
    shop = await make_shop(client)
    english = await turn(client, shop.headers, "Hello, what are your opening hours?")
    assert english["language"] == "en"
    spanish = await turn(client, shop.headers, "Hola, quiero una cita para mañana")
    assert spanish["language"] == "es"


async def test_answers_come_from_the_tenants_knowledge_base_only(
    client: httpx.AsyncClient,
) -> None:
    shop = await make_shop(client)
    other = await make_shop(client)
    await documents.write_entries(
        shop.ctx.principal,
        [
            documents.entry(
                "livraison",
                "La livraison est gratuite à Casablanca dès 300 dirhams d'achat.",
                title="Livrez-vous à domicile ?",
            )
        ],
        language="fr",
    )
    asked = "est-ce que la livraison à Casablanca est gratuite ?"
    body = await turn(client, shop.headers, asked, agentId="agent_fr")
    assert "gratuite" in body["response"]
    [search] = [a for a in body["actions"] if a["type"] == "search_knowledge_base"]
    assert search["result"]["results"][0]["id"].startswith("kbd_")
    elsewhere = await turn(client, other.headers, asked, agentId="agent_fr")
    assert "300 dirhams" not in elsewhere["response"]
    assert all(
        r.get("source") != "api"
        for a in elsewhere["actions"]
        for r in a["result"].get("results", [])
    )


async def test_an_ended_conversation_takes_no_more_messages(client: httpx.AsyncClient) -> None:
    shop = await make_shop(client)
    sid = (await turn(client, shop.headers, "Bonjour", agentId="agent_fr"))["session_id"]
    bye = await turn(client, shop.headers, "merci, au revoir", session_id=sid)
    assert bye["ended"] is True
    r = await client.post(
        "/respond", json={"message": "encore", "session_id": sid}, headers=shop.headers
    )
    assert_error(r, 409, "conflict")


async def test_widget_keys_need_an_allowed_origin(client: httpx.AsyncClient) -> None:
    shop = await make_shop(client)
    issued = await keys.create_key(shop.ctx.principal, kind="publishable", name="widget")
    widget = {"Authorization": f"Bearer {issued.secret}"}
    r = await client.post("/respond", json={"message": "Bonjour"}, headers=widget)
    assert_error(r, 403, "insufficient_permissions")
    await origins.set_origins(shop.ctx.principal, [ORIGIN])
    r = await client.post(
        "/respond", json={"message": "Bonjour"}, headers={**widget, "Origin": ORIGIN}
    )
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == ORIGIN


async def test_the_sessions_quota_refuses_a_new_conversation_only(
    client: httpx.AsyncClient,
) -> None:
    shop = await make_shop(client, plan="starter")
    sid = (await turn(client, shop.headers, "Bonjour", agentId="agent_fr"))["session_id"]
    limit = plan_of("starter").sessions_per_month
    await UsageCounter.filter(tenant_id=shop.ctx.id, metric="sessions").update(value=limit)
    r = await client.post("/respond", json={"message": "Bonjour"}, headers=shop.headers)
    assert_error(r, 402, "quota_exceeded")
    assert await Conversation.filter(tenant_id=shop.ctx.id).count() == 1
    # The open conversation goes on.
    assert (await turn(client, shop.headers, "demain à 10h", session_id=sid))["session_id"] == sid


async def test_bad_input_gets_its_documented_code(client: httpx.AsyncClient) -> None:
    shop = await make_shop(client)
    other = await make_shop(client)
    theirs = (await turn(client, other.headers, "Bonjour", agentId="agent_fr"))["session_id"]
    h = shop.headers
    cases: list[tuple[Any, int, str, str | None]] = [
        ({}, 400, "invalid_request", "message"),
        ({"message": ""}, 400, "invalid_request", "message"),
        ({"message": 12}, 400, "invalid_request", "message"),
        ({"message": "x" * 2001}, 400, "invalid_request", "message"),
        ({"message": "Bonjour", "language": "de"}, 400, "invalid_request", "language"),
        ({"message": "Bonjour", "agentId": "nobody"}, 400, "agent_not_configured", "agentId"),
        ({"message": "Bonjour", "session_id": theirs}, 404, "resource_not_found", "session_id"),
        (
            {"message": "Bonjour", "session_id": "conv_nope"},
            404,
            "resource_not_found",
            "session_id",
        ),
        ({"message": "Bonjour", "session_id": 5}, 404, "resource_not_found", "session_id"),
        ({"message": "Bonjour", "tenant_id": other.ctx.id}, 404, "resource_not_found", None),
    ]
    for body, status, code, param in cases:
        r = await client.post("/respond", json=body, headers=h)
        assert_error(r, status, code, param=param)
        assert theirs not in r.text
    assert_error(await client.post("/respond", content=b"{nope", headers=h), 400, "invalid_request")
    assert_error(await client.post("/respond", json={"message": "x"}), 401, "invalid_api_key")
    user = await client.post("/respond", json={"message": "x"}, headers=shop.ctx.headers)
    assert_error(user, 401, "invalid_api_key")
    # Nothing of the other tenant's conversation moved.
    assert (await Conversation.get(id=theirs)).turns == 1
    assert await Conversation.filter(tenant_id=shop.ctx.id).count() == 0


async def test_a_tenant_without_agents_is_told_what_to_do(client: httpx.AsyncClient) -> None:
    t: TenantCtx = await make_tenant()
    h = {"Authorization": f"Bearer {await make_key(t)}"}
    r = await client.post("/respond", json={"message": "Bonjour"}, headers=h)
    assert_error(r, 400, "agent_not_configured", param="agentId")
    assert "POST /v1/agents" in r.json()["error"]["message"]


async def test_a_french_and_arabic_faq_answers_in_the_visitors_language(
    client: httpx.AsyncClient,
) -> None:
    faq = json.loads((Path(__file__).parent.parent / "fixtures/kb_faq.json").read_text())
    shop = await make_shop(client, agents=(("agent_ar", "ar"), ("agent_fr", "fr")))
    stranger = await make_shop(client, agents=(("agent_ar", "ar"),))
    for language in ("fr", "ar"):
        entries = [
            documents.entry(e["topic"], e["answer"], title=e["question"])
            for e in faq["entries"]
            if e["language"] == language
        ]
        await documents.write_entries(shop.ctx.principal, entries, language=language)
    # The question in other words than the entry's ("do you deliver?"), in Arabic.
    asked = "هل التوصيل مجاني في الدار البيضاء؟"
    body = await turn(client, shop.headers, asked, agentId="agent_ar")
    assert body["language"] == "ar"
    assert "التوصيل مجاني في الدار البيضاء" in body["response"], body
    [search] = [a for a in body["actions"] if a["type"] == "search_knowledge_base"]
    delivery = await KnowledgeDocument.get(tenant_id=shop.ctx.id, language="ar", key="delivery")
    assert search["result"]["results"][0]["id"] == delivery.id
    elsewhere = await turn(client, stranger.headers, asked, agentId="agent_ar")
    assert "300" not in elsewhere["response"]
