"""Billing with Stripe (issue 13): a tenant's plan, subscription, invoices and prepaid
credits; Checkout and the Billing Portal; the Stripe events that change them.

Stripe is reached with the official ``stripe`` package (async, over httpx). Without
``VOCALIA_STRIPE_SECRET_KEY`` every billing operation answers a clear error and the rest of
the platform works. Stripe's events are stored before they are applied (``StripeEvent``): a
crash between the two leaves the row to ``process_pending``, and an event received twice is
applied once.
"""

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlsplit

import stripe
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models.billing import BillingAccount, StripeEvent
from models.tenant import Tenant
from resolvers import audit, metering, outbox, validation
from resolvers.errors import DomainError, ErrorCode, forbidden, invalid
from resolvers.plans import PLAN_NAMES, plan_of
from resolvers.principals import Principal, get_tenant, require_manager, require_owner
from resolvers.settings import Settings, get_settings
from resolvers.tenants import apply_plan

log = logging.getLogger("vocalia.billing")

# Stripe's signature timestamps older than this are refused (Stripe's own default).
SIGNATURE_TOLERANCE = 300
# A prepaid top-up, in units of the credit currency.
MIN_CREDITS, MAX_CREDITS = 10, 100_000
INVOICES_SHOWN = 20


def not_configured() -> DomainError:
    return forbidden(
        "billing is not configured on this server: set VOCALIA_STRIPE_SECRET_KEY (and"
        " VOCALIA_STRIPE_PRICE_<PLAN>, VOCALIA_STRIPE_WEBHOOK_SECRET)"
    )


def _client(settings: Settings) -> stripe.StripeClient:
    if not settings.billing_configured:
        raise not_configured()
    base = {"api": settings.stripe_api_base} if settings.stripe_api_base else None
    return stripe.StripeClient(
        settings.stripe_secret_key,
        base_addresses=cast(Any, base),
        http_client=stripe.HTTPXClient(timeout=20),
        max_network_retries=2,
    )


def _stripe_failed(exc: stripe.StripeError) -> DomainError:
    """What a refusal from Stripe becomes: its message, with our code."""
    message = f"Stripe refused the request: {exc.user_message or exc}"
    if isinstance(exc, stripe.APIConnectionError):
        return DomainError(ErrorCode.INTERNAL_ERROR, "Stripe cannot be reached: retry later")
    if isinstance(exc, stripe.AuthenticationError):
        return DomainError(
            ErrorCode.INTERNAL_ERROR, "Stripe refused the server's key (VOCALIA_STRIPE_SECRET_KEY)"
        )
    return invalid(message)


def prices() -> dict[str, str | None]:
    """The Stripe Price of each plan (``GET /api/billing/prices``, public)."""
    configured = dict(get_settings().stripe_prices)
    return {plan: configured.get(plan) for plan in PLAN_NAMES}


def _body(body: object, allowed: tuple[str, ...]) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise invalid("the body must be a JSON object")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise invalid(f"unknown fields: {', '.join(unknown)}", param=unknown[0])
    return body


def _credits(value: object) -> int:
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not MIN_CREDITS <= value <= MAX_CREDITS
    ):
        raise invalid(
            f"credits must be a whole number from {MIN_CREDITS} to {MAX_CREDITS}", param="credits"
        )
    return value


def _url(value: object, param: str, default: str) -> str:
    if value is None:
        return default
    url = validation.text(value, param, max_len=2048, required=True) or ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid(f"{param} must be an http(s) URL", param=param)
    return url


def _dashboard_url(settings: Settings, path: str) -> str:
    return (settings.public_url or "http://127.0.0.1:8000").rstrip("/") + path


async def _account(tenant: Tenant) -> BillingAccount:
    account = await BillingAccount.get_or_none(tenant_id=tenant.id)
    if account is None:
        try:
            account = await BillingAccount.create(tenant_id=tenant.id)
        except IntegrityError:
            account = await BillingAccount.get(tenant_id=tenant.id)
    return account


