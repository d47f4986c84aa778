"""The built-in dialogue manager, driven turn by turn as the voice session drives it.

Its collaborator is a recording tool runner that answers like the real tools (booking ids,
lead scores, knowledge-base results) or with the errors a test asks for. The clock is fixed:
Wednesday 25 November 2026, 09:30 in Casablanca (UTC+1).
"""

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from realtime.dialogue import TOOLS, AgentTurn, Conversation, ToolCall
from realtime.dialogue.builtin import BuiltinModel, warm_up
from realtime.dialogue.when import parse_when, read_when
from resolvers.textnorm import normalize

CASABLANCA = ZoneInfo("Africa/Casablanca")
NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=CASABLANCA)  # a Wednesday
LOCAL_NOW = NOW.replace(tzinfo=None)
TODAY = dt.date(2026, 11, 25)
TOMORROW = "2026-11-26"
DAY_AFTER = "2026-11-27"
NEXT_MONDAY = "2026-11-30"
BANT_POINTS = {"need": 30, "timeline": 30, "budget": 20, "authority": 20}


class Tools:
    """The tool runner: records every call and answers like the real tools, or with the
    error a test sets for a tool."""

    def __init__(
        self, errors: dict[str, str] | None = None, kb: list[dict[str, str]] | None = None
    ) -> None:
        self.calls: list[ToolCall] = []
        self.errors = errors or {}
        self.kb = kb or []

    async def __call__(self, call: ToolCall) -> dict[str, Any]:
        self.calls.append(call)
        if call.name in self.errors:
            return {"error": self.errors[call.name]}
        args = call.arguments
        if call.name == "create_booking":
            return {
                "bookingId": f"bkg_{len(self.calls)}",
                "startsAt": f"{args['date']}T{args['time']}:00+01:00",
                "timezone": "Africa/Casablanca",
            }
        if call.name == "schedule_callback":
            return {"callbackId": "cbk_1", "at": f"{args['date']}T{args['time']}:00+01:00"}
        if call.name == "qualify_lead":
            score = sum(points for key, points in BANT_POINTS.items() if args.get(key))
            return {"leadId": "lead_1", "score": score, "qualified": score >= 70}
        if call.name == "search_knowledge_base":
            return {"results": self.kb}
        return {"ok": True}  # transfer_call, end_call

    def named(self, name: str) -> list[dict[str, Any]]:
        return [call.arguments for call in self.calls if call.name == name]

    @property
    def names(self) -> list[str]:
        return [call.name for call in self.calls]


def conversation(language: str = "fr", **overrides: Any) -> Conversation:
    values: dict[str, Any] = {
        "agent_name": "Sara",
        "language": language,
        "timezone": "Africa/Casablanca",
        "now": NOW,
    }
    values.update(overrides)
    return Conversation(**values)


@pytest.fixture(scope="module", autouse=True)
def warmed() -> None:
    warm_up()


@pytest.fixture
def model() -> BuiltinModel:
    return BuiltinModel()


async def say(
    model: BuiltinModel, conv: Conversation, text: str, tools: Tools | None = None
) -> tuple[AgentTurn, Tools]:
    """One caller turn; the turn lists exactly the tool calls it made."""
    tools = tools or Tools()
    before = len(tools.calls)
    turn = await model.respond(conv, text, tools)
    assert turn.tool_calls == tools.calls[before:]
    return turn, tools


