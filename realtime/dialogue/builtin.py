"""The built-in dialogue manager: an offline, deterministic agent for voice calls and text
conversations in French, English, Spanish, Arabic and Darija, with no remote model and no
network.

Each turn is read (``understand.hear``): its dialogue act by the trained classifier
(``nlu``: booking new/change/cancel, callback, transfer, lead detail, question, goodbye,
affirm, deny, correction, chit-chat, with a confidence and whether it asks the knowledge
base), the date and time in the tenant's time zone, name, phone and the lead's BANT details.
Then, in this order:

1. an answer to what the agent just asked ("shall I put you through?", "anything else?"):
   a yes does it, a no declines it — a no never ends the call, except after "anything else?";
2. the booking or callback being collected takes the slots the turn gives, corrections
   included ("ah non, plutôt vendredi" replaces the day), and switches between the two
   keeping what was said; it asks only for what is missing, and books when complete;
3. otherwise the act: a goodbye ends the call and a transfer request is put through when the
   classifier is sure, else the agent asks first; changing or cancelling a booking is offered
   to a person; a question is answered from the FAQ, the instructions or the knowledge base,
   and only a question (a booking or lead detail that also asks gets both); a lead detail is
   acknowledged with the next BANT question; below the confidence floor the agent asks the
   caller to say it again rather than act.

Lead details accumulate over the call and are reported with ``qualify_lead`` each time one is
given or changes (with their values in the notes), without changing the reply. Replies are
always in the agent's language, one or two short sentences.

``conv.state`` holds plain JSON values: ``pending`` (the booking or callback being collected:
{intent, date, time, part, asks, awaiting}), ``offer`` (what a yes accepts: booking,
callback, transfer, end, or "more" after a done task), ``done`` (the last task completed),
``goal`` (the caller's current goal: the last act that set one), ``request`` (a booking change
or cancellation asked for, with its new date and time, for the person who will make it),
``bant``, ``lead`` (the details' values), ``lead_asked``, ``lead_score`` (last reported),
``lead_notes``, ``name``, ``phone``, ``misses`` (fallbacks in a row), ``tool_seq`` (tool call
ids), ``heard_language`` (the caller's, last turn).
"""

import datetime as dt
import logging
import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from realtime.dialogue import AgentTurn, Conversation, ToolCall, ToolRunner, answers, replies
from realtime.dialogue.understand import Heard, hear
from realtime.dialogue.when import warm_up as warm_up_dates
from resolvers.textnorm import is_arabic

log = logging.getLogger("vocalia.dialogue")

