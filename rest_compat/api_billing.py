"""Billing (Stripe): /api/tenants/:id/billing..., /api/billing/prices and the Stripe webhook
POST /webhooks/stripe."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from resolvers import billing
from resolvers.plans import PLAN_NAMES
from rest_compat.http import dashboard_principal, json_body, json_response, path_tenant
from rest_compat.schemas import (
    BOOL,
    NDT,
    NSTR,
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

SUBSCRIPTION = component(
    "Subscription",
    out(
        {
            "id": STR,
            "status": NSTR,
            "plan": enum(PLAN_NAMES, nullable=True),
            "priceId": NSTR,
            "currentPeriodStart": NDT,
            "currentPeriodEnd": NDT,
            "cancelAtPeriodEnd": BOOL,
            "pastDueSince": NDT,
        }
    ),
)
NULLABLE_SUBSCRIPTION = {"anyOf": [SUBSCRIPTION, {"type": "null"}]}
INVOICE = component(
    "Invoice",
    out(
        {
            "id": STR,
            "number": NSTR,
            "date": NDT,
            "amount": {"type": "number"},
            "currency": STR,
            "status": NSTR,
            "hosted_url": NSTR,
            "pdf_url": NSTR,
        }
    ),
)
NOT_CONFIGURED = (
    " Without VOCALIA_STRIPE_SECRET_KEY: 403 insufficient_permissions, billing is not configured"
)
GET_BILLING = Doc(
    "The tenant's plan and features, its subscription, its last invoices (from Stripe) and its"
    " prepaid credit balance. Owner or admin." + NOT_CONFIGURED,
    {
        200: out(
            {
                "plan": enum(PLAN_NAMES),
                "features": array(STR),
                "subscription": NULLABLE_SUBSCRIPTION,
                "invoices": array(INVOICE),
                "prepaid": BOOL,
                "creditBalance": {"type": "number"},
                "creditCurrency": STR,
            }
        )
    },
    errors=(),
)
CHECKOUT = Doc(
    "A Stripe Checkout Session: {plan} subscribes to a plan (or the reference's {priceId}),"
    " {credits} buys prepaid credits (10 to 100000 units of the credit currency). The plan or"
    " the balance changes when Stripe's checkout.session.completed arrives. Owner only."
    + NOT_CONFIGURED,
    {200: out({"success": BOOL, "url": STR, "sessionId": STR})},
    errors=(400,),
    body=inp(
        {
            "plan": enum(PLAN_NAMES),
            "credits": {
                "type": "integer",
                "minimum": billing.MIN_CREDITS,
                "maximum": billing.MAX_CREDITS,
            },
            "priceId": STR,
            "successUrl": STR,
            "cancelUrl": STR,
        }
    ),
)
PORTAL = Doc(
    "A Stripe Billing Portal session (payment methods, invoices, plan). Owner only."
    + NOT_CONFIGURED,
    {200: out({"success": BOOL, "url": STR})},
    errors=(400,),
    body=inp({"returnUrl": STR}),
    body_required=False,
)
GET_SUBSCRIPTION = Doc(
    "The tenant's subscription as Stripe last reported it, or null. Owner or admin."
    + NOT_CONFIGURED,
    {200: NULLABLE_SUBSCRIPTION},
)
CANCEL = Doc(
    "Cancel the subscription at the end of its period (the plan stays until then); 409 when"
    " there is none. Owner only." + NOT_CONFIGURED,
    {200: NULLABLE_SUBSCRIPTION},
    errors=(400, 409),
    body=inp({}),
    body_required=False,
)
PRICES = Doc(
    "The Stripe Price id of each plan (null where none is configured). Public.",
    {200: out(dict.fromkeys(PLAN_NAMES, NSTR))},
    auth="none",
)
STRIPE_WEBHOOK = Doc(
    "Stripe's events (checkout.session.completed, invoice.paid, invoice.payment_failed,"
    " customer.subscription.updated|deleted), verified with the Stripe-Signature header"
    " (VOCALIA_STRIPE_WEBHOOK_SECRET, 5-minute tolerance) and stored before they are applied:"
    " each event id is applied once, however often Stripe sends it",
    {200: out({"received": BOOL, "duplicate": BOOL})},
    errors=(400, 401, 403),
    headers={"Stripe-Signature": Param(STR, "t=<unix>,v1=<hex HMAC-SHA256>")},
    auth="none",
)


async def get_billing(request: Request) -> Response:
    return json_response(
        await billing.get_billing(dashboard_principal(request), path_tenant(request))
    )


async def checkout(request: Request) -> Response:
    principal = dashboard_principal(request)
    body = await json_body(request)
    return json_response(await billing.create_checkout(principal, path_tenant(request), body))


async def portal(request: Request) -> Response:
    principal = dashboard_principal(request)
    body = await json_body(request, required=False)
    return json_response(await billing.create_portal(principal, path_tenant(request), body))


async def subscription(request: Request) -> Response:
    return json_response(
        await billing.get_subscription(dashboard_principal(request), path_tenant(request))
    )


async def cancel(request: Request) -> Response:
    principal = dashboard_principal(request)
    await json_body(request, required=False)
    return json_response(await billing.cancel_subscription(principal, path_tenant(request)))


async def prices(request: Request) -> Response:
    return json_response(billing.prices())


async def stripe_webhook(request: Request) -> Response:
    payload = await request.body()
    event_id, new = await billing.receive_event(payload, request.headers.get("stripe-signature"))
    if new:
        await billing.process_event(event_id)
    return json_response({"received": True, "duplicate": not new})


T = "/tenants/{tenant_id}/billing"
routes: list[BaseRoute] = [
    DocRoute(T, get_billing, get=GET_BILLING),
    DocRoute(f"{T}/checkout", checkout, post=CHECKOUT),
    DocRoute(f"{T}/portal", portal, post=PORTAL),
    DocRoute(f"{T}/subscription", subscription, get=GET_SUBSCRIPTION),
    DocRoute(f"{T}/cancel", cancel, post=CANCEL),
    DocRoute("/billing/prices", prices, get=PRICES),
]
# At the root, where Stripe's dashboard is pointed (not under /api).
webhook_routes: list[BaseRoute] = [
    DocRoute("/webhooks/stripe", stripe_webhook, post=STRIPE_WEBHOOK)
]
