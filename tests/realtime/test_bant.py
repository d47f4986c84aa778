"""Lead-qualification details read from one caller turn (realtime.dialogue.bant): budgets,
timelines and authority in French, English, Spanish, MSA and Darija (Arabic script and
Arabizi), code-switching included, and input that must never make them raise."""

import datetime as dt
import random
import time

import pytest

from realtime.dialogue.bant import Budget, authority, budget, is_darija, timeline
from resolvers.textnorm import normalize, tokens

TODAY = dt.date(2026, 11, 25)  # a Wednesday


# ---------------------------------------------------------------------------- budget

BUDGETS = [
    # digits, every way of grouping them
    ("mon budget est de 800 000 dirhams", 800_000, "MAD"),
    ("800.000 DH", 800_000, "MAD"),
    ("le budget c'est 800,000", 800_000, "MAD"),
    ("2 000 000 DH", 2_000_000, "MAD"),
    ("1,5 million d'euros", 1_500_000, "EUR"),
    ("j'ai un budget de 50k", 50_000, "MAD"),
    ("50 K euros", 50_000, "EUR"),
    ("2M", 2_000_000, "MAD"),
    ("300k€", 300_000, "EUR"),
    ("1.2M$", 1_200_000, "USD"),
    ("I have about $50,000", 50_000, "USD"),
    ("€500", 500, "EUR"),
    ("5000 dh par mois", 5_000, "MAD"),
    ("presupuesto de 30 000 euros", 30_000, "EUR"),
    ("2,5 millions", 2_500_000, "MAD"),
    # French words
    ("huit cent mille dirhams", 800_000, "MAD"),
    ("un million et demi", 1_500_000, "MAD"),
    ("deux millions cinq cent mille euros", 2_500_000, "EUR"),
    ("quatre-vingt mille euros", 80_000, "EUR"),
    ("soixante-quinze mille dirhams", 75_000, "MAD"),
    ("dix-sept mille euros", 17_000, "EUR"),
    ("un budget de cent cinquante mille", 150_000, "MAD"),
    # English words
    ("fifty thousand dollars", 50_000, "USD"),
    ("half a million", 500_000, "MAD"),
    ("one and a half million dollars", 1_500_000, "USD"),
    ("a million and a half", 1_500_000, "MAD"),
    ("two hundred and fifty thousand euros", 250_000, "EUR"),
    ("I can spend 30 grand", 30_000, "MAD"),
    # Spanish words
    ("cincuenta mil euros", 50_000, "EUR"),
    ("un millón de dólares", 1_000_000, "USD"),
    ("medio millón de euros", 500_000, "EUR"),
    ("un millón y medio", 1_500_000, "MAD"),
    ("doscientos mil dólares", 200_000, "USD"),
    # MSA
    ("ميزانيتي ثلاثين ألف درهم", 30_000, "MAD"),
    ("مئتي ألف درهم", 200_000, "MAD"),
    ("خمسة وعشرين ألف درهم", 25_000, "MAD"),
    ("عشرة آلاف دولار", 10_000, "USD"),
    ("ميزانيتي مليون", 1_000_000, "MAD"),
    ("مليون يورو", 1_000_000, "EUR"),
    ("قرابة 500 ألف درهم", 500_000, "MAD"),
    # Darija, Arabic script
    ("عندي تلاتين ألف درهم", 30_000, "MAD"),
    ("ميتين وخمسين ألف درهم", 250_000, "MAD"),
    ("ألفين درهم", 2_000, "MAD"),
    ("مليون ونص", 15_000, "MAD"),
    ("80 مليون", 800_000, "MAD"),
    ("الميزانية ديالي 80 مليون", 800_000, "MAD"),
    ("80 مليون سنتيم", 800_000, "MAD"),
    ("مليون درهم", 1_000_000, "MAD"),
    ("حتى 200 ألف درهم", 200_000, "MAD"),
    # Darija, Arabizi
    ("mya alf dirham", 100_000, "MAD"),
    ("lbudget dyali 3chrin alf", 20_000, "MAD"),
    ("alf dirham", 1_000, "MAD"),
    ("alfayn dh", 2_000, "MAD"),
    ("15 mlyoun", 150_000, "MAD"),
    ("mlyoun w nass", 15_000, "MAD"),
    ("mlyoun dirham", 1_000_000, "MAD"),
    ("khamsa w 3chrin alf dh", 25_000, "MAD"),
    ("tlt myat alf dh", 300_000, "MAD"),
    ("mizaniya dyali 200 alf dh", 200_000, "MAD"),
    ("ma yfoutch 20 alf", 20_000, "MAD"),
    # code-switching: a Darija turn counts millions in centimes, unless dirhams are said
    ("ana 3andi budget dyal 80 millions", 800_000, "MAD"),
    ("bghit dar b 80 مليون", 800_000, "MAD"),
    ("wach kayna chi villa b 2 millions de dirhams", 2_000_000, "MAD"),
    ("20 briques", 200_000, "MAD"),
    # ranges and caps: the upper value, thousands shared
    ("mon budget est entre 40 et 50 000", 50_000, "MAD"),
    ("entre 40 et 50 000 euros", 50_000, "EUR"),
    ("entre 300 et 400 mille", 400_000, "MAD"),
    ("between 40k and 50 000", 50_000, "MAD"),
    ("max 300 000", 300_000, "MAD"),
    ("up to 2 million", 2_000_000, "MAD"),
    ("pas plus de 300 000 dh", 300_000, "MAD"),
    ("jusqu'à 150 000 euros", 150_000, "EUR"),
    ("hasta 50 mil euros", 50_000, "EUR"),
    ("maximum 200 000", 200_000, "MAD"),
    # money contexts without a currency
    ("dans les 200 000", 200_000, "MAD"),
    ("autour de 80 000 euros", 80_000, "EUR"),
    ("alrededor de 40 mil", 40_000, "MAD"),
    ("budget around 200k", 200_000, "MAD"),
    ("mon budget est de 2000", 2_000, "MAD"),
    # several amounts: the budget's, the corrected one
    ("la maison coûte 2 millions mais mon budget est de 1,5 million", 1_500_000, "MAD"),
    ("mon budget 500 000, non pardon, 400 000", 400_000, "MAD"),
    ("voiture avec 50 000 km, budget 150 000 dh", 150_000, "MAD"),
    ("en 2027 avec 300 000 dh", 300_000, "MAD"),
    ("0661 234 567 et mon budget 300 000 dh", 300_000, "MAD"),
]


