"""Request helpers for REST handlers: the caller, the JSON body, the client address."""

import json
from datetime import UTC, datetime
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from resolvers.errors import DomainError, forbidden, invalid
from resolvers.json_input import parse_json_object
from resolvers.principals import Principal, require_authenticated


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


def only_query(request: Request, allowed: tuple[str, ...]) -> None:
    """Refuse unknown query parameters: a misspelt filter must not silently list everything."""
    for name in request.query_params:
        if name not in allowed:
            raise invalid(
                f"unknown query parameter {name!r}; one of: {', '.join(allowed)}", param=name
            )


def json_response(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str),
        status_code=status,
        media_type="application/json",
    )


def iso(dt: datetime | None) -> str | None:
    """UTC ISO 8601 with a Z, as the reference shows (2026-01-29T15:30:00Z)."""
    return None if dt is None else dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