# --- parse_when ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "expected_date", "expected_time"),
    [
        ("tomorrow at ten in the morning", "en", TOMORROW, "10:00"),
        ("tomorrow at 10 in the morning", "en", TOMORROW, "10:00"),
        ("tomorrow at 10 a.m.", "en", TOMORROW, "10:00"),
        ("tomorrow 10am", "en", TOMORROW, "10:00"),
        ("tomorrow at 3:30 pm", "en", TOMORROW, "15:30"),
        ("quarter to three tomorrow", "en", TOMORROW, "14:45"),
        ("the day after tomorrow at noon", "en", DAY_AFTER, "12:00"),
        ("next Monday at 3 pm", "en", NEXT_MONDAY, "15:00"),
        ("December the 3rd 2026 at half past two", "en", "2026-12-03", "14:30"),
        ("in 3 days at 9", "en", "2026-11-28", "09:00"),
        ("demain à dix heures", "fr", TOMORROW, "10:00"),
        ("demain a 10h", "fr", TOMORROW, "10:00"),
        ("demain dix heure", "fr", TOMORROW, "10:00"),
        ("demain à quinze heures trente", "fr", TOMORROW, "15:30"),
        ("après-demain à 9 heures et demie", "fr", DAY_AFTER, "09:30"),
        ("lundi prochain à 15h", "fr", NEXT_MONDAY, "15:00"),
        ("le 3 décembre à 14 h 15", "fr", "2026-12-03", "14:15"),
        ("vendredi 4 à 9 heures moins le quart", "fr", "2026-12-04", "08:45"),
        ("demain à trois heures de l'après-midi", "fr", TOMORROW, "15:00"),
        ("demain à midi et demi", "fr", TOMORROW, "12:30"),
        ("25/12 à 9h", "fr", "2026-12-25", "09:00"),
        ("dans deux semaines", "fr", "2026-12-09", None),
        ("demain, non, après-demain à 11h", "fr", DAY_AFTER, "11:00"),
        ("mañana a las diez", "es", TOMORROW, "10:00"),
        ("mañana por la mañana a las nueve y media", "es", TOMORROW, "09:30"),
        ("el lunes a las tres de la tarde", "es", NEXT_MONDAY, "15:00"),
        ("pasado mañana a las once", "es", DAY_AFTER, "11:00"),
        ("el tres de diciembre", "es", "2026-12-03", None),
        ("غدا الساعة العاشرة", "ar", TOMORROW, "10:00"),
        ("غدًا العاشرة صباحًا", "ar", TOMORROW, "10:00"),
        ("بعد غد الساعة الثالثة مساء", "ar", DAY_AFTER, "15:00"),
        ("الإثنين القادم الساعة الحادية عشرة", "ar", NEXT_MONDAY, "11:00"),
        ("العاشرة والنصف", "ar", None, "10:30"),
        ("غدا مع العشرة", "ary", TOMORROW, "10:00"),
        ("غدوة مع الخمسة ونص", "ary", TOMORROW, "17:30"),
        ("ghda m3a l3achra", "ary", TOMORROW, "10:00"),
        ("mn ba3d ghda m3a l3achra o ns", "ary", DAY_AFTER, "10:30"),
        ("lyoum f l3chiya m3a jouj", "ary", "2026-11-25", "14:00"),
        ("nhar tnin m3a l7dach", "ary", NEXT_MONDAY, "11:00"),
        ("من بعد غدا", "ary", DAY_AFTER, None),
    ],
)
def test_parse_when(
    text: str, language: str, expected_date: str | None, expected_time: str | None
) -> None:
    day, clock = parse_when(text, language, LOCAL_NOW)
    assert (day.isoformat() if day else None) == expected_date
    assert (clock.strftime("%H:%M") if clock else None) == expected_time


@pytest.mark.parametrize(
    "text",
    [
        "je voudrais 2 places pour 4 personnes",
        "I am the owner",
        "I have 2 kids and 3 dogs",
        "un rendez-vous pour deux personnes",
        "je m'appelle Karim",
        "",
    ],
)
def test_parse_when_ignores_numbers_that_are_not_moments(text: str) -> None:
    assert parse_when(text, "fr", LOCAL_NOW) == (None, None)


def test_parse_when_keeps_the_part_of_day_without_a_time() -> None:
    found = read_when("demain matin", "fr", LOCAL_NOW)
    assert (found.date, found.time, found.part) == (dt.date(2026, 11, 26), None, "morning")
    later = read_when("à trois heures", "fr", LOCAL_NOW, part_hint="morning")
    assert later.time == dt.time(3, 0)
    bare = read_when("dix", "fr", LOCAL_NOW, bare_hour=True)
    assert bare.time == dt.time(10, 0)
    assert read_when("dix", "fr", LOCAL_NOW).time is None


def test_parse_when_falls_back_to_dateparser_for_months() -> None:
    assert parse_when("dans deux mois", "fr", LOCAL_NOW) == (dt.date(2027, 1, 25), None)
    assert parse_when("in 3 months at 10am", "en", LOCAL_NOW) == (
        dt.date(2027, 2, 25),
        dt.time(10, 0),
    )


