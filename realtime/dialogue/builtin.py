"""The built-in dialogue manager: an offline, deterministic agent for voice calls in French,
English, Spanish, Arabic and Darija, with no model and no network.

Each turn is understood (``understand.hear``: intents from tolerant multilingual lexicons,
the date and time in the tenant's time zone, name, phone, lead signals), then one thing is
done, in this order of precedence: a goodbye ends the call; a request for a human is
transferred; a callback or a booking collects its day and time across turns (what is
missing is asked for and remembered in ``conv.state``) and calls its tool; a question is
answered from the FAQ, the instructions or the knowledge base; otherwise the agent greets,
acknowledges or asks again. Lead-qualification signals (BANT) accumulate over the call and
are reported with ``qualify_lead`` whenever they raise the score, without changing the
reply. Replies are always in the agent's language, one or two short sentences.

``conv.state`` holds plain JSON values: ``pending`` (the booking or callback being collected:
{intent, date, time, part, asks, awaiting}), ``offer`` (what a yes accepts: booking,
callback, transfer, or "more" after a done task, where a no ends the call), ``bant``,
``lead_score`` (last reported), ``lead_notes``, ``name``, ``phone``, ``misses`` (fallbacks
in a row), ``tool_seq`` (tool call ids), ``heard_language`` (the caller's, last turn).
"""

import datetime as dt
import logging
import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from realtime.dialogue import AgentTurn, Conversation, ToolCall, ToolRunner, answers, replies
from realtime.dialogue.understand import Heard, hear
from realtime.dialogue.when import warm_up as warm_up_dates

log = logging.getLogger("vocalia.dialogue")

BANT_POINTS = {"need": 30, "timeline": 30, "budget": 20, "authority": 20}
_MAX_ASKS = 3  # a slot asked for this many times without an answer is given up
_MAX_MISSES = 2  # after this many misunderstandings in a row, say what the agent can do
_SHORT_ANSWER = 6  # tokens: longer turns are not a bare yes or no


class BuiltinModel:
    name = "builtin"

    async def respond(self, conv: Conversation, user_text: str, run_tool: ToolRunner) -> AgentTurn:
        turn = _Turn(conv, run_tool)
        return await turn.respond(user_text)

    def reprompt(self, conv: Conversation) -> str:
        return replies.say("reprompt", conv.language)


def warm_up() -> float:
    """Build the lexicons and load dateparser's languages before the first call; returns
    the seconds spent (about 0.3 s)."""
    started = time.perf_counter()
    now = dt.datetime(2026, 1, 5, 9, 0)  # noqa: DTZ001 - a naive local moment by design
    hear("Bonjour, je voudrais un rendez-vous demain à 10h", now, "fr")
    warm_up_dates()
    return time.perf_counter() - started


