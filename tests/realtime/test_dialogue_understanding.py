"""The builtin agent understands what callers mean, in every language (issue 11's failure
classes): bookings asked as questions are booked, not answered; the FAQ answers questions
only, and the right one; corrections change a slot and never end the call; "no" is not a
goodbye; a robot question or an advisor in a booking is not a transfer; callbacks are not
bookings; lead details are recorded with their values; slots are remembered across turns;
typed slips keep the date; an Arabizi question finds an FAQ written in Arabic script.

The phrasings here are this file's own (the held-out set of bench/data/understanding is
never used in tests or training). The clock: Wednesday 2026-11-25, 09:30, Casablanca.
"""

import datetime as dt
from typing import Any

import pytest

from realtime.dialogue import AgentTurn, Conversation
from realtime.dialogue.builtin import BuiltinModel, warm_up
from realtime.dialogue.when import When, read_when
from tests.realtime.test_dialogue_builtin import TOMORROW, Tools, conversation

THURSDAY, FRIDAY, SATURDAY, MONDAY = "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-30"

# Each language's FAQ: hours, the deposit, the commission, delivery. Darija is written in
# Arabic script only, so an Arabizi question must cross scripts to find it.
FAQ = {
    "fr": [
        ("Quels sont vos horaires ?", "Nous sommes ouverts de 9h à 19h du lundi au samedi."),
        ("Faut-il verser un acompte ?", "Un acompte de 10 % est demandé à la réservation."),
        ("Quelle est votre commission ?", "Notre commission est de 2,5 % du prix de vente."),
        ("Livrez-vous à domicile ?", "Oui, nous livrons partout au Maroc en 48 heures."),
    ],
    "en": [
        ("What are your opening hours?", "We are open 9 am to 7 pm, Monday to Saturday."),
        ("Do I need to pay a deposit?", "A 10 percent deposit is taken when you book."),
        ("What is your commission?", "Our commission is 2.5 percent of the sale price."),
        ("Do you deliver?", "Yes, we deliver anywhere in Morocco within 48 hours."),
    ],
    "es": [
        ("¿Cuál es su horario?", "Abrimos de 9 a 19 h, de lunes a sábado."),
        ("¿Hay que pagar una fianza?", "Pedimos una señal del 10 % al reservar."),
        ("¿Cuál es su comisión?", "Nuestra comisión es del 2,5 % del precio de venta."),
        ("¿Hacen envíos a domicilio?", "Sí, enviamos a todo Marruecos en 48 horas."),
    ],
    "ar": [
        ("ما هي أوقات العمل؟", "نعمل من التاسعة صباحا إلى السابعة مساء من الاثنين إلى السبت."),
        ("هل يجب دفع عربون؟", "نطلب عربونا بنسبة 10 في المئة عند الحجز."),
        ("كم هي العمولة؟", "عمولتنا 2.5 في المئة من ثمن البيع."),
        ("هل توصلون الطلبات؟", "نعم، نوصل إلى جميع مدن المغرب في 48 ساعة."),
    ],
    "ary": [
        ("شنو هوما الأوقات ديالكم؟", "حنا حالين من 9 ديال الصباح حتى 7 ديال الليل."),
        ("واش خاص نخلص العربون؟", "كنطلبو عربون ديال 10 فالمية ملي كتحجز."),
        ("شحال الكوميسيون ديالكم؟", "الكوميسيون ديالنا 2.5 فالمية من الثمن."),
        ("واش كاين التوصيل؟", "إيه، كنوصلو لجميع المدن فـ 48 ساعة."),
    ],
}
LANGS = ("fr", "en", "es", "ar", "ary", "ary-latn")


def moment(found: When) -> tuple[str | None, str | None]:
    """A reading's day and time as the tests write them (ISO day, HH:MM)."""
    return (found.date and found.date.isoformat(), found.time and found.time.strftime("%H:%M"))


