"""GraphQL for the Tenant domain: the same operations as /api/tenants/:id/..."""

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from models.tenant import Tenant as TenantModel
from models.tenant import TenantAction
from models.tenant import WebhookEndpoint as WebhookEndpointModel
from resolvers import actions, keys, origins, tenants, usage, webhooks
from resolvers.principals import get_tenant
from schema.context import Info

TenantIdArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="The tenant; defaults to the caller's. Another tenant's id is resource_not_found."
    ),
]


@strawberry.type(description="Use of one quota in the current period.")
class Quota:
    used: int = strawberry.field(description="Used so far.")
    limit: int = strawberry.field(description="The plan's limit.")
    pct: int = strawberry.field(description="Percentage used, rounded.")


@strawberry.type(description="The tenant's plan and quotas for the current billing period.")
class Usage:
    plan: str = strawberry.field(description="starter, pro or enterprise.")
    period_start: datetime = strawberry.field(description="Start of the period (UTC).")
    period_end: datetime = strawberry.field(description="End of the period (UTC, exclusive).")
    calls: Quota = strawberry.field(description="Calls this month.")
    sessions: Quota = strawberry.field(description="Widget and stream sessions this month.")
    kb: Quota = strawberry.field(description="Knowledge-base entries.")
    features_enabled: list[str] = strawberry.field(description="Features of the plan.")
    call_seconds: int = strawberry.field(
        description="Connected seconds of this period's ended live calls (phone and web), as"
        " reported to Stripe's call-seconds meter."
    )


@strawberry.type(description="Widget colours, each #rrggbb.")
class WidgetTheme:
    primary_color: str | None = strawberry.field(description="Main colour.")
    secondary_color: str | None = strawberry.field(description="Secondary colour.")
    background_color: str | None = strawberry.field(description="Background colour.")
    text_color: str | None = strawberry.field(description="Text colour.")


@strawberry.type(description="How the voice widget looks and greets.")
class WidgetConfig:
    position: str = strawberry.field(
        description="bottom-right, bottom-left, top-right or top-left."
    )
    language: str = strawberry.field(description="fr, en, es, ar or ary.")
    greeting: str = strawberry.field(description="First sentence of the agent.")
    persona: str = strawberry.field(description="Persona template name.")
    agent_id: str | None = strawberry.field(description="The agent the widget talks to.")
    theme: WidgetTheme = strawberry.field(description="Colours.")

    @classmethod
    def from_dict(cls, config: dict[str, Any]) -> "WidgetConfig":
        theme = config.get("theme") or {}
        return cls(
            position=config["position"],
            language=config["language"],
            greeting=config.get("greeting") or "",
            persona=config.get("persona") or "",
            agent_id=config.get("agentId"),
            theme=WidgetTheme(
                primary_color=theme.get("primaryColor"),
                secondary_color=theme.get("secondaryColor"),
                background_color=theme.get("backgroundColor"),
                text_color=theme.get("textColor"),
            ),
        )


@strawberry.input(description="Widget colours to change, each #rrggbb.")
class WidgetThemeInput:
    primary_color: str | None = strawberry.field(
        default=strawberry.UNSET, description="Main colour."
    )
    secondary_color: str | None = strawberry.field(
        default=strawberry.UNSET, description="Secondary colour."
    )
    background_color: str | None = strawberry.field(
        default=strawberry.UNSET, description="Background colour."
    )
    text_color: str | None = strawberry.field(default=strawberry.UNSET, description="Text colour.")


@strawberry.input(description="Widget settings to change; omitted fields keep their value.")
class WidgetConfigInput:
    position: str | None = strawberry.field(
        default=strawberry.UNSET, description="bottom-right, bottom-left, top-right or top-left."
    )
    language: str | None = strawberry.field(
        default=strawberry.UNSET, description="fr, en, es, ar or ary."
    )
    greeting: str | None = strawberry.field(
        default=strawberry.UNSET, description="First sentence of the agent."
    )
    persona: str | None = strawberry.field(
        default=strawberry.UNSET, description="Persona template name."
    )
    agent_id: str | None = strawberry.field(
        default=strawberry.UNSET, description="The agent the widget talks to."
    )
    theme: WidgetThemeInput | None = strawberry.field(
        default=strawberry.UNSET, description="Colours."
    )

    def to_changes(self) -> dict[str, Any]:
        names = {
            "position": "position",
            "language": "language",
            "greeting": "greeting",
            "persona": "persona",
            "agent_id": "agentId",
        }
        out: dict[str, Any] = {
            api: getattr(self, attr)
            for attr, api in names.items()
            if getattr(self, attr) is not strawberry.UNSET
        }
        if self.theme is not strawberry.UNSET:
            theme_names = {
                "primary_color": "primaryColor",
                "secondary_color": "secondaryColor",
                "background_color": "backgroundColor",
                "text_color": "textColor",
            }
            out["theme"] = (
                None
                if self.theme is None
                else {
                    api: getattr(self.theme, attr)
                    for attr, api in theme_names.items()
                    if getattr(self.theme, attr) is not strawberry.UNSET
                }
            )
        return out