def test_normalize_folds_accents_arabic_forms_and_clock_times() -> None:
    assert normalize("Réservé à 10 h 30, l'après-midi") == "reserve a 10h30 , l apres midi"
    assert normalize("غدًا الساعةُ العاشرة إلى") == "غدا الساعه العاشره الي"
    assert normalize("\u0661\u0660 AM") == "10am"  # Arabic-Indic digits


# --- booking ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Hello, I would like to book an appointment tomorrow at ten in the morning.",
        "Hello, I would like to book an appointment tomorrow at 10 in the morning.",
        "I'd like to book an appointment tomorrow at 10 a.m.",
        "Can I make an appointment tomorrow 10am?",
    ],
)
async def test_english_booking(model: BuiltinModel, text: str) -> None:
    turn, tools = await say(model, conversation("en"), text)
    assert tools.names == ["create_booking"]
    assert tools.named("create_booking") == [{"date": TOMORROW, "time": "10:00"}]
    assert turn.intent == "booking"
    assert turn.text == (
        "Your appointment is booked for tomorrow, Thursday 26 November, at 10:00. "
        "Is there anything else I can do for you?"
    )
    assert not turn.end


@pytest.mark.parametrize(
    "text",
    [
        "je voudrais prendre rendez-vous demain à dix heures",
        "je voudrais prendre rendez vous demain a 10h",
        "rendevous demain dix heure",
        "Bonjour, je voudrais un rende-vous demain à 10 heures.",
        "je veux réserver demain à 10h",
        "reserver demain a 10h s'il vous plait",
    ],
)
async def test_french_booking(model: BuiltinModel, text: str) -> None:
    turn, tools = await say(model, conversation("fr"), text)
    assert tools.named("create_booking") == [{"date": TOMORROW, "time": "10:00"}]
    assert turn.text == (
        "C'est noté : votre rendez-vous est réservé pour demain, jeudi 26 novembre, "
        "à 10 heures. Puis-je faire autre chose pour vous ?"
    )


async def test_french_booking_over_two_turns(model: BuiltinModel) -> None:
    conv = conversation("fr")
    first, tools = await say(model, conv, "je voudrais un rendez-vous")
    assert tools.calls == []
    assert first.intent == "booking"
    assert first.text == "Avec plaisir. Quel jour et à quelle heure vous conviendraient ?"
    assert conv.state["pending"]["intent"] == "booking"
    second, tools = await say(model, conv, "demain à quinze heures trente")
    assert tools.named("create_booking") == [{"date": TOMORROW, "time": "15:30"}]
    assert "demain, jeudi 26 novembre, à 15 heures 30" in second.text
    assert "pending" not in conv.state


async def test_booking_asks_for_the_time_then_the_date(model: BuiltinModel) -> None:
    conv = conversation("en")
    first, tools = await say(model, conv, "I need an appointment tomorrow afternoon")
    assert tools.named("create_booking") == []
    assert first.text == "Sure, tomorrow, Thursday 26 November in the afternoon. At what time?"
    # The part of the day named before turns "four" into 16:00.
    _, tools = await say(model, conv, "four")
    assert tools.named("create_booking") == [{"date": TOMORROW, "time": "16:00"}]

    conv = conversation("fr")
    first, _ = await say(model, conv, "un rendez-vous demain matin")
    assert first.text == "Très bien, demain, jeudi 26 novembre dans la matinée. À quelle heure ?"
    _, tools = await say(model, conv, "vers dix heures et quart")
    assert tools.named("create_booking") == [{"date": TOMORROW, "time": "10:15"}]

    conv = conversation("fr")
    first, _ = await say(model, conv, "je voudrais réserver à 11h")
    assert first.text == "Très bien, à 11 heures. Quel jour vous conviendrait ?"
    _, tools = await say(model, conv, "lundi prochain")
    assert tools.named("create_booking") == [{"date": NEXT_MONDAY, "time": "11:00"}]


async def test_booking_takes_the_callers_name(model: BuiltinModel) -> None:
    conv = conversation("fr")
    _, tools = await say(
        model, conv, "Bonjour, je m'appelle Karim Benali, je voudrais un rendez-vous demain à 10h"
    )
    assert tools.named("create_booking") == [
        {"date": TOMORROW, "time": "10:00", "name": "Karim Benali"}
    ]
    for text, name in [
        ("my name is john smith and I'd like to book tomorrow at 9", "John Smith"),
        ("me llamo Lucía, quiero una cita mañana a las diez", "Lucía"),
        ("اسمي أمينة، أريد موعدا غدا الساعة العاشرة", "أمينة"),
        ("smiti youssef bghit maw3id ghda m3a l3achra", "Youssef"),
    ]:
        _, tools = await say(model, conversation("fr"), text)
        assert tools.named("create_booking")[0]["name"] == name