def agent_language(lang: str) -> str:
    return "ary" if lang.startswith("ary") else lang


def faq(lang: str) -> list[dict[str, str]]:
    return [{"question": q, "answer": a} for q, a in FAQ[agent_language(lang)]]


def answers(lang: str) -> set[str]:
    return {a for _, a in FAQ[agent_language(lang)]}


@pytest.fixture(scope="module", autouse=True)
def warmed() -> None:
    warm_up()


class Call:
    """One conversation driven turn by turn, its tool calls recorded."""

    def __init__(self, lang: str, **overrides: Any) -> None:
        values: dict[str, Any] = {"faq": faq(lang), "transfer_available": True}
        values.update(overrides)
        self.conv: Conversation = conversation(agent_language(lang), **values)
        self.tools = Tools()
        self.model = BuiltinModel()

    async def say(self, text: str) -> AgentTurn:
        turn = await self.model.respond(self.conv, text, self.tools)
        self.conv.history += [
            {"role": "user", "content": text},
            {"role": "assistant", "content": turn.text},
        ]
        return turn

    def named(self, name: str) -> list[dict[str, Any]]:
        return self.tools.named(name)


def not_an_faq_answer(lang: str, turn: AgentTurn) -> None:
    assert turn.intent != "faq", turn
    assert not any(a in turn.text for a in answers(lang)), turn


# --- bookings asked as questions are booked ----------------------------------------------

BOOKING_QUESTIONS = {
    "fr": ("Est-ce qu'il vous reste une place samedi vers 11h ?", SATURDAY, "11:00"),
    "en": ("Any chance you could fit me in on Saturday at 11?", SATURDAY, "11:00"),
    "es": ("¿Les queda algún hueco el sábado a las 11?", SATURDAY, "11:00"),
    "ar": ("هل لديكم موعد متاح يوم السبت على الساعة الحادية عشرة؟", SATURDAY, "11:00"),
    "ary": ("واش عندكم شي بلاصة نهار السبت مع الحداش؟", SATURDAY, "11:00"),
    "ary-latn": ("wach 3ndkom chi blasa nhar sebt m3a l7dach?", SATURDAY, "11:00"),
}


@pytest.mark.parametrize("lang", LANGS)
async def test_a_booking_asked_as_a_question_is_booked_not_answered(lang: str) -> None:
    text, date, time = BOOKING_QUESTIONS[lang]
    call = Call(lang)
    turn = await call.say(text)
    not_an_faq_answer(lang, turn)
    assert call.named("create_booking") == [{"date": date, "time": time}]


# --- the FAQ answers questions, and only them --------------------------------------------

NOT_QUESTIONS = {
    "fr": (
        "Merci beaucoup pour ces infos, bonne fin de journée",
        "Notre budget tourne autour de 600 000 dirhams pour l'appartement",
        "Oui bonjour, je vous entends bien",
    ),
    "en": (
        "Thanks a lot for the info, have a good evening",
        "Our budget is around 600,000 dirhams for the apartment",
        "Hi there, yes I can hear you fine",
    ),
    "es": (
        "Muchas gracias por la información, que tenga buena tarde",
        "Nuestro presupuesto ronda los 600.000 dirhams para el piso",
        "Hola, sí, le oigo bien",
    ),
    "ar": (
        "شكرا جزيلا على المعلومات، مساء سعيد",
        "ميزانيتنا حوالي ستمائة ألف درهم للشقة",
        "مرحبا، نعم أسمعك جيدا",
    ),
    "ary": (
        "شكرا بزاف على المعلومات، نهارك مبروك",
        "الميزانية ديالنا شي 60 مليون للشقة",
        "آلو، إيه كنسمعك مزيان",
    ),
    "ary-latn": (
        "chokran bzaf 3la les infos, nharek mabrouk",
        "lbudget dyalna chi 60 mlyoun l appartement",
        "allo, ih kansm3k mzyan",
    ),
}
COMMISSION = {
    "fr": "Vous prenez combien de commission quand vous vendez une maison ?",
    "en": "How much commission do you take when you sell a house?",
    "es": "¿Cuánta comisión se llevan cuando venden una casa?",
    "ar": "كم تأخذون من عمولة عند بيع منزل؟",
    "ary": "شحال كتاخدو كوميسيون ملي كتبيعو شي دار؟",
    "ary-latn": "ch7al katakhdo komisyon mli katbi3o chi dar?",
}


