"""/api/auth: register, login, refresh, logout, me, password."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from models.user import User
from resolvers import auth
from resolvers.plans import PLAN_NAMES
from resolvers.principals import ROLES, SUPERADMIN
from resolvers.validation import LANGUAGES
from rest_compat.http import client_ip, dashboard_principal, iso, json_body, json_response
from rest_compat.schemas import (
    BOOL,
    DT,
    INT,
    NSTR,
    STR,
    Doc,
    DocRoute,
    component,
    enum,
    inp,
    out,
)

USER = component(
    "User",
    out(
        {
            "id": STR,
            "email": STR,
            "name": STR,
            "company": NSTR,
            "language": enum(LANGUAGES),
            "role": enum((*ROLES, SUPERADMIN)),
            "tenant_id": NSTR,
            "created_at": DT,
        }
    ),
)
SESSION = component(
    "Session",
    out(
        {
            "success": BOOL,
            "access_token": STR,
            "refresh_token": STR,
            "token_type": enum(("Bearer",)),
            "expires_in": INT,
            "user": USER,
        }
    ),
)
SUCCESS = out({"success": BOOL})
USER_BODY = out({"user": USER})


def user_json(user: User) -> dict[str, Any]:
    tenant = user.tenant if user.tenant_id else None
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "company": tenant.name if tenant is not None else None,
        "language": user.language,
        "role": user.role,
        "tenant_id": user.tenant_id,
        "created_at": iso(user.created_at),
    }


def session_json(session: auth.Session) -> dict[str, Any]:
    return {
        "success": True,
        "access_token": session.access_token,
        "refresh_token": session.refresh_token,
        "token_type": "Bearer",
        "expires_in": session.expires_in,
        "user": user_json(session.user),
    }


REGISTER = Doc(
    "Register a user and provision a tenant with its vk_ key",
    {
        201: out(
            {
                "success": BOOL,
                "tenant": out({"id": STR, "api_key": STR, "plan": enum(PLAN_NAMES), "name": STR}),
                "provisioned": BOOL,
                "user": USER,
            }
        )
    },
    errors=(400, 409, 429),
    body=inp(
        {
            "email": {"type": "string", "format": "email"},
            "password": {"type": "string", "minLength": 8},
            # Optional fields: null means the default (no name, starter, fr).
            "name": NSTR,
            "company": STR,
            "plan": enum(PLAN_NAMES, nullable=True),
            "language": enum(LANGUAGES, nullable=True),
        },
        ("email", "password", "company"),
    ),
    auth="none",
)


async def register(request: Request) -> Response:
    body = await json_body(request)
    reg = await auth.register(
        email=body.get("email"),
        password=body.get("password"),
        company=body.get("company"),
        name=body.get("name"),
        plan=body.get("plan"),
        language=body.get("language"),
        client_ip=client_ip(request),
    )
    return json_response(
        {
            "success": True,
            "tenant": {
                "id": reg.tenant.id,
                "api_key": reg.api_key,
                "plan": reg.tenant.plan,
                "name": reg.tenant.name,
            },
            "provisioned": True,
            "user": user_json(reg.user),
        },
        status=201,
    )


LOGIN = Doc(
    "Log in: access and refresh tokens",
    {200: SESSION},
    errors=(400, 401, 429),
    body=inp({"email": STR, "password": STR}, ("email", "password")),
    auth="none",
)


async def login(request: Request) -> Response:
    body = await json_body(request)
    session = await auth.login(
        email=body.get("email"), password=body.get("password"), client_ip=client_ip(request)
    )
    await session.user.fetch_related("tenant")
    return json_response(session_json(session))


REFRESH = Doc(
    "Rotate a refresh token",
    {200: SESSION},
    errors=(400, 401, 429),
    body=inp({"refresh_token": STR}, ("refresh_token",)),
    auth="none",
)


async def refresh(request: Request) -> Response:
    body = await json_body(request)
    session = await auth.refresh(
        refresh_token=body.get("refresh_token"), client_ip=client_ip(request)
    )
    await session.user.fetch_related("tenant")
    return json_response(session_json(session))


LOGOUT = Doc(
    "Revoke a session (or all of the user's sessions)",
    {200: SUCCESS},
    errors=(400,),
    # null or absent: every session of the user.
    body=inp({"refresh_token": NSTR}),
    body_required=False,
)


async def logout(request: Request) -> Response:
    principal = dashboard_principal(request)
    body = await json_body(request, required=False)
    await auth.logout(principal, refresh_token=body.get("refresh_token"))
    return json_response({"success": True})


ME = Doc("The current user", {200: USER_BODY})
UPDATE_ME = Doc(
    "Update name, company, language",
    {200: USER_BODY},
    errors=(400,),
    # A field that is null or absent stays unchanged.
    body=inp({"name": NSTR, "company": NSTR, "language": enum(LANGUAGES, nullable=True)}),
)


async def me(request: Request) -> Response:
    principal = dashboard_principal(request)
    if request.method == "GET":
        user = await auth.get_me(principal)
    else:
        body = await json_body(request)
        user = await auth.update_me(
            principal,
            name=body.get("name"),
            company=body.get("company"),
            language=body.get("language"),
        )
    return json_response({"user": user_json(user)})


PASSWORD = Doc(
    "Change the password; revokes every refresh token",
    {200: SUCCESS},
    errors=(400,),
    body=inp(
        {"current_password": STR, "new_password": {"type": "string", "minLength": 8}},
        ("current_password", "new_password"),
    ),
)


async def password(request: Request) -> Response:
    principal = dashboard_principal(request)
    body = await json_body(request)
    await auth.change_password(
        principal,
        current_password=body.get("current_password", body.get("old_password")),
        new_password=body.get("new_password"),
        client_ip=client_ip(request),
    )
    return json_response({"success": True})


routes: list[BaseRoute] = [
    DocRoute("/auth/register", register, post=REGISTER),
    DocRoute("/auth/login", login, post=LOGIN),
    DocRoute("/auth/refresh", refresh, post=REFRESH),
    DocRoute("/auth/logout", logout, post=LOGOUT),
    DocRoute("/auth/me", me, get=ME, put=UPDATE_ME),
    DocRoute("/auth/password", password, put=PASSWORD),
]
