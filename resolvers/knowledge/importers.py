"""What an import brings, as entries: the reference's JSON (``{data: object|array}``), CSV,
Markdown, plain text and PDF.

An item that cannot be an entry (no key, no text, a field too long) is reported in
``errors`` with its index and left out; the others are imported. A file that cannot be read
at all (bad UTF-8, broken CSV quoting, a damaged or encrypted PDF) is invalid_request and
nothing of it is written.
"""

import asyncio
import csv
import io
import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from models.knowledge import KnowledgeDocument
from resolvers import json_input, validation
from resolvers.errors import DomainError, invalid
from resolvers.knowledge.documents import (
    KB,
    MAX_ITEMS,
    MAX_KEY,
    Entry,
    ImportReport,
    entry,
    write_entries,
)
from resolvers.principals import Principal, get_tenant, require_writer

FORMATS = ("json", "csv", "md", "txt", "pdf")
# A damaged upload is reported to its sender; pypdf's warnings about it are not the server's.
logging.getLogger("pypdf").setLevel(logging.ERROR)
MAX_PDF_PAGES = 500
# Fields that hold an entry's text, in order of preference (the reference writes `response`).
_TEXT_FIELDS = ("response", "answer", "content", "value", "text")
_TITLE_FIELDS = ("question", "title")
_SKIP_FIELDS = {"key", "id", "language", *_TEXT_FIELDS, *_TITLE_FIELDS}
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass
class Parsed:
    entries: list[Entry] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def slug(text: str, limit: int = 80) -> str:
    """A key from a title or file name: lower case, letters and digits joined by '-'
    (Arabic letters kept)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    words = re.findall(r"[^\W_]+", folded)
    return "-".join(words)[:limit].strip("-") or "entry"


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value).strip() or None
    return None


def _from_object(key: Any, value: Any, source: str, index: int) -> Entry:
    """One item: a string is the entry's text; an object gives it through its fields."""
    if isinstance(value, str):
        return entry(key, value, source=source, index=index)
    if not isinstance(value, Mapping):
        raise invalid(
            "an entry is a string or an object with a response",
            param=f"items[{index}]" if index >= 0 else "value",
        )
    for name in (*_TEXT_FIELDS, *_TITLE_FIELDS):
        given = value.get(name)
        if given is not None and (
            isinstance(given, bool) or not isinstance(given, str | int | float)
        ):
            where = f"items[{index}]." if index >= 0 else ""
            raise invalid(f"{name} must be text", param=f"{where}{name}")
    text = next((t for f in _TEXT_FIELDS if (t := _scalar(value.get(f))) is not None), None)
    title = next((t for f in _TITLE_FIELDS if (t := _scalar(value.get(f))) is not None), None)
    extra = [
        f"{name}: {scalar}"
        for name, raw in value.items()
        if name not in _SKIP_FIELDS and (scalar := _scalar(raw)) is not None
    ]
    body = "\n".join(part for part in (text, *extra) if part) or None
    return entry(key, body, title=title, source=source, index=index)


def _collect(parsed: Parsed, index: int, key: Any, make: Any) -> None:
    try:
        parsed.entries.append(make())
    except DomainError as exc:
        parsed.errors.append(
            {
                "index": index,
                "key": key if isinstance(key, str) else None,
                "param": exc.param,
                "message": exc.message,
            }
        )


def _check_count(count: int) -> None:
    if count > MAX_ITEMS:
        raise invalid(f"an import holds at most {MAX_ITEMS} entries", param="data")


def from_json(data: Any) -> Parsed:
    """The reference's ``data``: an object (key → string or object) or an array of objects
    each with a ``key``."""
    parsed = Parsed()
    if isinstance(data, Mapping):
        _check_count(len(data))
        for i, (key, value) in enumerate(data.items()):
            _collect(
                parsed, i, key, lambda k=key, v=value, i=i: _from_object(k, v, "import:json", i)
            )
    elif isinstance(data, list):
        _check_count(len(data))
        for i, item in enumerate(data):
            key = item.get("key", item.get("id")) if isinstance(item, Mapping) else None
            _collect(
                parsed, i, key, lambda k=key, v=item, i=i: _from_object(k, v, "import:json", i)
            )
    else:
        raise invalid("data must be an object or an array of entries", param="data")
    return parsed


