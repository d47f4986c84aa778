"""/api/tenants/:id/kb: the knowledge base — entries, imports (JSON body or an uploaded file),
crawls run as jobs, hybrid search and the quota."""

from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from models.knowledge import KnowledgeDocument, KnowledgeJob
from resolvers.errors import invalid
from resolvers.knowledge import documents, importers, jobs, search
from resolvers.knowledge.documents import ImportReport
from resolvers.validation import LANGUAGES
from rest_compat.http import (
    dashboard_principal,
    iso,
    json_body,
    json_response,
    only_query,
    page_json,
    page_query,
    path_tenant,
    query_int,
)
from rest_compat.schemas import (
    BOOL,
    DT,
    INT,
    LIMIT,
    NDT,
    NSTR,
    OFFSET,
    STR,
    Doc,
    DocRoute,
    S,
    array,
    component,
    enum,
    inp,
    out,
    page,
)

LANGUAGE = enum(LANGUAGES)
# Fields of an upload besides the file itself (form fields are small).
MAX_FORM_FIELD = 64 * 1024


def _alias(request: Request, name: str, legacy: str) -> str | None:
    """A query parameter, or its name in the original product's clients; not both."""
    params = request.query_params
    if name in params and legacy in params:
        raise invalid(f"give {name} or {legacy}, not both", param=legacy)
    return params.get(name, params.get(legacy))


def _language(request: Request) -> str | None:
    return _alias(request, "language", "lang")


ENTRY = component(
    "KnowledgeEntry",
    out(
        {
            "id": STR,
            "key": STR,
            "language": LANGUAGE,
            "title": STR,
            "content": STR,
            "source": STR,
            "characters": INT,
            "created_at": DT,
            "updated_at": DT,
        }
    ),
)


def entry_json(doc: KnowledgeDocument) -> dict[str, Any]:
    return {
        "id": doc.id,
        "key": doc.key,
        "language": doc.language,
        "title": doc.title,
        "content": doc.content,
        "source": doc.source,
        "characters": doc.characters,
        "created_at": iso(doc.created_at),
        "updated_at": iso(doc.updated_at),
    }


LIST_QUERY = ("limit", "offset", "language", "lang", "source")
LIST = Doc(
    "Knowledge-base entries, most recently changed first",
    {200: page(ENTRY)},
    errors=(400,),
    query={
        "limit": LIMIT,
        "offset": OFFSET,
        "language": LANGUAGE,
        "lang": LANGUAGE,
        "source": STR,
    },
)
# A number is taken as its text (a price, a code), as in imports; null as no text.
_TEXT: S = {"type": ["string", "number", "null"]}
_VALUE: S = {
    "oneOf": [
        STR,
        inp(dict.fromkeys(("response", "answer", "content", "question", "title"), _TEXT)),
    ]
}
SAVE = Doc(
    "Create or replace one entry (its key is unique per language)",
    {200: ENTRY, 201: ENTRY},
    errors=(400, 402),
    body=inp({"key": STR, "value": _VALUE, "language": LANGUAGE}, ("key", "value")),
)


async def kb_entries(request: Request) -> Response:
    principal = dashboard_principal(request)
    if request.method == "GET":
        only_query(request, LIST_QUERY)
        found = await documents.list_entries(
            principal,
            language=_language(request),
            source=request.query_params.get("source"),
            tenant_id=path_tenant(request),
            **page_query(request),
        )
        return json_response(page_json(found, entry_json))
    saved = await importers.save_entry(principal, await json_body(request), path_tenant(request))
    return json_response(entry_json(saved.document), 201 if saved.created else 200)


REPORT = component(
    "KnowledgeImportReport",
    out(
        {
            "imported": INT,
            "updated": INT,
            "skipped": INT,
            "total": INT,
            "entries": array(out({"id": STR, "key": STR})),
            "errors": array(out({"index": INT, "key": NSTR, "param": NSTR, "message": STR})),
        }
    ),
)


def report_json(report: ImportReport) -> dict[str, Any]:
    return {
        "imported": report.imported,
        "updated": report.updated,
        "skipped": report.skipped,
        "total": report.total,
        "entries": [{"id": d.id, "key": d.key} for d in report.documents],
        "errors": [
            {
                "index": e["index"],
                "key": e.get("key"),
                "param": e.get("param"),
                "message": e["message"],
            }
            for e in report.errors
        ],
    }


