"""What the built-in agent says, in the agent's language: French, English, Spanish, Modern
Standard Arabic (``ar``) and Darija in Arabic script (``ary``). One or two short sentences
each: they are spoken. Dates are said the way people say them ("tomorrow, Thursday 26
November, at 10:00"), in the tenant's local time."""

import datetime as dt

LANGUAGES = ("fr", "en", "es", "ar", "ary")
DEFAULT_LANGUAGE = "fr"

TEXTS: dict[str, dict[str, str]] = {
    "greet": {
        "fr": "Bonjour ! Comment puis-je vous aider ?",
        "en": "Hello! How can I help you?",
        "es": "¡Hola! ¿En qué puedo ayudarle?",
        "ar": "مرحبا! كيف يمكنني مساعدتك؟",
        "ary": "مرحبا بيك! كيفاش نقدر نعاونك؟",
    },
    "ask_when": {
        "fr": "Avec plaisir. Quel jour et à quelle heure vous conviendraient ?",
        "en": "Gladly. Which day and time would suit you?",
        "es": "Con gusto. ¿Qué día y a qué hora le vendría bien?",
        "ar": "بكل سرور. ما اليوم والساعة المناسبان لك؟",
        "ary": "مرحبا. شمن نهار وشمن ساعة كتناسبك؟",
    },
    "ask_when_callback": {
        "fr": "Bien sûr. Quel jour et à quelle heure souhaitez-vous être rappelé ?",
        "en": "Of course. Which day and time should we call you back?",
        "es": "Por supuesto. ¿Qué día y a qué hora quiere que le llamemos?",
        "ar": "بالتأكيد. في أي يوم وأي ساعة تريد أن نعاود الاتصال بك؟",
        "ary": "واخا. شمن نهار وشمن ساعة بغيتي نعيطو ليك؟",
    },
    "ask_time": {
        "fr": "Très bien, {day}. À quelle heure ?",
        "en": "Sure, {day}. At what time?",
        "es": "Muy bien, {day}. ¿A qué hora?",
        "ar": "حسنا، {day}. في أي ساعة؟",
        "ary": "واخا، {day}. شمن ساعة؟",
    },
    "ask_date": {
        "fr": "Très bien, {time}. Quel jour vous conviendrait ?",
        "en": "Sure, {time}. Which day would suit you?",
        "es": "Muy bien, {time}. ¿Qué día le vendría bien?",
        "ar": "حسنا، {time}. في أي يوم؟",
        "ary": "واخا، {time}. شمن نهار؟",
    },
    "booked": {
        "fr": "C'est noté : votre rendez-vous est réservé pour {when}. Puis-je faire autre chose pour vous ?",
        "en": "Your appointment is booked for {when}. Is there anything else I can do for you?",
        "es": "Su cita queda reservada para {when}. ¿Puedo ayudarle en algo más?",
        "ar": "تم حجز موعدك: {when}. هل يمكنني مساعدتك في شيء آخر؟",
        "ary": "تم الحجز ديالك: {when}. واش بغيتي شي حاجة أخرى؟",
    },
    "booking_failed": {
        "fr": "Désolé, ce créneau n'est pas disponible. Quel autre jour ou quelle autre heure vous conviendrait ?",
        "en": "Sorry, that slot isn't available. Which other day or time would suit you?",
        "es": "Lo siento, ese horario no está disponible. ¿Qué otro día u hora le vendría bien?",
        "ar": "عذرا، هذا الموعد غير متاح. ما اليوم أو الساعة الأخرى التي تناسبك؟",
        "ary": "سمح ليا، هاد الوقت ماشي متاح. شمن نهار ولا ساعة أخرى كتناسبك؟",
    },
    "past": {
        "fr": "Ce moment est déjà passé. Quel jour et quelle heure vous conviendraient ?",
        "en": "That time has already passed. Which day and time would suit you?",
        "es": "Esa hora ya ha pasado. ¿Qué día y hora le vendrían bien?",
        "ar": "هذا الوقت قد مضى. ما اليوم والساعة المناسبان لك؟",
        "ary": "هاد الوقت فات. شمن نهار وشمن ساعة كتناسبك؟",
    },
    "callback_done": {
        "fr": "C'est noté, nous vous rappellerons {when}. Puis-je faire autre chose pour vous ?",
        "en": "Noted, we will call you back {when}. Is there anything else I can do for you?",
        "es": "Anotado, le llamaremos {when}. ¿Puedo ayudarle en algo más?",
        "ar": "تم، سنعاود الاتصال بك {when}. هل يمكنني مساعدتك في شيء آخر؟",
        "ary": "تم، غادي نعيطو ليك {when}. واش بغيتي شي حاجة أخرى؟",
    },
    "callback_failed": {
        "fr": "Désolé, je n'ai pas pu programmer le rappel. Quel autre moment vous conviendrait ?",
        "en": "Sorry, I couldn't schedule the callback. Which other time would suit you?",
        "es": "Lo siento, no he podido programar la llamada. ¿Qué otro momento le vendría bien?",
        "ar": "عذرا، لم أتمكن من برمجة المكالمة. ما الوقت الآخر الذي يناسبك؟",
        "ary": "سمح ليا، ما قدرتش نبرمج المكالمة. شمن وقت آخر كيناسبك؟",
    },
    "ask_phone": {
        "fr": "À quel numéro pouvons-nous vous rappeler ?",
        "en": "Which phone number should we call you back on?",
        "es": "¿A qué número podemos llamarle?",
        "ar": "ما هو رقم الهاتف الذي نتصل بك عليه؟",
        "ary": "شنو هو الرقم اللي نعيطو ليك فيه؟",
    },
    "transfer": {
        "fr": "Je vous mets en relation avec un conseiller, veuillez patienter.",
        "en": "I'm connecting you with an advisor, please hold.",
        "es": "Le paso con un asesor, un momento por favor.",
        "ar": "سأحولك إلى أحد المستشارين، يرجى الانتظار.",
        "ary": "غادي نحولك لواحد المستشار، تسنى شوية.",
    },
    "no_advisor_callback": {
        "fr": "Aucun conseiller n'est disponible pour le moment. Voulez-vous que l'on vous rappelle ?",
        "en": "No advisor is available right now. Would you like us to call you back?",
        "es": "No hay ningún asesor disponible en este momento. ¿Quiere que le llamemos?",
        "ar": "لا يوجد مستشار متاح حاليا. هل تريد أن نعاود الاتصال بك؟",
        "ary": "ما كاين حتى مستشار متاح دابا. واش بغيتي نعيطو ليك من بعد؟",
    },
    "no_advisor": {
        "fr": "Aucun conseiller n'est disponible pour le moment. Comment puis-je vous aider autrement ?",
        "en": "No advisor is available right now. How else can I help you?",
        "es": "No hay ningún asesor disponible en este momento. ¿En qué más puedo ayudarle?",
        "ar": "لا يوجد مستشار متاح حاليا. كيف يمكنني مساعدتك بطريقة أخرى؟",
        "ary": "ما كاين حتى مستشار متاح دابا. كيفاش نقدر نعاونك؟",
    },
    "goodbye": {
        "fr": "Merci de votre appel, au revoir !",
        "en": "Thank you for calling, goodbye!",
        "es": "Gracias por su llamada, ¡adiós!",
        "ar": "شكرا على اتصالك، مع السلامة.",
        "ary": "شكرا على الاتصال، بسلامة.",
    },
    "reprompt": {
        "fr": "Êtes-vous toujours là ? Comment puis-je vous aider ?",
        "en": "Are you still there? How can I help?",
        "es": "¿Sigue ahí? ¿En qué puedo ayudarle?",
        "ar": "هل ما زلت معي؟ كيف يمكنني مساعدتك؟",
        "ary": "واش باقي معايا؟ كيفاش نقدر نعاونك؟",
    },
    "empty": {
        "fr": "Pardon, je n'ai pas bien entendu. Pouvez-vous répéter ?",
        "en": "Sorry, I didn't hear you. Could you say that again?",
        "es": "Perdone, no le he oído bien. ¿Puede repetir?",
        "ar": "عذرا، لم أسمعك جيدا. هل يمكنك الإعادة؟",
        "ary": "سمح ليا، ما سمعتكش مزيان. عاود عافاك.",
    },
    "fallback": {
        "fr": "Je n'ai pas bien compris. Pouvez-vous reformuler ?",
        "en": "Sorry, I didn't quite understand. Could you rephrase that?",
        "es": "Disculpe, no he entendido bien. ¿Puede decirlo de otra manera?",
        "ar": "عذرا، لم أفهم جيدا. هل يمكنك إعادة الصياغة؟",
        "ary": "سمح ليا، ما فهمتكش مزيان. عاود قولها بطريقة أخرى.",
    },
    "fallback_help": {
        "fr": "Je peux prendre un rendez-vous, répondre à vos questions ou vous passer un conseiller. Que souhaitez-vous ?",
        "en": "I can book an appointment, answer your questions or put you through to an advisor. What would you like?",
        "es": "Puedo reservar una cita, responder a sus preguntas o pasarle con un asesor. ¿Qué desea?",
        "ar": "يمكنني حجز موعد أو الإجابة عن أسئلتك أو تحويلك إلى مستشار. ماذا تريد؟",
        "ary": "نقدر نحجز ليك موعد، نجاوبك على الأسئلة ديالك ولا نحولك لمستشار. شنو بغيتي؟",
    },
    "no_info_transfer": {
        "fr": "Je n'ai pas cette information. Voulez-vous que je vous passe un conseiller ?",
        "en": "I don't have that information. Would you like me to put you through to an advisor?",
        "es": "No tengo esa información. ¿Quiere que le pase con un asesor?",
        "ar": "ليست لدي هذه المعلومة. هل تريد أن أحولك إلى مستشار؟",
        "ary": "ما عنديش هاد المعلومة. واش بغيتي نحولك لمستشار؟",
    },
    "no_info_callback": {
        "fr": "Je n'ai pas cette information. Voulez-vous qu'un conseiller vous rappelle ?",
        "en": "I don't have that information. Would you like an advisor to call you back?",
        "es": "No tengo esa información. ¿Quiere que un asesor le llame?",
        "ar": "ليست لدي هذه المعلومة. هل تريد أن يتصل بك أحد المستشارين؟",
        "ary": "ما عنديش هاد المعلومة. واش بغيتي شي مستشار يعيط ليك؟",
    },
    "no_info": {
        "fr": "Je n'ai pas cette information. Puis-je vous aider autrement ?",
        "en": "I don't have that information. How else can I help you?",
        "es": "No tengo esa información. ¿En qué más puedo ayudarle?",
        "ar": "ليست لدي هذه المعلومة. كيف يمكنني مساعدتك بطريقة أخرى؟",
        "ary": "ما عنديش هاد المعلومة. كيفاش نقدر نعاونك؟",
    },
    "listening": {
        "fr": "Je vous écoute, que puis-je faire pour vous ?",
        "en": "Sure, what can I do for you?",
        "es": "Claro, ¿en qué puedo ayudarle?",
        "ar": "تفضل، كيف يمكنني مساعدتك؟",
        "ary": "تفضل، شنو نقدر ندير ليك؟",
    },
    "anything_else": {
        "fr": "Très bien. Puis-je vous aider autrement ?",
        "en": "All right. How else can I help you?",
        "es": "De acuerdo. ¿En qué más puedo ayudarle?",
        "ar": "حسنا. كيف يمكنني مساعدتك بطريقة أخرى؟",
        "ary": "واخا. كيفاش نقدر نعاونك؟",
    },
    "cancelled": {
        "fr": "Très bien, j'annule cette demande. Puis-je vous aider autrement ?",
        "en": "All right, I've dropped that request. How else can I help?",
        "es": "De acuerdo, anulo esa solicitud. ¿En qué más puedo ayudarle?",
        "ar": "حسنا، ألغيت هذا الطلب. كيف يمكنني مساعدتك؟",
        "ary": "واخا، لغيت هاد الطلب. كيفاش نقدر نعاونك؟",
    },
    "noted_offer_booking": {
        "fr": "Merci, c'est noté. Souhaitez-vous prendre rendez-vous avec un conseiller ?",
        "en": "Thank you, I've noted that. Would you like to book an appointment with an advisor?",
        "es": "Gracias, lo he anotado. ¿Quiere reservar una cita con un asesor?",
        "ar": "شكرا، سجلت ذلك. هل تريد حجز موعد مع مستشار؟",
        "ary": "شكرا، سجلت هادشي. واش بغيتي تاخد موعد مع مستشار؟",
    },
    "noted_offer_callback": {
        "fr": "Merci, c'est noté. Souhaitez-vous qu'un conseiller vous rappelle ?",
        "en": "Thank you, I've noted that. Would you like an advisor to call you back?",
        "es": "Gracias, lo he anotado. ¿Quiere que un asesor le llame?",
        "ar": "شكرا، سجلت ذلك. هل تريد أن يتصل بك أحد المستشارين؟",
        "ary": "شكرا، سجلت هادشي. واش بغيتي شي مستشار يعيط ليك؟",
    },
    "noted": {
        "fr": "Merci, c'est noté. Comment puis-je vous aider ?",
        "en": "Thank you, I've noted that. How can I help you?",
        "es": "Gracias, lo he anotado. ¿En qué puedo ayudarle?",
        "ar": "شكرا، سجلت ذلك. كيف يمكنني مساعدتك؟",
        "ary": "شكرا، سجلت هادشي. كيفاش نقدر نعاونك؟",
    },
    "booking_unavailable": {
        "fr": "Je ne peux pas réserver directement. Souhaitez-vous qu'un conseiller vous rappelle ?",
        "en": "I can't book appointments directly. Would you like an advisor to call you back?",
        "es": "No puedo reservar citas directamente. ¿Quiere que un asesor le llame?",
        "ar": "لا يمكنني الحجز مباشرة. هل تريد أن يتصل بك أحد المستشارين؟",
        "ary": "ما نقدرش نحجز مباشرة. واش بغيتي شي مستشار يعيط ليك؟",
    },
    "unavailable": {
        "fr": "Je ne peux pas m'en occuper directement. Puis-je vous aider autrement ?",
        "en": "I can't take care of that directly. How else can I help you?",
        "es": "No puedo encargarme de eso directamente. ¿En qué más puedo ayudarle?",
        "ar": "لا يمكنني القيام بذلك مباشرة. كيف يمكنني مساعدتك بطريقة أخرى؟",
        "ary": "ما نقدرش نديرها مباشرة. كيفاش نقدر نعاونك؟",
    },
    "confirm_end": {
        "fr": "Souhaitez-vous terminer l'appel ?",
        "en": "Would you like to end the call?",
        "es": "¿Desea terminar la llamada?",
        "ar": "هل تريد إنهاء المكالمة؟",
        "ary": "واش بغيتي تسالي المكالمة؟",
    },
    "confirm_transfer": {
        "fr": "Voulez-vous que je vous passe un conseiller ?",
        "en": "Would you like me to put you through to an advisor?",
        "es": "¿Quiere que le pase con un asesor?",
        "ar": "هل تريد أن أحولك إلى أحد المستشارين؟",
        "ary": "واش بغيتي نحولك لشي مستشار؟",
    },
    "change_transfer": {
        "fr": "Je ne peux pas modifier ou annuler un rendez-vous moi-même. Voulez-vous que je vous passe un conseiller ?",
        "en": "I can't change or cancel a booking myself. Would you like me to put you through to an advisor?",
        "es": "No puedo cambiar ni anular una cita yo mismo. ¿Quiere que le pase con un asesor?",
        "ar": "لا يمكنني تعديل أو إلغاء موعد بنفسي. هل تريد أن أحولك إلى أحد المستشارين؟",
        "ary": "ما نقدرش نبدل ولا نلغي موعد بوحدي. واش بغيتي نحولك لشي مستشار؟",
    },
    "change_callback": {
        "fr": "Je ne peux pas modifier ou annuler un rendez-vous moi-même. Souhaitez-vous qu'un conseiller vous rappelle ?",
        "en": "I can't change or cancel a booking myself. Would you like an advisor to call you back?",
        "es": "No puedo cambiar ni anular una cita yo mismo. ¿Quiere que un asesor le llame?",
        "ar": "لا يمكنني تعديل أو إلغاء موعد بنفسي. هل تريد أن يتصل بك أحد المستشارين؟",
        "ary": "ما نقدرش نبدل ولا نلغي موعد بوحدي. واش بغيتي شي مستشار يعيط ليك؟",
    },
    "ask_change": {
        "fr": "D'accord. Qu'est-ce que je dois changer ?",
        "en": "All right. What should I change?",
        "es": "De acuerdo. ¿Qué debo cambiar?",
        "ar": "حسنا. ما الذي تريد تغييره؟",
        "ary": "واخا. شنو بغيتي نبدل؟",
    },
    "assistant": {
        "fr": "Je suis l'assistante virtuelle, je peux prendre un rendez-vous, répondre à vos questions ou vous passer un conseiller. Que puis-je faire pour vous ?",
        "en": "I'm the virtual assistant: I can book an appointment, answer your questions or put you through to an advisor. What can I do for you?",
        "es": "Soy la asistente virtual: puedo reservar una cita, responder a sus preguntas o pasarle con un asesor. ¿En qué puedo ayudarle?",
        "ar": "أنا المساعدة الافتراضية: يمكنني حجز موعد أو الإجابة عن أسئلتك أو تحويلك إلى مستشار. كيف يمكنني مساعدتك؟",
        "ary": "أنا المساعدة الافتراضية: نقدر نحجز ليك موعد، نجاوب على الأسئلة ديالك ولا نحولك لشي مستشار. شنو نقدر ندير ليك؟",
    },
    "ask_budget": {
        "fr": "Merci, c'est noté. Quel budget envisagez-vous ?",
        "en": "Thank you, noted. What budget do you have in mind?",
        "es": "Gracias, anotado. ¿Qué presupuesto tiene en mente?",
        "ar": "شكرا، سجلت ذلك. ما هي الميزانية التي تفكر فيها؟",
        "ary": "شكرا، سجلت هادشي. شحال هي الميزانية ديالك؟",
    },
    "ask_timeline": {
        "fr": "C'est noté. Dans quel délai souhaitez-vous concrétiser votre projet ?",
        "en": "Noted. When would you like to go ahead?",
        "es": "Anotado. ¿En qué plazo quiere realizar su proyecto?",
        "ar": "سجلت ذلك. متى تريد تنفيذ مشروعك؟",
        "ary": "سجلت. إمتى بغيتي تدير هاد المشروع؟",
    },
    "ask_authority": {
        "fr": "C'est noté. Êtes-vous la personne qui prend la décision ?",
        "en": "Noted. Are you the one who makes the decision?",
        "es": "Anotado. ¿Es usted quien toma la decisión?",
        "ar": "سجلت ذلك. هل أنت صاحب القرار؟",
        "ary": "سجلت. واش نتا لي كتقرر؟",
    },
}