def _text(raw: bytes, param: str = "file") -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise invalid("the file is not UTF-8 text", param=param) from exc
    if "\x00" in text:
        raise invalid("the file holds NUL characters: it is not text", param=param)
    return text


def from_csv(raw: bytes) -> Parsed:
    """A header row naming ``key`` (or ``id``) and a text column (``response``, ``answer``,
    ``content``…); ``question``/``title`` and any other column are kept too. Without a key
    column, the key is made from the question."""
    text = _text(raw)
    try:
        sample = text[:4096]
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect, strict=True)
    parsed = Parsed()
    try:
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
        if not any(name in _TEXT_FIELDS for name in header):
            raise invalid(
                f"the CSV needs a header with one of: {', '.join(_TEXT_FIELDS)}", param="file"
            )
        reader.fieldnames = header
        for i, row in enumerate(reader):
            _check_count(i + 1)
            cells = {k: v for k, v in row.items() if isinstance(k, str)}
            key = cells.get("key") or cells.get("id")
            if not key:
                title = next((cells[f] for f in _TITLE_FIELDS if cells.get(f)), None)
                key = slug(title) if title else None
            _collect(
                parsed, i, key, lambda k=key, c=cells, i=i: _from_object(k, c, "import:csv", i)
            )
    except csv.Error as exc:
        raise invalid(
            f"the CSV cannot be read: {exc} (line {reader.line_num})", param="file"
        ) from exc
    return parsed


def from_markdown(raw: bytes, name: str) -> Parsed:
    """One entry per section at the document's top heading level (its key the heading's
    slug, its title the heading); text before the first heading, or a document without
    headings, is one entry named after the file."""
    text = _text(raw)
    lines = text.replace("\r\n", "\n").split("\n")
    levels = [len(m.group(1)) for line in lines if (m := _HEADING.match(line.strip()))]
    top = min(levels) if levels else 0
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in lines:
        match = _HEADING.match(line.strip())
        if match and len(match.group(1)) == top:
            sections.append((match.group(2), []))
        else:
            sections[-1][1].append(line)
    parsed = Parsed()
    stem = slug(PurePath(name).stem) if name else "document"
    seen: set[str] = set()
    for i, (title, body) in enumerate(s for s in sections if "\n".join(s[1]).strip()):
        base = slug(title) if title else stem
        key, n = base, 2
        while key in seen:  # two sections with one title: -2, -3...
            key, n = f"{base}-{n}"[:MAX_KEY], n + 1
        seen.add(key)
        _check_count(len(seen))
        content = "\n".join(body).strip()
        _collect(
            parsed,
            i,
            key,
            lambda k=key, c=content, t=title, i=i: entry(
                k, c, title=t, source="import:md", index=i
            ),
        )
    return parsed


def from_text(raw: bytes, name: str) -> Parsed:
    parsed = Parsed()
    key = slug(PurePath(name).stem) if name else "document"
    text = _text(raw)  # not UTF-8 text: the whole file is refused, not reported as an item
    _collect(parsed, 0, key, lambda: entry(key, text, source="import:txt", index=0))
    return parsed


def from_pdf(raw: bytes, name: str) -> Parsed:
    """The PDF's text, page after page, as one entry named after the file."""
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise invalid("the PDF is encrypted: upload it without a password", param="file")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise invalid(f"the PDF has more than {MAX_PDF_PAGES} pages", param="file")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DomainError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise invalid("the file is not a readable PDF", param="file") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise invalid("the PDF has no text (a scan needs OCR first)", param="file")
    parsed = Parsed()
    key = slug(PurePath(name).stem) if name else "document"
    _collect(parsed, 0, key, lambda: entry(key, text, source="import:pdf", index=0))
    return parsed


