"""/api/tenants/:id/keys: secret and publishable keys (the GraphQL `apiKeys`, `createApiKey`
and `revokeApiKey` over REST; owner or admin)."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from models.credential import ApiKey
from resolvers import keys
from resolvers.errors import invalid
from rest_compat.http import (
    dashboard_principal,
    iso,
    json_body,
    json_response,
    only_query,
    path_tenant,
)
from rest_compat.schemas import (
    DT,
    NDT,
    STR,
    Doc,
    DocRoute,
    Param,
    array,
    component,
    enum,
    inp,
    out,
)

KEY = component(
    "ApiKey",
    out(
        {
            "id": STR,
            "kind": enum(("tenant", *keys.KEY_KINDS)),
            "mode": enum(keys.KEY_MODES),
            "name": STR,
            "masked": STR,
            "created_at": DT,
            "last_used_at": NDT,
            "revoked_at": NDT,
        }
    ),
)


def key_json(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "kind": key.kind,
        "mode": key.mode,
        "name": key.name,
        "masked": key.masked,
        "created_at": iso(key.created_at),
        "last_used_at": iso(key.last_used_at),
        "revoked_at": iso(key.revoked_at),
    }


LIST = Doc(
    "The tenant's API keys, masked",
    {200: out({"keys": array(KEY)})},
    errors=(400,),
    query={"include_revoked": Param(enum(("true", "false")), "Also list revoked keys")},
)
CREATE = Doc(
    "Create a secret or publishable key; the key in clear is in this answer only",
    {201: out({"key": KEY, "secret": STR})},
    errors=(400,),
    body=inp(
        {
            "kind": enum(keys.KEY_KINDS),
            "mode": enum(keys.KEY_MODES),
            "name": {"type": ["string", "null"], "maxLength": 100},
        },
        ("kind",),
    ),
)


async def keys_collection(request: Request) -> Response:
    principal = dashboard_principal(request)
    if request.method == "POST":
        body = await json_body(request)
        issued = await keys.create_key(
            principal,
            kind=body.get("kind"),
            mode=body.get("mode", "live"),
            name=body.get("name"),
            tenant_id=path_tenant(request),
        )
        return json_response({"key": key_json(issued.key), "secret": issued.secret}, 201)
    only_query(request, ("include_revoked",))
    flag = request.query_params.get("include_revoked", "false")
    if flag not in ("true", "false"):
        raise invalid("include_revoked must be true or false", param="include_revoked")
    rows = await keys.list_keys(principal, path_tenant(request), include_revoked=flag == "true")
    return json_response({"keys": [key_json(k) for k in rows]})


REVOKE = Doc(
    "Revoke a key at once: requests and sockets that use it end",
    {200: out({"key": KEY})},
    errors=(400,),
)


async def revoke(request: Request) -> Response:
    key = await keys.revoke_key(
        dashboard_principal(request), request.path_params["key_id"], tenant_id=path_tenant(request)
    )
    return json_response({"key": key_json(key)})


routes: list[BaseRoute] = [
    DocRoute("/tenants/{tenant_id}/keys", keys_collection, get=LIST, post=CREATE),
    DocRoute("/tenants/{tenant_id}/keys/{key_id}", revoke, delete=REVOKE),
]
