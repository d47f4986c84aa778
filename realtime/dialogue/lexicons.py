"""What callers say, in French, English, Spanish, Modern Standard Arabic and Darija (Arabic
script and Arabizi), grouped by what it means to the dialogue manager.

Every group matches in every language, whatever the agent speaks: callers switch languages
and speech recognition guesses the language wrong. Phrases are written naturally (accents,
hamza, hyphens); they are folded like the transcript before matching (see ``matching``).
The reply texts are in ``replies``; the words of dates and times in ``when.words``.
"""

from realtime.dialogue.matching import Lexicon
from resolvers.textnorm import normalize

GREETING = (
    *("bonjour", "bonsoir", "salut", "allo", "allô"),
    *("hello", "hi", "hey", "good morning", "good afternoon", "good evening"),
    *("hola", "buenos días", "buenas tardes", "buenas noches", "buenas"),
    *("السلام عليكم", "سلام", "مرحبا", "أهلا", "صباح الخير", "مساء الخير"),
    *("salam", "salam alaykom", "salam 3alaykom", "slm", "ahlan", "marhba", "labas", "لاباس"),
)
BOOKING = (
    *("rendez-vous", "rdv", "prendre rendez", "réserv*", "réserver"),
    *("appointment", "appointments", "book", "=booking", "=booked", "set up a meeting"),
    *("cita", "citas", "reservar", "agendar", "pedir hora", "turno"),
    *("موعد", "موعدا", "حجز", "أحجز", "نحجز", "يحجز", "الحجز", "حجزا", "احجزلي", "احجز لي"),
    *("ندير موعد", "ناخد موعد", "نآخذ موعد", "روندفو", "راندفو"),
    *("maw3id", "maw3ed", "mow3id", "mou3id", "maou3id", "mawid"),
    *("n7jz", "n7jez", "nhjez", "7jz", "7jez", "randevu", "rondevu", "randivo"),
)
# Coming over, or a table: a booking when the caller also gives a day and a time.
VISIT = (
    *("venir", "viens", "passer", "passe", "une table", "table pour"),
    *("come", "come by", "come in", "drop by", "a table", "table for"),
    *("ir", "voy", "venir", "pasar", "paso", "una mesa", "mesa para"),
    *("آتي", "أجي", "نجي", "نجيو", "نمشي", "طاولة", "nji", "njiw", "ndoz", "ndouz"),
)
TRANSFER_STRONG = (
    *("conseiller", "conseillère", "opérateur", "opératrice", "standardiste"),
    *("un humain", "une vraie personne", "une personne réelle", "agent humain"),
    *("advisor", "adviser", "operator", "representative", "human", "real person", "live agent"),
    *("customer service", "service client"),
    *("asesor", "asesora", "operador", "operadora", "persona real", "agente humano"),
    *("موظف", "الموظف", "مستشار", "المستشار", "شخص حقيقي", "خدمة العملاء", "إنسان"),
    *("mostachar", "moustachar", "l mostachar", "mowadaf", "bnadem"),
)
TRANSFER_VERB = (
    *("parler", "parle", "discuter", "passer", "passez", "transférer", "mettre en relation"),
    *("speak", "talk", "connect", "transfer", "put me through"),
    *("hablar", "comunicar", "pasar", "pásame", "páseme", "transferir"),
    *("أتحدث", "التحدث", "أتكلم", "التكلم", "نتكلم", "نهضر", "نهدر", "حولني", "تحولني"),
    *("nhder", "nhdar", "nhdr", "nehder", "ntkellem", "ntkalem", "nhadar", "hawelni", "7awelni"),
)
TRANSFER_WHO = (
    *("quelqu'un", "quelqu un", "personne", "responsable", "gérant", "directeur", "agent"),
    *("someone", "somebody", "person", "=manager", "staff"),
    *("alguien", "persona", "responsable", "encargado", "gerente", "agente"),
    *("شخص", "أحد", "المسؤول", "المدير", "شي واحد", "شي حد", "واحد"),
    *("chi wa7ed", "chi wahed", "chi had", "chi 7ed", "wa7ed", "lmas2oul", "lmodir"),
)
CALLBACK = (
    *("rappelez-moi", "rappelle-moi", "rappeler moi", "me rappeler", "me rappelez"),
    *("me rappelle", "nous rappeler", "rappelez-nous", "être rappelé", "un rappel"),
    *("call me back", "call me", "ring me back", "callback", "call back", "give me a call"),
    *("llámame", "llámeme", "me =llamen", "me =llamas", "me =llame", "devolver la llamada"),
    *("vuelvan a llamar", "vuelva a llamarme", "devuélvame la llamada"),
    *("اتصل بي", "اتصلوا بي", "عاود الاتصال", "عاودوا الاتصال", "معاودة الاتصال"),
    *("عيط لي", "عيطو لي", "عيطلي", "عيطولي", "عاودو عيطو", "عاود عيط"),
    *("3ayet liya", "3ayet lia", "3ayto liya", "3ayetli", "3aytoli", "3iyet liya"),
    *("3awd 3ayet", "3awdo 3ayto", "3ayto lia"),
)
CANCEL = (
    *("annuler", "annulez", "annulation", "décommander", "laissez tomber", "laisse tomber"),
    *("cancel", "never mind", "nevermind", "forget it"),
    *("cancelar", "anular", "olvídalo", "déjalo"),
    *("إلغاء", "ألغي", "الغي", "نلغي", "بلاش", "nlghi", "lghi", "blach", "safi blach"),
)
# Moving a booking: cues for the act classifier (a new booking names no change).
CHANGE = (
    *("décaler", "décal*", "déplacer", "déplac*", "reporter", "repousser", "repouss*"),
    *("avancer", "changer", "chang*", "modifier", "modifi*", "bouger", "mettre plutôt"),
    *("move", "moving", "reschedule", "resched*", "push back", "bring forward", "postpone*"),
    *("change my", "switch my", "shift my", "make it"),
    *("cambiar", "cambi*", "mover", "aplazar", "aplaz*", "adelantar", "adelant*", "retrasar"),
    *("retras*", "posponer", "pospon*", "correr la", "pasar la cita", "pasarla"),
    *("تغيير", "أغير", "اغير", "نغير", "تأجيل", "أأجل", "نأجل", "أجل", "نقل", "أنقل"),
    *("تبديل", "نبدل", "بدلو", "نأخر", "نقدم", "نبدلو"),
    *("bdel", "nbdel", "nbeddel", "beddel", "nbedel", "bdl", "nbdl", "n2ajjel", "najjel"),
    *("2ajjel", "n2ajel", "ghayar", "nghayar", "nghayer", "7ewel", "n7ewel", "n2akher"),
    *("nqdem", "n9dem", "nredo", "nraj3o", "nrej3o"),
)
# The caller fixing what they just said.
CORRECTION = (
    *("plutôt", "pardon", "je me suis trompé", "je me suis trompée", "en fait", "non pas"),
    *("je voulais dire", "je veux dire", "erreur", "correction", "je rectifie"),
    *("i meant", "i mean", "sorry i meant", "actually", "my mistake", "correction"),
    *("not that", "rather", "scratch that", "wait no"),
    *("quise decir", "quiero decir", "perdón", "me equivoqué", "mejor", "en realidad"),
    *("digo", "corrijo", "perdona"),
    *("أقصد", "قصدي", "اقصد", "عفوا", "غلطت", "أخطأت", "بل", "لا لا", "سمح لي", "سمحلي"),
    *("smeh lia", "sm7 lia", "sme7 lia", "qsdi", "9sdi", "9esdi", "ghlt", "ghlat", "ghalt"),
    *("bghit ngoul", "bghit nqol", "بغيت نقول"),
)
# A booking the caller already has: "mon rendez-vous", "my appointment", "موعدي".
MINE = (
    *("mon rendez-vous", "mon rdv", "ma réservation", "mon rendez vous", "ma résa"),
    *("my appointment", "my booking", "my reservation", "my slot"),
    *("mi cita", "mi reserva", "mi turno", "la cita que tengo"),
    *("موعدي", "حجزي", "الموعد ديالي", "الموعد اللي عندي", "عندي موعد"),
    *("rdv dyali", "lmaw3id dyali", "maw3id dyali", "3ndi rdv", "3endi rdv", "3ndi maw3id"),
)
GOODBYE = (
    *("au revoir", "aurevoir", "bonne journée", "bonne soirée", "à bientôt", "c'est tout"),
    *("goodbye", "good bye", "bye", "bye bye", "see you", "have a nice day", "that's all"),
    *("adiós", "hasta luego", "hasta pronto", "chao", "eso es todo"),
    *("مع السلامة", "بسلامة", "في أمان الله", "إلى اللقاء", "وداعا", "تهلا"),
    *("bslama", "beslama", "bsslama", "b slama", "m3a salama", "ma3a salama", "thalla"),
    *("thella", "tahalla"),
)
THANKS = (
    *("merci", "merci beaucoup", "thanks", "thank you", "cheers", "gracias", "muchas gracias"),
    *("شكرا", "شكرا جزيلا", "بارك الله فيك", "الله يخليك", "يعطيك الصحة"),
    *("chokran", "choukran", "shukran", "chukran", "chokrane", "baraka allah fik", "lah ykhlik"),
)
YES = (
    *("oui", "ouais", "d'accord", "ok", "okay", "bien sûr", "volontiers", "parfait", "exact"),
    *("yes", "yeah", "yep", "sure", "of course", "please", "correct", "right", "alright"),
    *("sí", "claro", "vale", "de acuerdo", "por favor", "perfecto"),
    *("نعم", "أجل", "بالتأكيد", "طبعا", "موافق", "واخا", "إيه", "آه", "اييه", "ايوا"),
    *("wakha", "wah", "iyeh", "ih", "ah", "na3am", "ayeh", "eyeh", "safi", "mzyan"),
)
NO = (
    *("non", "non merci", "pas besoin", "pas maintenant", "ça ira", "rien"),
    *("no", "nope", "no thanks", "not now", "nothing"),
    *("no gracias", "nada"),
    *("لا", "لا شكرا", "ماشي", "والو", "لا لا"),
    *("la", "lla", "walo", "machi", "la chokran", "la la"),
)
# A question about the business, worth an FAQ or knowledge-base look-up.
QUESTION = (
    *("quel", "quelle", "quels", "quelles", "=quand", "=combien", "=comment", "où"),
    *("what", "when", "how", "=where", "=which", "do you", "are you", "is there", "can i"),
    *("qué", "cuándo", "=cuanto", "=cuanta", "cómo", "=donde", "cuál", "=tienen", "hay"),
    *("ما", "ماذا", "متى", "كم", "أين", "كيف", "هل", "بكم"),
    *("واش", "شنو", "شحال", "فين", "فوقاش", "وقتاش", "كيفاش", "علاش", "بشحال"),
    *("wach", "chno", "chnou", "ch7al", "chhal", "fin", "fyn", "imta", "foqach", "wqtach"),
    *("kifach", "3lach", "bch7al"),
)
# Topics shared by questions and FAQ entries: they let "vous êtes ouverts ?" find
# "Quels sont vos horaires ?" and "شحال الثمن" find "Combien coûte la consultation ?".
TOPIC_HOURS = (
    *("horaire*", "ouvert*", "ouvrez", "ouverture", "fermez", "fermé", "fermeture"),
    *("opening hours", "open", "opens", "=close", "=closes", "=closing", "=hours"),
    *("horario*", "abierto*", "abren", "abre", "cierran", "cierra"),
    *("ساعات العمل", "ساعات", "مفتوح", "مفتوحين", "تفتحون", "تغلقون", "مواعيد العمل", "الدوام"),
    *("كتحلو", "كتسدو", "حالين", "محلول", "wqt", "lwe9t", "kat7lo", "katsdo", "7allin"),
)
TOPIC_PRICE = (
    *("prix", "tarif*", "coût*", "coute", "coûte", "combien ça", "payer", "paiement"),
    *("price*", "cost*", "how much", "fee", "fees", "pay", "payment"),
    *("precio*", "tarifa*", "cuesta", "cuánto cuesta", "pagar", "pago"),
    *("السعر", "الثمن", "ثمن", "الأسعار", "التكلفة", "بكم", "الدفع"),
    *("شحال", "بشحال", "taman", "tamane", "ch7al", "bch7al", "chhal"),
)
TOPIC_LOCATION = (
    *("adresse", "où êtes-vous", "situé*", "localisation", "accès", "parking"),
    *("address", "where are you", "located", "location", "directions", "parking"),
    *("dirección", "dónde están", "ubicación", "ubicado*", "aparcamiento"),
    *("العنوان", "عنوان", "أين", "موقع", "الموقع", "فين", "فين كاينين", "adresse", "blasa"),
)
TOPIC_SERVICES = (
    *("service*", "prestation*", "proposez", "offrez", "faites-vous"),
    *("service*", "offer", "provide", "do you do"),
    *("servicio*", "ofrecen", "hacen"),
    *("خدمات", "الخدمات", "تقدمون", "الخدمة", "كتديرو", "شنو كتديرو"),
)
TOPICS = ("topic_hours", "topic_price", "topic_location", "topic_services")