def from_file(raw: bytes, name: str, declared: str | None = None) -> Parsed:
    """An uploaded file, by its declared format or its name's extension."""
    suffix = PurePath(name or "").suffix.lower().lstrip(".")
    fmt = declared or {"markdown": "md", "text": "txt"}.get(suffix, suffix)
    if fmt == "json":
        data = json_input.parse_json(raw, what="the file")
        # The reference's body ({data, language, overwrite}) or the data alone.
        return from_json(data["data"] if isinstance(data, dict) and "data" in data else data)
    readers = {
        "csv": from_csv,
        "md": lambda r: from_markdown(r, name),
        "txt": lambda r: from_text(r, name),
        "pdf": lambda r: from_pdf(r, name),
    }
    reader = readers.get(fmt)
    if reader is None:
        raise invalid(
            f"format must be one of: {', '.join(FORMATS)} (from the file name or `format`)",
            param="format",
        )
    return reader(raw)


async def import_data(
    principal: Principal | None,
    data: Any,
    *,
    language: object = None,
    overwrite: bool = True,
    tenant_id: str | None = None,
) -> ImportReport:
    """The reference's JSON import. Raises invalid_request (data not an object or array, more
    than MAX_ITEMS entries), quota_exceeded, resource_not_found."""
    p = require_writer(principal, KB)
    parsed = from_json(data)
    return await write_entries(
        p,
        parsed.entries,
        language=language,
        overwrite=overwrite,
        tenant_id=tenant_id,
        errors=parsed.errors,
    )


async def import_file(
    principal: Principal | None,
    raw: bytes,
    name: str,
    *,
    declared: str | None = None,
    language: object = None,
    overwrite: bool = True,
    tenant_id: str | None = None,
) -> ImportReport:
    """An uploaded file (CSV, Markdown, text, PDF, JSON), read off the event loop: a long
    PDF takes a while. Raises invalid_request (an unreadable file: nothing of it is written),
    quota_exceeded, resource_not_found."""
    p = require_writer(principal, KB)
    await get_tenant(p, tenant_id)  # an unknown tenant before any parsing work
    if declared is not None and declared not in FORMATS:
        raise invalid(f"format must be one of: {', '.join(FORMATS)}", param="format")
    if not raw:
        raise invalid("the file is empty", param="file")
    parsed = await asyncio.to_thread(from_file, raw, name, declared)
    return await write_entries(
        p,
        parsed.entries,
        language=language,
        overwrite=overwrite,
        tenant_id=tenant_id,
        errors=parsed.errors,
    )


@dataclass(frozen=True)
class Saved:
    document: KnowledgeDocument
    created: bool


async def save_entry(
    principal: Principal | None, data: Mapping[str, Any], tenant_id: str | None = None
) -> Saved:
    """The reference's one entry, ``{key, value, language}`` (``value`` a string or an object
    with a ``response``/``answer``/``content`` and a ``question``/``title``), created or
    replaced. Raises invalid_request, quota_exceeded, resource_not_found."""
    p = require_writer(principal, KB)
    tenant = await get_tenant(p, tenant_id)
    value = data.get("value", data.get("content"))
    if value is None and isinstance(data.get("response"), str):
        value = {"response": data["response"], "question": data.get("question")}
    try:
        item = _from_object(data.get("key"), value, "api", -1)
    except DomainError as exc:
        if exc.param != "content":
            raise
        # The reference's body names an entry's text `value`.
        raise invalid(exc.message.replace("content", "value", 1), param="value") from exc
    language = validation.language(data.get("language", tenant.language))
    report = await write_entries(p, [item], language=language, tenant_id=tenant.id)
    if report.documents:
        return Saved(report.documents[0], report.imported == 1)
    unchanged = await KnowledgeDocument.get(tenant_id=tenant.id, language=language, key=item.key)
    return Saved(unchanged, False)
