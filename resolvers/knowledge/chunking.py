"""Documents into chunks: the passages search returns and the agent reads aloud.

A document is split at its headings, then its paragraphs are packed into chunks of at most
``MAX_CHARS``; a paragraph too long for one chunk is split at sentences (a sentence too long,
at words). Each chunk after the first of a section repeats the end of the previous one
(``OVERLAP_CHARS``, whole sentences) so an answer split across two chunks is found in either.
Every chunk keeps its heading path ("Tarifs > Livraison") for context and citations.
"""

import re
from dataclasses import dataclass

MAX_CHARS = 700
OVERLAP_CHARS = 160

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_SENTENCE = re.compile(r"(?<=[.!?؟。])\s+")
_BLANK = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"[ \t\f\v\r]+")


@dataclass(frozen=True)
class Chunk:
    position: int  # order within its document
    heading: str  # "Section > Subsection", "" before the first heading
    text: str


def _sections(text: str) -> list[tuple[str, str]]:
    """(heading path, body) pairs: Markdown ATX and Setext headings open a section."""
    path: list[tuple[int, str]] = []
    sections: list[tuple[str, list[str]]] = [("", [])]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        level, title = 0, ""
        atx = _HEADING.match(line.strip())
        if atx:
            level, title = len(atx.group(1)), atx.group(2)
        elif (
            _SETEXT.match(line.strip())
            and i > 0
            and lines[i - 1].strip()
            and sections[-1][1]
            and sections[-1][1][-1] == lines[i - 1]
        ):
            # "Title\n=====": the previous line was the heading, not body text.
            sections[-1][1].pop()
            level, title = (1 if line.strip()[0] == "=" else 2), lines[i - 1].strip()
        if level:
            path = [(lvl, t) for lvl, t in path if lvl < level] + [(level, title)]
            sections.append((" > ".join(t for _, t in path), []))
        else:
            sections[-1][1].append(line)
    return [(heading, "\n".join(body)) for heading, body in sections]


def _paragraphs(body: str) -> list[str]:
    out = []
    for block in _BLANK.split(body):
        paragraph = " ".join(_SPACES.sub(" ", line).strip() for line in block.split("\n"))
        paragraph = paragraph.strip()
        if paragraph:
            out.append(paragraph)
    return out


def _pieces(paragraph: str, limit: int) -> list[str]:
    """A paragraph as pieces of at most ``limit`` characters, cut at sentences, then words."""
    if len(paragraph) <= limit:
        return [paragraph]
    pieces: list[str] = []
    for sentence in _SENTENCE.split(paragraph):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit + 1)
            cut = cut if cut > limit // 2 else limit
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            pieces.append(sentence)
    return pieces


def _tail(text: str, limit: int) -> str:
    """The last whole sentences of ``text`` within ``limit`` characters ("" if none fits)."""
    tail = ""
    for sentence in reversed(_SENTENCE.split(text)):
        candidate = f"{sentence} {tail}".strip()
        if len(candidate) > limit:
            break
        tail = candidate
    return tail if tail != text else ""


def split(text: str, *, max_chars: int = MAX_CHARS, overlap: int = OVERLAP_CHARS) -> list[Chunk]:
    """The chunks of a document, in order. Empty text gives no chunk."""
    chunks: list[Chunk] = []
    for heading, body in _sections(text):
        # (piece, whether it opens a paragraph): sentences of one paragraph join with a space.
        pieces = [
            (piece, i == 0)
            for paragraph in _paragraphs(body)
            for i, piece in enumerate(_pieces(paragraph, max_chars))
        ]
        current = ""
        for piece, opens in pieces:
            gap = "\n\n" if opens else " "
            joined = f"{current}{gap}{piece}" if current else piece
            if len(joined) <= max_chars:
                current = joined
                continue
            chunks.append(Chunk(len(chunks), heading, current))
            carried = _tail(current, overlap)
            current = f"{carried}{gap}{piece}" if carried else piece
            if len(current) > max_chars:  # the carried overlap does not leave room
                current = piece
        if current:
            chunks.append(Chunk(len(chunks), heading, current))
    return chunks