async def test_spanish_booking_and_transfer(model: BuiltinModel) -> None:
    conv = conversation("es")
    turn, tools = await say(model, conv, "quisiera reservar una cita mañana a las diez")
    assert tools.named("create_booking") == [{"date": TOMORROW, "time": "10:00"}]
    assert turn.text == (
        "Su cita queda reservada para mañana, jueves 26 de noviembre, a las 10:00. "
        "¿Puedo ayudarle en algo más?"
    )
    turn, tools = await say(model, conv, "quiero hablar con un asesor")
    assert tools.names == ["transfer_call"]
    assert turn.text == "Le paso con un asesor, un momento por favor."


async def test_arabic_booking_and_transfer(model: BuiltinModel) -> None:
    conv = conversation("ar")
    turn, tools = await say(model, conv, "أريد حجز موعد غدا الساعة العاشرة")
    assert tools.named("create_booking") == [{"date": TOMORROW, "time": "10:00"}]
    assert turn.text == (
        "تم حجز موعدك: غدا، الخميس 26 نونبر، على الساعة 10:00. هل يمكنني مساعدتك في شيء آخر؟"
    )
    turn, tools = await say(model, conv, "أريد التحدث مع موظف")
    assert tools.names == ["transfer_call"]
    assert turn.text == "سأحولك إلى أحد المستشارين، يرجى الانتظار."


@pytest.mark.parametrize(
    "text",
    [
        "بغيت نحجز موعد غدا مع العشرة",
        "bghit nakhod maw3id ghda m3a l3achra",
        "salam, bghit n7jez rendez-vous ghda m3a 10",
    ],
)
async def test_darija_booking(model: BuiltinModel, text: str) -> None:
    turn, tools = await say(model, conversation("ary"), text)
    assert tools.named("create_booking") == [{"date": TOMORROW, "time": "10:00"}]
    assert turn.text == "تم الحجز ديالك: غدا، الخميس 26 نونبر، مع 10:00. واش بغيتي شي حاجة أخرى؟"


async def test_darija_transfer_and_goodbye(model: BuiltinModel) -> None:
    conv = conversation("ary")
    turn, tools = await say(model, conv, "bghit nhder m3a chi wa7ed")
    assert tools.named("transfer_call") == [{"reason": "the caller asked to speak to a person"}]
    assert turn.text == "غادي نحولك لواحد المستشار، تسنى شوية."
    for text in ("بسلامة", "bslama"):
        turn, tools = await say(model, conversation("ary"), text)
        assert tools.named("end_call") == [{"reason": "goodbye"}]
        assert (turn.end, turn.text) == (True, "شكرا على الاتصال، بسلامة.")


async def test_booking_refused_apologises_and_asks_again(model: BuiltinModel) -> None:
    conv = conversation("en")
    tools = Tools(errors={"create_booking": "that slot is taken"})
    turn, _ = await say(model, conv, "book me tomorrow at 10am", tools)
    assert tools.named("create_booking") == [{"date": TOMORROW, "time": "10:00"}]
    assert turn.intent == "booking"
    assert turn.text == "Sorry, that slot isn't available. Which other day or time would suit you?"
    assert conv.state["pending"]["date"] == TOMORROW
    # The day is kept: a new time completes the booking.
    tools.errors.clear()
    turn, _ = await say(model, conv, "at 11 then", tools)
    assert tools.named("create_booking")[-1] == {"date": TOMORROW, "time": "11:00"}
    assert turn.text.startswith("Your appointment is booked for tomorrow")


async def test_booking_in_the_past_is_not_sent(model: BuiltinModel) -> None:
    turn, tools = await say(model, conversation("fr"), "un rendez-vous aujourd'hui à 8h")
    assert tools.calls == []
    assert turn.text == "Ce moment est déjà passé. Quel jour et quelle heure vous conviendraient ?"