@pytest.mark.parametrize(("text", "amount", "currency"), BUDGETS)
def test_budget(text: str, amount: int, currency: str) -> None:
    assert budget(text) == Budget(amount, currency)


NOT_BUDGETS = [
    "je voudrais 2",
    "2",
    "rendez-vous à 10h",
    "demain à 10h30",
    "mon numéro est 06 12 34 56 78",
    "appelez-moi au 0612345678",
    "+212 612 345 678",
    "le 3 décembre",
    "el 3 de diciembre",
    "une table pour 4 personnes",
    "on sera 150 personnes",
    "a table for 20",
    "pour 2027",
    "j'ai vu mille choses",
    "un million de fois merci",
    "50 000 km au compteur",
    "£5000",
    "budget 5000 livres",
    "dos millones y medio de pesos",
    "bghit nji m3a 3 d nass",
    "I have 2 kids and 3 dogs",
    "bonjour, je voudrais des renseignements",
]


@pytest.mark.parametrize("text", NOT_BUDGETS)
def test_not_a_budget(text: str) -> None:
    assert budget(text) is None


@pytest.mark.parametrize(
    ("text", "darija"),
    [
        ("bghit nchri dar", True),
        ("3chrin alf", True),
        ("بغيت دار ديالي", True),
        ("mlyoun w nass", True),
        ("je voudrais une maison", False),
        ("I have a B2B business", False),
        ("à 5km du centre, 2eme étage", False),
        ("أريد منزلا في الدار البيضاء", False),
    ],
)
def test_is_darija(text: str, darija: bool) -> None:
    assert is_darija(tokens(normalize(text))) is darija