_WEEKDAYS = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "ar": ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
}
_WEEKDAYS["ary"] = _WEEKDAYS["ar"]
_MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "en": "January February March April May June July August September October November December",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    # The month names used in Morocco, in Modern Standard Arabic as in Darija.
    "ar": "يناير فبراير مارس أبريل ماي يونيو يوليوز غشت شتنبر أكتوبر نونبر دجنبر",
}
_MONTHS["ary"] = _MONTHS["ar"]
_RELATIVE = {
    "fr": ("aujourd'hui", "demain", "après-demain"),
    "en": ("today", "tomorrow", "the day after tomorrow"),
    "es": ("hoy", "mañana", "pasado mañana"),
    "ar": ("اليوم", "غدا", "بعد غد"),
    "ary": ("ليوم", "غدا", "بعد غدا"),
}
_PARTS = {
    "fr": {"morning": "dans la matinée", "afternoon": "dans l'après-midi", "evening": "en soirée"},
    "en": {
        "morning": "in the morning",
        "afternoon": "in the afternoon",
        "evening": "in the evening",
    },
    "es": {"morning": "por la mañana", "afternoon": "por la tarde", "evening": "por la noche"},
    "ar": {"morning": "صباحا", "afternoon": "بعد الظهر", "evening": "مساء"},
    "ary": {"morning": "فالصباح", "afternoon": "فالعشية", "evening": "فالليل"},
}