async def _customer(client: stripe.StripeClient, tenant: Tenant) -> str:
    """The tenant's Stripe customer, created once (the idempotency key makes two concurrent
    first checkouts create one customer)."""
    account = await _account(tenant)
    if account.customer_id:
        return account.customer_id
    try:
        customer = await client.v1.customers.create_async(
            {"name": tenant.name, "metadata": {"tenant_id": tenant.id}},
            {"idempotency_key": f"vocalia-customer-{tenant.id}"},
        )
    except stripe.StripeError as exc:
        raise _stripe_failed(exc) from exc
    await BillingAccount.filter(tenant_id=tenant.id, customer_id=None).update(
        customer_id=customer.id
    )
    return str(customer.id)


async def create_checkout(
    principal: Principal | None, tenant_id: str | None, body: object
) -> dict[str, Any]:
    """A Stripe Checkout Session for ``{plan}`` (a subscription) or ``{credits}`` (a one-off
    top-up of the prepaid balance), with ``successUrl``/``cancelUrl``. Returns its URL.
    Raises invalid_request, insufficient_permissions, resource_not_found."""
    p = require_owner(principal)
    tenant = await get_tenant(p, tenant_id)
    settings = get_settings()
    client = _client(settings)
    data = _body(body, ("plan", "credits", "priceId", "successUrl", "cancelUrl"))
    success = _url(
        data.get("successUrl"), "successUrl", _dashboard_url(settings, "/billing/success")
    )
    cancel = _url(data.get("cancelUrl"), "cancelUrl", _dashboard_url(settings, "/billing"))
    wanted = [k for k in ("plan", "credits", "priceId") if data.get(k) is not None]
    if len(wanted) != 1:
        raise invalid(
            "give exactly one of plan, credits (or the reference's priceId)", param="plan"
        )
    metadata = {"tenant_id": tenant.id}
    params: dict[str, Any] = {
        "customer": await _customer(client, tenant),
        "client_reference_id": tenant.id,
        "success_url": success,
        "cancel_url": cancel,
    }
    if wanted[0] == "credits":
        credits = _credits(data["credits"])
        metadata["credits"] = str(credits)
        params |= {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": settings.credit_currency,
                        "unit_amount": credits * 100,
                        "product_data": {"name": f"VocalIA credits: {credits}"},
                    },
                }
            ],
        }
    else:
        configured = dict(settings.stripe_prices)
        if wanted[0] == "priceId":
            price = validation.text(data["priceId"], "priceId", max_len=255, required=True)
            plan = next((k for k, v in configured.items() if v == price), None)
            if plan is None:
                raise invalid(
                    "priceId is not the Price of a plan (GET /api/billing/prices)", param="priceId"
                )
        else:
            plan = validation.choice(data["plan"], "plan", PLAN_NAMES)
            if plan not in configured:
                raise invalid(f"no Stripe Price is configured for the {plan} plan", param="plan")
        metadata["plan"] = plan
        params |= {
            "mode": "subscription",
            "line_items": [{"price": configured[plan], "quantity": 1}],
            "subscription_data": {"metadata": metadata},
        }
    params["metadata"] = metadata
    try:
        session = await client.v1.checkout.sessions.create_async(cast(Any, params))
    except stripe.StripeError as exc:
        raise _stripe_failed(exc) from exc
    await audit.record(tenant.id, "billing.checkout", principal=p, target=session.id, data=metadata)
    return {"success": True, "url": session.url, "sessionId": session.id}


async def create_portal(
    principal: Principal | None, tenant_id: str | None, body: object
) -> dict[str, Any]:
    """A Stripe Billing Portal session for the tenant's customer. Raises invalid_request,
    insufficient_permissions, resource_not_found."""
    p = require_owner(principal)
    tenant = await get_tenant(p, tenant_id)
    settings = get_settings()
    client = _client(settings)
    data = _body(body, ("returnUrl",))
    back = _url(data.get("returnUrl"), "returnUrl", _dashboard_url(settings, "/billing"))
    try:
        session = await client.v1.billing_portal.sessions.create_async(
            {"customer": await _customer(client, tenant), "return_url": back}
        )
    except stripe.StripeError as exc:
        raise _stripe_failed(exc) from exc
    return {"success": True, "url": session.url}


