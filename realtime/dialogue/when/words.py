"""Words for days, dates and clock times in French, English, Spanish, Modern Standard Arabic
and Darija (Arabic script and Arabizi), as ``when`` reads them.

Keys are written naturally and folded like transcripts (``normalize``); multi-word keys are
token tuples. These are matched exactly: number words are too close to other words ("eight"
and "night", "three" and "there") for fuzzy matching.
"""

from collections.abc import Iterable, Mapping

from resolvers.textnorm import normalize, tokens


def _fold(words: str) -> tuple[str, ...]:
    return tuple(tokens(normalize(words)))


def _table(groups: Mapping[int, Iterable[str]]) -> dict[str, int]:
    """word → value, for single words."""
    return {" ".join(_fold(word)): value for value, words in groups.items() for word in words}


def _phrases(groups: Mapping[str, Iterable[str]]) -> dict[tuple[str, ...], str]:
    """token tuple → meaning, for phrases."""
    return {_fold(phrase): meaning for meaning, phrases in groups.items() for phrase in phrases}


# Cardinal numbers, as words of their own. Compounds (vingt et un, twenty one, treinta y
# cinco, dix-sept, الحادية عشرة) are read by ``when`` from these parts.
NUMBERS = _table(
    {
        0: ("zero", "zéro", "cero", "oh", "صفر"),
        1: ("one", "un", "une", "uno", "una", "واحد", "واحدة", "الواحدة", "وحدة", "الوحدة"),
        2: ("two", "deux", "dos", "اثنان", "اثنين", "اثنتين", "جوج", "الجوج", "زوج"),
        3: ("three", "trois", "tres", "ثلاث", "ثلاثة", "الثلاثة", "تلاتة", "التلاتة"),
        4: ("four", "quatre", "cuatro", "أربع", "أربعة", "الأربعة", "ربعة", "الربعة"),
        5: ("five", "cinq", "cinco", "خمس", "خمسة", "الخمسة"),
        6: ("six", "seis", "ست", "ستة", "الستة"),
        7: ("seven", "sept", "siete", "سبع", "سبعة", "السبعة"),
        8: ("eight", "huit", "ocho", "ثمان", "ثماني", "ثمانية", "الثمانية", "تمنية", "التمنية"),
        9: ("nine", "neuf", "nueve", "تسع", "تسعة", "التسعة", "تسعود", "التسعود"),
        10: ("ten", "dix", "diez", "عشر", "عشرة", "العشرة"),
        11: ("eleven", "onze", "once", "حداش", "الحداش", "احدى عشر"),
        12: ("twelve", "douze", "doce", "طناش", "الطناش", "اثنا عشر", "اثني عشر"),
        13: ("thirteen", "treize", "trece"),
        14: ("fourteen", "quatorze", "catorce"),
        15: ("fifteen", "quinze", "quince"),
        16: ("sixteen", "seize", "dieciséis"),
        17: ("seventeen", "diecisiete"),
        18: ("eighteen", "dieciocho"),
        19: ("nineteen", "diecinueve"),
        20: ("twenty", "vingt", "veinte", "عشرين", "عشرون"),
        21: ("veintiuno", "veintiuna"),
        22: ("veintidós",),
        23: ("veintitrés",),
        30: ("thirty", "trente", "treinta", "ثلاثين", "ثلاثون"),
        40: ("forty", "quarante", "cuarenta", "أربعين", "أربعون"),
        50: ("fifty", "cinquante", "cincuenta", "خمسين", "خمسون"),
    }
) | _table(
    {  # Arabizi
        1: ("wa7da", "lwe7da", "lwa7da", "we7da", "wahda", "lwahda"),
        2: ("jouj", "joj", "ljouj", "jooj", "zouj"),
        3: ("tlata", "ttlata", "tlta"),
        4: ("rb3a", "rrb3a", "reb3a", "rab3a", "arb3a"),
        5: ("khamsa", "lkhamsa", "l5amsa", "5amsa", "khmsa"),
        6: ("stta", "sstta", "setta", "sta"),
        7: ("sb3a", "ssb3a", "sab3a", "seb3a"),
        8: ("tmnya", "ttmnya", "tmenya", "tmanya", "tmnia"),
        9: ("tes3ud", "ttes3ud", "ts3ud", "tse3ud", "tsa3ud", "tes3oud", "ts3oud"),
        10: ("l3achra", "3achra", "l3ashra", "3ashra", "la3chra", "l3chra", "l3echra"),
        11: ("l7dach", "7dach", "lhdach", "hdach", "l7edach"),
        12: ("tnach", "ttnach", "tnash", "ltnach"),
    }
)
# Clock hours that are clock hours by themselves (feminine ordinals; Darija 9, 11, 12).
ORDINAL_HOURS = _table(
    {
        1: ("الواحدة",),
        2: ("الثانية",),
        3: ("الثالثة",),
        4: ("الرابعة",),
        5: ("الخامسة",),
        6: ("السادسة",),
        7: ("السابعة",),
        8: ("الثامنة",),
        9: ("التاسعة", "التسعود"),
        10: ("العاشرة",),
        11: ("الحداش", "الحادية"),
        12: ("الطناش",),
    }
)
TEENS_AFTER = frozenset(_fold("عشر عشرة"))  # الحادية عشرة, الثانية عشرة, احدى عشر
TENS_JOIN = frozenset(_fold("et and y و"))  # vingt et un, twenty and one, treinta y cinco
ORDINAL_DAYS = _table(
    {
        1: ("premier", "first", "primero", "1er", "1re", "الأول"),
        2: ("second", "deuxième", "segundo", "الثاني"),
        3: ("third", "troisième", "tercero", "الثالث"),
        4: ("الرابع",),
        5: ("الخامس",),
        6: ("السادس",),
        7: ("السابع",),
        8: ("الثامن",),
        9: ("التاسع",),
        10: ("العاشر",),
        20: ("العشرين",),
        30: ("الثلاثين",),
    }
)
# Arabic compound ordinals of days: الحادي عشر (11th), الخامس عشر (15th), الثاني والعشرين.
ORDINAL_ONE = frozenset(_fold("الحادي"))
ORDINAL_TENS = {_fold("العشرين")[0]: 20, _fold("عشرين")[0]: 20, _fold("الثلاثين")[0]: 30}

