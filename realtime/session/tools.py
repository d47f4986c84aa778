"""The tools a session runs for its agent: transfer_call and end_call change the call's
course (the session acts on them once the reply is said); every other tool is the
platform's (resolvers.agent_tools). Every call is recorded and shown to the client."""

from typing import Any

from models.agent import Agent
from models.call import Call
from realtime.dialogue import Conversation, ToolCall
from realtime.playout import Playout
from resolvers import agent_tools, calls

MAX_TRANSFER_MESSAGE = 500  # as the transfer API's message


class SessionTools:
    def __init__(self, call: Call, agent: Agent, conv: Conversation, playout: Playout) -> None:
        self.call = call
        self.agent = agent
        self.conv = conv
        self.playout = playout
        self.pending_transfer: str | None = None  # where transfer_call asked to bridge
        self.transfer_message = ""  # the transfer_call tool's message, said before it
        self.pending_end = False

    async def run(self, tool: ToolCall) -> dict[str, Any]:
        name, args = tool.name, dict(tool.arguments)
        result: dict[str, Any]
        if name not in self.conv.tools:
            result = {"error": f"the tool {name} is not enabled for this agent"}
        elif name == "transfer_call":
            if self.agent.transfer_number:
                self.pending_transfer = self.agent.transfer_number
                message = args.get("message")
                if isinstance(message, str):
                    self.transfer_message = " ".join(message.split())[:MAX_TRANSFER_MESSAGE]
                result = {"transferring": True}
            else:
                result = {"error": "no advisor number is configured for transfers"}
        elif name == "end_call":
            self.pending_end = True
            result = {"ending": True}
        else:
            result = await agent_tools.run_tool(self.call.id, name, args)
        fc_id = await calls.record_tool_call(self.call.id, name, args, result)
        self.playout.event({"type": "function_call", "name": name, "arguments": args, "id": fc_id})
        return result