@pytest.mark.parametrize("lang", LANGS)
async def test_goodbyes_lead_details_and_small_talk_get_no_faq_answer(lang: str) -> None:
    for text in NOT_QUESTIONS[lang]:
        turn = await Call(lang).say(text)
        not_an_faq_answer(lang, turn)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_commission_question_gets_the_commission_not_the_deposit(lang: str) -> None:
    turn = await Call(lang).say(COMMISSION[lang])
    assert turn.intent == "faq"
    assert turn.text == FAQ[agent_language(lang)][2][1]


# --- corrections change a slot; "no" is not a goodbye ------------------------------------

CORRECTIONS = {
    "fr": ("Je voudrais un rendez-vous jeudi", "ah non pardon, plutôt vendredi", "à 10h"),
    "en": ("I'd like an appointment on Thursday", "oh sorry no, make that Friday", "at 10"),
    "es": ("Quiero una cita el jueves", "ay no perdón, mejor el viernes", "a las 10"),
    "ar": ("أريد حجز موعد يوم الخميس", "عفوا لا، الأفضل يوم الجمعة", "على الساعة العاشرة"),
    "ary": ("بغيت ناخد موعد نهار الخميس", "لا سمح ليا، خليها نهار الجمعة", "مع العشرة"),
    "ary-latn": (
        "bghit nakhod maw3id nhar lkhmis",
        "la sme7 lia, khliha nhar jem3a",
        "m3a l3achra",
    ),
}


@pytest.mark.parametrize("lang", LANGS)
async def test_a_correction_changes_the_day_and_the_call_goes_on(lang: str) -> None:
    first, correction, time = CORRECTIONS[lang]
    call = Call(lang)
    await call.say(first)
    assert call.conv.state["pending"]["date"] == THURSDAY
    turn = await call.say(correction)
    assert not turn.end
    assert call.named("end_call") == []
    assert call.conv.state["pending"]["date"] == FRIDAY
    await call.say(time)
    assert call.named("create_booking") == [{"date": FRIDAY, "time": "10:00"}]


NO = {"fr": "non", "en": "no", "es": "no", "ar": "لا", "ary": "لا", "ary-latn": "la"}
ADVISOR_QUESTION = {
    "fr": "Vous faites des crédits immobiliers sur 30 ans ?",
    "en": "Do you arrange thirty-year mortgages?",
    "es": "¿Ofrecen hipotecas a treinta años?",
    "ar": "هل تقدمون قروضا عقارية على ثلاثين سنة؟",
    "ary": "واش كتعطيو كريدي ديال الدار على 30 عام؟",
    "ary-latn": "wach kaynin crédits dyal dyour 3la 30 3am?",
}


@pytest.mark.parametrize("lang", LANGS)
async def test_no_to_the_agents_question_does_not_end_the_call(lang: str) -> None:
    call = Call(lang, faq=[])
    first = await call.say(ADVISOR_QUESTION[lang])  # not in the FAQ: a transfer is offered
    assert call.conv.state.get("offer") == "transfer", first
    turn = await call.say(NO[lang])
    assert not turn.end
    assert call.named("end_call") == call.named("transfer_call") == []


# --- a robot question, an advisor in a booking -------------------------------------------