BANT_POINTS = {"need": 30, "timeline": 30, "budget": 20, "authority": 20}
_MAX_ASKS = 3  # a slot asked for this many times without an answer is given up
_MAX_MISSES = 2  # after this many misunderstandings in a row, say what the agent can do
# Confidence of the dialogue-act classifier: below ACT_MIN the act is not acted on (the agent
# asks again); ending the call or transferring it without asking needs SURE; a booking or a
# lead detail is also answered as a question when the turn asks the knowledge base (KB_MIN).
ACT_MIN = 0.45
SURE = 0.75
KB_MIN = 0.5
QUESTION_MIN = 0.25  # an unsure turn that asks is looked up when a question is this likely
YES_MIN = 0.2  # a turn opening with "yes" is a yes to an offer when affirm is this likely
# Acts that set the caller's goal (a question only when there is no other goal yet).
_GOALS = frozenset(
    {
        "booking_new",
        "booking_change",
        "booking_cancel",
        "callback",
        "transfer",
        "lead_info",
        "question",
    }
)
# Acts that leave the booking being collected aside (it is asked for again after them).
_ELSEWHERE = frozenset(
    {"goodbye", "transfer", "question", "lead_info", "chitchat", "booking_cancel"}
)


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
        act = heard.act.intent if heard.act.confidence >= ACT_MIN else None
        if act in _GOALS and not _keeps_goal(act, heard, state.get("goal")):
            state["goal"] = act
        if offer:
            answered = await self._answer_offer(offer, act, heard)
            if answered is not None:
                return answered
        if pending:
            collected = await self._collect(pending, act, heard)
            if collected is not None:
                return collected
        return await self._act(act, heard, pending)

    async def _answer_offer(self, offer: str, act: str | None, heard: Heard) -> AgentTurn | None:
        """A yes or a no to what the agent has just asked ("shall I put you through?",
        "anything else?", "shall I end the call?"); None when the turn is something else."""
        # "yes please, tomorrow at 10am": a yes that goes on with the task's details
        if act == "affirm" or (heard.opens_with("yes") and heard.act.p("affirm") >= YES_MIN):
            return await self._accept(offer, heard)
        if offer in ("more", "end") and act == "goodbye":
            return await self._goodbye()
        if offer == "more" and (act == "deny" or (act == "chitchat" and heard.has("thanks"))):
            return await self._goodbye()  # "anything else?" "no, thank you"
        if act == "deny":
            return self.reply("no", self.say("anything_else"))
        return None

    async def _collect(
        self, pending: dict[str, Any], act: str | None, heard: Heard
    ) -> AgentTurn | None:
        """The booking or callback being collected takes what the turn gives: a day, a
        time, a phone number, a correction of any of them, or a switch between the two
        (the slots already given are kept). None when the turn is about something else."""
        if act in _ELSEWHERE:
            return None
        intent = pending["intent"]
        if act == "callback" or (act == "booking_new" and heard.has("booking")):
            intent = "callback" if act == "callback" else "booking"
        if heard.when.date or heard.when.time or _gives_phone(pending, heard):
            return await self._slots(intent, heard)
        if act == "deny" and heard.has("cancel", "no"):  # "non, laissez tomber"
            self.state.pop("pending", None)
            return self.reply("cancel", self.say("cancelled"))
        if act in ("booking_new", "callback", "booking_change", "affirm", "correction"):
            if intent != pending["intent"]:
                return await self._slots(intent, heard)
            return self._ask(pending)
        return self._ask_again(pending)

    async def _act(
        self, act: str | None, heard: Heard, pending: dict[str, Any] | None
    ) -> AgentTurn:
        """One dialogue act, with no offer or task to continue (or one it leaves aside)."""
        sure = heard.act.confidence >= SURE
        if act == "goodbye":
            if sure:
                return await self._goodbye()
            self.state["offer"] = "end"
            return self.reply("confirm", self.say("confirm_end"))
        if act == "transfer":
            if not sure and self.can("transfer_call"):
                self.state["offer"] = "transfer"
                return self.reply("confirm", self.say("confirm_transfer"))
            return await self._transfer("the caller asked to speak to a person")
        if act == "booking_cancel" and pending:
            self.state.pop("pending", None)
            return self.reply("cancel", self.say("cancelled"))
        if act in ("booking_cancel", "booking_change"):
            return self._change(act, heard)
        if act == "correction":
            if not (heard.when.date or heard.when.time):
                return self.reply("correction", self.say("ask_change"))
            if self.state.get("done"):
                return self._change("booking_change", heard)
            return await self._slots("booking", heard)
        if act == "callback":
            return await self._slots("callback", heard)
        if act == "booking_new":
            answer = await self._look_up(heard) if heard.act.kb >= KB_MIN else None
            booked = await self._slots("booking", heard)
            if answer:
                booked.text = f"{answer} {booked.text}"
            return booked
        if act == "lead_info":
            answer = await self._look_up(heard) if heard.act.kb >= KB_MIN else None
            asked = self._ask(pending).text if pending else self._next_lead_question()
            return self.reply("qualification", f"{answer} {asked}" if answer else asked)
        if act == "question":
            answer = await self._look_up(heard)
            if answer is None:
                return self.reply("faq", self._no_info())
            if pending:
                answer = f"{answer} {self._ask(pending).text}"
            return self.reply("faq", answer)
        if pending:
            return self._ask(pending)
        if act == "affirm":
            return self.reply("yes", self.say("listening"))
        if act == "deny":
            return self.reply("no", self.say("anything_else"))
        if act == "chitchat":
            if heard.has("greeting") and not heard.asks:
                return self.reply("greeting", self.say("greet"))
            return self.reply("chitchat", self.say("assistant" if heard.asks else "listening"))
        # Unsure what it is, but it asks: a look-up is harmless (it answers only above the
        # similarity threshold; else the agent says it does not know and offers a person).
        if heard.act.kb >= KB_MIN or (heard.asks and heard.act.p("question") >= QUESTION_MIN):
            answer = await self._look_up(heard)
            return self.reply("faq", answer or self._no_info())
        misses = _count(self.state.get("misses")) + 1
        self.state["misses"] = misses
        key = "fallback_help" if misses >= _MAX_MISSES else "fallback"
        return self.reply("fallback", self.say(key))

    def _change(self, act: str, heard: Heard) -> AgentTurn:
        """Changing or cancelling a booking needs a person: offered, not imposed. What the
        caller asked for (the new day and time) is kept for them: the transfer's reason and
        the callback's notes say it."""
        stored = self.state.get("request")
        request = dict(stored) if isinstance(stored, dict) else {}
        request["intent"] = act
        if heard.when.date:
            request["date"] = heard.when.date.isoformat()
        if heard.when.time:
            request["time"] = heard.when.time.strftime("%H:%M")
        self.state["request"] = request
        if self.can("transfer_call"):
            self.state["offer"] = "transfer"
            return self.reply("change", self.say("change_transfer"))
        if self.can("schedule_callback"):
            self.state["offer"] = "callback"
            return self.reply("change", self.say("change_callback"))
        return self.reply("change", self.say("unavailable"))

    def _next_lead_question(self) -> str:
        """After a lead detail: ask for the first BANT detail still missing, each once."""
        stored = self.state.get("bant")
        bant = stored if isinstance(stored, dict) else {}
        asked = self.state.get("lead_asked")
        asked = asked if isinstance(asked, list) else []
        for key in ("budget", "timeline", "authority"):
            if not bant.get(key) and key not in asked:
                self.state["lead_asked"] = [*asked, key]
                return self.say(f"ask_{key}")
        return self._noted()

    # --- offers ---------------------------------------------------------------------

    async def _accept(self, offer: str, heard: Heard) -> AgentTurn:
        if offer == "end":
            return await self._goodbye()
        if offer == "transfer":
            return await self._transfer(
                _request_reason(self.state.get("request"))
                or "the caller accepted to speak to an advisor"
            )
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
        if not isinstance(pending, dict):
            pending = {"intent": intent, "asks": 0}
        elif pending.get("intent") != intent:  # booking ↔ callback: what was said is kept
            kept = {k: pending[k] for k in ("date", "time", "part") if k in pending}
            pending = {"intent": intent, "asks": 0, **kept}
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
        if intent == "callback" and (reason := _request_reason(self.state.get("request"))):
            arguments["notes"] = reason
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
        self.state["done"] = {"intent": intent, "date": pending["date"], "time": pending["time"]}
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
        arabizi = heard.language == "ary" and not any(map(is_arabic, heard.toks))
        asked = answers.keys(heard.toks, heard.matches, arabizi=arabizi)
        found = answers.best_faq(self.conv.faq, asked)
        if found is None and heard.asks and self.conv.instructions:
            found = answers.best_instruction(self.conv.instructions, asked)
        return found

    async def _look_up(self, heard: Heard) -> str | None:
        """The answer to a question: the agent's FAQ and instructions, else the knowledge
        base."""
        return self._answer(heard) or await self._search(heard)

    async def _search(self, heard: Heard) -> str | None:
        if not self.can("search_knowledge_base"):
            return None
        result = await self.tool("search_knowledge_base", {"query": heard.text[:500]})
        return answers.kb_answer(result)

    # --- lead qualification ---------------------------------------------------------

    async def _qualify(self, heard: Heard) -> None:
        """Accumulate the lead's BANT details (the need, a budget with its currency, a
        timeline, who decides) and report them with qualify_lead each time one is given or
        changes, once the need is known."""
        stored = self.state.get("bant")
        known = stored if isinstance(stored, dict) else {}
        bant = {key: bool(known.get(key)) or heard.signals.get(key, False) for key in BANT_POINTS}
        self.state["bant"] = bant
        if heard.signals.get("need") and "lead_notes" not in self.state:
            self.state["lead_notes"] = heard.text[:200]
        before = self.state.get("lead")
        before = dict(before) if isinstance(before, dict) else {}
        details = dict(before)
        if heard.budget:
            details["budget"] = {"amount": heard.budget.amount, "currency": heard.budget.currency}
        if heard.timeline:
            details["timeline"] = heard.timeline
        if heard.authority is not None:
            details["authority"] = heard.authority
        changed = details != before
        self.state["lead"] = details
        score = sum(points for key, points in BANT_POINTS.items() if bant.get(key))
        rises = score > _count(self.state.get("lead_score"))
        # The need alone is not a lead worth a row; a detail given with it is, each time.
        if not bant["need"] or score <= BANT_POINTS["need"] or not (rises or changed):
            return
        if not self.can("qualify_lead"):
            return
        arguments: dict[str, Any] = {key: bool(bant[key]) for key in BANT_POINTS}
        if self.state.get("name"):
            arguments["name"] = self.state["name"]
        if self.state.get("phone"):
            arguments["phone"] = self.state["phone"]
        notes = [str(self.state.get("lead_notes") or "")]
        notes += [f"{key}: {_said(value)}" for key, value in details.items()]
        arguments["notes"] = "; ".join(n for n in notes if n)[:500]
        result = await self.tool("qualify_lead", arguments)
        if "error" not in result:
            self.state["lead_score"] = score


def _keeps_goal(act: str, heard: Heard, goal: object) -> bool:
    """Whether the turn's act leaves the caller's goal as it is: a question asked on the way,
    or a bare day or time given for a callback or a change ("demain à 15h" is labelled a
    booking when said alone)."""
    if act == "question":
        return bool(goal)
    return (
        act == "booking_new"
        and goal in ("callback", "booking_change", "booking_cancel")
        and not heard.has("booking")
    )


def _request_reason(request: object) -> str | None:
    """The transfer's reason for a booking to change or cancel, with what the caller asked."""
    if not isinstance(request, dict):
        return None
    what = "cancel" if request.get("intent") == "booking_cancel" else "change"
    moment = " ".join(str(request[k]) for k in ("date", "time") if request.get(k))
    to = f" to {moment}" if moment and what == "change" else ""
    return f"the caller wants to {what} a booking{to}"


def _said(value: object) -> str:
    """A lead detail in the notes: "2000000 MAD", "by 2027-03", "yes"."""
    if isinstance(value, dict):
        return f"{value.get('amount')} {value.get('currency')}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


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