IMPORT = Doc(
    "Import entries: the reference's JSON body, or a CSV, Markdown, text, PDF or JSON file"
    " uploaded as multipart/form-data (fields file, language, overwrite, format). An item that"
    " cannot be an entry is reported in errors; a file that cannot be read writes nothing",
    {200: REPORT},
    errors=(400, 402),
    body=inp(
        {
            "data": {"type": ["object", "array"]},
            "language": enum(LANGUAGES, nullable=True),  # null: the tenant's
            "overwrite": BOOL,
        },
        ("data",),
    ),
    uploads=inp(
        {
            "file": {"type": "string", "format": "binary"},
            "language": LANGUAGE,
            "overwrite": enum(("true", "false")),
            "format": enum(importers.FORMATS),
        },
        ("file",),
    ),
)


def _flag(value: object, name: str, *, form: bool = False) -> bool:
    """A JSON boolean, or in a form its spelling "true"/"false"."""
    if isinstance(value, bool) and not form:
        return value
    if form and value in ("true", "false"):
        return value == "true"
    raise invalid(f"{name} must be true or false", param=name)


async def kb_import(request: Request) -> Response:
    principal = dashboard_principal(request)
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() == "multipart/form-data":
        report = await _upload(request, principal)
    else:
        body = await json_body(request)
        if "data" not in body:
            raise invalid("data is required: an object or an array of entries", param="data")
        report = await importers.import_data(
            principal,
            body["data"],
            language=body.get("language"),
            overwrite=_flag(body.get("overwrite", True), "overwrite"),
            tenant_id=path_tenant(request),
        )
    return json_response(report_json(report))


async def _upload(request: Request, principal: Any) -> ImportReport:
    try:
        form = await request.form(max_files=1, max_fields=8, max_part_size=MAX_FORM_FIELD)
    except (HTTPException, MultiPartException) as exc:
        detail = exc.detail if isinstance(exc, HTTPException) else exc.message
        raise invalid(f"malformed multipart body: {detail}", param="file") from exc
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise invalid("file is required: the document to import", param="file")
        fields = {}
        for name in ("language", "overwrite", "format"):
            value = form.get(name)
            if value is not None and not isinstance(value, str):
                raise invalid(f"{name} must be a plain form field", param=name)
            fields[name] = value
        raw = await upload.read()
        return await importers.import_file(
            principal,
            raw,
            upload.filename or "",
            declared=fields["format"],
            language=fields["language"],
            overwrite=_flag(fields["overwrite"] or "true", "overwrite", form=True),
            tenant_id=path_tenant(request),
        )
    finally:
        await form.close()


JOB = component(
    "KnowledgeJob",
    out(
        {
            "id": STR,
            "kind": STR,
            "status": enum((*jobs.ACTIVE, *jobs.FINAL)),
            "url": STR,
            "language": LANGUAGE,
            "pages": INT,
            "max_pages": INT,
            "max_depth": INT,
            "max_bytes": INT,
            "bytes": INT,
            "queued": INT,
            "skipped": array(out({"url": STR, "reason": STR})),
            "error": NSTR,
            "created_at": DT,
            "finished_at": NDT,
        }
    ),
)


def job_json(job: KnowledgeJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "url": job.url,
        "language": job.language,
        "pages": job.pages,
        "max_pages": job.max_pages,
        "max_depth": job.max_depth,
        "max_bytes": job.max_bytes,
        "bytes": job.bytes,
        "queued": len(job.frontier),
        "skipped": [{"url": s["url"], "reason": s["reason"]} for s in job.skipped],
        "error": job.error,
        "created_at": iso(job.created_at),
        "finished_at": iso(job.finished_at),
    }


def _limit_schema(name: str) -> S:
    default, maximum = jobs.LIMITS[name]
    return {"type": "integer", "minimum": 1, "maximum": maximum, "default": default}


CRAWL = Doc(
    "Crawl a public site breadth-first into the knowledge base (same site, robots.txt"
    " honoured, every hop and redirect checked): a job, followed with GET …/kb/jobs/{job_id}",
    {202: JOB},
    errors=(400,),
    body=inp(
        {
            "url": STR,
            "language": LANGUAGE,
            "maxPages": _limit_schema("maxPages"),
            "maxDepth": _limit_schema("maxDepth"),
            "maxBytes": _limit_schema("maxBytes"),
        },
        ("url",),
    ),
)


async def kb_crawl(request: Request) -> Response:
    job = await jobs.start_crawl(
        dashboard_principal(request), await json_body(request), path_tenant(request)
    )
    return json_response(job_json(job), 202)


GET_JOB = Doc("A crawl job and its progress", {200: JOB})
CANCEL_JOB = Doc("Stop a crawl; what it stored stays", {200: JOB}, errors=(409,))


