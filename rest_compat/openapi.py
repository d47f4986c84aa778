"""/openapi.json, built from the route table: every DocRoute's declarations, nothing else."""

import copy
import re
from collections.abc import Iterator, Sequence
from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount

from rest_compat.http import json_response
from rest_compat.schemas import COMPONENTS, ERROR, INT, OBJECT, Doc, DocRoute, Param, S

ERROR_TEXT = {
    400: "Invalid request",
    401: "Missing or invalid credentials",
    402: "Quota or credits used up",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Body too large",
    429: "Rate limited",
}
SECURITY: dict[str, list[S]] = {
    "user": [{"bearer": []}],
    "key": [{"apiKey": []}],
    # A key, or none at all (the widget config of a tenant_id embed).
    "optional_key": [{"apiKey": []}, {}],
    "none": [],
}
RATE_HEADERS = {
    "X-RateLimit-Limit": Param(INT, "Requests allowed per minute by the plan"),
    "X-RateLimit-Remaining": Param(INT, "Requests left in the window"),
    "X-RateLimit-Reset": Param(INT, "Epoch seconds when the window frees a request"),
}
_BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")


def documented(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, DocRoute]]:
    """Every DocRoute of a route table, with its full path."""
    for route in routes:
        if isinstance(route, Mount):
            yield from documented(route.routes, prefix + route.path)
        elif isinstance(route, DocRoute):
            yield prefix + route.path, route


def error_statuses(path: str, method: str, doc: Doc) -> list[int]:
    """The declared error statuses plus those every route of its kind answers."""
    statuses = set(doc.errors)
    if doc.auth != "none":
        statuses |= {401, 403, 429}
    if _PATH_PARAM.search(path):
        statuses.add(404)
    if method in _BODY_METHODS:
        statuses.add(413)
    return sorted(statuses)


def _headers(params: dict[str, Param], required: bool) -> S:
    out: S = {}
    for name, p in params.items():
        header: S = {"schema": p.schema, "required": required}
        if p.description:
            header["description"] = p.description
        out[name] = header
    return out


def operation(path: str, method: str, doc: Doc) -> S:
    op: S = {"summary": doc.summary, "security": SECURITY[doc.auth]}
    params: list[S] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAM.findall(path)
    ]
    for name, q in doc.query.items():
        p = q if isinstance(q, Param) else Param(q)
        params.append({"name": name, "in": "query", "schema": p.schema})
        if p.description:
            params[-1]["description"] = p.description
    for name, h in doc.headers.items():
        params.append({"name": name, "in": "header", "required": False, "schema": h.schema})
        if h.description:
            params[-1]["description"] = h.description
    if params:
        op["parameters"] = params
    if doc.body is not None:
        op["requestBody"] = {
            "required": doc.body_required,
            "content": {"application/json": {"schema": doc.body}},
        }
        if doc.uploads is not None:
            op["requestBody"]["content"]["multipart/form-data"] = {"schema": doc.uploads}
    responses: S = {}
    for status, schema in doc.responses.items():
        response: S = {
            "description": "Degraded" if status == 503 else HTTPStatus(status).phrase,
            "content": {media: {"schema": schema} for media in doc.media_types},
        }
        # Every successful authenticated response carries the three X-RateLimit-* headers.
        headers = (
            _headers(RATE_HEADERS, doc.auth != "optional_key")
            if doc.auth != "none" and status < 300
            else {}
        )
        headers |= _headers(dict(doc.response_headers), False)
        if headers:
            response["headers"] = headers
        responses[str(status)] = response
    for status in error_statuses(path, method, doc):
        responses[str(status)] = {
            "description": ERROR_TEXT[status],
            "content": {"application/json": {"schema": ERROR}},
        }
    op["responses"] = responses
    return op


def spec(routes: Sequence[BaseRoute]) -> S:
    paths: S = {}
    for path, route in documented(routes):
        operations = paths.setdefault(path, {})
        for method, doc in route.docs.items():
            operations[method.lower()] = operation(path, method, doc)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "VocalIA API",
            "version": "1",
            "description": "REST compatibility layer; GraphQL at /graphql is the primary API.",
        },
        # A copy: schemathesis and clients may annotate what they are given.
        "paths": copy.deepcopy(paths),
        "components": {
            "schemas": copy.deepcopy(dict(sorted(COMPONENTS.items()))),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "User access token (JWT) for /api routes.",
                },
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Secret API key (voc_sk_live_, voc_sk_test_ or vk_) for /v1 routes.",
                },
            },
        },
    }


async def openapi(request: Request) -> Response:
    # The app's own table: what is served is what is described.
    return json_response(spec(request.app.routes))


OPENAPI = Doc(
    "This document",
    {200: {**OBJECT, "required": ["openapi", "info", "paths", "components"]}},
    auth="none",
)
routes: list[BaseRoute] = [DocRoute("/openapi.json", openapi, get=OPENAPI)]
