"""GraphQL webhook deliveries: the log of every attempt, and replay (owner or admin)."""

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from models.webhook import WebhookAttempt as WebhookAttemptModel
from resolvers import webhooks
from schema.context import Info
from schema.pagination import page_of
from schema.tenants import TenantIdArg


@strawberry.enum(description="Where a delivery stands.")
class WebhookDeliveryStatus(Enum):
    PENDING = strawberry.enum_value("pending", description="Waiting for its next attempt.")
    SUCCEEDED = strawberry.enum_value("succeeded", description="The receiver answered 2xx.")
    FAILED = strawberry.enum_value(
        "failed",
        description="Given up: retries exhausted, 410 Gone, or the endpoint disabled or deleted.",
    )


@strawberry.type(description="The event a delivery carries (its id is the webhook-id header).")
class WebhookEventSummary:
    id: strawberry.ID = strawberry.field(description="evt_...; the same on every retry and replay.")
    type: str = strawberry.field(description="call.completed, lead.qualified...")
    created_at: datetime = strawberry.field(description="When the event happened (UTC).")


@strawberry.type(description="One POST to the receiver and what came back.")
class WebhookAttempt:
    at: datetime = strawberry.field(description="When the attempt was made (UTC).")
    status_code: int | None = strawberry.field(
        description="The receiver's HTTP status; null when no response came (timeout, refused)."
    )
    error: str | None = strawberry.field(
        description="Why it failed (HTTP 500, a connection error, a refused address); null on success."
    )
    duration_ms: int = strawberry.field(description="How long the request took, in ms.")

    @classmethod
    def from_model(cls, a: WebhookAttemptModel) -> "WebhookAttempt":
        return cls(at=a.at, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms)


@strawberry.type(description="An event on its way to one destination, with every attempt.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="dlv_...")
    endpoint_id: str | None = strawberry.field(
        description="The endpoint (whe_...); null for a call's own webhookUrl or a deleted endpoint."
    )
    url: str = strawberry.field(description="Where it is posted.")
    status: WebhookDeliveryStatus = strawberry.field(description="PENDING, SUCCEEDED or FAILED.")
    event: WebhookEventSummary = strawberry.field(description="The event delivered.")
    attempt_count: int = strawberry.field(description="Attempts made so far.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When the next attempt is due (pending deliveries only)."
    )
    created_at: datetime = strawberry.field(description="When the delivery was queued (UTC).")
    completed_at: datetime | None = strawberry.field(
        description="When it succeeded or was given up."
    )
    attempts: list[WebhookAttempt] = strawberry.field(description="Every attempt, oldest first.")

    @classmethod
    def from_record(cls, r: webhooks.DeliveryRecord) -> "WebhookDelivery":
        d = r.delivery
        return cls(
            id=strawberry.ID(d.id),
            endpoint_id=d.endpoint_id,
            url=d.url,
            status=WebhookDeliveryStatus(d.status),
            event=WebhookEventSummary(
                id=strawberry.ID(r.event.id), type=r.event.type, created_at=r.event.created_at
            ),
            attempt_count=d.attempts,
            next_attempt_at=d.next_attempt_at,
            created_at=d.created_at,
            completed_at=d.completed_at,
            attempts=[WebhookAttempt.from_model(a) for a in r.attempts],
        )


@strawberry.type(description="A page of webhook deliveries.")
class WebhookDeliveryPage:
    items: list[WebhookDelivery] = strawberry.field(description="Newest first.")
    total: int = strawberry.field(description="All matching deliveries.")
    limit: int = strawberry.field(description="Page size (1-100).")
    offset: int = strawberry.field(description="Deliveries skipped.")


@strawberry.type
class WebhookQuery:
    @strawberry.field(
        description="Webhook deliveries with their attempts, newest first (Pro and Enterprise; "
        "owner or admin). Errors: invalid_request, insufficient_permissions, resource_not_found."
    )
    async def webhook_deliveries(
        self,
        info: Info,
        tenant_id: TenantIdArg = None,
        limit: Annotated[int, strawberry.argument(description="1 to 100.")] = 20,
        offset: Annotated[int, strawberry.argument(description="Deliveries to skip.")] = 0,
        status: Annotated[
            WebhookDeliveryStatus | None, strawberry.argument(description="Only this status.")
        ] = None,
        event_type: Annotated[
            str | None,
            strawberry.argument(description="Only this event type, e.g. call.completed."),
        ] = None,
    ) -> WebhookDeliveryPage:
        page = await webhooks.list_deliveries(
            info.context.caller(),
            tenant_id,
            limit=limit,
            offset=offset,
            status=status.value if status is not None else None,
            event_type=event_type,
        )
        return page_of(WebhookDeliveryPage, page, WebhookDelivery.from_record)


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="Send a delivery's event again to the same destination, as a new pending "
        "delivery with the same event id (receivers deduplicate on it). Errors: "
        "resource_not_found, insufficient_permissions, conflict (endpoint disabled or deleted)."
    )
    async def replay_webhook_delivery(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The delivery's id (dlv_...).")
        ],
    ) -> WebhookDelivery:
        record = await webhooks.replay_delivery(info.context.caller(), str(id))
        return WebhookDelivery.from_record(record)