ROBOT = {
    "fr": "Attendez, je parle à un robot là ou à une vraie personne ?",
    "en": "Wait, am I talking to a machine or an actual person?",
    "es": "Oiga, ¿hablo con una máquina o con una persona de verdad?",
    "ar": "لحظة، هل أتحدث مع آلة أم مع شخص حقيقي؟",
    "ary": "واش نتا روبو ولا بنادم بصح؟",
    "ary-latn": "wach nta robot wla bnadem bse7?",
}
ADVISOR_BOOKING = {
    "fr": "J'aimerais fixer un rendez-vous avec votre conseiller lundi à 15h",
    "en": "I'd like to set up a meeting with one of your advisors on Monday at 3 pm",
    "es": "Quisiera concertar una cita con su asesor el lunes a las 3 de la tarde",
    "ar": "أود حجز موعد مع مستشاركم يوم الاثنين على الساعة الثالثة بعد الظهر",
    "ary": "بغيت موعد مع المستشار ديالكم نهار الاثنين مع الثلاثة",
    "ary-latn": "bghit rendez-vous m3a lmostachar dyalkom nhar tnin m3a tlata",
}


@pytest.mark.parametrize("lang", LANGS)
async def test_asking_if_the_agent_is_a_robot_is_not_a_transfer(lang: str) -> None:
    call = Call(lang)
    turn = await call.say(ROBOT[lang])
    assert call.named("transfer_call") == []
    assert not turn.end
    not_an_faq_answer(lang, turn)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_booking_with_an_advisor_is_a_booking(lang: str) -> None:
    call = Call(lang)
    await call.say(ADVISOR_BOOKING[lang])
    assert call.named("transfer_call") == []
    assert call.named("create_booking") == [{"date": MONDAY, "time": "15:00"}]


# --- callbacks are not bookings ----------------------------------------------------------

CALLBACKS = {
    "fr": "Est-ce que quelqu'un pourrait me rappeler demain vers 16h ?",
    "en": "Could somebody ring me back tomorrow around 4 pm?",
    "es": "¿Alguien me podría devolver la llamada mañana sobre las 4 de la tarde?",
    "ar": "هل يمكن أن يعاود أحدكم الاتصال بي غدا على الساعة الرابعة؟",
    "ary": "واش يمكن شي واحد يعاود يعيط ليا غدا مع الربعة؟",
    "ary-latn": "wach momkin chi wa7ed y3awd y3ayet lia ghda m3a rb3a?",
}


@pytest.mark.parametrize("lang", LANGS)
async def test_a_callback_request_schedules_a_callback(lang: str) -> None:
    call = Call(lang)
    await call.say(CALLBACKS[lang])
    assert call.named("create_booking") == []
    assert call.named("schedule_callback") == [{"date": TOMORROW, "time": "16:00"}]


# --- lead details are recorded with their values -----------------------------------------

LEADS = {
    "fr": (
        "Je cherche une villa à acheter du côté de Bouskoura",
        "On a un budget de deux millions de dirhams",
        "idéalement d'ici juin",
    ),
    "en": (
        "We're looking to buy a villa near Bouskoura",
        "We have a budget of two million dirhams",
        "ideally within six months",
    ),
    "es": (
        "Buscamos comprar una villa cerca de Bouskoura",
        "Tenemos un presupuesto de dos millones de dirhams",
        "idealmente antes de junio",
    ),
    "ar": (
        "أبحث عن شراء فيلا قرب بوسكورة",
        "ميزانيتي حوالي 2 مليون درهم",
        "خلال ستة أشهر إن أمكن",
    ),
    "ary": (
        "كنقلب على شي فيلا نشريها حدا بوسكورة",
        "الميزانية ديالي 200 مليون",
        "قبل يونيو إن شاء الله",
    ),
    "ary-latn": (
        "kan9elleb 3la chi villa nchriha 7da Bouskoura",
        "lbudget dyali 200 mlyoun",
        "9bel juin inchallah",
    ),
}
LEAD_TIMELINES = {
    "fr": "by 2027-06",
    "en": "within 6 months",
    "es": "by 2027-06",
    "ar": "within 6 months",
    "ary": "by 2027-06",
    "ary-latn": "by 2027-06",
}