# -------------------------------------------------------------------------- timeline

TIMELINES = [
    # urgent
    ("ASAP", "urgent"),
    ("le plus vite possible", "urgent"),
    ("au plus vite svp", "urgent"),
    ("c'est urgent", "urgent"),
    ("cette semaine si possible", "urgent"),
    ("as soon as possible", "urgent"),
    ("cuanto antes", "urgent"),
    ("في أقرب وقت", "urgent"),
    ("daba daba", "urgent"),
    ("dghya", "urgent"),
    ("je suis pressé", "urgent"),
    # within N days / weeks / months / years
    ("dans six mois", "within 6 months"),
    ("within 3 weeks", "within 3 weeks"),
    ("en dos meses", "within 2 months"),
    ("خلال ستة أشهر", "within 6 months"),
    ("f 6 chhour", "within 6 months"),
    ("d'ici 2 mois", "within 2 months"),
    ("dans un an", "within 1 year"),
    ("within a year", "within 1 year"),
    ("dans deux ans", "within 2 years"),
    ("in 10 days", "within 10 days"),
    ("خلال شهرين", "within 2 months"),
    ("f jouj chhour", "within 2 months"),
    ("in the next 3 months", "within 3 months"),
    ("dans les 6 prochains mois", "within 6 months"),
    ("en los próximos tres meses", "within 3 months"),
    ("bghit nbda lmachrou3 mn daba l 6 chhour", "within 6 months"),
    ("la semaine prochaine", "within 2 weeks"),
    # by YYYY-MM: a month, a season, a holiday
    ("d'ici mars", "by 2027-03"),
    ("avant l'été", "by 2027-06"),
    ("before Ramadan", "by 2027-02"),
    ("9bel remdan", "by 2027-02"),
    ("can wait until June", "by 2027-06"),
    ("pour juillet-août", "by 2027-07"),
    ("fin d'année", "by 2026-12"),
    ("I need it by the end of the year", "by 2026-12"),
    ("end of next year", "by 2027-12"),
    ("d'ici la fin du mois", "by 2026-11"),
    ("le mois prochain", "by 2026-12"),
    ("hasta junio", "by 2027-06"),
    ("antes del verano", "by 2027-06"),
    ("قبل الصيف", "by 2027-06"),
    ("f chhar 6", "by 2027-06"),
    ("في شهر 3", "by 2027-03"),
    ("mars 2027", "by 2027-03"),
    ("avant noël", "by 2026-12"),
    ("fin 2027", "by 2027-12"),
    ("avant 2028", "by 2027-12"),
    ("ASAP, avant mars idéalement", "by 2027-03"),
    # before YYYY-MM-DD: an exact deadline
    ("avant le 15 janvier", "before 2027-01-15"),
    ("by January 15th", "before 2027-01-15"),
    ("antes del 15 de enero", "before 2027-01-15"),
    ("قبل 15 يناير", "before 2027-01-15"),
    ("9bel 15 janvier", "before 2027-01-15"),
    ("le 15 janvier au plus tard", "before 2027-01-15"),
    ("avant le 15/01", "before 2027-01-15"),
    ("d'ici vendredi", "before 2026-11-27"),
    # in YYYY
    ("l'année prochaine", "in 2027"),
    ("next year", "in 2027"),
    ("el año que viene", "in 2027"),
    ("السنة الجاية", "in 2027"),
    ("l3am jay", "in 2027"),
    ("en 2028", "in 2028"),
    ("rien d'urgent, l'année prochaine", "in 2027"),
]


@pytest.mark.parametrize(("text", "expected"), TIMELINES)
def test_timeline(text: str, expected: str) -> None:
    assert timeline(text, TODAY) == expected