async def test_dates_resolve_in_the_tenant_time_zone(model: BuiltinModel) -> None:
    # 23:30 UTC on the 25th is already 00:30 on the 26th in Casablanca: tomorrow is the 27th.
    late = dt.datetime(2026, 11, 25, 23, 30, tzinfo=dt.UTC)
    _, tools = await say(model, conversation("en", now=late), "book tomorrow at 10am")
    assert tools.named("create_booking") == [{"date": DAY_AFTER, "time": "10:00"}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I want an appointment next Monday at 3 pm", (NEXT_MONDAY, "15:00")),
        ("je voudrais un rendez-vous lundi prochain à 15h", (NEXT_MONDAY, "15:00")),
        ("una cita el lunes a las tres", (NEXT_MONDAY, "15:00")),
        ("موعد يوم الاثنين الساعة الثالثة", (NEXT_MONDAY, "15:00")),
        ("rendez-vous samedi à 4 heures de l'après-midi", ("2026-11-28", "16:00")),
        ("appointment Wednesday at 9", ("2026-12-02", "09:00")),
        ("موعد غدا الساعة الرابعة مساء", (TOMORROW, "16:00")),
    ],
)
async def test_weekdays_and_afternoon(
    model: BuiltinModel, text: str, expected: tuple[str, str]
) -> None:
    _, tools = await say(model, conversation("fr"), text)
    assert tools.named("create_booking") == [{"date": expected[0], "time": expected[1]}]


@pytest.mark.parametrize(
    ("text", "booked"),
    [
        ("est-ce que je peux venir demain à 10h ?", (TOMORROW, "10:00")),
        ("I'd like a table for two tomorrow at 8pm", (TOMORROW, "20:00")),
        ("demain à 10h", (TOMORROW, "10:00")),
        ("I'm looking for my keys", None),
        ("me llamo Juan", None),
        ("je m'appelle Karim", None),
        ("je vais passer demain, on sera deux personnes", None),
    ],
)
async def test_what_is_and_is_not_a_booking(
    model: BuiltinModel, text: str, booked: tuple[str, str] | None
) -> None:
    _, tools = await say(model, conversation("fr"), text)
    expected = [{"date": booked[0], "time": booked[1]}] if booked else []
    assert tools.named("create_booking") == expected
    assert tools.named("transfer_call") == tools.named("schedule_callback") == []


async def test_a_question_about_bookings_is_answered_not_booked(model: BuiltinModel) -> None:
    faq = [{"question": "Quel est le prix d'un rendez-vous ?", "answer": "300 dirhams."}]
    turn, tools = await say(model, conversation("fr", faq=faq), "combien coûte un rendez-vous ?")
    assert (turn.intent, turn.text, tools.calls) == ("faq", "300 dirhams.", [])


async def test_a_count_is_not_taken_for_the_time_asked(model: BuiltinModel) -> None:
    conv = conversation("fr")
    await say(model, conv, "je voudrais un rendez-vous")
    turn, tools = await say(model, conv, "nous serons 2 adultes et 3 enfants")
    assert "time" not in conv.state["pending"]
    assert turn.text == "Avec plaisir. Quel jour et à quelle heure vous conviendraient ?"
    _, tools = await say(model, conv, "vendredi à 9h", tools)
    assert tools.named("create_booking") == [{"date": "2026-11-27", "time": "09:00"}]


async def test_booking_without_the_booking_tool_offers_a_callback(model: BuiltinModel) -> None:
    conv = conversation("en", tools=("schedule_callback", "end_call"))
    turn, tools = await say(model, conv, "I'd like an appointment tomorrow at 10am")
    assert tools.calls == []
    assert turn.text == (
        "I can't book appointments directly. Would you like an advisor to call you back?"
    )
    turn, tools = await say(model, conv, "yes please, tomorrow at 10am", tools)
    assert tools.named("schedule_callback") == [{"date": TOMORROW, "time": "10:00"}]


