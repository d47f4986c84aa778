"""The agent's brain behind one small interface.

``builtin`` is an offline dialogue manager (intents and slots from multilingual lexicons, dates
with dateparser, answers from the agent's instructions, FAQ and knowledge); ``openai`` speaks
OpenAI-compatible chat completions with streaming and tool calls.

A model never touches the database: it asks for tools through ``run_tool`` and reads their
results. The session publishes each call as a ``function_call`` event and records it.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from resolvers.settings import Settings

# The tools an agent may call (contract §9). Arguments:
#   create_booking      {date: "YYYY-MM-DD", time: "HH:MM", name?, service?, notes?}
#   qualify_lead        {need: bool, timeline: bool, budget: bool, authority: bool,
#                        name?, email?, phone?, notes?}      (BANT 30/30/20/20)
#   transfer_call       {reason?}
#   search_knowledge_base {query}
#   schedule_callback   {date: "YYYY-MM-DD", time: "HH:MM", phone?, notes?}
#   end_call            {reason?}
# Dates and times are local to the tenant's time zone.
TOOLS = (
    "create_booking",
    "qualify_lead",
    "transfer_call",
    "search_knowledge_base",
    "schedule_callback",
    "end_call",
)


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]
    id: str = ""


# Executes a tool and returns its result (always a dict; {"error": "..."} when it failed).
ToolRunner = Callable[[ToolCall], Awaitable[dict[str, Any]]]


@dataclass
class Conversation:
    """What the model knows of the call. ``history`` holds the turns before the current
    one as {"role": "user"|"assistant", "content": str}; ``state`` is the model's own memory
    between turns (pending intent, collected slots)."""

    agent_name: str
    language: str  # fr, en, es, ar, ary
    timezone: str  # IANA, the tenant's
    now: datetime  # aware, the moment of the turn
    instructions: str = ""
    greeting: str = ""
    faq: list[dict[str, str]] = field(default_factory=list)
    tools: tuple[str, ...] = TOOLS
    transfer_available: bool = False
    # The call's metadata as strings (resolvers.personas.call_values), already filled into
    # ``instructions`` and ``greeting`` where they name it.
    call_data: dict[str, str] = field(default_factory=dict)
    history: list[dict[str, str]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class AgentTurn:
    text: str  # what the agent says (may be empty only when it ends the call silently)
    tool_calls: list[ToolCall] = field(default_factory=list)
    end: bool = False  # the agent called end_call
    intent: str = ""  # builtin: the matched intent, for logs and tests


class ModelError(Exception):
    """The language model could not answer (remote error, timeout, malformed stream)."""


class LanguageModel(Protocol):
    name: str

    async def respond(self, conv: Conversation, user_text: str, run_tool: ToolRunner) -> AgentTurn:
        """Answer ``user_text``, calling tools through ``run_tool``. Raises ModelError."""
        ...

    def reprompt(self, conv: Conversation) -> str:
        """What to say after the caller has been silent a while."""
        ...


def model_for(settings: Settings, provider: str | None = None) -> LanguageModel:
    name = provider or settings.llm_provider
    if name == "openai":
        from realtime.dialogue.openai_chat import OpenAIChatModel

        return OpenAIChatModel(settings)
    from realtime.dialogue.builtin import BuiltinModel

    return BuiltinModel()
