"""/api/auth: register, login, refresh, logout, me, password."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from models.user import User
from resolvers import auth
from rest_compat.http import client_ip, dashboard_principal, iso, json_body, json_response


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


async def login(request: Request) -> Response:
    body = await json_body(request)
    session = await auth.login(
        email=body.get("email"), password=body.get("password"), client_ip=client_ip(request)
    )
    await session.user.fetch_related("tenant")
    return json_response(session_json(session))


async def refresh(request: Request) -> Response:
    body = await json_body(request)
    session = await auth.refresh(
        refresh_token=body.get("refresh_token"), client_ip=client_ip(request)
    )
    await session.user.fetch_related("tenant")
    return json_response(session_json(session))


async def logout(request: Request) -> Response:
    principal = dashboard_principal(request)
    body = await json_body(request, required=False)
    await auth.logout(principal, refresh_token=body.get("refresh_token"))
    return json_response({"success": True})


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
    Route("/auth/register", register, methods=["POST"]),
    Route("/auth/login", login, methods=["POST"]),
    Route("/auth/refresh", refresh, methods=["POST"]),
    Route("/auth/logout", logout, methods=["POST"]),
    Route("/auth/me", me, methods=["GET", "PUT"]),
    Route("/auth/password", password, methods=["PUT"]),
]