@strawberry.type(description="Where signed webhook events are sent.")
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="The endpoint id (whe_...).")
    url: str = strawberry.field(description="The receiving URL (https outside development).")
    events: list[str] = strawberry.field(description="Event types delivered here.")
    enabled: bool = strawberry.field(description="Whether deliveries are made.")
    disabled_reason: str | None = strawberry.field(
        description="Why the platform disabled it, if it did."
    )
    created_at: datetime = strawberry.field(description="Creation time (UTC).")
    secret: str | None = strawberry.field(
        description="The whsec_ signing secret: only in the response that created or rotated it."
    )

    @classmethod
    def from_model(cls, e: WebhookEndpointModel, secret: str | None = None) -> "WebhookEndpoint":
        return cls(
            id=strawberry.ID(e.id),
            url=e.url,
            events=list(e.events),
            enabled=e.enabled,
            disabled_reason=e.disabled_reason,
            created_at=e.created_at,
            secret=secret,
        )


@strawberry.input(description="An endpoint to keep (with id) or create (without).")
class WebhookEndpointInput:
    url: str = strawberry.field(description="The receiving URL.")
    id: strawberry.ID | None = strawberry.field(
        default=None, description="An existing endpoint to update."
    )
    events: list[str] | None = strawberry.field(
        default=None, description="Event types; all eight when omitted."
    )
    enabled: bool = strawberry.field(default=True, description="Whether deliveries are made.")
    rotate_secret: bool = strawberry.field(
        default=False, description="Issue a new secret (the old one signs too for 24 h)."
    )


@strawberry.type(description="An automation fired on an event (booking, CRM, email, SMS).")
class Action:
    id: strawberry.ID = strawberry.field(description="The action id (act_...).")
    type: str = strawberry.field(description="booking, crm, email or sms.")
    event: str = strawberry.field(description="The event type that fires it.")
    target_url: str = strawberry.field(description="Where it posts.")
    headers: JSON = strawberry.field(description="Headers sent, with values masked.")
    enabled: bool = strawberry.field(description="Whether it fires.")

    @classmethod
    def from_model(cls, a: TenantAction) -> "Action":
        return cls(
            id=strawberry.ID(a.id),
            type=a.type,
            event=a.event,
            target_url=a.target_url,
            headers=JSON(actions.masked_headers(a)),
            enabled=a.enabled,
        )


@strawberry.input(description="An action to keep (with id) or create.")
class ActionInput:
    type: str = strawberry.field(description="booking, crm, email or sms.")
    event: str = strawberry.field(description="The event type that fires it.")
    target_url: str = strawberry.field(description="Where it posts.")
    id: strawberry.ID | None = strawberry.field(
        default=None, description="An existing action to keep."
    )
    headers: JSON | None = strawberry.field(
        default=None,
        description="Headers to send; a masked value sent back unchanged keeps the secret.",
    )
    enabled: bool = strawberry.field(default=True, description="Whether it fires.")


@strawberry.type(description="The masked tenant key (vk_).")
class TenantKey:
    masked: str = strawberry.field(description="vk_ + first four + … + last four characters.")
    created_at: datetime = strawberry.field(description="When it was issued.")
    last_used_at: datetime | None = strawberry.field(
        description="Last authenticated use (to the minute)."
    )


@strawberry.type(description="A freshly rotated tenant key, shown once.")
class RotatedTenantKey:
    api_key: str = strawberry.field(description="The new vk_ key in clear; store it now.")
    masked: str = strawberry.field(description="Its masked form.")


@strawberry.type(description="A tenant (a business using VocalIA).")
class Tenant:
    id: strawberry.ID = strawberry.field(description="slug_xxxx.")
    name: str = strawberry.field(description="Company name.")
    plan: str = strawberry.field(description="starter, pro or enterprise.")
    language: str = strawberry.field(description="Default language.")
    created_at: datetime = strawberry.field(description="Creation time (UTC).")

    @classmethod
    def from_model(cls, t: TenantModel) -> "Tenant":
        return cls(
            id=strawberry.ID(t.id),
            name=t.name,
            plan=t.plan,
            language=t.language,
            created_at=t.created_at,
        )

    @strawberry.field(description="Plan, quotas and features for the current period.")
    async def usage(self, info: Info) -> Usage:
        r = await usage.usage_report(info.context.caller(), str(self.id))
        q = {k: Quota(used=v.used, limit=v.limit, pct=v.pct) for k, v in r.quotas.items()}
        return Usage(
            plan=r.plan,
            period_start=r.period_start,
            period_end=r.period_end,
            calls=q["calls"],
            sessions=q["sessions"],
            kb=q["kb"],
            features_enabled=list(r.features_enabled),
            call_seconds=r.call_seconds,
        )

    @strawberry.field(
        description="Browser origins allowed for the widget, publishable keys and CORS."
    )
    async def allowed_origins(self, info: Info) -> list[str]:
        return await origins.list_origins(info.context.caller(), str(self.id))

    @strawberry.field(description="Widget configuration.")
    async def widget_config(self, info: Info) -> WidgetConfig:
        return WidgetConfig.from_dict(
            await tenants.get_widget_config(info.context.caller(), str(self.id))
        )

    @strawberry.field(description="The masked vk_ key (owner or admin).")
    async def api_key(self, info: Info) -> TenantKey:
        k = await keys.get_tenant_key(info.context.caller(), str(self.id))
        return TenantKey(masked=k.masked, created_at=k.created_at, last_used_at=k.last_used_at)

    @strawberry.field(description="Webhook endpoints (Pro and Enterprise; owner or admin).")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        return [
            WebhookEndpoint.from_model(e)
            for e in await webhooks.list_endpoints(info.context.caller(), str(self.id))
        ]

    @strawberry.field(description="Automation actions (owner or admin), header values masked.")
    async def actions(self, info: Info) -> list[Action]:
        return [
            Action.from_model(a)
            for a in await actions.list_actions(info.context.caller(), str(self.id))
        ]