def language_of(language: str) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def say(key: str, language: str, **values: str) -> str:
    text = TEXTS[key][language_of(language)]
    return text.format(**values) if values else text


def spoken_day(day: dt.date, language: str, today: dt.date, part: str | None = None) -> str:
    """ "tomorrow, Thursday 26 November", "jeudi 3 décembre", "غدا، الخميس 26 نونبر"."""
    language = language_of(language)
    weekday = _WEEKDAYS[language][day.weekday()]
    month = _MONTHS[language].split()[day.month - 1]
    if language == "es":
        dated = f"{weekday} {day.day} de {month}"
    else:
        dated = f"{weekday} {day.day} {month}"
    ahead = (day - today).days
    comma = "،" if language in ("ar", "ary") else ","
    spoken = f"{_RELATIVE[language][ahead]}{comma} {dated}" if 0 <= ahead <= 2 else dated
    if part in _PARTS[language]:
        spoken += " " + _PARTS[language][part]
    return spoken


def spoken_time(moment: dt.time, language: str) -> str:
    """ "at 10:00", "à 10 heures 30", "a las 10:00", "على الساعة 10:00"."""
    language = language_of(language)
    clock = f"{moment.hour}:{moment.minute:02d}"
    if language == "fr":
        hours = f"{moment.hour} heure" + ("s" if moment.hour > 1 else "")
        return f"à {hours}" + (f" {moment.minute}" if moment.minute else "")
    if language == "es":
        return ("a la " if moment.hour == 1 else "a las ") + clock
    if language == "ar":
        return "على الساعة " + clock
    if language == "ary":
        return "مع " + clock
    return "at " + clock


def spoken_when(day: dt.date, moment: dt.time, language: str, today: dt.date) -> str:
    """ "tomorrow, Thursday 26 November, at 10:00"."""
    comma = "،" if language_of(language) in ("ar", "ary") else ","
    return f"{spoken_day(day, language, today)}{comma} {spoken_time(moment, language)}"
