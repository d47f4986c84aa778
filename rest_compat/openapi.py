"""/openapi.json: the REST routes implemented so far, with their bodies and error responses."""

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from resolvers.actions import ACTION_TYPES
from resolvers.errors import ErrorCode
from resolvers.plans import PLAN_NAMES
from resolvers.tenants import THEME_KEYS, WIDGET_POSITIONS
from resolvers.validation import LANGUAGES, MAX_OFFSET
from resolvers.webhooks import EVENT_TYPES
from rest_compat.http import json_response

S = dict[str, Any]


def _ref(name: str) -> S:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(props: S, required: list[str] | None = None, extra: bool = True) -> S:
    out: S = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    if not extra:
        out["additionalProperties"] = False
    return out


STR: S = {"type": "string"}
NSTR: S = {"type": ["string", "null"]}
DT: S = {"type": "string", "format": "date-time"}
NDT: S = {"type": ["string", "null"], "format": "date-time"}
BOOL: S = {"type": "boolean"}
INT: S = {"type": "integer"}

SCHEMAS: S = {
    "Error": _obj(
        {
            "error": _obj(
                {
                    "code": {"type": "string", "enum": [c.value for c in ErrorCode]},
                    "message": STR,
                    "status": INT,
                    "param": STR,
                    "request_id": STR,
                },
                ["code", "message", "status"],
            )
        },
        ["error"],
    ),
    "User": _obj(
        {
            "id": STR,
            "email": STR,
            "name": STR,
            "company": NSTR,
            "language": STR,
            "role": STR,
            "tenant_id": NSTR,
            "created_at": DT,
        },
        ["id", "email", "name", "language", "role", "created_at"],
    ),
    "Session": _obj(
        {
            "success": BOOL,
            "access_token": STR,
            "refresh_token": STR,
            "token_type": STR,
            "expires_in": INT,
            "user": _ref("User"),
        },
        ["access_token", "refresh_token", "token_type", "expires_in", "user"],
    ),
    "Quota": _obj({"used": INT, "limit": INT, "pct": INT}, ["used", "limit", "pct"]),
    "WidgetConfig": _obj(
        {
            "position": {"type": "string", "enum": list(WIDGET_POSITIONS)},
            "language": {"type": "string", "enum": list(LANGUAGES)},
            # In a change, null clears greeting, persona and agentId.
            "greeting": NSTR,
            "persona": NSTR,
            "agentId": NSTR,
            "theme": _obj(
                {k: {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"} for k in THEME_KEYS}
            ),
        }
    ),
    "WebhookEndpoint": _obj(
        {
            "id": STR,
            "url": STR,
            "events": {"type": "array", "items": {"type": "string", "enum": list(EVENT_TYPES)}},
            "enabled": BOOL,
            "secret_set": BOOL,
            "secret": STR,
            "disabled_reason": NSTR,
            "created_at": DT,
        },
        ["id", "url", "events", "enabled"],
    ),
    "Action": _obj(
        {
            "id": STR,
            "type": {"type": "string", "enum": list(ACTION_TYPES)},
            "event": {"type": "string", "enum": list(EVENT_TYPES)},
            "target_url": STR,
            "headers": {"type": "object", "additionalProperties": STR},
            "enabled": BOOL,
        },
        ["id", "type", "event", "target_url", "headers", "enabled"],
    ),
}


def _error_responses(*statuses: int) -> S:
    text = {
        400: "Invalid request",
        401: "Missing or invalid credentials",
        403: "Not allowed",
        404: "Not found",
        409: "Conflict",
        413: "Body too large",
        429: "Rate limited",
        402: "Quota or credits used up",
    }
    return {
        str(s): {"description": text[s], "content": {"application/json": {"schema": _ref("Error")}}}
        for s in statuses
    }


def _ok(schema: S, status: int = 200, description: str = "OK") -> S:
    return {
        str(status): {
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    }


def _body(schema: S, required: bool = True) -> S:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


AUTHED = [{"bearer": []}]
TENANT_PARAM = [{"name": "tenant_id", "in": "path", "required": True, "schema": STR}]
_T = (400, 401, 403, 404, 413, 429)


def _op(
    summary: str,
    responses: S,
    *,
    body: S | None = None,
    auth: bool = True,
    params: list[S] | None = None,
) -> S:
    op: S = {"summary": summary, "responses": responses}
    if body is not None:
        op["requestBody"] = body
    op["security"] = AUTHED if auth else []
    if params:
        op["parameters"] = params
    return op


def _tenant_op(summary: str, ok: S, body: S | None = None, codes: tuple[int, ...] = _T) -> S:
    return _op(summary, {**ok, **_error_responses(*codes)}, body=body, params=TENANT_PARAM)


PATHS: S = {
    "/api/health": {
        "get": _op(
            "Database and bus reachability",
            {
                **_ok(
                    _obj(
                        {"status": STR, "database": STR, "bus": STR}, ["status", "database", "bus"]
                    )
                ),
                "503": {
                    "description": "Degraded",
                    "content": {"application/json": {"schema": _obj({"status": STR})}},
                },
            },
            auth=False,
        )
    },
    "/api/auth/register": {
        "post": _op(
            "Register a user and provision a tenant with its vk_ key",
            {
                **_ok(
                    _obj(
                        {
                            "success": BOOL,
                            "tenant": _obj({"id": STR, "api_key": STR}, ["id", "api_key"]),
                            "provisioned": BOOL,
                            "user": _ref("User"),
                        },
                        ["success", "tenant", "provisioned", "user"],
                    ),
                    201,
                    "Created",
                ),
                **_error_responses(400, 409, 413, 429),
            },
            body=_body(
                _obj(
                    {
                        "email": {"type": "string", "format": "email"},
                        "password": {"type": "string", "minLength": 8},
                        # Optional fields: null means the default (no name, starter, fr).
                        "name": NSTR,
                        "company": STR,
                        "plan": {"type": ["string", "null"], "enum": [*PLAN_NAMES, None]},
                        "language": {"type": ["string", "null"], "enum": [*LANGUAGES, None]},
                    },
                    ["email", "password", "company"],
                )
            ),
            auth=False,
        )
    },
    "/api/auth/login": {
        "post": _op(
            "Log in: access and refresh tokens",
            {**_ok(_ref("Session")), **_error_responses(400, 401, 413, 429)},
            body=_body(_obj({"email": STR, "password": STR}, ["email", "password"])),
            auth=False,
        )
    },
    "/api/auth/refresh": {
        "post": _op(
            "Rotate a refresh token",
            {**_ok(_ref("Session")), **_error_responses(400, 401, 413, 429)},
            body=_body(_obj({"refresh_token": STR}, ["refresh_token"])),
            auth=False,
        )
    },
    "/api/auth/logout": {
        "post": _op(
            "Revoke a session (or all of the user's sessions)",
            {
                **_ok(_obj({"success": BOOL}, ["success"])),
                **_error_responses(400, 401, 403, 413, 429),
            },
            # null or absent: every session of the user.
            body=_body(_obj({"refresh_token": NSTR}), required=False),
        )
    },
    "/api/auth/me": {
        "get": _op(
            "The current user",
            {**_ok(_obj({"user": _ref("User")}, ["user"])), **_error_responses(401, 403, 429)},
        ),
        "put": _op(
            "Update name, company, language",
            {
                **_ok(_obj({"user": _ref("User")}, ["user"])),
                **_error_responses(400, 401, 403, 413, 429),
            },
            # A field that is null or absent stays unchanged.
            body=_body(
                _obj(
                    {
                        "name": NSTR,
                        "company": NSTR,
                        "language": {"type": ["string", "null"], "enum": [*LANGUAGES, None]},
                    }
                )
            ),
        ),
    },
    "/api/auth/password": {
        "put": _op(
            "Change the password; revokes every refresh token",
            {
                **_ok(_obj({"success": BOOL}, ["success"])),
                **_error_responses(400, 401, 403, 413, 429),
            },
            body=_body(
                _obj(
                    {"current_password": STR, "new_password": {"type": "string", "minLength": 8}},
                    ["current_password", "new_password"],
                )
            ),
        )
    },
    "/api/tenants/{tenant_id}/usage": {
        "get": _tenant_op(
            "Plan, quotas and features",
            _ok(
                _obj(
                    {
                        "tenant_id": STR,
                        "plan": {"type": "string", "enum": list(PLAN_NAMES)},
                        "period_start": DT,
                        "period_end": DT,
                        "quotas": _obj(
                            {
                                "calls": _ref("Quota"),
                                "sessions": _ref("Quota"),
                                "kb": _ref("Quota"),
                            },
                            ["calls", "sessions", "kb"],
                        ),
                        "features_enabled": {"type": "array", "items": STR},
                    },
                    ["plan", "quotas", "features_enabled"],
                )
            ),
            codes=(401, 403, 404, 429),
        )
    },
    "/api/tenants/{tenant_id}/allowed-origins": {
        "get": _tenant_op(
            "Allowed browser origins",
            _ok(_obj({"origins": {"type": "array", "items": STR}}, ["origins"])),
            codes=(401, 403, 404, 429),
        ),
        "put": _tenant_op(
            "Replace the allowed origins",
            _ok(_obj({"origins": {"type": "array", "items": STR}}, ["origins"])),
            _body(_obj({"origins": {"type": "array", "items": STR}}, ["origins"])),
        ),
    },
    "/api/tenants/{tenant_id}/api-key": {
        "get": _tenant_op(
            "The masked vk_ key",
            _ok(
                _obj(
                    {"api_key": STR, "created_at": DT, "last_used_at": NDT},
                    ["api_key", "created_at"],
                )
            ),
            codes=(401, 403, 404, 429),
        ),
    },
    "/api/tenants/{tenant_id}/api-key/rotate": {
        "post": _tenant_op(
            "Rotate the vk_ key (shown once)",
            _ok(
                _obj(
                    {"success": BOOL, "api_key": STR, "masked": STR, "created_at": DT},
                    ["api_key", "masked"],
                )
            ),
            codes=(401, 403, 404, 413, 429),
        ),
    },
    "/api/tenants/{tenant_id}/webhooks": {
        "get": _tenant_op(
            "Webhook endpoints (Pro and Enterprise)",
            _ok(
                _obj(
                    {
                        "endpoints": {"type": "array", "items": _ref("WebhookEndpoint")},
                        "event_types": {"type": "array", "items": STR},
                    },
                    ["endpoints"],
                )
            ),
            codes=(401, 403, 404, 429),
        ),
        "put": _tenant_op(
            "Replace webhook endpoints",
            _ok(
                _obj(
                    {
                        "endpoints": {"type": "array", "items": _ref("WebhookEndpoint")},
                        "event_types": {"type": "array", "items": STR},
                    },
                    ["endpoints"],
                )
            ),
            _body(
                _obj(
                    {
                        "endpoints": {
                            "type": "array",
                            "items": _obj(
                                {
                                    "id": STR,
                                    "url": STR,
                                    "events": {
                                        "type": "array",
                                        "items": {"type": "string", "enum": list(EVENT_TYPES)},
                                    },
                                    "enabled": BOOL,
                                    "rotate_secret": BOOL,
                                },
                                ["url"],
                            ),
                        }
                    },
                    ["endpoints"],
                )
            ),
        ),
    },
    "/api/tenants/{tenant_id}/widget-config": {
        "get": _tenant_op(
            "Widget configuration",
            _ok(_obj({"widget_config": _ref("WidgetConfig")}, ["widget_config"])),
            codes=(401, 403, 404, 429),
        ),
        "put": _tenant_op(
            "Change widget settings",
            _ok(_obj({"widget_config": _ref("WidgetConfig")}, ["widget_config"])),
            _body(_obj({"widget_config": _ref("WidgetConfig")})),
        ),
    },
    "/api/tenants/{tenant_id}/actions": {
        "get": _tenant_op(
            "Automation actions (header values masked)",
            _ok(_obj({"actions": {"type": "array", "items": _ref("Action")}}, ["actions"])),
            codes=(401, 403, 404, 429),
        ),
        "put": _tenant_op(
            "Replace automation actions",
            _ok(_obj({"actions": {"type": "array", "items": _ref("Action")}}, ["actions"])),
            _body(
                _obj(
                    {
                        "actions": {
                            "type": "array",
                            "items": _obj(
                                {
                                    "id": STR,
                                    "type": {"type": "string", "enum": list(ACTION_TYPES)},
                                    "event": {"type": "string", "enum": list(EVENT_TYPES)},
                                    "target_url": STR,
                                    "headers": {"type": "object", "additionalProperties": STR},
                                    "enabled": BOOL,
                                },
                                ["type", "event", "target_url"],
                            ),
                        }
                    },
                    ["actions"],
                )
            ),
        ),
    },
    "/api/tenants/{tenant_id}/data": {
        "delete": _tenant_op(
            "GDPR erasure of every row of the tenant",
            _ok(
                _obj(
                    {
                        "success": BOOL,
                        "erased": BOOL,
                        "deleted": {"type": "object", "additionalProperties": INT},
                    },
                    ["success"],
                )
            ),
            _body(_obj({"confirm": STR}, ["confirm"])),
        )
    },
}

# --- /v1: the telephony API (secret API keys) -------------------------------------------

KEYED = [{"apiKey": []}]
ISO_DATE: S = {
    "type": "string",
    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})?)?$",
}
NINT: S = {"type": ["integer", "null"]}
NNUM: S = {"type": ["number", "null"]}
CALL_STATUS: S = {
    "type": "string",
    "enum": ["initiating", "ringing", "in-progress", "completed", "failed"],
}
SCHEMAS["Call"] = _obj(
    {
        "id": STR,
        "status": CALL_STATUS,
        "direction": {"type": "string", "enum": ["outbound", "inbound", "web"]},
        "to": NSTR,
        "from": NSTR,
        "agentId": STR,
        "createdAt": DT,
        "answeredAt": NDT,
        "endedAt": NDT,
        "duration": NINT,
        "transcript": {
            "type": "array",
            "items": _obj(
                {
                    "role": {"type": "string", "enum": ["agent", "user"]},
                    "content": STR,
                    "startMs": INT,
                },
                ["role", "content"],
            ),
        },
        "sentiment": {
            "type": ["string", "null"],
            "enum": ["positive", "neutral", "negative", None],
        },
        "summary": NSTR,
        "leadScore": NINT,
        "cost": NNUM,
        "endedReason": NSTR,
        "metadata": {"type": "object"},
        "recordingUrl": NSTR,
        "latency": {"type": ["object", "null"]},
        "toolCalls": {
            "type": "array",
            "description": "The tools the agent called, in order, with their results.",
            "items": _obj(
                {
                    "id": STR,
                    "name": STR,
                    "arguments": {"type": "object"},
                    "result": {},
                    "at": DT,
                },
                ["id", "name", "arguments", "at"],
            ),
        },
    },
    ["id", "status", "direction", "to", "from", "agentId", "createdAt", "metadata", "toolCalls"],
)
SCHEMAS["Agent"] = _obj(
    {
        "id": STR,
        "name": STR,
        "language": {"type": "string", "enum": list(LANGUAGES)},
        "persona": STR,
        "instructions": STR,
        "greeting": STR,
        "voice": STR,
        "tools": {"type": "array", "items": STR},
        "faq": {"type": "array", "items": _obj({"question": STR, "answer": STR})},
        "transferNumber": NSTR,
        "maxDuration": INT,
        "enabled": BOOL,
        "createdAt": DT,
        "updatedAt": DT,
    },
    ["id", "name", "language", "persona", "tools", "enabled"],
)
SCHEMAS["PhoneNumber"] = _obj(
    {"id": STR, "number": STR, "label": STR, "isDefault": BOOL, "carrier": STR, "createdAt": DT},
    ["id", "number", "isDefault", "carrier"],
)
_AGENT_INPUT = _obj(
    {
        "id": STR,
        "name": STR,
        "language": {"type": "string", "enum": list(LANGUAGES)},
        "persona": STR,
        "instructions": STR,
        "greeting": STR,
        "voice": STR,
        "tools": {"type": "array", "items": STR},
        "faq": {
            "type": "array",
            "items": _obj({"question": STR, "answer": STR}, ["question", "answer"]),
        },
        "transferNumber": NSTR,
        "maxDuration": {"type": "integer", "minimum": 10, "maximum": 7200},
        "enabled": BOOL,
    }
)
_V = (400, 401, 403, 404, 413, 429)