async def kb_job(request: Request) -> Response:
    job = await jobs.get_job(
        dashboard_principal(request), request.path_params["job_id"], path_tenant(request)
    )
    return json_response(job_json(job))


async def kb_job_cancel(request: Request) -> Response:
    job = await jobs.cancel_job(
        dashboard_principal(request), request.path_params["job_id"], path_tenant(request)
    )
    return json_response(job_json(job))


RESULT = component(
    "KnowledgeSearchResult",
    out(
        {
            "id": STR,
            "key": STR,
            "title": STR,
            "source": STR,
            "language": LANGUAGE,
            "heading": STR,
            "text": STR,
            "score": {"type": "number"},
            "bm25": {"type": "number"},
            "dense": {"type": "number"},
            "snippet": STR,
            "highlights": array({"type": "array", "items": INT, "minItems": 2, "maxItems": 2}),
        }
    ),
)
SEARCH_QUERY = ("q", "query", "language", "lang", "limit")
SEARCH = Doc(
    "Hybrid search (BM25 and dense vectors fused by reciprocal rank), best first, with"
    " highlighted snippets ([start, end) spans); every language of the tenant when none is given",
    {200: out({"query": STR, "results": array(RESULT)})},
    errors=(400,),
    query={
        "q": STR,
        "query": STR,
        "language": LANGUAGE,
        "lang": LANGUAGE,
        "limit": {"type": "integer", "minimum": 1, "maximum": search.MAX_RESULTS, "default": 5},
    },
)


async def kb_search(request: Request) -> Response:
    principal = dashboard_principal(request)
    only_query(request, SEARCH_QUERY)
    q = _alias(request, "q", "query")
    results = await search.search(
        principal,
        q,
        language=_language(request),
        limit=query_int(request, "limit", 5),
        tenant_id=path_tenant(request),
    )
    return json_response(
        {
            "query": q,
            "results": [
                {
                    "id": r.entry_id,
                    "key": r.key,
                    "title": r.title,
                    "source": r.source,
                    "language": r.language,
                    "heading": r.heading,
                    "text": r.text,
                    "score": round(r.score, 6),
                    "bm25": round(r.bm25, 6),
                    "dense": round(r.dense, 6),
                    "snippet": r.snippet.text,
                    "highlights": [list(span) for span in r.snippet.highlights],
                }
                for r in results
            ],
        }
    )


QUOTA = Doc(
    "Entries used against the plan's limit, with chunks, characters and languages",
    {
        200: out(
            {
                "entries": INT,
                "limit": INT,
                "pct": INT,
                "remaining": INT,
                "chunks": INT,
                "characters": INT,
                "languages": array(LANGUAGE),
            }
        )
    },
)


async def kb_quota(request: Request) -> Response:
    q = await documents.quota(dashboard_principal(request), path_tenant(request))
    return json_response(
        {
            "entries": q.entries,
            "limit": q.limit,
            "pct": q.pct,
            "remaining": q.remaining,
            "chunks": q.chunks,
            "characters": q.characters,
            "languages": q.languages,
        }
    )


DELETE = Doc(
    "Delete an entry by its id (kbd_…), or by its key in ?language (the tenant's by default)",
    {200: out({"id": STR, "key": STR, "language": LANGUAGE, "deleted": BOOL})},
    errors=(400,),
    query={"language": LANGUAGE, "lang": LANGUAGE},
)


async def kb_entry(request: Request) -> Response:
    principal = dashboard_principal(request)
    only_query(request, ("language", "lang"))
    entry_id = str(request.path_params["entry_id"])
    language = _language(request)
    doc = await documents.delete_entry(
        principal,
        entry_id,
        path_tenant(request),
        # The reference deletes by key (?lang); our ids are kbd_…
        by_key=language is not None or not entry_id.startswith("kbd_"),
        language=language,
    )
    return json_response({"id": doc.id, "key": doc.key, "language": doc.language, "deleted": True})


K = "/tenants/{tenant_id}/kb"
routes: list[BaseRoute] = [
    DocRoute(K, kb_entries, get=LIST, post=SAVE),
    DocRoute(f"{K}/import", kb_import, post=IMPORT),
    DocRoute(f"{K}/crawl", kb_crawl, post=CRAWL),
    DocRoute(f"{K}/jobs/{{job_id}}", kb_job, get=GET_JOB),
    DocRoute(f"{K}/jobs/{{job_id}}/cancel", kb_job_cancel, post=CANCEL_JOB),
    DocRoute(f"{K}/search", kb_search, get=SEARCH),
    DocRoute(f"{K}/quota", kb_quota, get=QUOTA),
    DocRoute(f"{K}/{{entry_id}}", kb_entry, delete=DELETE),
]