async def test_state_is_plain_json_and_tool_ids_are_unique(model: BuiltinModel) -> None:
    conv = conversation("fr")
    tools = Tools()
    for text in (
        "je m'appelle Nadia, je cherche un traiteur pour un mariage",
        "mon budget est de 30000 dirhams",
        "je voudrais un rendez-vous jeudi après-midi",
        "à quatre heures",
        "merci, au revoir",
    ):
        await say(model, conv, text, tools)
    assert json.loads(json.dumps(conv.state)) == conv.state
    # The budget is a lead detail; the booking's day is not the project's timeline.
    assert tools.names == ["qualify_lead", "create_booking", "end_call"]
    assert [call.id for call in tools.calls] == [f"builtin_{n}" for n in range(1, 4)]
    assert tools.named("create_booking") == [{"date": TOMORROW, "time": "16:00", "name": "Nadia"}]


# --- transfer and callback -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "je veux parler à un conseiller",
        "je voudrais parler à quelqu'un",
        "can I speak to a real person please",
        "quiero hablar con un asesor",
        "أريد التحدث مع موظف",
        "bghit nhder m3a chi wa7ed",
        "بغيت نهضر مع شي واحد",
    ],
)
async def test_transfer(model: BuiltinModel, text: str) -> None:
    turn, tools = await say(model, conversation("fr"), text)
    assert tools.names == ["transfer_call"]
    assert (turn.intent, turn.text) == (
        "transfer",
        "Je vous mets en relation avec un conseiller, veuillez patienter.",
    )


async def test_transfer_without_advisor_offers_a_callback(model: BuiltinModel) -> None:
    conv = conversation("fr")
    tools = Tools(errors={"transfer_call": "no transfer number is configured"})
    turn, _ = await say(model, conv, "je veux parler à un conseiller", tools)
    assert turn.text == (
        "Aucun conseiller n'est disponible pour le moment. Voulez-vous que l'on vous rappelle ?"
    )
    turn, _ = await say(model, conv, "oui", tools)
    assert turn.text == "Bien sûr. Quel jour et à quelle heure souhaitez-vous être rappelé ?"
    turn, _ = await say(model, conv, "demain à 15h", tools)
    assert tools.named("schedule_callback") == [{"date": TOMORROW, "time": "15:00"}]
    assert turn.text == (
        "C'est noté, nous vous rappellerons demain, jeudi 26 novembre, à 15 heures. "
        "Puis-je faire autre chose pour vous ?"
    )


async def test_transfer_not_among_the_agents_tools(model: BuiltinModel) -> None:
    conv = conversation("en", tools=("create_booking", "end_call"))
    turn, tools = await say(model, conv, "let me talk to a human")
    assert tools.calls == []
    assert turn.text == "No advisor is available right now. How else can I help you?"


async def test_callback(model: BuiltinModel) -> None:
    turn, tools = await say(model, conversation("fr"), "rappelez-moi demain à 15h")
    assert tools.named("schedule_callback") == [{"date": TOMORROW, "time": "15:00"}]
    assert turn.intent == "callback"
    conv = conversation("en")
    turn, tools = await say(model, conv, "could you call me back?")
    assert tools.calls == []
    assert turn.text == "Of course. Which day and time should we call you back?"
    # The web widget has no caller number: the tool asks for one.
    tools = Tools(errors={"schedule_callback": "phone is required: ask the caller"})
    turn, _ = await say(model, conv, "tomorrow at 4 pm", tools)
    assert turn.text == "Which phone number should we call you back on?"
    tools.errors.clear()
    await say(model, conv, "it's +212 6 12 34 56 78", tools)
    assert tools.named("schedule_callback")[-1] == {
        "date": TOMORROW,
        "time": "16:00",
        "phone": "+212612345678",
    }


# --- answers ---------------------------------------------------------------------------

FAQ = [
    {
        "question": "Quels sont vos horaires d'ouverture ?",
        "answer": "Nous sommes ouverts du lundi au vendredi de 9h à 18h.",
    },
    {
        "question": "Combien coûte une consultation ?",
        "answer": "La consultation coûte 300 dirhams.",
    },
    {"question": "Avez-vous un parking ?", "answer": "Oui, un parking gratuit est disponible."},
]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("vous êtes ouverts le samedi ?", FAQ[0]["answer"]),
        ("what are your opening hours?", FAQ[0]["answer"]),
        ("c'est combien la consultation", FAQ[1]["answer"]),
        ("شحال الثمن ديال الاستشارة؟", FAQ[1]["answer"]),
        ("est-ce qu'il y a un parking", FAQ[2]["answer"]),
    ],
)
async def test_faq(model: BuiltinModel, text: str, answer: str) -> None:
    turn, tools = await say(model, conversation("fr", faq=FAQ), text)
    assert (turn.intent, turn.text) == ("faq", answer)
    assert tools.calls == []