def _keyed(
    summary: str,
    ok: S,
    *,
    body: S | None = None,
    params: list[S] | None = None,
    codes: tuple[int, ...] = _V,
) -> S:
    op = _op(summary, {**ok, **_error_responses(*codes)}, body=body, params=params)
    op["security"] = KEYED
    return op


def _path_param(name: str) -> list[S]:
    return [{"name": name, "in": "path", "required": True, "schema": STR}]


def _page(item: str) -> S:
    return _obj(
        {"data": {"type": "array", "items": _ref(item)}, "total": INT, "limit": INT, "offset": INT},
        ["data", "total"],
    )


PATHS.update(
    {
        "/v1/calls": {
            "post": _keyed(
                "Place an outbound call",
                _ok(_ref("Call"), 201, "Created"),
                body=_body(
                    _obj(
                        {
                            "to": STR,
                            "agentId": STR,
                            "from": STR,
                            "metadata": {"type": "object"},
                            "webhookUrl": STR,
                        },
                        ["to", "agentId"],
                    )
                ),
                codes=(400, 401, 402, 403, 404, 413, 429),
            ),
            "get": _keyed(
                "List calls, newest first",
                _ok(_page("Call")),
                params=[
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    },
                    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                    {"name": "status", "in": "query", "schema": CALL_STATUS},
                    {
                        "name": "from",
                        "in": "query",
                        "schema": ISO_DATE,
                        "description": "ISO 8601 date or date-time, on createdAt",
                    },
                    {
                        "name": "to",
                        "in": "query",
                        "schema": ISO_DATE,
                        "description": "ISO 8601 date (inclusive) or date-time",
                    },
                ],
                codes=(400, 401, 403, 429),
            ),
        },
        "/v1/calls/{call_id}": {
            "get": _keyed(
                "A call",
                _ok(_ref("Call")),
                params=_path_param("call_id"),
                codes=(401, 403, 404, 429),
            )
        },
        "/v1/calls/{call_id}/transfer": {
            "post": _keyed(
                "Transfer an in-progress call to a human",
                _ok(_ref("Call")),
                body=_body(_obj({"to": STR, "message": STR}, ["to"])),
                params=_path_param("call_id"),
                codes=(400, 401, 403, 404, 409, 413, 429),
            )
        },
        "/v1/calls/{call_id}/hangup": {
            "post": _keyed(
                "End a call",
                _ok(_ref("Call")),
                params=_path_param("call_id"),
                codes=(400, 401, 403, 404, 409, 413, 429),
            )
        },
        "/v1/agents": {
            "get": _keyed("List agents", _ok(_page("Agent")), codes=(400, 401, 403, 429)),
            "post": _keyed(
                "Create an agent",
                _ok(_ref("Agent"), 201, "Created"),
                body=_body(_AGENT_INPUT),
                codes=(400, 401, 403, 409, 413, 429),
            ),
        },
        "/v1/agents/{agent_id}": {
            "get": _keyed(
                "An agent",
                _ok(_ref("Agent")),
                params=_path_param("agent_id"),
                codes=(401, 403, 404, 429),
            ),
            "patch": _keyed(
                "Change an agent",
                _ok(_ref("Agent")),
                body=_body(_AGENT_INPUT),
                params=_path_param("agent_id"),
            ),
            "delete": _keyed(
                "Delete an agent",
                _ok(_obj({"id": STR, "deleted": BOOL}, ["id", "deleted"])),
                params=_path_param("agent_id"),
                codes=(401, 403, 404, 429),
            ),
        },
        "/v1/phone-numbers": {
            "get": _keyed(
                "The tenant's phone numbers",
                _ok(
                    _obj(
                        {"data": {"type": "array", "items": _ref("PhoneNumber")}, "total": INT},
                        ["data"],
                    )
                ),
                codes=(401, 403, 429),
            ),
            "post": _keyed(
                "Add a phone number",
                _ok(_ref("PhoneNumber"), 201, "Created"),
                body=_body(
                    _obj(
                        {
                            "number": STR,
                            "label": STR,
                            "carrier": {"type": "string", "enum": ["simulated", "twilio"]},
                            "isDefault": BOOL,
                        },
                        ["number"],
                    )
                ),
                codes=(400, 401, 403, 409, 413, 429),
            ),
        },
        "/v1/phone-numbers/{number_id}": {
            "delete": _keyed(
                "Remove a phone number",
                _ok(_obj({"id": STR, "deleted": BOOL}, ["id", "deleted"])),
                params=_path_param("number_id"),
                codes=(401, 403, 404, 429),
            )
        },
    }
)


