"""The voice engine's brain answering text turns (POST /respond, the widget's typed
fallback): the same language model, instructions, FAQ, knowledge base and tools as a call.

``transfer_call`` in text asks for a human: it is reported as an action with the agent's
advisor number (nobody is bridged); ``end_call`` ends the conversation.
"""

from datetime import UTC, datetime
from typing import Any

from models.agent import Agent
from models.base import new_id
from models.conversation import Conversation as TextConversation
from models.tenant import Tenant
from realtime import engine
from realtime.dialogue import TOOLS, Conversation, ModelError, ToolCall
from realtime.dialogue.understand import spoken_language
from resolvers import agent_tools, personas
from resolvers.agent_tools.arguments import tenant_zone
from resolvers.agents import default_greeting, default_instructions
from resolvers.conversations import BrainReply
from resolvers.errors import DomainError, ErrorCode
from resolvers.settings import get_settings

MAX_HISTORY = 40  # turns of history the model is given


class TextAgent:
    def detect_language(self, text: str, fallback: str) -> str:
        return spoken_language(text, fallback)

    async def reply(
        self, conversation: TextConversation, agent: Agent, tenant: Tenant, text: str
    ) -> BrainReply:
        conv = Conversation(
            agent_name=agent.name,
            language=conversation.language,
            timezone=tenant_zone(tenant).key,
            now=datetime.now(UTC),
            instructions=personas.fill(agent.instructions or default_instructions(agent), {}),
            greeting=personas.fill(agent.greeting or default_greeting(agent), {}),
            faq=list(agent.faq or []),
            tools=tuple(agent.tools or TOOLS),
            transfer_available=bool(agent.transfer_number),
            history=[
                {"role": str(line["role"]), "content": str(line["content"])}
                for line in conversation.transcript[-2 * MAX_HISTORY :]
            ],
            state=dict(conversation.state),
        )
        actions: list[dict[str, Any]] = []
        ending = False

        async def run(tool: ToolCall) -> dict[str, Any]:
            nonlocal ending
            name, args = tool.name, dict(tool.arguments)
            result: dict[str, Any]
            if name not in conv.tools:
                result = {"error": f"the tool {name} is not enabled for this agent"}
            elif name == "transfer_call":
                if agent.transfer_number:
                    result = {"transferRequested": True, "number": agent.transfer_number}
                else:
                    result = {"error": "no advisor number is configured for transfers"}
            elif name == "end_call":
                ending = True
                result = {"ending": True}
            else:
                result = dict(await agent_tools.run_conversation_tool(conversation.id, name, args))
            actions.append(
                {"id": new_id("fc", 16), "name": name, "arguments": args, "result": result}
            )
            return result

        model = engine.providers(get_settings(), tenant.plan).model
        try:
            turn = await model.respond(conv, text, run)
        except ModelError as exc:
            raise DomainError(
                ErrorCode.INTERNAL_ERROR, f"the agent could not answer: {exc}"
            ) from exc
        return BrainReply(turn.text, conv.language, conv.state, actions, end=turn.end or ending)