def _invoice(i: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": i["id"],
        "number": i.get("number"),
        "date": _when(_stamp(i.get("created"))),
        "amount": (i.get("amount_paid") or i.get("amount_due") or 0) / 100,
        "currency": str(i.get("currency") or "").upper(),
        "status": i.get("status"),
        "hosted_url": i.get("hosted_invoice_url"),
        "pdf_url": i.get("invoice_pdf"),
    }


def _when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _subscription_view(account: BillingAccount | None) -> dict[str, Any] | None:
    if account is None or account.subscription_id is None:
        return None
    plan = next((k for k, v in get_settings().stripe_prices if v == account.price_id), None)
    return {
        "id": account.subscription_id,
        "status": account.status,
        "plan": plan,
        "priceId": account.price_id,
        "currentPeriodStart": _when(account.current_period_start),
        "currentPeriodEnd": _when(account.current_period_end),
        "cancelAtPeriodEnd": account.cancel_at_period_end,
        "pastDueSince": _when(account.past_due_since),
    }


async def get_subscription(
    principal: Principal | None, tenant_id: str | None
) -> dict[str, Any] | None:
    """The tenant's subscription as Stripe last told us (None without one)."""
    p = require_manager(principal)
    tenant = await get_tenant(p, tenant_id)
    return _subscription_view(await BillingAccount.get_or_none(tenant_id=tenant.id))


async def get_billing(principal: Principal | None, tenant_id: str | None) -> dict[str, Any]:
    """Plan, subscription, invoices (from Stripe), prepaid balance. Raises
    insufficient_permissions, resource_not_found."""
    p = require_manager(principal)
    tenant = await get_tenant(p, tenant_id)
    settings = get_settings()
    client = _client(settings)
    account = await BillingAccount.get_or_none(tenant_id=tenant.id)
    invoices: list[dict[str, Any]] = []
    if account is not None and account.customer_id:
        try:
            page = await client.v1.invoices.list_async(
                {"customer": account.customer_id, "limit": INVOICES_SHOWN}
            )
        except stripe.StripeError as exc:
            raise _stripe_failed(exc) from exc
        invoices = [_invoice(i.to_dict()) for i in page.data]
    return {
        "plan": tenant.plan,
        "features": list(plan_of(tenant.plan).features),
        "subscription": _subscription_view(account),
        "invoices": invoices,
        "prepaid": tenant.prepaid,
        "creditBalance": float(tenant.credit_balance),
        "creditCurrency": settings.credit_currency.upper(),
    }


async def cancel_subscription(principal: Principal | None, tenant_id: str | None) -> dict[str, Any]:
    """Cancel at the end of the period (the plan stays until then). Raises conflict
    (none to cancel), insufficient_permissions, resource_not_found."""
    p = require_owner(principal)
    tenant = await get_tenant(p, tenant_id)
    client = _client(get_settings())
    account = await BillingAccount.get_or_none(tenant_id=tenant.id)
    if account is None or account.subscription_id is None or account.status == "canceled":
        raise DomainError(ErrorCode.CONFLICT, "this tenant has no subscription to cancel")
    try:
        sub = await client.v1.subscriptions.update_async(
            account.subscription_id, {"cancel_at_period_end": True}
        )
    except stripe.StripeError as exc:
        raise _stripe_failed(exc) from exc
    await _store_subscription(account, sub.to_dict())
    await audit.record(tenant.id, "billing.cancel", principal=p, target=account.subscription_id)
    return cast(dict[str, Any], _subscription_view(account))  # it has a subscription id


# --- Stripe's events ---------------------------------------------------------------------