@pytest.mark.parametrize("lang", LANGS)
async def test_lead_details_feed_qualify_lead_each_time_with_their_values(lang: str) -> None:
    need, budget, timeline = LEADS[lang]
    call = Call(lang)
    for text in (need, budget, timeline):
        turn = await call.say(text)
        not_an_faq_answer(lang, turn)
    reports = call.named("qualify_lead")
    assert len(reports) >= 2  # a report each time a detail is given
    last = reports[-1]
    assert (last["need"], last["budget"], last["timeline"]) == (True, True, True)
    assert "budget: 2000000 MAD" in last["notes"]
    assert f"timeline: {LEAD_TIMELINES[lang]}" in last["notes"]


# --- slots are remembered across turns; typed slips keep the date ------------------------

ACROSS_TURNS = {
    "fr": ("Jeudi.", "à 15h"),
    "en": ("Thursday.", "at 3 pm"),
    "es": ("El jueves.", "a las 3 de la tarde"),
    "ar": ("يوم الخميس", "الساعة الثالثة بعد الظهر"),
    "ary": ("نهار الخميس", "مع الثلاثة"),
    "ary-latn": ("nhar lkhmis", "m3a tlata"),
}


@pytest.mark.parametrize("lang", LANGS)
async def test_a_day_alone_then_a_time_make_a_booking(lang: str) -> None:
    day, time = ACROSS_TURNS[lang]
    call = Call(lang)
    first = await call.say(day)
    assert first.intent == "booking"
    assert call.conv.state["pending"]["date"] == THURSDAY
    await call.say(time)
    assert call.named("create_booking") == [{"date": THURSDAY, "time": "15:00"}]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "can i book smth for tmrw at 10"),
        ("en", "I'd like an apointment tomorow at 10am"),
        ("fr", "je veux un rdv demin à 10h"),
        ("es", "quiero una sita mañna a las 10"),
    ],
)
async def test_typed_slips_keep_the_date(lang: str, text: str) -> None:
    call = Call(lang)
    await call.say(text)
    assert call.named("create_booking") == [{"date": TOMORROW, "time": "10:00"}]


# --- an Arabizi question finds the FAQ written in Arabic script ----------------------------


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("wach kayn tawsil?", 3),
        ("ch7al l3arboun li khassni nkhalles?", 1),
        ("chno homa l'aw9at dyalkom?", 0),
    ],
)
async def test_an_arabizi_question_finds_the_arabic_script_entry(text: str, entry: int) -> None:
    turn = await Call("ary-latn").say(text)
    assert (turn.intent, turn.text) == ("faq", FAQ["ary"][entry][1])


# --- moments: the day a booking moves to, Darija minutes, "after six", "half five" ---------


