"""What search compares: the terms of a text, folded the way the dialogue manager folds
speech (resolvers.textnorm), and the consonant skeletons that let Darija written in Arabizi
("wach kayn tawsil?") meet the same words in Arabic script ("واش كاين التوصيل؟").
"""

import functools
import re

from resolvers import textnorm

# Frequent function words: they weigh little in the dense vectors (BM25's idf already
# discounts them). fr, en, es, ar, ary.
_STOPWORDS = """
    le la les un une des de du d l au aux et ou en a à est ce ces cet cette que qui quoi
    dans sur pour par avec sans pas ne je tu il elle on nous vous ils elles mon ma mes ton
    votre vos leur leurs se sa son y
    the a an of to in on for and or is are be it this that with at by from as do does you
    your we our i my me can
    el los las del al lo y o es un una que en por para con se su sus mi
    في من على الى إلى عن مع هل ما هذا هذه ذلك التي الذي او أو و ثم انا أنا انت أنت هو هي
    واش شنو شنا فين كيفاش واش اش ديال ديالي ديالك دابا راه را
    wach chno fin kifach dyal dial rah daba
"""
STOPWORDS = frozenset(textnorm.tokens(textnorm.normalize(_STOPWORDS)))

_ARABIC_SKELETON = {
    "ب": "b", "ت": "t", "ث": "t", "ج": "j", "ح": "h", "خ": "x", "د": "d", "ذ": "d",
    "ر": "r", "ز": "z", "س": "s", "ش": "c", "ص": "s", "ض": "d", "ط": "t", "ظ": "d",
    "ع": "3", "غ": "g", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n",
    "ه": "h", "و": "w", "ي": "y", "ء": "", "ا": "", "ئ": "y", "ؤ": "w",
}  # fmt: skip
# Arabizi: digits for the letters Latin lacks, digraphs for others.
_ARABIZI_DIGITS = str.maketrans(
    {"2": "", "3": "3", "5": "x", "6": "t", "7": "h", "8": "g", "9": "q"}
)
_DIGRAPHS = (("ch", "c"), ("sh", "c"), ("kh", "x"), ("gh", "g"), ("ou", "w"), ("dj", "j"))
_AR_SUFFIXES = ("كم", "هم", "نا", "ها", "ات", "ون", "ين")
_ARTICLES = ("ال", "وال", "بال", "فال", "كال", "لل", "ولل")
_VOWELS = re.compile(r"[aeiouéèêàâîïôûüy]")
_REPEAT = re.compile(r"(.)\1+")


def words(text: str) -> list[str]:
    """The folded words of ``text`` (one-letter words dropped)."""
    return [t for t in textnorm.tokens(textnorm.normalize(text)) if len(t) > 1]


def stem(word: str) -> str:
    """A light, language-blind stem: Arabic without its clitic article or conjunction and
    one pronoun or plural suffix (متجركم → متجر, الطلبات → طلب), Latin words without a
    plural -s/-x and then a final -e (garanties, garantie, garantis → garanti)."""
    if textnorm.is_arabic(word):
        base = textnorm.arabic_variants(word)[-1]
        for suffix in _AR_SUFFIXES:
            if base.endswith(suffix) and len(base) - len(suffix) >= 3:
                return base[: -len(suffix)]
        return base
    if len(word) > 4 and word[-1] in "sx" and not word[-2].isdigit():
        word = word[:-1]
    if len(word) > 4 and word[-1] == "e":
        word = word[:-1]
    return word


def terms(text: str) -> list[str]:
    """BM25's terms: each word's stem, and its consonant skeleton ("~twsl") so that Arabizi
    and Arabic spellings of a word match exactly; function words have no skeleton."""
    out = []
    for word in words(text):
        out.append(stem(word))
        if word not in STOPWORDS:
            shape = skeleton(word)
            if len(shape) >= 2:
                out.append(f"~{shape}")
    return out


@functools.lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """The consonants of a word in a script-neutral Latin spelling: كاين, kayn and kain → kn;
    واش and wach → wc. Two words with one skeleton may well be the same spoken word."""
    if textnorm.is_arabic(word):
        # Only a definite article is cut: a leading ب or ف is as often the word's own
        # letter (بغيت, فلوس) as a preposition.
        stemmed = textnorm.arabic_variants(word)[-1] if word.startswith(_ARTICLES) else word
        # A final ta marbuta (folded to ه) is the -a of Arabizi: tawsila / توصيلة.
        stemmed = stemmed[:-1] if len(stemmed) > 2 and stemmed.endswith("ه") else stemmed
        out = "".join(_ARABIC_SKELETON.get(ch, "") for ch in stemmed)
    else:
        out = word.translate(_ARABIZI_DIGITS)
        for digraph, letter in _DIGRAPHS:
            out = out.replace(digraph, letter)
        out = _VOWELS.sub("", out)
    # y is a vowel as often as a consonant (kayn / kain / كاين): dropped on both sides.
    return _REPEAT.sub(r"\1", out.replace("y", ""))


def query_keys(query: str) -> tuple[set[str], set[str]]:
    """The stems and skeletons of a query's content words (function words left out)."""
    stems, shapes = set(), set()
    for word in words(query):
        if word in STOPWORDS:
            continue
        stems.add(stem(word))
        shape = skeleton(word)
        if len(shape) >= 3:  # two consonants match too much by chance
            shapes.add(shape)
    return stems, shapes


def matches(word: str, keys: tuple[set[str], set[str]]) -> bool:
    """Whether a folded word is one of the query's words, by stem or by skeleton."""
    stems, shapes = keys
    return stem(word) in stems or (bool(shapes) and skeleton(word) in shapes)