# Lead qualification (BANT) signals.
NEED = (
    *("besoin", "j'ai besoin", "nous avons besoin", "je cherche", "nous cherchons", "on cherche"),
    *("intéressé", "intéressée", "intéresse", "problème", "souci", "projet"),
    *("i need", "we need", "looking for", "interested", "problem", "issue", "project"),
    *("necesito", "necesitamos", "busco", "buscamos", "me interesa", "interesado", "problema"),
    *("proyecto",),
    *("أحتاج", "نحتاج", "أبحث", "نبحث", "مهتم", "مشكلة", "مشروع", "بحاجة"),
    *("خاصني", "خصني", "محتاج", "كنقلب على", "مشكل", "عندي مشكل"),
    *("khasni", "khassni", "m7taj", "mehtaj", "kan9leb 3la", "kanqaleb 3la", "mochkil"),
)
TIMELINE = (
    *("=urgent", "urgence", "rapidement", "au plus vite", "dès que possible"),
    *("cette semaine", "ce mois", "ce mois-ci", "semaine prochaine", "mois prochain"),
    *("asap", "as soon as possible", "right away", "this week", "this month"),
    *("next week", "next month", "soon"),
    *("=urgente", "cuanto antes", "lo antes posible", "esta semana", "este mes"),
    *("la próxima semana", "el próximo mes", "pronto"),
    *("عاجل", "مستعجل", "في أقرب وقت", "هذا الأسبوع", "هذا الشهر", "الأسبوع القادم"),
    *("الشهر القادم", "دغيا", "زربة", "هاد السيمانة", "هاد الشهر", "السيمانة الجاية"),
    *("msta3jel", "dghya", "dghia", "zerba", "had simana", "had chher", "simana jaya"),
)
BUDGET = ("budget", "enveloppe", "presupuesto", "ميزانية", "الميزانية", "lbudget", "mizaniya")
# A currency only says "budget" after an amount ("5000 dirhams", "cinq mille euros").
CURRENCY = (
    *("dirham*", "dh", "dhs", "mad", "euro*", "eur", "dollar*", "usd"),
    *("درهم", "دراهم", "ريال", "يورو", "دولار", "ryal", "derham", "drahem"),
)
AMOUNT_WORDS = (
    "mille",
    "thousand",
    "mil",
    "million*",
    "millón",
    "ألف",
    "آلاف",
    "مليون",
    "alf",
    "melyoun",
)
AUTHORITY_TITLE = (
    *("gérant", "gérante", "directeur", "directrice", "patron", "patronne", "propriétaire"),
    *("fondateur", "fondatrice", "responsable", "pdg", "associé"),
    *("owner", "=manager", "director", "ceo", "founder", "boss", "decision maker", "partner"),
    *("dueño", "dueña", "gerente", "director", "directora", "propietario", "fundador", "jefe"),
    *("المدير", "مدير", "صاحب", "مالك", "المسؤول", "مسؤول", "المؤسس"),
    *("مول", "lmodir", "modir", "mol", "moul", "lmas2oul", "mas2oul"),
)
# "I am" before a title: "je suis le gérant", "I'm the business owner", "أنا المدير".
SPEAKER_IS = (
    *("je suis", "moi je suis", "c'est moi le", "c'est moi la", "i am", "i'm", "im", "soy"),
    *("yo soy", "أنا", "انا هو", "ana", "rani", "راني", "ana hwa"),
)
AUTHORITY_PHRASE = (
    *("je décide", "c'est moi qui décide", "je prends les décisions"),
    *("i decide", "i make the decisions", "i'm the one who decides", "i own", "we own"),
    *("decido yo", "yo decido", "tomo las decisiones"),
    *("أنا من يقرر", "أنا اللي كنقرر", "ana li kan9rer", "ana li kanqarer"),
)
DARIJA_MARKERS = (
    *("بغيت", "ديال", "واش", "شنو", "كيفاش", "دابا", "بزاف", "مزيان", "غدوة", "عافاك"),
    *("bghit", "dyal", "wach", "chno", "kifach", "daba", "bzaf", "mzyan", "ghda", "3afak"),
    *("smiti", "nhder", "m3a", "chi", "bslama", "chokran", "wakha", "labas", "khasni"),
)

