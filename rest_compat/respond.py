"""POST /respond: one text turn with an agent (the reference's Ruby and Go examples, the
widget's typed fallback), answered by the same brain as a voice call."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from resolvers import conversations
from resolvers.principals import require_authenticated
from resolvers.validation import LANGUAGES
from rest_compat.http import json_body, json_response, principal_of
from rest_compat.schemas import (
    BOOL,
    INT,
    OBJECT,
    STR,
    Doc,
    DocRoute,
    array,
    component,
    enum,
    inp,
    out,
)

LANGUAGE = enum(LANGUAGES)
ACTION = component(
    "AgentAction",
    out({"id": STR, "type": STR, "arguments": OBJECT, "result": OBJECT}),
)
RESPOND = Doc(
    "A text turn with an agent: a secret key (server side) or a publishable key from one of"
    " the tenant's allowed origins. Without session_id a conversation starts (one session of"
    " the plan's quota); with it, the conversation goes on. language is detected when absent"
    " (a Darija message, in Arabic script or Arabizi, is answered in Darija)",
    {
        200: out(
            {
                "success": BOOL,
                "response": STR,
                "session_id": STR,
                "language": LANGUAGE,
                "agent_id": STR,
                "lead": out({"score": INT, "status": enum(("cold", "warm", "hot"))}),
                "actions": array(ACTION),
                "ended": BOOL,
            }
        )
    },
    errors=(400, 402, 404, 409),
    body=inp(
        {
            "message": {"type": "string", "minLength": 1, "maxLength": conversations.MAX_MESSAGE},
            "language": LANGUAGE,
            "tenant_id": STR,
            "session_id": STR,
            "agentId": STR,
        },
        ("message",),
    ),
    auth="key",
)


async def respond(request: Request) -> Response:
    principal = require_authenticated(principal_of(request))
    result = await conversations.respond(principal, await json_body(request))
    conv, reply = result.conversation, result.reply
    body: dict[str, Any] = {
        "success": True,
        "response": reply.text,
        "session_id": conv.id,
        "language": conv.language,
        "agent_id": conv.agent_id,
        "lead": {"score": result.lead_score, "status": result.lead_status},
        "actions": [
            {"id": a["id"], "type": a["name"], "arguments": a["arguments"], "result": a["result"]}
            for a in reply.actions
        ],
        "ended": conv.ended_at is not None,
    }
    return json_response(body)


routes: list[BaseRoute] = [DocRoute("/respond", respond, post=RESPOND)]