# Minutes after the hour, and before it (negative): "et demie", "moins le quart", "والنصف".
MINUTE_PHRASES = {
    _fold(p): m
    for m, ps in {
        30: ("et demie", "et demi", "y media", "and a half", "والنصف", "و النصف", "ونصف"),
        15: ("et quart", "y cuarto", "and a quarter", "والربع", "و الربع", "وربع", "و ربع"),
        20: ("والثلث", "و الثلث", "وثلث", "وتلت", "و تلت", "w tlt", "w tolt", "o tolt"),
        -15: ("moins le quart", "moins quart", "menos cuarto", "menos un cuarto", "إلا ربع"),
        -20: ("إلا ثلث", "إلا ثلثا", "قل تلت", "غير تلت", "qel tolt", "9el tolt"),
        -10: ("moins dix", "menos diez"),
        -5: ("moins cinq", "menos cinco"),
    }.items()
    for p in ps
} | {
    _fold(p): m
    for m, ps in {
        30: (
            *("ونص", "و نص", "w ns", "o ns", "u ns", "w nss", "o nss", "ou ns", "w nos"),
            *("o nos", "w nass", "o nass", "u nass", "w nes", "w nsf"),
        ),
        15: ("w rb3", "o rb3", "u rb3", "w rob3", "o rob3", "w reb3", "o reb3", "w rbe3", "o rbe3"),
        -15: (
            *("إلا ربعا", "قل ربع", "غير ربع", "qel rb3", "9el rb3", "ghir rb3", "gher rb3"),
            *("qell rbe3", "qel rbe3", "9ell rbe3", "9el rbe3", "ghir rbe3", "gher rbe3"),
            *("ila rbe3", "ila rb3", "illa rbe3", "illa rb3", "ela rbe3", "ela rb3"),
        ),
    }.items()
    for p in ps
}
# English minutes before the hour word: "half past ten", "quarter to three".
MINUTES_BEFORE = {
    _fold("half past"): 30,
    _fold("half"): 30,  # British "half five" is 5:30 ("half an hour" has no hour after it)
    _fold("quarter past"): 15,
    _fold("a quarter past"): 15,
    _fold("quarter to"): -15,
    _fold("a quarter to"): -15,
}
MINUTE_UNITS = frozenset(_fold("minutes minute min minutos دقائق دقيقة دقايق dqayq d9ay9"))