INTENTS = Lexicon(
    {
        "greeting": GREETING,
        "booking": BOOKING,
        "visit": VISIT,
        "transfer_strong": TRANSFER_STRONG,
        "transfer_verb": TRANSFER_VERB,
        "transfer_who": TRANSFER_WHO,
        "callback": CALLBACK,
        "cancel": CANCEL,
        "change": CHANGE,
        "correction": CORRECTION,
        "mine": MINE,
        "goodbye": GOODBYE,
        "thanks": THANKS,
        "yes": YES,
        "no": NO,
        "question": QUESTION,
        "topic_hours": TOPIC_HOURS,
        "topic_price": TOPIC_PRICE,
        "topic_location": TOPIC_LOCATION,
        "topic_services": TOPIC_SERVICES,
        "need": NEED,
        "timeline": TIMELINE,
        "budget": BUDGET,
        "currency": CURRENCY,
        "amount_word": AMOUNT_WORDS,
        "authority_title": AUTHORITY_TITLE,
        "speaker_is": SPEAKER_IS,
        "authority_phrase": AUTHORITY_PHRASE,
        "darija": DARIJA_MARKERS,
    }
)

# Function words left out when comparing a question with FAQ entries and instructions.
STOPWORDS = frozenset(
    normalize(word)
    for word in {
        *("le", "la", "les", "un", "une", "des", "de", "du", "et", "ou", "au", "aux", "en"),
        *("est", "ce", "ces", "que", "qui", "quoi", "pour", "par", "sur", "avec", "vos"),
        *("votre", "nous", "vous", "je", "tu", "il", "elle", "on", "mon", "ma", "mes", "sont"),
        *("ai", "as", "a", "y", "ne", "pas", "se", "sa", "son", "etes", "suis", "moi"),
        *("bonjour", "merci", "svp", "plait", "voudrais", "veux", "peux", "pouvez", "est"),
        *("the", "an", "of", "to", "and", "or", "is", "are", "do", "does", "for", "in"),
        *("with", "your", "you", "we", "it", "me", "my", "i", "im", "at", "on", "can"),
        *("would", "like", "want", "please", "hello", "there", "be", "have", "has"),
        *("el", "los", "las", "lo", "es", "como", "para", "por", "con", "que", "se", "su"),
        *("sus", "mi", "yo", "usted", "ustedes", "del", "al", "quiero", "quisiera", "hola"),
        *("في", "من", "الى", "علي", "عن", "مع", "هل", "ما", "هذا", "هذه", "انا", "انت"),
        *("انتم", "هو", "هي", "او", "ان", "لا", "كان", "اريد", "لكم", "لك", "عندكم"),
        *("واش", "ديال", "بغيت", "شي", "عافاك", "wach", "dyal", "bghit", "chi", "3afak"),
    }
)

# Instruction sentences that direct the agent are not answers ("Ne jamais donner les prix").
DIRECTIVE_PREFIXES = (
    *("tu ", "vous devez", "vous etes", "sois ", "soyez", "reponds", "repondez", "ne jamais"),
    *("ne ", "toujours", "jamais", "utilise", "demande", "propose"),
    *("you ", "your ", "be ", "always", "never", "do not", "don t", "answer", "ask", "use "),
    *("eres", "debes", "se ", "nunca", "siempre", "responde", "no "),
    *("انت", "يجب", "لا ت", "كن ", "اجب", "دائما", "ابدا"),
)