@pytest.mark.parametrize(
    ("text", "language", "date", "time"),
    [
        ("je voudrais déplacer mon rendez-vous de jeudi à vendredi", "fr", FRIDAY, None),
        ("can you move my appointment from Thursday to Friday at 3", "en", FRIDAY, "15:00"),
        ("quiero cambiar mi cita del jueves al viernes", "es", FRIDAY, None),
        ("أريد تغيير موعدي من الخميس إلى الجمعة", "ar", FRIDAY, None),
        ("بغيت نبدل الموعد ديال الخميس للجمعة", "ary", FRIDAY, None),
        ("ghda m3a tlata w nass", "ary", TOMORROW, "15:30"),
        ("ghda m3a l3achra qell rbe3", "ary", TOMORROW, "09:45"),
        ("tomorrow after 6", "en", TOMORROW, "18:00"),
        ("this Friday at half five", "en", FRIDAY, "17:30"),
        ("wach kat3tiw crédit 3la 30 3am?", "ary", None, None),  # 3am: years, not 3 a.m.
        # "instead of" names the moment not wanted; a change goes to the last one named
        ("est-ce que je peux venir vendredi au lieu de jeudi ?", "fr", FRIDAY, None),
        ("je préférerais lundi à la place de mardi", "fr", MONDAY, None),
        ("mon rendez-vous de jeudi, samedi à la même heure ça irait ?", "fr", SATURDAY, None),
        ("¿puedo ir el viernes en vez del jueves?", "es", FRIDAY, None),
        ("بدل الخميس، الجمعة", "ar", FRIDAY, None),
        ("wach n9der nbdel rendez-vous m3a 10 l 11", "ary", None, "11:00"),
        ("بغيت نبدل الموعد من 10 ل 11", "ary", None, "11:00"),
        # Arabic ordinal days, "ليوم" + a day (for the day of), الغد, للاثنين (to Monday)
        ("أرجو إلغاء الحجز ليوم الخامس عشر من ديسمبر", "ar", "2026-12-15", None),
        ("موعد يوم الثاني والعشرين من ديسمبر", "ar", "2026-12-22", None),
        ("ألغِ موعدي في الخامس من يناير", "ar", "2027-01-05", None),
        ("موعد ليوم الخميس", "ar", THURSDAY, None),
        ("ليوم عندكم شي بلاصة؟", "ary", "2026-11-25", None),
        ("اتصل بي مساء الغد", "ar", THURSDAY, None),
        ("بغيت نأجل الموعد للاثنين مع الربعة", "ary", MONDAY, "16:00"),
    ],
)
def test_moments_of_changes_and_spoken_minutes(
    text: str, language: str, date: str | None, time: str | None
) -> None:
    found = read_when(text, language, dt.datetime(2026, 11, 25, 9, 30)).moved()  # noqa: DTZ001
    assert moment(found) == (date, time)


# --- moments counted from now, shifts, and the time a booking moves to ----------------------

TODAY = "2026-11-25"


@pytest.mark.parametrize(
    ("text", "language", "time"),
    [
        ("rappelez-moi dans une heure", "fr", "10:30"),
        ("vous pouvez me rappeler d'ici deux heures ?", "fr", "11:30"),
        ("rappelez-moi dans un quart d'heure", "fr", "09:45"),
        ("rappelez-moi dans une heure et demie", "fr", "11:00"),
        ("call me back in half an hour", "en", "10:00"),
        ("call me back in 20 minutes please", "en", "09:50"),
        ("can you ring me in two and a half hours", "en", "12:00"),
        ("llámeme en una hora", "es", "10:30"),
        ("me puede llamar dentro de media hora", "es", "10:00"),
        ("اتصلوا بي بعد ساعتين", "ar", "11:30"),
        ("اتصل بي بعد ساعة ونص", "ar", "11:00"),
        ("عيطو ليا من بعد نص ساعة", "ary", "10:00"),
        ("3ayto lia mn ba3d sa3a", "ary", "10:30"),
        ("3ayt lia ba3d 10 dqayq", "ary", "09:40"),
    ],
)
def test_a_moment_counted_from_now_is_today_at_that_time(
    text: str, language: str, time: str
) -> None:
    found = read_when(text, language, dt.datetime(2026, 11, 25, 9, 30))  # noqa: DTZ001
    assert moment(found) == (TODAY, time)


@pytest.mark.parametrize(
    ("text", "language", "time"),
    [
        ("اتصل بي بعد الساعة 3", "ar", "15:00"),  # after three o'clock, not in an hour
        ("3ayt lia mn ba3d sa3a 3", "ary", "15:00"),
        ("à partir d'une heure", "fr", "13:00"),
        ("je voudrais avancer mon rendez-vous d'une heure", "fr", None),  # by an hour
        ("can you push my appointment back by two hours", "en", None),
        ("we will be 2 to 3 people", "en", None),  # a range of people, not of hours
        ("from 9 to 11 am", "en", "09:00"),
    ],
)
def test_clock_times_and_shifts_are_not_counted_from_now(
    text: str, language: str, time: str | None
) -> None:
    found = read_when(text, language, dt.datetime(2026, 11, 25, 9, 30))  # noqa: DTZ001
    assert found.time == (dt.time.fromisoformat(time) if time else None)
    assert found.date is None