NOT_TIMELINES = [
    "demain à 10h",
    "je voudrais un rendez-vous le 3 décembre à 10h",
    "je voudrais un rendez-vous la semaine prochaine",
    "dans une heure",
    "in 10 minutes",
    "ce n'est pas urgent",
    "no rush",
    "machi msta3jel",
    "il y a 6 mois",
    "depuis 3 mois",
    "pendant 6 mois",
    "un contrat de 2 ans",
    "I may buy a car",
    "en mars dernier",
    "nhar 3 f chhar 12",
    "je veux réserver le 3 mars à 15h",
    "mon budget est de 300 000 dirhams",
    "bonjour",
]


@pytest.mark.parametrize("text", NOT_TIMELINES)
def test_not_a_timeline(text: str) -> None:
    assert timeline(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("d'ici mars", dt.date(2026, 1, 10), "by 2026-03"),
        ("before Ramadan", dt.date(2027, 3, 1), "by 2028-01"),
        ("l'année prochaine", dt.date(2030, 6, 1), "in 2031"),
        ("le mois prochain", dt.date(2026, 12, 5), "by 2027-01"),
        ("cet été", dt.date(2026, 7, 10), "by 2026-07"),
        ("avant le 15 janvier", dt.datetime(2026, 11, 25, 9, 30), "before 2027-01-15"),  # noqa: DTZ001
    ],
)
def test_timeline_resolves_against_today(text: str, today: dt.date, expected: str) -> None:
    assert timeline(text, today) == expected


# ------------------------------------------------------------------------- authority

AUTHORITY = [
    # the speaker decides
    ("c'est moi qui décide", True),
    ("je suis le gérant", True),
    ("le patron c'est moi", True),
    ("I'm the owner", True),
    ("I make the call", True),
    ("it's my call", True),
    ("I'm the CEO", True),
    ("yo decido", True),
    ("soy el dueño", True),
    ("soy la dueña del restaurante", True),
    ("أنا صاحب القرار", True),
    ("أنا المدير", True),
    ("القرار عندي", True),
    ("ana li kan9arrer", True),
    ("ana mol chi", True),
    ("ana lmodir", True),
    ("lqarar dyali", True),
    # shared decisions are the speaker's too
    ("ma femme et moi décidons", True),
    ("moi et ma femme on décide ensemble", True),
    ("my wife and I decide", True),
    ("me and my wife decide", True),
    ("mi esposa y yo decidimos", True),
    ("أنا وزوجتي نقرر", True),
    ("ana w mrati kan9arrou", True),
    # someone else decides, or approval is needed
    ("c'est mon mari qui décide", False),
    ("je dois en parler à mon associé", False),
    ("il faut que j'en parle à ma femme", False),
    ("j'ai besoin de l'accord de mon associé", False),
    ("ce n'est pas moi qui décide", False),
    ("je suis le patron mais je dois voir avec mon associé", False),
    ("I need my boss's approval", False),
    ("my manager signs off", False),
    ("I have to check with my wife", False),
    ("it's not my call", False),
    ("I'm not the decision maker", False),
    ("tengo que consultarlo con mi socio", False),
    ("lo decide mi esposa", False),
    ("no soy el dueño", False),
    ("خاصني نشاور مع مراتي", False),
    ("يجب أن أستشير زوجي", False),
    ("القرار عند زوجي", False),
    ("زوجي هو اللي كيقرر", False),
    ("lqarar 3end bba", False),
    ("khasni nchawer m3a mrati", False),
    ("mrati li kat9arrer", False),
    ("ana machi li kan9arrer", False),
    # nothing about who decides: a transfer request is not authority
    ("je veux parler au gérant", None),
    ("I'd like to speak to the manager", None),
    ("quiero hablar con el gerente", None),
    ("بغيت نهضر مع المدير", None),
    ("bghit nhder m3a lmodir", None),
    ("is the owner available?", None),
    ("khasni nsowel 3la taman", None),
    ("I decided to call you", None),
]


