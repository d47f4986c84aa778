"""GraphQL conversations: the respond mutation (a /respond turn), the conversations list and
one conversation, and conversationEvents live over graphql-transport-ws."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from resolvers import events
from tests.graphql import data, gql, gql_error
from tests.realtime.test_stream import make_shop
from tests.ws import serve, session, wait_for_subscribers

RESPOND = """
mutation($m: String!, $s: ID, $a: String) {
  respond(message: $m, sessionId: $s, agentId: $a) {
    response sessionId language agentId lead { score status } actions { type arguments result }
    ended
  }
}"""
LIST = """
query($channel: String, $hasBooking: Boolean) {
  conversations(channel: $channel, hasBooking: $hasBooking) {
    total items { id channel language messages leadScore }
  }
}"""
ONE = "query($id: ID!) { conversation(id: $id) { id channel transcript toolCalls } }"
FOLLOW = "subscription { conversationEvents { id type conversationId data } }"


@pytest.fixture(scope="session")
async def ws_url(app: object) -> AsyncIterator[str]:
    async with serve(app) as url:
        yield url


async def test_respond_then_list_and_read_the_conversation(client: httpx.AsyncClient) -> None:
    shop = await make_shop(client)
    h = shop.headers
    first = data(
        await gql(client, RESPOND, {"m": "je voudrais un rendez-vous", "a": "agent_fr"}, h)
    )
    sid = first["respond"]["sessionId"]
    second = data(await gql(client, RESPOND, {"m": "demain à 10h", "s": sid}, h))["respond"]
    assert [a["type"] for a in second["actions"]] == ["create_booking"]
    assert second["language"] == "fr"
    listed = data(await gql(client, LIST, {"channel": "text", "hasBooking": True}, h))
    assert listed["conversations"]["total"] == 1
    [item] = listed["conversations"]["items"]
    assert (item["id"], item["channel"], item["messages"]) == (sid, "text", 4)
    one = data(await gql(client, ONE, {"id": sid}, h))["conversation"]
    assert [line["role"] for line in one["transcript"]] == ["user", "assistant"] * 2
    assert [c["name"] for c in one["toolCalls"]] == ["create_booking"]
    # A dashboard user reads conversations, but a text turn takes an API key.
    assert data(await gql(client, LIST, {}, shop.ctx.headers))["conversations"]["total"] == 1
    refused = await gql(client, RESPOND, {"m": "bonjour"}, shop.ctx.headers)
    assert gql_error(refused)["code"] == "invalid_api_key"
    unknown = await gql(client, ONE, {"id": "conv_nope"}, h)
    assert gql_error(unknown) == {"code": "resource_not_found", "status": 404, "param": "id"}


async def test_conversation_events_arrive_live(client: httpx.AsyncClient, ws_url: str) -> None:
    shop = await make_shop(client)
    other = await make_shop(client)
    async with session(ws_url, shop.key) as ws:
        await ws.subscribe("live", FOLLOW, {})
        await wait_for_subscribers(events.tenant_channel(shop.ctx.id, "conversations"))
        # Another tenant's conversation is never seen.
        await gql(client, RESPOND, {"m": "bonjour", "a": "agent_fr"}, other.headers)
        body = data(await gql(client, RESPOND, {"m": "bonjour", "a": "agent_fr"}, shop.headers))
        message = await asyncio.wait_for(ws.receive(), 10)
    event = message["payload"]["data"]["conversationEvents"]
    assert event["type"] == "conversation.message"
    assert event["conversationId"] == body["respond"]["sessionId"]
    assert event["data"]["user"] == "bonjour"
    assert event["data"]["agent"] == body["respond"]["response"]