@pytest.mark.parametrize(
    ("lang", "moved", "new"),
    [
        (
            "fr",
            "je peux décaler mon rendez-vous de 15h à 17h ?",
            "réservez-moi demain de 15h à 17h",
        ),
        ("en", "can I move my appointment from 3 pm to 5 pm?", "book me tomorrow from 3 to 5 pm"),
        ("es", "¿puedo cambiar mi cita de las 3 a las 5?", "resérveme mañana de 3 a 5 de la tarde"),
        ("ar", "أريد تغيير موعدي من الساعة 3 إلى الساعة 5", "أريد حجز موعد غدا من الساعة 3 إلى 5"),
    ],
)
async def test_a_change_goes_to_the_second_time_a_new_booking_starts_at_the_first(
    lang: str, moved: str, new: str
) -> None:
    change = Call(lang)
    assert (await change.say(moved)).intent == "change"
    assert change.conv.state["request"]["time"] == "17:00"
    booking = Call(lang)
    await booking.say(new)
    assert booking.named("create_booking") == [{"date": TOMORROW, "time": "15:00"}]


@pytest.mark.parametrize(
    ("text", "language", "date", "time"),
    [
        ("I'm free tomorrow between 2 and 4", "en", TOMORROW, "14:00"),
        ("kayn chi blasa ghda mn 2 l 4", "ary", TOMORROW, "14:00"),
        ("je suis libre demain de 15h à 17h", "fr", TOMORROW, "15:00"),
        ("nous serons de 4 à 5 personnes", "fr", None, None),
        # a part of the day after "d"/"dyal"/"ديال" makes the number an hour
        ("ghda 10 d sba7", "ary", TOMORROW, "10:00"),
        ("غدا الجوج ديال العشية", "ary", TOMORROW, "14:00"),
        ("nhar sebt 4 d l3chiya", "ary", SATURDAY, "16:00"),
        # a weekday and a number are a date only when that day is that weekday
        ("samedi 4", "fr", SATURDAY, None),
        ("vendredi 4", "fr", "2026-12-04", None),
        # Darija weekdays whose words are numbers or "this" elsewhere
        ("nhar tlata m3a tlata", "ary", "2026-12-01", "15:00"),
        ("nhar el had", "ary", "2026-11-29", None),
        ("ttlata jaya", "ary", "2026-12-01", None),
    ],
)
def test_ranges_parts_and_weekdays_of_spoken_moments(
    text: str, language: str, date: str | None, time: str | None
) -> None:
    found = read_when(text, language, dt.datetime(2026, 11, 25, 9, 30))  # noqa: DTZ001
    assert moment(found) == (date, time)


@pytest.mark.parametrize(
    ("text", "language", "date", "time"),
    [
        (
            "mon rendez-vous de jeudi 15h, vous pouvez le décaler d'une heure ?",
            "fr",
            THURSDAY,
            "16:00",
        ),
        (
            "j'ai rendez-vous jeudi, je voudrais le repousser d'une semaine",
            "fr",
            "2026-12-03",
            None,
        ),
        ("my appointment is tomorrow at 3, can you push it back an hour?", "en", TOMORROW, "16:00"),
        ("my appointment's at 2, can I come an hour earlier?", "en", None, "13:00"),
        ("tengo cita mañana a las 3, ¿me la pueden retrasar una hora?", "es", TOMORROW, "16:00"),
        ("mi cita del jueves, ¿se puede pasar una semana más tarde?", "es", "2026-12-03", None),
        ("موعدي غدا الساعة 3، أريد تأخيره بساعة", "ar", TOMORROW, "16:00"),
        ("أريد تأجيل موعد الخميس يومين", "ar", SATURDAY, None),
        ("rdv dyali ghda m3a 3, bghit nqdmo b sa3a", "ary", TOMORROW, "14:00"),
        ("موعد بيوم الخميس", "ar", THURSDAY, None),  # on Thursday, not by a day
        ("à une heure", "fr", None, "13:00"),  # one o'clock, not an hour
    ],
)
def test_a_booking_moved_by_an_amount_goes_that_far(
    text: str, language: str, date: str | None, time: str | None
) -> None:
    found = read_when(text, language, dt.datetime(2026, 11, 25, 9, 30)).moved()  # noqa: DTZ001
    assert moment(found) == (date, time)