# What around a number makes it a clock time.
HOUR_CUES = frozenset(
    _fold("at a à vers around about las la للساعة الساعة ساعة مع على حوالي after après después")
    + _fold("before avant antes قبل بعد")
)  # "after 6" is 18:00: the start of what the caller can do; "before 10" is 10:00
HOUR_CUES_ARABIZI = frozenset(
    _fold("m3a ma3a m3 3la ala f fi ssa3a sa3a lsa3a fl qbel 9bel ba3d b3d")
)
HOUR_UNITS = frozenset(_fold("h heure heures heur hr hrs hours oclock horas hora"))
HOUR_UNIT_PHRASES = frozenset({_fold("o clock")})
# Between the two ends of a range of clock times: "from 3 to 5 pm", "de 3 a 5".
RANGE_JOINS = frozenset(_fold("to till until à a au hasta إلى الى حتى"))
# "mn 10 l 11", "between 2 and 4", "bin 2 w 4"
RANGE_JOINS_AFTER_FROM = frozenset(_fold("l ل and et y و w o ou u"))
RANGE_FROM = frozenset(_fold("from de desde entre between من mn men بين bin bine"))
OF_PART = frozenset(_fold("d dyal dial dl ديال د"))  # "10 d sba7": ten in the morning
# Arabizi's article written apart: "m3a l wa7da", "3la l 3"
ARTICLES_APART = frozenset(("l", "el"))
MINUTES_JOIN = frozenset(("y", "و", "oh", "o", "w", "ou", "u"))  # "m3a 4 o 20", "diez y diez"
# A number followed by these is a quantity, not an hour ("à deux personnes", "10 minutes").
NOT_HOUR_AFTER = frozenset(
    _fold(
        "minutes minute min minutos jours jour days day dias ans years anos personnes people "
        "personas euros dirhams dh dhs semaines weeks semanas mois months meses fois times "
        "veces دقائق دقيقة أيام يوم سنوات أشخاص درهم ayam iyam snin enfants children kids ninos أطفال drari "
        "chambres rooms habitaciones nuits nights noches places seats"
    )
)

PARTS = _phrases(
    {
        "morning": (
            *("matin", "du matin", "le matin", "matinée", "morning", "in the morning"),
            *("de la mañana", "por la mañana", "en la mañana", "la mañana"),
            *("صباحا", "صباح", "الصباح", "في الصباح", "فالصباح"),
            *("sba7", "sbah", "fsba7", "sbe7", "f sba7", "fe sba7", "fsbah"),
        ),
        "noon": ("midi", "noon", "midday", "mediodía", "الظهر", "ظهرا", "الزوال", "zzwal"),
        "midnight": ("minuit", "midnight", "medianoche", "منتصف الليل"),
        "afternoon": (
            *("après-midi", "aprem", "afternoon", "in the afternoon"),
            *("de la tarde", "por la tarde", "la tarde", "tarde"),
            *("بعد الظهر", "بعد الظهيرة", "عصرا", "العصر"),
            *("العشية", "فالعشية", "من بعد الزوال", "بعد الزوال"),
            *("l3chiya", "l3achiya", "3chiya", "fl3chiya", "l3echiya", "f l3chiya"),
            *("ba3d zzwal", "mn ba3d zzwal", "b3d zzwal", "l3chia", "3chia"),
        ),
        "evening": (
            *("soir", "du soir", "le soir", "soirée", "evening", "in the evening", "night"),
            *("tonight", "de la noche", "por la noche", "la noche", "noche"),
            *("الليل", "ليلا", "في الليل", "فالليل", "lil", "fllil", "f lil", "felil"),
            *("مساء", "مساءا", "المساء", "في المساء"),
            *("الليلة", "هذه الليلة", "هاد الليلة", "llila", "had lil", "had llil"),
        ),
    }
)