def local_now(conv: Conversation) -> dt.datetime:
    """The moment of the turn on the tenant's wall clock, naive."""
    try:
        zone = ZoneInfo(conv.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r, using UTC", conv.timezone)
        zone = ZoneInfo("UTC")
    now = conv.now if conv.now.tzinfo else conv.now.replace(tzinfo=dt.UTC)
    return now.astimezone(zone).replace(tzinfo=None)


class _Turn:
    def __init__(self, conv: Conversation, run_tool: ToolRunner) -> None:
        self.conv = conv
        self.state = conv.state
        self.language = replies.language_of(conv.language)
        self.now = local_now(conv)
        self.today = self.now.date()
        self.run_tool = run_tool
        self.calls: list[ToolCall] = []

    # --- plumbing ---------------------------------------------------------------------

    def say(self, key: str, **values: str) -> str:
        return replies.say(key, self.language, **values)

    def reply(self, intent: str, text: str, *, end: bool = False) -> AgentTurn:
        if intent != "fallback":
            self.state["misses"] = 0
        return AgentTurn(text=text, tool_calls=self.calls, end=end, intent=intent)

    def can(self, tool: str) -> bool:
        return tool in self.conv.tools

    async def tool(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        sequence = _count(self.state.get("tool_seq")) + 1
        self.state["tool_seq"] = sequence
        call = ToolCall(name, arguments, id=f"builtin_{sequence}")
        self.calls.append(call)
        result = await self.run_tool(call)
        return result if isinstance(result, dict) else {}

    # --- the turn -------------------------------------------------------------------

    async def respond(self, user_text: str) -> AgentTurn:
        state = self.state
        offer = state.pop("offer", None)
        pending = state.get("pending")
        if not isinstance(pending, dict) or pending.get("intent") not in ("booking", "callback"):
            state.pop("pending", None)
            pending = None
        heard = hear(
            user_text,
            self.now,
            self.language,
            expecting_time=pending is not None and not pending.get("time"),
            part_hint=pending.get("part") if pending else None,
        )
        if not heard.toks:
            if offer:
                state["offer"] = offer
            return self.reply("empty", self.say("empty"))
        state["heard_language"] = heard.language
        if heard.name:
            state["name"] = heard.name
        if heard.phone:
            state["phone"] = heard.phone
        await self._qualify(heard)

        tasks = self._tasks(heard, offered=offer is not None)
        short = len(heard.toks) <= _SHORT_ANSWER
        if offer and short and not tasks and heard.has("yes") and not heard.has("no"):
            return await self._accept(offer, heard)
        if heard.has("goodbye") and not tasks:
            return await self._goodbye()
        if heard.has("thanks", "no") and short and not tasks and not heard.asks:
            if offer == "more" or heard.has("thanks"):
                return await self._goodbye()
            if pending:
                state.pop("pending", None)
            return self.reply("no", self.say("cancelled" if pending else "anything_else"))
        if heard.has("cancel"):
            if pending:
                state.pop("pending", None)
                return self.reply("cancel", self.say("cancelled"))
            if heard.has("booking"):
                return await self._transfer("the caller wants to cancel or change an appointment")
        if "transfer" in tasks:
            return await self._transfer("the caller asked to speak to a person")
        if "callback" in tasks:
            return await self._slots("callback", heard)
        if "booking" in tasks:
            if heard.asks and not (heard.when.date or heard.when.time):
                # "combien coûte un rendez-vous ?" is a question, not a booking
                answer = self._answer(heard)
                if answer:
                    return self.reply("faq", answer)
            return await self._slots("booking", heard)
        if pending and (heard.when.date or heard.when.time or _gives_phone(pending, heard)):
            return await self._slots(pending["intent"], heard)
        answer = self._answer(heard) if heard.asks or not pending else None
        if answer:
            return self.reply("faq", answer)
        if pending:
            return self._ask_again(pending)
        return await self._rest(heard)

    def _tasks(self, heard: Heard, *, offered: bool) -> list[str]:
        found = []
        if heard.wants_transfer:
            found.append("transfer")
        if heard.has("callback"):
            found.append("callback")
        # "demain à 10h" on its own is a slot to book, unless it answers a question
        alone = not (found or heard.asks or offered or self.state.get("pending"))
        if heard.wants_booking or (alone and heard.when.date and heard.when.time):
            found.append("booking")
        return found

    async def _rest(self, heard: Heard) -> AgentTurn:
        """Neither a task nor an answer: a question for the knowledge base, lead signals,
        a greeting, something to look up, or something not understood."""
        if heard.asks:
            answer = await self._search(heard)
            return self.reply("faq", answer or self._no_info())
        if any(heard.signals[k] for k in ("need", "budget", "authority")):
            return self.reply("qualification", self._noted())
        if heard.has("greeting"):
            return self.reply("greeting", self.say("greet"))
        if heard.has("yes"):
            return self.reply("yes", self.say("listening"))
        if len(answers.keys(heard.toks, heard.matches)) >= 2:
            answer = await self._search(heard)
            if answer:
                return self.reply("faq", answer)
        misses = _count(self.state.get("misses")) + 1
        self.state["misses"] = misses
        key = "fallback_help" if misses >= _MAX_MISSES else "fallback"
        return self.reply("fallback", self.say(key))

    # --- offers ---------------------------------------------------------------------

    async def _accept(self, offer: str, heard: Heard) -> AgentTurn:
        if offer == "transfer":
            return await self._transfer("the caller accepted to speak to an advisor")
        if offer in ("callback", "booking"):
            return await self._slots(offer, heard)
        return self.reply("yes", self.say("listening"))

    def _noted(self) -> str:
        if self.can("create_booking"):
            self.state["offer"] = "booking"
            return self.say("noted_offer_booking")
        if self.can("schedule_callback"):
            self.state["offer"] = "callback"
            return self.say("noted_offer_callback")
        return self.say("noted")

    def _no_info(self) -> str:
        if self.can("transfer_call"):
            self.state["offer"] = "transfer"
            return self.say("no_info_transfer")
        if self.can("schedule_callback"):
            self.state["offer"] = "callback"
            return self.say("no_info_callback")
        return self.say("no_info")

    # --- tasks ----------------------------------------------------------------------

    async def _goodbye(self) -> AgentTurn:
        self.state.pop("pending", None)
        end = self.can("end_call")
        if end:
            await self.tool("end_call", {"reason": "goodbye"})
        return self.reply("goodbye", self.say("goodbye"), end=end)

    async def _transfer(self, reason: str) -> AgentTurn:
        self.state.pop("pending", None)
        if self.can("transfer_call"):
            result = await self.tool("transfer_call", {"reason": reason})
            if "error" not in result:
                return self.reply("transfer", self.say("transfer"))
        if self.can("schedule_callback"):
            self.state["offer"] = "callback"
            return self.reply("transfer", self.say("no_advisor_callback"))
        return self.reply("transfer", self.say("no_advisor"))

    async def _slots(self, intent: str, heard: Heard) -> AgentTurn:
        """Collect a day and a time for a booking or a callback, then call its tool."""
        tool = "create_booking" if intent == "booking" else "schedule_callback"
        if not self.can(tool):
            self.state.pop("pending", None)
            if intent == "booking" and self.can("schedule_callback"):
                self.state["offer"] = "callback"
                return self.reply(intent, self.say("booking_unavailable"))
            return self.reply(intent, self.say("unavailable"))
        pending = self.state.get("pending")
        if not isinstance(pending, dict) or pending.get("intent") != intent:
            pending = {"intent": intent, "asks": 0}
        if heard.when.date:
            pending["date"] = heard.when.date.isoformat()
        if heard.when.time:
            pending["time"] = heard.when.time.strftime("%H:%M")
        if heard.when.part:
            pending["part"] = heard.when.part
        self.state["pending"] = pending
        day, clock = _slot_date(pending), _slot_time(pending)
        if day and day < self.today:
            pending.pop("date")
            return self.reply(intent, self.say("past"))
        if day and clock and dt.datetime.combine(day, clock) <= self.now:
            pending.pop("time")
            return self.reply(intent, self.say("past"))
        if day is None or clock is None:
            return self._ask(pending)
        arguments: dict[str, Any] = {"date": pending["date"], "time": pending["time"]}
        if self.state.get("name"):
            arguments["name"] = self.state["name"]
        if intent == "callback" and self.state.get("phone"):
            arguments["phone"] = self.state["phone"]
        result = await self.tool(tool, arguments)
        if "error" in result:
            log.info("%s refused: %s", tool, result["error"])
            pending["asks"] = _count(pending.get("asks")) + 1
            if intent == "callback" and "phone" in str(result["error"]).lower():
                pending["awaiting"] = "phone"
                return self.reply(intent, self.say("ask_phone"))
            pending.pop("time", None)
            return self.reply(
                intent, self.say("booking_failed" if intent == "booking" else "callback_failed")
            )
        self.state.pop("pending", None)
        self.state["offer"] = "more"
        spoken = replies.spoken_when(day, clock, self.language, self.today)
        return self.reply(
            intent, self.say("booked" if intent == "booking" else "callback_done", when=spoken)
        )

    def _ask(self, pending: dict[str, Any]) -> AgentTurn:
        intent = pending["intent"]
        day, clock = _slot_date(pending), _slot_time(pending)
        if day:
            spoken = replies.spoken_day(day, self.language, self.today, pending.get("part"))
            return self.reply(intent, self.say("ask_time", day=spoken))
        if clock:
            return self.reply(
                intent, self.say("ask_date", time=replies.spoken_time(clock, self.language))
            )
        return self.reply(
            intent, self.say("ask_when" if intent == "booking" else "ask_when_callback")
        )

    def _ask_again(self, pending: dict[str, Any]) -> AgentTurn:
        pending["asks"] = _count(pending.get("asks")) + 1
        if pending["asks"] >= _MAX_ASKS:
            self.state.pop("pending", None)
            return self.reply("fallback", self.say("fallback_help"))
        if pending.get("awaiting") == "phone":
            return self.reply(pending["intent"], self.say("ask_phone"))
        return self._ask(pending)

    # --- answers --------------------------------------------------------------------

    def _answer(self, heard: Heard) -> str | None:
        asked = answers.keys(heard.toks, heard.matches)
        found = answers.best_faq(self.conv.faq, asked)
        if found is None and heard.asks and self.conv.instructions:
            found = answers.best_instruction(self.conv.instructions, asked)
        return found

    async def _search(self, heard: Heard) -> str | None:
        if not self.can("search_knowledge_base"):
            return None
        result = await self.tool("search_knowledge_base", {"query": heard.text[:500]})
        return answers.kb_answer(result)

    # --- lead qualification ---------------------------------------------------------

    async def _qualify(self, heard: Heard) -> None:
        """Accumulate BANT signals; report them when need and another signal are known and
        the score would rise."""
        stored = self.state.get("bant")
        known = stored if isinstance(stored, dict) else {}
        bant = {key: bool(known.get(key)) or heard.signals.get(key, False) for key in BANT_POINTS}
        self.state["bant"] = bant
        if heard.signals.get("need") and "lead_notes" not in self.state:
            self.state["lead_notes"] = heard.text[:200]
        score = sum(points for key, points in BANT_POINTS.items() if bant.get(key))
        if not bant["need"] or score <= 30 or score <= _count(self.state.get("lead_score")):
            return
        if not self.can("qualify_lead"):
            return
        arguments: dict[str, Any] = {key: bool(bant[key]) for key in BANT_POINTS}
        if self.state.get("name"):
            arguments["name"] = self.state["name"]
        if self.state.get("phone"):
            arguments["phone"] = self.state["phone"]
        if self.state.get("lead_notes"):
            arguments["notes"] = self.state["lead_notes"]
        result = await self.tool("qualify_lead", arguments)
        if "error" not in result:
            self.state["lead_score"] = score


def _gives_phone(pending: dict[str, Any], heard: Heard) -> bool:
    return pending.get("awaiting") == "phone" and heard.phone is not None


def _count(value: object) -> int:
    """A counter kept in ``conv.state`` (0 when missing or not a number)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _slot_date(pending: dict[str, Any]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(pending["date"]) if pending.get("date") else None
    except (TypeError, ValueError):
        pending.pop("date")
        return None


def _slot_time(pending: dict[str, Any]) -> dt.time | None:
    try:
        return dt.time.fromisoformat(pending["time"]) if pending.get("time") else None
    except (TypeError, ValueError):
        pending.pop("time")
        return None