@pytest.mark.parametrize(
    ("text", "language", "date", "time"),
    [
        # tonight in Arabic and Darija: today, in the evening
        ("اتصلوا بي الليلة على الساعة الثامنة", "ar", TODAY, "20:00"),
        ("عيط ليا الليلة مع 8", "ary", TODAY, "20:00"),
        # a fraction of the hour makes a number a time without "at"
        ("bghit nji ghda wa7da w nss", "ary", TOMORROW, "13:30"),
        ("ghda m3a l9 ila rbe3", "ary", TOMORROW, "08:45"),  # "l9": the article on digits
        ("ghda mn ba3d 6", "ary", TOMORROW, "18:00"),  # after six
        ("mn ba3d 3 ayam", "ary", SATURDAY, None),  # after three days: no hour
        ("أريد موعدا غدا الساعة الرابعة إلا ثلثا", "ar", TOMORROW, "15:40"),
        ("غدا على الساعة العاشرة وعشر دقائق", "ar", TOMORROW, "10:10"),  # not الحادية عشرة
        ("الساعة الثانية عشرة ظهرا يوم الجمعة", "ar", FRIDAY, "12:00"),
        ("tomorrow 2.30pm", "en", TOMORROW, "14:30"),
        # the afternoon does not push 10 to 22:00; the evening does, and مساء is the evening
        ("tomorrow at 10, or in the afternoon", "en", TOMORROW, "10:00"),
        ("a las 8 de la tarde", "es", None, "20:00"),
        ("غدا العاشرة مساء", "ar", TOMORROW, "22:00"),
    ],
)
def test_tonight_fractions_of_the_hour_and_parts_of_the_day(
    text: str, language: str, date: str | None, time: str | None
) -> None:
    found = read_when(text, language, dt.datetime(2026, 11, 25, 9, 30))  # noqa: DTZ001
    assert moment(found) == (date, time)


@pytest.mark.parametrize(
    ("text", "language", "date", "time"),
    [
        # the only time named is the moved booking's: where it goes is a day, its time is asked
        ("Can I move my 10 o'clock appointment to Friday?", "en", FRIDAY, None),
        ("Mon rendez-vous de 15h demain, je voudrais le mettre à lundi", "fr", MONDAY, None),
        ("Quiero cambiar mi cita de las 10 al viernes", "es", FRIDAY, None),
        ("أريد نقل موعد العاشرة إلى يوم الجمعة", "ar", FRIDAY, None),
        ("bghit nbdl rdv dyal 10 l jem3a", "ary", FRIDAY, None),
        # unless it keeps its time, or the time comes with the new day
        (
            "j'ai rendez-vous jeudi à 10h, je peux le décaler à vendredi même heure ?",
            "fr",
            FRIDAY,
            "10:00",
        ),
        ("move my Thursday appointment to Friday at 4", "en", FRIDAY, "16:00"),
        ("my 10 o'clock tomorrow, can we push it an hour?", "en", TOMORROW, "11:00"),
    ],
)
def test_a_moved_booking_does_not_take_its_old_time_to_the_new_day(
    text: str, language: str, date: str | None, time: str | None
) -> None:
    found = read_when(text, language, dt.datetime(2026, 11, 25, 9, 30)).moved()  # noqa: DTZ001
    assert moment(found) == (date, time)
