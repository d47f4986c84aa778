"""Imports into entries: the reference's JSON, CSV, Markdown, text and PDF; items that cannot
be entries are reported and left out, files that cannot be read are refused whole."""

import io
from typing import Any

import pytest
from pypdf import PdfWriter

from resolvers.errors import DomainError
from resolvers.knowledge import importers


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text is ``lines`` (Helvetica), with a correct xref table."""
    text = " ".join(f"({line}) Tj T*" for line in lines)
    stream = f"BT /F1 12 Tf 14 TL 72 720 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def keys(parsed: importers.Parsed) -> list[str]:
    return [e.key for e in parsed.entries]


def test_json_object_strings_and_objects_as_the_reference_writes_them() -> None:
    parsed = importers.from_json(
        {
            "horaires": "Ouvert de 9h à 18h.",
            "livraison": {
                "question": "Livrez-vous ?",
                "response": "Oui, à Casablanca.",
                "delai": "48h",
            },
            "vide": {"question": "Sans réponse"},
            "liste": [1, 2],
        }
    )
    assert keys(parsed) == ["horaires", "livraison"]
    livraison = parsed.entries[1]
    assert (livraison.title, livraison.content) == (
        "Livrez-vous ?",
        "Oui, à Casablanca.\ndelai: 48h",
    )
    assert livraison.source == "import:json"
    assert [(e["index"], e["key"], e["param"]) for e in parsed.errors] == [
        (2, "vide", "items[2].content"),
        (3, "liste", "items[3]"),
    ]


def test_json_arrays_need_a_key_per_item() -> None:
    parsed = importers.from_json(
        [
            {"key": "a", "answer": "A."},
            {"answer": "no key"},
            "not an object",
            {"id": "b", "text": "B."},
        ]
    )
    assert keys(parsed) == ["a", "b"]
    assert [(e["index"], e["param"]) for e in parsed.errors] == [
        (1, "items[1].key"),
        (2, "items[2].key"),
    ]


@pytest.mark.parametrize("data", [None, "text", 12, True])
def test_json_data_must_be_an_object_or_an_array(data: Any) -> None:
    with pytest.raises(DomainError) as exc:
        importers.from_json(data)
    assert (exc.value.code, exc.value.param) == ("invalid_request", "data")


def test_an_import_of_more_than_a_thousand_entries_is_refused() -> None:
    with pytest.raises(DomainError) as exc:
        importers.from_json({f"k{i}": "x" for i in range(1001)})
    assert exc.value.param == "data"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_with_any_usual_delimiter(delimiter: str) -> None:
    rows = [
        ["key", "question", "response", "details"],
        ["hours", "Quand ?", "De 9h à 18h", "sauf jours fériés"],
        ["", "Où êtes-vous ?", "12 bd Anfa", ""],
        ["empty", "Rien", "", ""],
    ]
    raw = "\n".join(delimiter.join(f'"{c}"' for c in row) for row in rows).encode()
    parsed = importers.from_csv(raw)
    assert keys(parsed) == ["hours", "où-êtes-vous"]  # no key: made from the question
    assert parsed.entries[0].content == "De 9h à 18h\ndetails: sauf jours fériés"
    assert [(e["index"], e["param"]) for e in parsed.errors] == [(2, "items[2].content")]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'key,response\na,"unterminated\n', "cannot be read"),
        (b"key,title\na,b\n", "header"),
        (b"\xff\xfekey", "UTF-8"),
    ],
)
def test_csv_that_cannot_be_read_is_refused_whole(raw: bytes, message: str) -> None:
    with pytest.raises(DomainError) as exc:
        importers.from_csv(raw)
    assert (exc.value.code, exc.value.param) == ("invalid_request", "file")
    assert message in exc.value.message


def test_markdown_sections_at_the_top_level_become_entries() -> None:
    raw = (
        "Intro du guide.\n\n## Horaires\nDe 9h à 18h.\n### Samedi\nJusqu'à 13h.\n\n"
        "## Livraison\nGratuite dès 300 DH.\n\n## Horaires\nDoublon.\n"
    ).encode()
    parsed = importers.from_markdown(raw, "Guide Client.md")
    assert keys(parsed) == ["guide-client", "horaires", "livraison", "horaires-2"]
    hours = parsed.entries[1]
    assert hours.title == "Horaires"
    assert "### Samedi" in hours.content
    assert {e.source for e in parsed.entries} == {"import:md"}


def test_text_files_are_one_entry_named_after_the_file() -> None:
    parsed = importers.from_file(b"Bienvenue chez nous.", "accueil.txt")
    assert [(e.key, e.content, e.source) for e in parsed.entries] == [
        ("accueil", "Bienvenue chez nous.", "import:txt")
    ]


def test_a_pdf_is_read_page_by_page() -> None:
    raw = minimal_pdf(["Garantie de deux ans.", "Gardez votre facture."])
    parsed = importers.from_file(raw, "Garantie 2026.pdf")
    [only] = parsed.entries
    assert (only.key, only.source) == ("garantie-2026", "import:pdf")
    assert "Garantie de deux ans." in only.content
    assert "Gardez votre facture." in only.content


def test_broken_encrypted_and_empty_pdfs_are_refused() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    blank = io.BytesIO()
    writer.write(blank)
    writer.encrypt("secret")
    locked = io.BytesIO()
    writer.write(locked)
    for raw, message in (
        (b"%PDF-1.4 garbage", "not a readable PDF"),
        (minimal_pdf(["x"])[:200], "not a readable PDF"),
        (locked.getvalue(), "encrypted"),
        (blank.getvalue(), "no text"),
    ):
        with pytest.raises(DomainError) as exc:
            importers.from_file(raw, "doc.pdf")
        assert (exc.value.code, exc.value.param) == ("invalid_request", "file")
        assert message in exc.value.message


def test_the_format_comes_from_the_name_or_is_declared() -> None:
    assert keys(importers.from_file(b'{"data": {"a": "A."}}', "kb.json")) == ["a"]
    assert keys(importers.from_file(b'[{"key": "b", "value": "B."}]', "upload", "json")) == ["b"]
    for raw, name in ((b"{", "kb.json"), (b"x", "kb.docx")):
        with pytest.raises(DomainError) as exc:
            importers.from_file(raw, name)
        assert exc.value.code == "invalid_request"
