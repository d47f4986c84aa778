"""/api/tenants/:id/ucp/profiles: unified customer profiles (a person's calls, sessions,
leads, bookings and callbacks, merged by phone number and email)."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from resolvers import profiles
from rest_compat.http import (
    dashboard_principal,
    iso,
    json_response,
    only_query,
    page_json,
    page_query,
    path_tenant,
)
from rest_compat.schemas import (
    DT,
    LIMIT,
    NDT,
    NINT,
    OFFSET,
    STR,
    Doc,
    DocRoute,
    array,
    component,
    out,
    page,
)

PROFILE = component(
    "CustomerProfile",
    out(
        {
            "id": STR,
            "names": array(STR),
            "phones": array(STR),
            "emails": array(STR),
            "lead_score": NINT,
            "conversations": array(STR),
            "leads": array(STR),
            "bookings": array(out({"id": STR, "starts_at": DT, "status": STR})),
            "callbacks": array(out({"id": STR, "at": DT, "status": STR})),
            "first_seen": NDT,
            "last_seen": NDT,
        }
    ),
)


def profile_json(p: profiles.Profile) -> dict[str, Any]:
    return {
        "id": p.id,
        "names": p.names,
        "phones": p.phones,
        "emails": p.emails,
        "lead_score": p.lead_score,
        "conversations": p.conversations,
        "leads": p.leads,
        "bookings": [
            {"id": b["id"], "starts_at": iso(b["starts_at"]), "status": b["status"]}  # type: ignore[arg-type]
            for b in p.bookings
        ],
        "callbacks": [
            {"id": c["id"], "at": iso(c["at"]), "status": c["status"]}  # type: ignore[arg-type]
            for c in p.callbacks
        ],
        "first_seen": iso(p.first_seen),
        "last_seen": iso(p.last_seen),
    }


LIST = Doc(
    "Customer profiles, most recently seen first; q finds a name, number or email by part",
    {200: page(PROFILE)},
    errors=(400,),
    query={"limit": LIMIT, "offset": OFFSET, "q": STR},
)


async def list_profiles(request: Request) -> Response:
    principal = dashboard_principal(request)
    only_query(request, ("limit", "offset", "q"))
    found = await profiles.list_profiles(
        principal,
        q=request.query_params.get("q"),
        tenant_id=path_tenant(request),
        **page_query(request),
    )
    return json_response(page_json(found, profile_json))


GET = Doc("One customer profile", {200: PROFILE})


async def get_profile(request: Request) -> Response:
    found = await profiles.get_profile(
        dashboard_principal(request),
        request.path_params["profile_id"],
        path_tenant(request),
    )
    return json_response(profile_json(found))


U = "/tenants/{tenant_id}/ucp/profiles"
routes: list[BaseRoute] = [
    DocRoute(U, list_profiles, get=LIST),
    DocRoute(f"{U}/{{profile_id}}", get_profile, get=GET),
]