@pytest.mark.parametrize(("text", "expected"), AUTHORITY)
def test_authority(text: str, expected: bool | None) -> None:
    assert authority(text) is expected


# ------------------------------------------------------------- one real turn, all three


def test_a_whole_turn() -> None:
    turn = (
        "Bonjour, alors voilà, mon budget est entre 40 et 50 000 euros, on aimerait lancer "
        "le projet d'ici mars, c'est moi qui décide avec ma femme."
    )
    assert budget(turn) == Budget(50_000, "EUR")
    assert timeline(turn, TODAY) == "by 2027-03"
    assert authority(turn) is True


def test_a_whole_darija_turn() -> None:
    turn = (
        "salam, bghit nchri chi dar, lmizaniya dyali 80 مليون, f 6 chhour, khasni nchawer m3a mrati"
    )
    assert budget(turn) == Budget(800_000, "MAD")
    assert timeline(turn, TODAY) == "within 6 months"
    assert authority(turn) is False


# ----------------------------------------------------------------- garbage never raises

GARBAGE = [
    "",
    " ",
    "a" * 10_000,
    "9" * 10_000,
    "1 " * 5_000,
    "mille " * 2_000,
    "et " * 3_000,
    "ونص " * 2_000,
    "٣" * 3_000,
    "😀" * 3_000,
    "💰💰 50k?? 🤷‍♂️",
    "budget: ∞ €€€ $$$ ½ ¾",
    "mlyoun مليون million millón 3chrin ثلاثين mille alf",
    "\x00\x01\x02\u200f\u202e",
    "ﷺ ǅ ẞ ﬁ",
    "١٢٣٤٥٦٧٨٩٠ ۱۲۳",
    "12/13/14/15 31-02-2027 2027-99-99",
    "99999999999999999999999999 dirhams",
    "dans 99999 mois avant le 99 janvier",
    "entre et et et 000 000 , , ..",
]


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_never_raises(text: str) -> None:
    found = budget(text)
    assert found is None or (
        isinstance(found.amount, int) and found.currency in ("MAD", "EUR", "USD")
    )
    said = timeline(text, TODAY)
    assert said is None or isinstance(said, str)
    assert authority(text) in (True, False, None)


def test_random_text_never_raises() -> None:
    rng = random.Random(2026)
    alphabet = "abcdehijklmnorstuwyz0123456789 ,.-/:'€$%+éàñ" + "ابتحدرسعفقلمنهوي" + "😀\u064b"
    vocabulary = [
        *("budget", "mille", "million", "mlyoun", "مليون", "ألف", "et", "w", "ونص", "demi"),
        *("half", "a", "un", "de", "dirham", "dh", "€", "50k", "2M", "800", "000", "avant"),
        *("dans", "mois", "le", "15", "janvier", "3", "chhour", "ana", "li", "kan9arrer"),
        *("c'est", "moi", "qui", "décide", "je", "dois", "en", "parler", "à", "mon"),
        *("associé", "entre", "jusqu'à", "2027", "l'année", "prochaine", "urgent", "pas"),
    ]
    for i in range(600):
        if i % 2:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        else:
            text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 25)))
        budget(text)
        timeline(text, TODAY)
        authority(text)


def test_fast_enough() -> None:
    """Each reader costs well under a millisecond on a 30-word turn (bounded loosely here,
    so a loaded machine does not fail it: this catches a regex gone quadratic)."""
    turn = (
        "salam, bghit nchri chi dar f casa, lmizaniya dyali entre 80 et 90 مليون, bghitha "
        "f 6 chhour wla 9bel remdan, ana li kan9arrer walakin khasni nchawer m3a mrati"
    )
    assert len(turn.split()) >= 25
    runs = 200
    started = time.perf_counter()
    for _ in range(runs):
        budget(turn)
        timeline(turn, TODAY)
        authority(turn)
    assert (time.perf_counter() - started) / runs < 0.015
