"""Tenant automation actions: booking, CRM, email and SMS triggers fired on events."""

from typing import Any

from tortoise.transactions import in_transaction

from models.base import new_id
from models.tenant import TenantAction
from resolvers import audit, validation
from resolvers.errors import invalid, not_found
from resolvers.principals import Principal, get_tenant, require_manager
from resolvers.security import mask_secret_value
from resolvers.urls import check_outbound_url
from resolvers.webhooks import EVENT_TYPES

ACTION_TYPES = ("booking", "crm", "email", "sms")
MAX_ACTIONS = 20
MAX_HEADERS = 20
_FORBIDDEN_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


def masked_headers(action: TenantAction) -> dict[str, str]:
    return {k: mask_secret_value(v) for k, v in action.headers.items()}


async def list_actions(
    principal: Principal | None, tenant_id: str | None = None
) -> list[TenantAction]:
    p = require_manager(principal)
    tenant = await get_tenant(p, tenant_id)
    return list(await TenantAction.filter(tenant_id=tenant.id).order_by("position", "id"))


def _headers(value: object, param: str, previous: dict[str, str]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_HEADERS:
        raise invalid(
            f"headers must be an object of at most {MAX_HEADERS} string values", param=param
        )
    out: dict[str, str] = {}
    for name, val in value.items():
        if (
            not isinstance(name, str)
            or not name
            or len(name) > 100
            or not all(c.isalnum() or c in "-_" for c in name)
        ):
            raise invalid(f"invalid header name {name!r}", param=param)
        if name.lower() in _FORBIDDEN_HEADERS:
            raise invalid(f"header {name!r} cannot be set", param=param)
        if not isinstance(val, str) or len(val) > 2000 or "\n" in val or "\r" in val:
            raise invalid(f"header {name!r} must be a single-line string", param=param)
        validation.storable(val, param)
        # A client that read masked values and sends them back unchanged keeps the secret.
        if name in previous and val == mask_secret_value(previous[name]):
            val = previous[name]
        out[name] = val
    return out


async def set_actions(
    principal: Principal | None, actions: object, tenant_id: str | None = None
) -> list[TenantAction]:
    """Replace the action list (an ``id`` keeps that action). Raises invalid_request,
    resource_not_found, insufficient_permissions."""
    p = require_manager(principal)
    tenant = await get_tenant(p, tenant_id)
    if not isinstance(actions, list) or len(actions) > MAX_ACTIONS:
        raise invalid(f"actions must be a list of at most {MAX_ACTIONS}", param="actions")
    existing = {a.id: a for a in await TenantAction.filter(tenant_id=tenant.id)}
    parsed: list[dict[str, Any]] = []
    for i, entry in enumerate(actions):
        param = f"actions[{i}]"
        if not isinstance(entry, dict):
            raise invalid("each action must be an object", param=param)
        action_id = entry.get("id")
        if action_id is not None and (not isinstance(action_id, str) or action_id not in existing):
            raise not_found("action", param=f"{param}.id")
        previous = existing[action_id].headers if action_id else {}
        parsed.append(
            {
                "id": action_id,
                "type": validation.choice(entry.get("type"), f"{param}.type", ACTION_TYPES),
                "event": validation.choice(entry.get("event"), f"{param}.event", EVENT_TYPES),
                "target_url": await check_outbound_url(
                    entry.get("target_url"), param=f"{param}.target_url"
                ),
                "headers": _headers(entry.get("headers"), f"{param}.headers", previous),
                "enabled": validation.boolean(entry.get("enabled", True), f"{param}.enabled"),
            }
        )
    async with in_transaction():
        await TenantAction.filter(tenant_id=tenant.id).delete()
        rows = []
        for i, a in enumerate(parsed):
            rows.append(
                await TenantAction.create(
                    id=a["id"] or new_id("act"),
                    tenant=tenant,
                    type=a["type"],
                    event=a["event"],
                    target_url=a["target_url"],
                    headers=a["headers"],
                    enabled=a["enabled"],
                    position=i,
                )
            )
        await audit.record(
            tenant.id, "tenant.actions_updated", principal=p, data={"actions": [r.id for r in rows]}
        )
    return rows
