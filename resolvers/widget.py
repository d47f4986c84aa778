"""The Voice Widget's public side: what a publishable key may read about its tenant (branding,
greeting, position, language, agent) and the development demo page's embedding."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from models.agent import Agent
from models.credential import ApiKey
from models.tenant import AllowedOrigin, Tenant
from resolvers import audit
from resolvers.demo import CREDENTIALS_FILE, DEMO_AGENTS
from resolvers.errors import forbidden, invalid, not_found
from resolvers.plans import plan_of
from resolvers.principals import (
    TENANT_ID,
    Principal,
    authenticate,
    origin_allowed,
    require_authenticated,
)
from resolvers.security import issue_widget_token, sha256_hex
from resolvers.tenants import widget_config_of
from resolvers.urls import normalize_origin
from resolvers.validation import LANGUAGES

FEATURE = "voice_widget"
RTL_LANGUAGES = ("ar", "ary")


def _require_publishable(principal: Principal | None) -> Principal:
    p = require_authenticated(principal)
    if p.kind != "publishable_key":
        # A secret key or a user token in a web page is a leaked credential: refuse it here
        # rather than let a site owner ship one without noticing.
        raise forbidden(
            "the widget config takes a publishable key (voc_pk_...) from an allowed origin;"
            " never put a secret key or a user token in a web page"
        )
    return p


async def _widget_agent(tenant_id: str, wanted: object, language: str) -> Agent | None:
    """The configured agent when it exists and is enabled, else the tenant's first enabled
    agent in the widget's language, else its first enabled agent."""
    enabled = Agent.filter(tenant_id=tenant_id, enabled=True)
    if isinstance(wanted, str) and wanted:
        agent = await enabled.filter(agent_id=wanted).first()
        if agent is not None:
            return agent
    agent = await enabled.filter(language=language).order_by("pk_id").first()
    return agent or await enabled.order_by("pk_id").first()


async def public_config(
    principal: Principal | None, tenant_id: str | None = None, origin: str | None = None
) -> dict[str, Any]:
    """The widget's runtime configuration for a publishable key (the gate already checked its
    Origin), or, with no credential, for ``tenant_id`` asked from one of its allowed origins:
    the reference's ``window.VOCALIA_CONFIG = {tenant_id, ...}`` embedding, which then gets a
    widget token (``widgetToken``) that acts as a publishable key from that origin. Raises
    invalid_api_key, insufficient_permissions, invalid_request."""
    if principal is None and tenant_id is not None:
        return await _site_config(tenant_id, origin)
    p = _require_publishable(principal)
    if tenant_id is not None and tenant_id != p.tenant_id:
        raise invalid("tenant_id is not the tenant of this key", param="tenant_id")
    return await _config_of(str(p.tenant_id))


async def _site_config(tenant_id: str, origin: str | None) -> dict[str, Any]:
    # The same refusal for a tenant that does not exist and for an origin it does not allow:
    # a page cannot learn which tenants exist.
    refused = forbidden(
        "a tenant_id embed works only from one of the tenant's allowed origins: add this"
        " site's origin in the dashboard (PUT /api/tenants/:id/allowed-origins), or embed with"
        " VocalIA.init({apiKey: 'voc_pk_...'})"
    )
    if not origin or not TENANT_ID.match(tenant_id):
        raise refused
    normalized = origin.rstrip("/").lower()
    if not await origin_allowed(tenant_id, normalized):
        raise refused
    config = await _config_of(tenant_id)
    token, expires_at = issue_widget_token(tenant_id, normalized)
    return {**config, "widgetToken": token, "widgetTokenExpiresAt": expires_at}


async def _config_of(tenant_id: str) -> dict[str, Any]:
    tenant = await Tenant.get_or_none(id=tenant_id)
    if tenant is None:
        # Erased between authentication and now: the key no longer opens anything.
        raise not_found("tenant")
    if FEATURE not in plan_of(tenant.plan).features:
        raise forbidden(f"the {tenant.plan} plan does not include the voice widget")
    config = widget_config_of(tenant)
    language = str(config["language"])
    agent = await _widget_agent(tenant.id, config.get("agentId"), language)
    theme = {k: str(v) for k, v in dict(config.get("theme") or {}).items()}
    return {
        "tenantId": tenant.id,
        "name": tenant.name,
        "language": language,
        "languages": list(LANGUAGES),
        "direction": "rtl" if language in RTL_LANGUAGES else "ltr",
        "position": str(config["position"]),
        "theme": theme,
        "greeting": str(config.get("greeting") or (agent.greeting if agent else "")),
        "persona": str(config.get("persona") or ""),
        "agentId": agent.agent_id if agent else None,
        "agent": (
            {"id": agent.agent_id, "name": agent.name, "language": agent.language}
            if agent
            else None
        ),
    }


@dataclass(frozen=True)
class DemoEmbed:
    tenant_id: str
    publishable_key: str
    agent_id: str
    # What GET /v1/widget/config answers this key from this origin: a same-origin GET
    # carries no Origin header, so the page hands it to the widget instead of the fetch.
    config: dict[str, Any]


async def demo_embed(var_dir: Path, origin: str, language: str = "fr") -> DemoEmbed:
    """The demo tenant's widget credentials for the development demo page served at
    ``origin`` (its agent in ``language`` when it has one), which is added to the tenant's allowed origins when missing (audit-logged).
    Raises resource_not_found when there is no demo tenant (``serve --demo`` creates it)."""
    try:
        saved = json.loads((var_dir / CREDENTIALS_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise not_found("demo tenant (start the server with: vocalia-server serve --demo)") from exc
    tenant_id, key = saved.get("tenant_id"), saved.get("publishable_key")
    if not isinstance(tenant_id, str) or not isinstance(key, str):
        raise not_found("demo tenant (start the server with: vocalia-server serve --demo)")
    works = await ApiKey.filter(
        tenant_id=tenant_id, key_hash=sha256_hex(key), kind="publishable", revoked_at=None
    ).exists()
    if not works:
        raise not_found("demo publishable key (restart with: vocalia-server serve --demo)")
    normalized = normalize_origin(origin, "origin")
    if not await origin_allowed(tenant_id, normalized):
        async with in_transaction():
            tenant = await Tenant.select_for_update().get(id=tenant_id)
            count = await AllowedOrigin.filter(tenant_id=tenant_id).count()
            if count >= plan_of(tenant.plan).allowed_origins:
                raise forbidden(
                    f"the demo tenant already allows {count} origins, its plan's maximum:"
                    f" add {normalized} with PUT /api/tenants/{tenant_id}/allowed-origins"
                )
            await AllowedOrigin.create(tenant=tenant, origin=normalized, position=count)
            await audit.record(
                tenant_id, "tenant.origins_updated", data={"added": normalized, "by": "demo"}
            )
    agent = next((a for a in DEMO_AGENTS if a["language"] == language), DEMO_AGENTS[0])
    config = await public_config(await authenticate(key, origin=normalized))
    return DemoEmbed(tenant_id, key, str(agent["id"]), config)