# Relative days: today, tomorrow, the day after tomorrow. Longer phrases win.
RELATIVE_DAYS = _phrases(
    {
        "0": (
            *("aujourd'hui", "aujourdhui", "today", "hoy", "اليوم", "ليوم", "ليوما"),
            *("lyoum", "lyouma", "lyom", "lyoma", "liyoum", "lioum", "el youm"),
            *("ce soir", "ce matin", "cet après-midi", "tonight", "this morning"),
            *("cet aprem", "cet aprèm", "cette après-midi", "cette aprem"),
            *("this afternoon", "this evening", "esta mañana", "esta tarde", "esta noche"),
            *("auj", "ajd", "aujourdui", "aujourd8", "2day", "tday"),  # typed or misheard
            *("هذا المساء", "هذا الصباح", "had l3chiya", "had sba7", "هاد العشية"),
            *("الليلة", "هذه الليلة", "هاد الليلة", "llila", "had lil", "had llil"),  # tonight
        ),
        "1": (
            *("demain", "tomorrow", "mañana", "غدا", "غد", "الغد", "بكرة", "غدوة", "غدوا"),
            *("ghda", "ghedda", "ghadda", "ghedwa", "ghdwa", "ghdda", "ghada", "rhda"),
            # as typed in a chat or misheard: SMS forms and one-letter slips
            *("tmrw", "tmr", "tmrow", "2moro", "2morrow", "2morow", "tomorow", "tommorow"),
            *("tommorrow", "tomorro", "tomrrow", "demin", "demian", "dmain", "2main"),
            *("manana", "mañna", "manan", "mañan", "maniana"),
        ),
        "2": (
            *("après-demain", "apres demain", "day after tomorrow", "the day after tomorrow"),
            *("pasado mañana", "بعد غد", "بعد غدا", "بعد الغد", "بعد غدوة", "بعد بكرة"),
            *("من بعد غدا", "من بعد غدوة", "ba3d ghda", "b3d ghda", "mn ba3d ghda"),
            *("men ba3d ghda", "mn b3d ghda", "baad ghda", "ba3d ghedda", "mn ba3d ghedda"),
        ),
    }
)
FOR_THE_DAY = frozenset({_fold("ليوم"), _fold("ليوما")})  # ليوم الخميس: for Thursday
# "la mañana" is the morning, not tomorrow.
MORNING_ARTICLES = frozenset(_fold("la"))

WEEKDAYS = _table(
    {
        0: ("lundi", "monday", "lunes", "الاثنين", "الإثنين", "الاتنين", "التنين"),
        1: ("mardi", "tuesday", "martes", "الثلاثاء", "الثلاثا", "التلات", "التلاتاء"),
        2: ("mercredi", "wednesday", "miércoles", "الأربعاء", "الأربعا", "لاربع", "لاربعا"),
        3: ("jeudi", "thursday", "jueves", "الخميس", "لخميس", "خميس"),
        4: ("vendredi", "friday", "viernes", "الجمعة", "جمعة"),
        5: ("samedi", "saturday", "sábado", "السبت", "سبت"),
        6: ("dimanche", "sunday", "domingo", "الأحد", "الحد", "لحد"),
    }
) | _table(
    {
        0: ("tnin", "ltnin", "letnin", "etnin", "ttnin", "lethnine", "l2tnin", "letnine", "tnine"),
        1: ("ttlat", "ltlat", "tlat"),
        2: ("larb3", "larb3a", "lerb3", "l2arb3a", "larba3", "larbe3"),
        3: ("lkhmis", "khmis", "lkhamis", "lkhemis", "lekhmis", "khemis", "khamis"),
        4: ("jem3a", "jjem3a", "ljem3a", "ljm3a", "jm3a", "jjm3a"),
        5: ("sebt", "ssebt", "ssbt", "lsebt", "sbt", "sabt", "ssabt", "lsabt"),
        6: ("l7ed", "l7ad", "7ed", "lhed", "lhad", "l7add", "l7had", "el7ad"),
    }
)
# After "nhar" (day), words that are numbers or "this" elsewhere name a weekday: "nhar
# tlata" is Tuesday (m3a tlata: at three), "nhar el had" Sunday (had: this).
AFTER_NHAR = {"tlata": 1, "ttlata": 1, "had": 6, "7ad": 6, "7ed": 6}
NHAR = frozenset(_fold("nhar نهار"))
THIS = frozenset(("had",))  # "had jaya" is no Sunday
NEXT_WORDS = frozenset(
    _fold("prochain prochaine next próximo próxima proximo que viene القادم المقبل الجاي جاي")
    + _fold("القادمة المقبلة الجاية جاية")
    + _fold("jay ljay jaya jayi")
)

MONTHS = _table(
    {
        1: ("janvier", "january", "enero", "يناير", "جانفي", "janvie"),
        2: ("février", "february", "febrero", "فبراير", "فيفري"),
        3: ("mars", "march", "marzo", "مارس"),
        4: ("avril", "april", "abril", "أبريل", "ابريل"),
        5: ("mai", "may", "mayo", "مايو", "ماي"),
        6: ("juin", "june", "junio", "يونيو", "يونيه", "جوان"),
        7: ("juillet", "july", "julio", "يوليو", "يوليوز", "جويلية"),
        8: ("août", "aout", "august", "agosto", "أغسطس", "غشت"),
        9: ("septembre", "september", "septiembre", "setiembre", "سبتمبر", "شتنبر"),
        10: ("octobre", "october", "octubre", "أكتوبر", "اكتوبر"),
        11: ("novembre", "november", "noviembre", "نوفمبر", "نونبر"),
        12: ("décembre", "december", "diciembre", "ديسمبر", "دجنبر"),
    }
)
RANGE_TO = frozenset(_fold("au to till until al hasta إلى الى حتى"))  # du 3 au 5 août
DAY_ARTICLES = frozenset(_fold("le du au the el del día nhar يوم نهار"))
OF_WORDS = frozenset(_fold("de of من"))