async def test_answers_from_the_instructions(model: BuiltinModel) -> None:
    instructions = (
        "Tu es l'assistante du cabinet dentaire Atlas. Ne jamais donner les prix au téléphone. "
        "Le cabinet est ouvert du lundi au samedi de 9h à 19h. Adresse : 12 rue Atlas, Rabat."
    )
    conv = conversation("fr", instructions=instructions)
    turn, tools = await say(model, conv, "quels sont vos horaires ?")
    assert turn.text == "Le cabinet est ouvert du lundi au samedi de 9h à 19h."
    turn, _ = await say(model, conv, "quelle est votre adresse ?")
    assert turn.text == "Adresse : 12 rue Atlas, Rabat."
    assert tools.calls == []


async def test_answers_from_the_knowledge_base(model: BuiltinModel) -> None:
    kb = [{"question": "Livraison", "answer": "Nous livrons partout au Maroc en 48 heures."}]
    tools = Tools(kb=kb)
    turn, _ = await say(model, conversation("fr"), "vous livrez à Tanger ?", tools)
    assert tools.named("search_knowledge_base") == [{"query": "vous livrez à Tanger ?"}]
    assert (turn.intent, turn.text) == ("faq", kb[0]["answer"])
    # No hit: the agent says so and offers an advisor.
    turn, tools = await say(model, conversation("fr"), "vous livrez à Tanger ?")
    assert tools.names == ["search_knowledge_base"]
    assert turn.text == (
        "Je n'ai pas cette information. Voulez-vous que je vous passe un conseiller ?"
    )
    # Without the tool, nothing is searched.
    conv = conversation("fr", tools=("create_booking",))
    turn, tools = await say(model, conv, "vous livrez à Tanger ?")
    assert tools.calls == []
    assert turn.text == "Je n'ai pas cette information. Puis-je vous aider autrement ?"


# --- lead qualification ----------------------------------------------------------------


async def test_bant_signals_accumulate_into_qualify_lead(model: BuiltinModel) -> None:
    conv = conversation("fr")
    tools = Tools()
    turn, _ = await say(model, conv, "je cherche un nouveau site web pour ma boutique", tools)
    assert tools.named("qualify_lead") == []  # need alone is not reported
    assert turn.intent == "qualification"
    await say(model, conv, "c'est assez urgent, il me le faut ce mois-ci", tools)
    assert tools.named("qualify_lead") == [
        {
            "need": True,
            "timeline": True,
            "budget": False,
            "authority": False,
            "notes": "je cherche un nouveau site web pour ma boutique; timeline: by 2026-11",
        }
    ]
    await say(model, conv, "oui", tools)  # nothing new: not reported again
    assert len(tools.named("qualify_lead")) == 1
    await say(model, conv, "je suis le gérant et mon budget est de 20000 dirhams", tools)
    reports = tools.named("qualify_lead")
    assert len(reports) == 2
    assert {k: reports[1][k] for k in BANT_POINTS} == dict.fromkeys(BANT_POINTS, True)
    assert conv.state["lead_score"] == 100


@pytest.mark.parametrize(
    ("text", "signals"),
    [
        ("I need a new CRM and I'm the owner", {"need", "authority"}),
        ("necesito una web, tengo un presupuesto de 5000 euros", {"need", "budget"}),
        ("أحتاج موقعا إلكترونيا، أنا المدير", {"need", "authority"}),
        ("khasni site web, budget 10000 dh, daba", {"need", "budget"}),
        ("we need it as soon as possible", {"need", "timeline"}),
    ],
)
async def test_bant_signals_in_each_language(
    model: BuiltinModel, text: str, signals: set[str]
) -> None:
    _, tools = await say(model, conversation("en"), text)
    (report,) = tools.named("qualify_lead")
    assert {k for k in BANT_POINTS if report[k]} == signals


async def test_asking_for_the_manager_is_not_authority(model: BuiltinModel) -> None:
    conv = conversation("en")
    await say(model, conv, "I need help, can I talk to the manager?")
    assert conv.state["bant"] == {
        "need": True,
        "timeline": False,
        "budget": False,
        "authority": False,
    }