async def receive_event(payload: bytes, signature: str | None) -> tuple[str, bool]:
    """Verify an event's ``Stripe-Signature`` and store it once. Returns (event id, whether
    it is new). Raises invalid_api_key (bad or stale signature), invalid_request,
    insufficient_permissions (webhooks not configured)."""
    settings = get_settings()
    if not settings.stripe_webhook_secret:
        raise forbidden("Stripe webhooks are not configured: set VOCALIA_STRIPE_WEBHOOK_SECRET")
    if not signature:
        raise DomainError(ErrorCode.INVALID_API_KEY, "the Stripe-Signature header is missing")
    try:
        event = stripe.Webhook.construct_event(
            payload, signature, settings.stripe_webhook_secret, tolerance=SIGNATURE_TOLERANCE
        )
    except stripe.SignatureVerificationError as exc:
        raise DomainError(
            ErrorCode.INVALID_API_KEY, "the Stripe-Signature does not verify (or is too old)"
        ) from exc
    except ValueError as exc:
        raise invalid("the body is not a Stripe event") from exc
    data = event.to_dict()
    event_id, kind = str(data.get("id") or ""), str(data.get("type") or "")
    if not event_id.startswith("evt_") or not kind or not isinstance(data.get("data"), dict):
        raise invalid("the body is not a Stripe event")
    try:
        await StripeEvent.create(id=event_id, type=kind, payload=data)
    except IntegrityError:
        return event_id, False
    return event_id, True


async def process_pending(limit: int = 100) -> int:
    """Apply the stored events not yet applied, oldest first; returns how many were."""
    done = 0
    for event_id in (
        await StripeEvent.filter(processed_at=None)
        .order_by("received_at")
        .limit(limit)
        .values_list("id", flat=True)
    ):
        if await process_event(str(event_id)):
            done += 1
    return done


async def process_event(event_id: str) -> bool:
    """Apply one stored event once: the row is locked and marked in the same transaction as
    what it changes."""
    async with in_transaction():
        row = await StripeEvent.filter(id=event_id, processed_at=None).select_for_update().first()
        if row is None:
            return False
        try:
            data = row.payload.get("data")
            obj = data.get("object") if isinstance(data, dict) else None
            tenant_id = await _apply(row.type, dict(obj) if isinstance(obj, dict) else {})
        except DomainError as exc:
            tenant_id, row.error = None, exc.message
        row.tenant_id = tenant_id
        row.attempts += 1
        row.processed_at = datetime.now(UTC)
        await row.save(update_fields=["tenant_id", "attempts", "processed_at", "error"])
    return True


async def _tenant_of(obj: dict[str, Any]) -> Tenant | None:
    metadata = obj.get("metadata") or {}
    tenant_id = metadata.get("tenant_id") or obj.get("client_reference_id")
    if isinstance(tenant_id, str) and tenant_id:
        return await Tenant.get_or_none(id=tenant_id)
    customer = obj.get("customer")
    if isinstance(customer, str):
        account = await BillingAccount.get_or_none(customer_id=customer)
        if account is not None:
            return await Tenant.get_or_none(id=account.tenant_id)
    return None


def _stamp(value: object) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if isinstance(value, int) else None


async def _store_subscription(account: BillingAccount, sub: dict[str, Any]) -> None:
    item = ((sub.get("items") or {}).get("data") or [{}])[0]
    account.subscription_id = sub.get("id")
    account.status = sub.get("status")
    account.price_id = (item.get("price") or {}).get("id")
    account.current_period_start = _stamp(
        sub.get("current_period_start") or item.get("current_period_start")
    )
    account.current_period_end = _stamp(
        sub.get("current_period_end") or item.get("current_period_end")
    )
    account.cancel_at_period_end = bool(sub.get("cancel_at_period_end"))
    if account.status != "past_due":
        account.past_due_since = None
    await account.save()


def _plan_of_price(price_id: str | None) -> str | None:
    return next((k for k, v in get_settings().stripe_prices if v == price_id), None)