# "in three days", "dans deux semaines", "بعد يومين"
IN_WORDS = frozenset(_fold("dans in en dentro بعد ba3d b3d"))
DAY_UNITS = frozenset(_fold("jours jour days day días día أيام ايام يوم iyam ayam yam nhar"))
WEEK_UNITS = frozenset(
    _fold("semaines semaine weeks week semanas semana أسابيع أسبوع اسبوع سيمانة simana simanat")
)
# Months are left to dateparser ("dans deux mois"): it adds calendar months.
MONTH_UNITS = frozenset(_fold("mois month months mes meses شهر أشهر شهور chhar chhour"))
DUAL_DAYS = frozenset(_fold("يومين"))
DUAL_WEEKS = frozenset(_fold("أسبوعين اسبوعين سيمانتين"))

# A moment counted from now: "dans une heure", "in 20 minutes", "dentro de media hora",
# "بعد ساعة", "mn ba3d nss sa3a". The word before the amount, then the amount.
SOON_WORDS = frozenset(_fold("dans in en dentro within ici بعد خلال غضون ba3d b3d hna هنا"))
SOON_SKIP = frozenset(_fold("de"))  # dentro de, d'ici
SHIFT_WORDS = frozenset(("d", "by", "b"))  # "d'une heure", "by an hour", "b sa3a": by
# Verbs that move a moment, and those that move it earlier, by the start of the word
# (décale, décaler, décalez; تأخيره: delay it; n2akhro).
SHIFT_VERBS = (
    *_fold("décal repouss retard avanc push move retras adelant mover pospon aplaz"),
    *_fold("تأخير تأجيل تقديم نأخر نقدم أأخر أقدم أخر قدم نأجل"),
    *_fold("n2akh nakh 2akh n9dm n9dem nqdm nqdem 9dem"),
)
EARLIER = (
    *_fold("tôt tot earlier forward avanc temprano adelant"),
    *_fold("تقديم نقدم أقدم قدم بكري n9dm n9dem nqdm nqdem 9dem bekri bkri"),
)
LATER = frozenset(_fold("later tard después despues بعد ba3d"))
LATER_PHRASES = frozenset(
    {_fold("más tarde"), _fold("plus tard"), _fold("من بعد"), _fold("mn ba3d")}
)
ONE_WORDS = frozenset(
    _fold("a an one un une una uno ساعة ساعه يوم نهار أسبوع اسبوع sa3a nhar يومين ساعتين")
)
DAY_ALONE = frozenset(_fold("يوم نهار nhar"))  # بيوم: by a day
WEEK_ALONE = frozenset(_fold("أسبوع اسبوع simana"))
DURATION_HOURS = frozenset(_fold("heure heures hour hours hora horas ساعات sa3at swaye3"))
DURATION_HOUR = frozenset(_fold("ساعة sa3a sa3 saa"))  # one hour by the word alone
DURATION_PHRASES = {
    _fold(p): m
    for m, ps in {
        30: (
            *("demi heure", "une demi heure", "half an hour", "a half hour", "half hour"),
            *("media hora", "una media hora", "نص ساعة", "نصف ساعة", "ns sa3a", "nss sa3a"),
            *("nos sa3a", "noss sa3a", "nass sa3a", "nes sa3a"),
        ),
        15: (
            *("quart d heure", "un quart d heure", "quarter of an hour", "a quarter of an hour"),
            *("a quarter hour", "cuarto de hora", "un cuarto de hora", "ربع ساعة"),
            *("rob3 sa3a", "rb3 sa3a", "rbe3 sa3a", "reb3 sa3a"),
        ),
        120: ("ساعتين", "sa3tin", "sa3tayn", "couple of hours", "a couple of hours"),
        90: ("ساعة ونص", "ساعة و نص", "sa3a w nss", "sa3a o nss", "sa3a w ns", "hora y media"),
    }.items()
    for p in ps
}
DURATION_HALF = frozenset({_fold("et demie"), _fold("and a half"), _fold("y media")})