# --- goodbye, language, fallback -------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "reply"),
    [
        ("fr", "merci, au revoir", "Merci de votre appel, au revoir !"),
        ("en", "thanks, bye", "Thank you for calling, goodbye!"),
        ("es", "muchas gracias, adiós", "Gracias por su llamada, ¡adiós!"),
        ("ar", "شكرا، مع السلامة", "شكرا على اتصالك، مع السلامة."),
        ("ary", "chokran, bslama", "شكرا على الاتصال، بسلامة."),
    ],
)
async def test_goodbye(model: BuiltinModel, language: str, text: str, reply: str) -> None:
    turn, tools = await say(model, conversation(language), text)
    assert tools.named("end_call") == [{"reason": "goodbye"}]
    assert (turn.intent, turn.end, turn.text) == ("goodbye", True, reply)


async def test_no_after_anything_else_ends_the_call(model: BuiltinModel) -> None:
    conv = conversation("en")
    await say(model, conv, "book tomorrow at 10am")
    turn, tools = await say(model, conv, "no thanks")
    assert tools.names == ["end_call"]
    assert turn.end


async def test_replies_in_the_agents_language_whatever_the_caller_speaks(
    model: BuiltinModel,
) -> None:
    conv = conversation("ar")
    turn, tools = await say(model, conv, "I want to book an appointment tomorrow at 10am")
    assert tools.named("create_booking") == [{"date": TOMORROW, "time": "10:00"}]
    assert turn.text.startswith("تم حجز موعدك: غدا")
    assert conv.state["heard_language"] == "en"
    turn, _ = await say(model, conversation("es"), "bonjour")
    assert (turn.intent, turn.text) == ("greeting", "¡Hola! ¿En qué puedo ayudarle?")


async def test_fallback_then_help(model: BuiltinModel) -> None:
    conv = conversation("en", tools=tuple(t for t in TOOLS if t != "search_knowledge_base"))
    turn, tools = await say(model, conv, "the purple elephant sings")
    assert (turn.intent, turn.text) == (
        "fallback",
        "Sorry, I didn't quite understand. Could you rephrase that?",
    )
    turn, _ = await say(model, conv, "blue trumpets")
    assert turn.text == (
        "I can book an appointment, answer your questions or put you through to an advisor. "
        "What would you like?"
    )
    assert tools.calls == []


@pytest.mark.parametrize("text", ["", "   ", "...", "\n"])
async def test_empty_input(model: BuiltinModel, text: str) -> None:
    turn, tools = await say(model, conversation("fr"), text)
    assert (turn.intent, turn.text, turn.end) == (
        "empty",
        "Pardon, je n'ai pas bien entendu. Pouvez-vous répéter ?",
        False,
    )
    assert tools.calls == []


def test_reprompt(model: BuiltinModel) -> None:
    assert model.reprompt(conversation("en")) == "Are you still there? How can I help?"
    assert model.reprompt(conversation("ary")) == "واش باقي معايا؟ كيفاش نقدر نعاونك؟"
    assert model.reprompt(conversation("de")) == (
        "Êtes-vous toujours là ? Comment puis-je vous aider ?"
    )


async def test_cancel_drops_the_pending_request(model: BuiltinModel) -> None:
    conv = conversation("fr")
    await say(model, conv, "je voudrais un rendez-vous")
    turn, tools = await say(model, conv, "non, laissez tomber")
    assert tools.calls == []
    assert "pending" not in conv.state
    assert turn.text == "Très bien, j'annule cette demande. Puis-je vous aider autrement ?"


# --- long input ------------------------------------------------------------------------
# How fast a turn is, long inputs included, is measured by bench/understanding.py (timings
# belong to benchmarks, not to unit tests on a loaded host).


async def test_a_ten_thousand_character_turn_is_read_like_a_short_one(model: BuiltinModel) -> None:
    said = "Bonjour, je voudrais prendre rendez-vous demain à dix heures, je suis le gérant. "
    long_text = (said * (10_000 // len(said) + 1))[:10_000]
    for text in (long_text, said):
        turn, tools = await say(model, conversation("fr"), text)
        assert turn.intent == "booking"
        assert [(c.name, c.arguments) for c in tools.calls] == [
            ("create_booking", {"date": "2026-11-26", "time": "10:00"})
        ]