async def _apply(kind: str, obj: dict[str, Any]) -> str | None:
    tenant = await _tenant_of(obj)
    if tenant is None:
        log.info("stripe event %s names no tenant of ours; ignored", kind)
        return None
    account = await _account(tenant)
    if kind == "checkout.session.completed":
        metadata = obj.get("metadata") or {}
        if obj.get("customer") and not account.customer_id:
            account.customer_id = obj["customer"]
            await account.save(update_fields=["customer_id", "updated_at"])
        if obj.get("mode") == "payment" and metadata.get("credits"):
            if obj.get("payment_status") != "paid":
                return tenant.id
            credits = Decimal(str(int(metadata["credits"])))
            # Added in the database: calls may be spending the balance meanwhile.
            await Tenant.filter(id=tenant.id).update(
                credit_balance=F("credit_balance") + credits, prepaid=True
            )
            await audit.record(
                tenant.id,
                "billing.credits_added",
                actor_id="stripe",
                target=obj.get("id"),
                data={"credits": str(credits)},
            )
        elif obj.get("mode") == "subscription":
            plan = metadata.get("plan")
            if plan in PLAN_NAMES:
                account.subscription_id = obj.get("subscription") or account.subscription_id
                account.status = "active"
                account.price_id = dict(get_settings().stripe_prices).get(plan)
                await account.save()
                await apply_plan(tenant, plan, source="stripe", data={"event": kind})
    elif kind.startswith("customer.subscription.") and account.subscription_id not in (
        None,
        obj.get("id"),
    ):
        # An older subscription of the tenant's (replaced since): the current one decides.
        log.info("stripe event %s is about a subscription the tenant no longer has", kind)
    elif kind in ("customer.subscription.updated", "customer.subscription.created"):
        await _store_subscription(account, obj)
        plan = _plan_of_price(account.price_id)
        if plan and account.status in ("active", "trialing"):
            await apply_plan(tenant, plan, source="stripe", data={"event": kind})
    elif kind == "customer.subscription.deleted":
        await _store_subscription(account, obj)
        await apply_plan(tenant, "starter", source="stripe", data={"event": kind})
    elif kind == "invoice.paid":
        if account.past_due_since is not None:
            account.past_due_since = None
            await account.save(update_fields=["past_due_since", "updated_at"])
    elif kind == "invoice.payment_failed" and account.past_due_since is None:
        account.past_due_since = datetime.now(UTC)
        account.status = "past_due"
        await account.save(update_fields=["past_due_since", "status", "updated_at"])
        await audit.record(
            tenant.id, "billing.payment_failed", actor_id="stripe", target=obj.get("id")
        )
        grace = timedelta(seconds=get_settings().billing_grace_seconds)
        await _warn(
            tenant,
            "payment_failed",
            invoiceId=obj.get("id"),
            graceEndsAt=_when(account.past_due_since + grace),
        )
    return tenant.id


async def _warn(tenant: Tenant, reason: str, **data: object) -> None:
    """quota.warning about the subscription (in the caller's transaction)."""
    await outbox.enqueue(
        tenant.id,
        "quota.warning",
        {"metric": "subscription", "reason": reason, "plan": tenant.plan, **data},
    )
    outbox.wake()


async def downgrade_overdue(grace: timedelta) -> int:
    """Tenants whose payment failed longer than ``grace`` ago go to starter; returns how many."""
    cutoff = datetime.now(UTC) - grace
    moved = 0
    for account in await BillingAccount.filter(past_due_since__lt=cutoff).select_related("tenant"):
        previous = account.tenant.plan
        async with in_transaction():
            if await apply_plan(
                account.tenant,
                "starter",
                source="stripe",
                data={"reason": "payment failed", "since": _when(account.past_due_since)},
            ):
                await _warn(account.tenant, "downgraded", previousPlan=previous)
                moved += 1
    return moved


async def sweep() -> None:
    """Each heartbeat: events a crash left unapplied, overdue payments' downgrades, and a
    batch of usage for Stripe's meters."""
    settings = get_settings()
    await process_pending()
    await downgrade_overdue(timedelta(seconds=settings.billing_grace_seconds))
    if settings.billing_configured:
        await metering.send_pending(_client(settings))