@strawberry.type
class TenantQuery:
    @strawberry.field(
        description="A tenant: the caller's own (superadmins may name any). Errors: resource_not_found, invalid_api_key."
    )
    async def tenant(self, info: Info, id: TenantIdArg = None) -> Tenant:
        from resolvers.principals import require_secret

        return Tenant.from_model(await get_tenant(require_secret(info.context.caller()), id))


@strawberry.type
class TenantMutation:
    @strawberry.mutation(
        description="Replace the allowed origins. Errors: invalid_request, insufficient_permissions, resource_not_found."
    )
    async def set_allowed_origins(
        self,
        info: Info,
        origins_: Annotated[
            list[str],
            strawberry.argument(name="origins", description="scheme://host[:port] values."),
        ],
        tenant_id: TenantIdArg = None,
    ) -> list[str]:
        return await origins.set_origins(info.context.caller(), list(origins_), tenant_id)

    @strawberry.mutation(
        description="Issue a new vk_ key; the old one stops working at once. Audit-logged."
    )
    async def rotate_tenant_api_key(
        self, info: Info, tenant_id: TenantIdArg = None
    ) -> RotatedTenantKey:
        issued = await keys.rotate_tenant_key(
            info.context.caller(), tenant_id, info.context.client_ip
        )
        return RotatedTenantKey(api_key=issued.secret, masked=issued.key.masked)

    @strawberry.mutation(
        description="Replace webhook endpoints. Errors: invalid_request, insufficient_permissions (plan or role), resource_not_found."
    )
    async def set_webhook_endpoints(
        self,
        info: Info,
        endpoints: Annotated[
            list[WebhookEndpointInput],
            strawberry.argument(
                description="The complete new list; endpoints left out are deleted."
            ),
        ],
        tenant_id: TenantIdArg = None,
    ) -> list[WebhookEndpoint]:
        raw = [
            {
                "id": e.id,
                "url": e.url,
                "events": e.events,
                "enabled": e.enabled,
                "rotate_secret": e.rotate_secret,
            }
            for e in endpoints
        ]
        results = await webhooks.set_endpoints(info.context.caller(), raw, tenant_id)
        return [WebhookEndpoint.from_model(r.endpoint, r.secret) for r in results]

    @strawberry.mutation(
        description="Change widget settings. Errors: invalid_request, insufficient_permissions, resource_not_found."
    )
    async def update_widget_config(
        self,
        info: Info,
        config: Annotated[
            WidgetConfigInput, strawberry.argument(description="The settings to change.")
        ],
        tenant_id: TenantIdArg = None,
    ) -> WidgetConfig:
        return WidgetConfig.from_dict(
            await tenants.update_widget_config(
                info.context.caller(), config.to_changes(), tenant_id
            )
        )

    @strawberry.mutation(
        description="Replace automation actions. Errors: invalid_request, insufficient_permissions, resource_not_found."
    )
    async def set_actions(
        self,
        info: Info,
        actions_: Annotated[
            list[ActionInput], strawberry.argument(name="actions", description="The new list.")
        ],
        tenant_id: TenantIdArg = None,
    ) -> list[Action]:
        raw = [
            {
                "id": a.id,
                "type": a.type,
                "event": a.event,
                "target_url": a.target_url,
                "headers": a.headers,
                "enabled": a.enabled,
            }
            for a in actions_
        ]
        return [
            Action.from_model(a)
            for a in await actions.set_actions(info.context.caller(), raw, tenant_id)
        ]

    @strawberry.mutation(
        description='GDPR erasure of every row of the tenant. confirm must be "DELETE_ALL_DATA_<tenantId>". Owner only.'
    )
    async def erase_tenant_data(
        self,
        info: Info,
        confirm: Annotated[
            str, strawberry.argument(description='Exactly "DELETE_ALL_DATA_<tenantId>".')
        ],
        tenant_id: TenantIdArg = None,
    ) -> JSON:
        return JSON(
            await tenants.erase_tenant(
                info.context.caller(), confirm, tenant_id, info.context.client_ip
            )
        )