# Webhook deliveries: the attempt log of each and replay (after the /v1 block, whose
# helpers _path_param and _page it reuses).
DELIVERY_STATUS: S = {"type": "string", "enum": ["pending", "succeeded", "failed"]}
SCHEMAS["WebhookDelivery"] = _obj(
    {
        "id": STR,
        "endpoint_id": NSTR,
        "url": STR,
        "status": DELIVERY_STATUS,
        "event": _obj(
            {"id": STR, "type": {"type": "string", "enum": list(EVENT_TYPES)}, "created_at": DT},
            ["id", "type", "created_at"],
        ),
        "attempt_count": INT,
        "next_attempt_at": NDT,
        "created_at": DT,
        "completed_at": NDT,
        "attempts": {
            "type": "array",
            "items": _obj(
                {"at": DT, "status_code": NINT, "error": NSTR, "duration_ms": INT},
                ["at", "status_code", "error", "duration_ms"],
            ),
        },
    },
    ["id", "endpoint_id", "url", "status", "event", "attempt_count", "attempts"],
)
PATHS.update(
    {
        "/api/tenants/{tenant_id}/webhooks/deliveries": {
            "get": _op(
                "Webhook deliveries, newest first, with every attempt (owner or admin)",
                {**_ok(_page("WebhookDelivery")), **_error_responses(400, 401, 403, 404, 429)},
                params=[
                    *TENANT_PARAM,
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    },
                    {
                        "name": "offset",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
                    },
                    {"name": "status", "in": "query", "schema": DELIVERY_STATUS},
                    {
                        "name": "event_type",
                        "in": "query",
                        "schema": {"type": "string", "enum": list(EVENT_TYPES)},
                    },
                ],
            )
        },
        "/api/tenants/{tenant_id}/webhooks/deliveries/{delivery_id}/replay": {
            "post": _op(
                "Send a delivery's event again (same event id) as a new delivery",
                {
                    **_ok(_ref("WebhookDelivery"), 201, "Created"),
                    **_error_responses(400, 401, 403, 404, 409, 413, 429),
                },
                params=[*TENANT_PARAM, *_path_param("delivery_id")],
            )
        },
    }
)

RATE_HEADERS: S = {
    name: {"schema": {"type": "integer"}, "description": text, "required": True}
    for name, text in (
        ("X-RateLimit-Limit", "Requests allowed per minute by the plan"),
        ("X-RateLimit-Remaining", "Requests left in the window"),
        ("X-RateLimit-Reset", "Epoch seconds when the window frees a request"),
    )
}


def _with_rate_headers(paths: S) -> S:
    """Every successful authenticated response carries the three X-RateLimit-* headers."""
    out = copy.deepcopy(paths)
    for operations in out.values():
        for op in operations.values():
            if op.get("security") not in (AUTHED, KEYED):
                continue
            for status, response in op["responses"].items():
                if status.startswith("2"):
                    response["headers"] = RATE_HEADERS
    return out


def spec() -> S:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "VocalIA API",
            "version": "1",
            "description": "REST compatibility layer; GraphQL at /graphql is the primary API.",
        },
        "paths": _with_rate_headers(PATHS),
        "components": {
            "schemas": SCHEMAS,
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
    return json_response(spec())


routes: list[BaseRoute] = [Route("/openapi.json", openapi, methods=["GET"])]
