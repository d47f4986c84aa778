"""Request helpers for REST handlers: the caller, the JSON body, the client address."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypedDict, TypeVar

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from resolvers.errors import DomainError, forbidden, invalid
from resolvers.json_input import parse_json_object
from resolvers.pagination import Page
from resolvers.principals import Principal, require_authenticated

T = TypeVar("T")


def client_ip(conn: HTTPConnection) -> str | None:
    # The socket peer: X-Forwarded-For is only trusted behind a proxy that sets it, which
    # an operator configures with uvicorn's --forwarded-allow-ips.
    return conn.client.host if conn.client else None


def principal_of(conn: HTTPConnection) -> Principal | None:
    """The authenticated caller, or None. A credential that was sent but is invalid raises here."""
    error = conn.scope.get("state", {}).get("auth_error")
    if isinstance(error, DomainError):
        raise error
    p = conn.scope.get("state", {}).get("principal")
    return p if isinstance(p, Principal) else None


def dashboard_principal(conn: HTTPConnection) -> Principal:
    """/api routes need a user's access token (contract section 1)."""
    p = require_authenticated(principal_of(conn))
    if not p.is_user:
        raise forbidden("dashboard routes need a user access token, not an API key")
    return p


async def json_body(request: Request, *, required: bool = True) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if required:
            raise invalid("a JSON object body is required")
        return {}
    return parse_json_object(raw)


def path_tenant(request: Request) -> str:
    """The tenant id of a /api/tenants/{tenant_id}/... path (the resolver checks it)."""
    return str(request.path_params["tenant_id"])


def query_flag(request: Request, name: str) -> bool | None:
    """A true/false query parameter; None when absent."""
    value = request.query_params.get(name)
    if value is None:
        return None
    if value not in ("true", "false"):
        raise invalid(f"{name} must be true or false", param=name)
    return value == "true"


def only_query(request: Request, allowed: tuple[str, ...]) -> None:
    """Refuse unknown query parameters: a misspelt filter must not silently list everything."""
    for name in request.query_params:
        if name not in allowed:
            raise invalid(
                f"unknown query parameter {name!r}; one of: {', '.join(allowed)}", param=name
            )


def query_int(request: Request, name: str, default: int) -> int:
    """An integer query parameter (limit, offset); its range is the resolver's to check."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise invalid(f"{name} must be an integer", param=name) from exc


class PageQuery(TypedDict):
    limit: int
    offset: int


def page_query(request: Request) -> PageQuery:
    """``limit`` and ``offset`` of a list request (20 and 0 when absent), as keyword arguments."""
    return {"limit": query_int(request, "limit", 20), "offset": query_int(request, "offset", 0)}


def page_json(page: Page[T], item: Callable[[T], Any]) -> dict[str, Any]:
    """The documented list body: {data, total, limit, offset}."""
    return {
        "data": [item(x) for x in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }


def json_response(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str),
        status_code=status,
        media_type="application/json",
    )


def iso(dt: datetime | None) -> str | None:
    """UTC ISO 8601 with a Z, as the reference shows (2026-01-29T15:30:00Z)."""
    return None if dt is None else dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
