"""Billing with Stripe, against a local Stripe (tests/billing/fake_stripe.py) that speaks the
REST endpoints the official package calls, and events signed as Stripe signs them."""

import json
import time
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from models.audit import AuditLog
from models.billing import BillingAccount, StripeEvent
from models.tenant import Tenant
from resolvers import billing
from resolvers.settings import Settings, configure
from tests.billing.fake_stripe import PRICES, SECRET_KEY, FakeStripe
from tests.factories import TenantCtx, assert_error, make_tenant, make_user

NOT_CONFIGURED = (
    "billing is not configured on this server: set VOCALIA_STRIPE_SECRET_KEY (and"
    " VOCALIA_STRIPE_PRICE_<PLAN>, VOCALIA_STRIPE_WEBHOOK_SECRET)"
)


def _path(shop: TenantCtx, rest: str = "") -> str:
    return f"/api/tenants/{shop.id}/billing{rest}"


async def _send(
    client: httpx.AsyncClient, fake: FakeStripe, event: dict[str, object], **sign: object
) -> httpx.Response:
    payload = json.dumps(event).encode()
    return await client.post(
        "/webhooks/stripe",
        content=payload,
        headers={
            "Stripe-Signature": fake.sign(payload, **sign),
            "Content-Type": "application/json",
        },  # type: ignore[arg-type]
    )


async def _checkout(client: httpx.AsyncClient, shop: TenantCtx, body: dict[str, object]) -> str:
    r = await client.post(_path(shop, "/checkout"), json=body, headers=shop.headers)
    assert r.status_code == 200, r.text
    assert r.json()["url"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    return str(r.json()["sessionId"])


# --- not configured -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "rest"),
    [
        ("GET", ""),
        ("POST", "/checkout"),
        ("POST", "/portal"),
        ("GET", "/subscription"),
        ("POST", "/cancel"),
    ],
)
async def test_without_stripe_billing_says_it_is_not_configured(
    client: httpx.AsyncClient, method: str, rest: str
) -> None:
    shop = await make_tenant()
    body = {"plan": "pro"} if rest == "/checkout" else None
    r = await client.request(method, _path(shop, rest), json=body, headers=shop.headers)
    if rest == "/subscription":
        # Nothing to ask Stripe: what we know is that there is none.
        assert (r.status_code, r.json()) == (200, None)
        return
    assert_error(r, 403, "insufficient_permissions", message=NOT_CONFIGURED)
    # Everything else works.
    assert (
        await client.get(f"/api/tenants/{shop.id}/usage", headers=shop.headers)
    ).status_code == 200


async def test_prices_are_public_and_null_when_not_configured(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    r = await client.get("/api/billing/prices")
    assert (r.status_code, r.json()) == (200, {"starter": None, "pro": None, "enterprise": None})
    configure(settings.with_overrides(stripe_prices=(("pro", "price_pro_x"),)))
    r = await client.get("/api/billing/prices")
    assert r.json() == {"starter": None, "pro": "price_pro_x", "enterprise": None}


async def test_the_stripe_webhook_without_its_secret_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/webhooks/stripe", content=b"{}", headers={"Stripe-Signature": "t=1,v1=00"}
    )
    assert_error(
        r,
        403,
        "insufficient_permissions",
        message="Stripe webhooks are not configured: set VOCALIA_STRIPE_WEBHOOK_SECRET",
    )


# --- a plan bought through Checkout --------------------------------------------------------------


async def test_checkout_then_the_signed_event_moves_the_plan_once(
    client: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    shop = await make_tenant(plan="starter", company="Riad Atlas")
    session_id = await _checkout(
        client, shop, {"plan": "pro", "successUrl": "https://riad.example/ok"}
    )
    [created] = [r for r in stripe_fake.received if r.path == "/v1/checkout/sessions"]
    assert created.params["mode"] == "subscription"
    assert created.params["line_items"] == [{"price": PRICES["pro"], "quantity": "1"}]
    assert created.params["metadata"] == {"tenant_id": shop.id, "plan": "pro"}
    assert created.params["success_url"] == "https://riad.example/ok"
    customer = created.params["customer"]
    assert stripe_fake.customers[customer]["metadata"] == {"tenant_id": shop.id}
    # Nothing changes before Stripe says the customer paid.
    assert (await Tenant.get(id=shop.id)).plan == "starter"

    event = stripe_fake.complete_checkout(session_id)
    r = await _send(client, stripe_fake, event)
    assert (r.status_code, r.json()) == (200, {"received": True, "duplicate": False})
    assert (await Tenant.get(id=shop.id)).plan == "pro"
    usage = (await client.get(f"/api/tenants/{shop.id}/usage", headers=shop.headers)).json()
    assert usage["plan"] == "pro"
    assert "export" in usage["features_enabled"]

    # Stripe retries: the same event is received, not applied again.
    again = await _send(client, stripe_fake, event)
    assert (again.status_code, again.json()) == (200, {"received": True, "duplicate": True})
    changes = await AuditLog.filter(tenant_id=shop.id, action="tenant.plan_changed").count()
    assert changes == 1

    body = (await client.get(_path(shop), headers=shop.headers)).json()
    sub = body["subscription"]
    assert (sub["plan"], sub["status"], sub["priceId"]) == ("pro", "active", PRICES["pro"])
    assert body["plan"] == "pro"
    [invoice] = body["invoices"]
    assert (invoice["amount"], invoice["currency"], invoice["status"]) == (990.0, "MAD", "paid")
    assert invoice["hosted_url"].startswith("https://invoice.stripe.com/i/in_")
    # Stripe then reports the subscription itself, with its period.
    updated = stripe_fake.event(
        "customer.subscription.updated",
        stripe_fake.subscriptions[event["data"]["object"]["subscription"]],
    )  # type: ignore[index]
    assert (await _send(client, stripe_fake, updated)).status_code == 200
    sub = (await client.get(_path(shop, "/subscription"), headers=shop.headers)).json()
    assert sub["currentPeriodEnd"] is not None
    assert sub["cancelAtPeriodEnd"] is False


async def test_a_forged_stale_or_foreign_event_changes_nothing(
    client: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    shop = await make_tenant(plan="starter")
    session_id = await _checkout(client, shop, {"plan": "enterprise"})
    event = stripe_fake.complete_checkout(session_id)
    payload = json.dumps(event).encode()
    cases = {
        "forged": stripe_fake.sign(payload, secret="whsec_not_the_secret"),
        "stale": stripe_fake.sign(payload, at=int(time.time()) - 3600),
        "garbage": "t=abc,v1=zz",
    }
    for signature in cases.values():
        r = await client.post(
            "/webhooks/stripe", content=payload, headers={"Stripe-Signature": signature}
        )
        assert_error(
            r,
            401,
            "invalid_api_key",
            message="the Stripe-Signature does not verify (or is too old)",
        )
    r = await client.post("/webhooks/stripe", content=payload)
    assert_error(r, 401, "invalid_api_key", message="the Stripe-Signature header is missing")
    # Signed, but altered after signing.
    tampered = payload.replace(b'"enterprise"', b'"pro"')
    r = await client.post(
        "/webhooks/stripe",
        content=tampered,
        headers={"Stripe-Signature": stripe_fake.sign(payload)},
    )
    assert_error(r, 401, "invalid_api_key")
    # Well signed, not an event.
    junk = b'{"hello": "world"}'
    r = await client.post(
        "/webhooks/stripe", content=junk, headers={"Stripe-Signature": stripe_fake.sign(junk)}
    )
    assert_error(r, 400, "invalid_request", message="the body is not a Stripe event")
    assert (await Tenant.get(id=shop.id)).plan == "starter"
    assert await StripeEvent.all().count() == 0


async def test_an_event_stored_before_a_crash_is_applied_by_the_sweep(
    client: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    shop = await make_tenant(plan="starter")
    event = stripe_fake.complete_checkout(await _checkout(client, shop, {"plan": "pro"}))
    payload = json.dumps(event).encode()
    # The process stored the event, then died before applying it.
    event_id, new = await billing.receive_event(payload, stripe_fake.sign(payload))
    assert new
    assert (await Tenant.get(id=shop.id)).plan == "starter"
    await billing.sweep()
    assert (await Tenant.get(id=shop.id)).plan == "pro"
    row = await StripeEvent.get(id=event_id)
    assert (row.tenant_id, row.attempts, row.error) == (shop.id, 1, None)
    await billing.sweep()
    assert (await StripeEvent.get(id=event_id)).attempts == 1


# --- credits --------------------------------------------------------------------------------------


async def test_credits_bought_are_added_once(
    client: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    shop = await make_tenant(plan="pro")
    session_id = await _checkout(client, shop, {"credits": 250})
    [created] = [r for r in stripe_fake.received if r.path == "/v1/checkout/sessions"]
    assert created.params["mode"] == "payment"
    assert created.params["line_items"][0]["price_data"]["unit_amount"] == "25000"
    assert created.params["line_items"][0]["price_data"]["currency"] == "mad"
    event = stripe_fake.complete_checkout(session_id)
    for _ in range(2):
        assert (await _send(client, stripe_fake, event)).status_code == 200
    tenant = await Tenant.get(id=shop.id)
    assert (tenant.credit_balance, tenant.prepaid, tenant.plan) == (Decimal("250"), True, "pro")
    body = (await client.get(_path(shop), headers=shop.headers)).json()
    assert (body["creditBalance"], body["creditCurrency"], body["prepaid"]) == (250.0, "MAD", True)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"credits": 5}, "credits"),
        ({"credits": "100"}, "credits"),
        ({"credits": True}, "credits"),
        ({"plan": "gold"}, "plan"),
        ({}, "plan"),
        ({"plan": "pro", "credits": 100}, "plan"),
        ({"plan": "pro", "successUrl": "javascript:alert(1)"}, "successUrl"),
        ({"plan": "pro", "coupon": "FREE"}, "coupon"),
        ({"priceId": "price_unknown"}, "priceId"),
    ],
)
async def test_bad_checkouts_are_invalid_requests(
    client: httpx.AsyncClient, stripe_fake: FakeStripe, body: dict[str, object], param: str
) -> None:
    shop = await make_tenant()
    r = await client.post(_path(shop, "/checkout"), json=body, headers=shop.headers)
    assert_error(r, 400, "invalid_request", param=param)
    assert not [x for x in stripe_fake.received if x.path == "/v1/checkout/sessions"]


async def test_the_references_price_id_checkout_works(
    client: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    shop = await make_tenant()
    await _checkout(client, shop, {"priceId": PRICES["enterprise"]})
    [created] = [r for r in stripe_fake.received if r.path == "/v1/checkout/sessions"]
    assert created.params["metadata"]["plan"] == "enterprise"


# --- portal, cancel, failed payments ---------------------------------------------------------------


async def test_portal_and_cancel_at_period_end(
    client: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    shop = await make_tenant()
    r = await client.post(_path(shop, "/cancel"), headers=shop.headers)
    assert_error(r, 409, "conflict", message="this tenant has no subscription to cancel")
    event = stripe_fake.complete_checkout(await _checkout(client, shop, {"plan": "pro"}))
    await _send(client, stripe_fake, event)
    r = await client.post(
        _path(shop, "/portal"), json={"returnUrl": "https://riad.example/b"}, headers=shop.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["url"].startswith("https://billing.stripe.com/p/session/bps_")
    r = await client.post(_path(shop, "/cancel"), headers=shop.headers)
    assert r.status_code == 200, r.text
    assert r.json()["cancelAtPeriodEnd"] is True
    sub_id = r.json()["id"]
    assert stripe_fake.subscriptions[sub_id]["cancel_at_period_end"] is True
    # The plan stays until Stripe ends the subscription.
    assert (await Tenant.get(id=shop.id)).plan == "pro"
    ended = dict(stripe_fake.subscriptions[sub_id], status="canceled")
    await _send(client, stripe_fake, stripe_fake.event("customer.subscription.deleted", ended))
    assert (await Tenant.get(id=shop.id)).plan == "starter"


async def test_a_failed_payment_downgrades_after_the_grace_period(
    client: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    shop = await make_tenant()
    event = stripe_fake.complete_checkout(await _checkout(client, shop, {"plan": "pro"}))
    await _send(client, stripe_fake, event)
    sub_id = event["data"]["object"]["subscription"]  # type: ignore[index]
    await _send(client, stripe_fake, stripe_fake.fail_payment(sub_id))
    account = await BillingAccount.get(tenant_id=shop.id)
    assert account.past_due_since is not None
    assert await AuditLog.filter(tenant_id=shop.id, action="billing.payment_failed").count() == 1
    # Within the grace period the plan stays.
    assert await billing.downgrade_overdue(timedelta(days=7)) == 0
    assert (await Tenant.get(id=shop.id)).plan == "pro"
    assert await billing.downgrade_overdue(timedelta(0)) == 1
    assert (await Tenant.get(id=shop.id)).plan == "starter"
    change = (
        await AuditLog.filter(tenant_id=shop.id, action="tenant.plan_changed")
        .order_by("-created_at")
        .first()
    )
    assert change is not None
    assert (change.actor_id, change.data["to"], change.data["reason"]) == (
        "stripe",
        "starter",
        "payment failed",
    )


async def test_a_paid_invoice_ends_the_grace_period(
    client: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    shop = await make_tenant()
    event = stripe_fake.complete_checkout(await _checkout(client, shop, {"plan": "pro"}))
    await _send(client, stripe_fake, event)
    failed = stripe_fake.fail_payment(event["data"]["object"]["subscription"])  # type: ignore[index]
    await _send(client, stripe_fake, failed)
    paid = stripe_fake.event("invoice.paid", dict(failed["data"]["object"], status="paid"))  # type: ignore[index]
    await _send(client, stripe_fake, paid)
    assert (await BillingAccount.get(tenant_id=shop.id)).past_due_since is None
    assert await billing.downgrade_overdue(timedelta(0)) == 0
    assert (await Tenant.get(id=shop.id)).plan == "pro"


# --- who may -----------------------------------------------------------------------------------------


async def test_only_owners_pay_and_managers_read(
    client: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    shop = await make_tenant()
    _admin, admin = await make_user(shop, role="admin")
    _member, member = await make_user(shop, role="member")
    assert (await client.get(_path(shop), headers=admin)).status_code == 200
    r = await client.post(_path(shop, "/checkout"), json={"plan": "pro"}, headers=admin)
    assert_error(r, 403, "insufficient_permissions", message="only the tenant owner can do this")
    r = await client.get(_path(shop), headers=member)
    assert_error(r, 403, "insufficient_permissions")
    other = await make_tenant()
    r = await client.get(_path(other), headers=shop.headers)
    assert_error(r, 404, "resource_not_found")
    r = await client.post(_path(other, "/checkout"), json={"plan": "pro"}, headers=shop.headers)
    assert_error(r, 404, "resource_not_found")
    assert not [x for x in stripe_fake.received if x.path == "/v1/checkout/sessions"]


async def test_stripe_unreachable_is_a_clear_error(
    client: httpx.AsyncClient, stripe_fake: FakeStripe, settings: Settings
) -> None:
    shop = await make_tenant()
    configure(
        settings.with_overrides(
            stripe_secret_key=SECRET_KEY,
            stripe_prices=tuple(PRICES.items()),
            stripe_api_base="http://127.0.0.1:9",
        )
    )
    r = await client.post(_path(shop, "/checkout"), json={"plan": "pro"}, headers=shop.headers)
    assert_error(r, 500, "internal_error", message="Stripe cannot be reached: retry later")


async def test_graphql_gives_the_same_billing(
    client: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    shop = await make_tenant()

    async def gql(query: str) -> dict[str, object]:
        r = await client.post("/graphql", json={"query": query}, headers=shop.headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]

    made = await gql('mutation { createCheckoutSession(plan: "pro") { url sessionId } }')
    session_id = made["createCheckoutSession"]["sessionId"]  # type: ignore[index]
    await _send(client, stripe_fake, stripe_fake.complete_checkout(session_id))
    data = await gql(
        "{ billing { plan creditBalance subscription { plan status cancelAtPeriodEnd }"
        " invoices { amount currency status } } }"
    )
    rest = (await client.get(_path(shop), headers=shop.headers)).json()
    assert data["billing"] == {  # type: ignore[comparison-overlap]
        "plan": "pro",
        "creditBalance": 0.0,
        "subscription": {"plan": "pro", "status": "active", "cancelAtPeriodEnd": False},
        "invoices": [{k: i[k] for k in ("amount", "currency", "status")} for i in rest["invoices"]],
    }
    cancelled = await gql("mutation { cancelSubscription { cancelAtPeriodEnd } }")
    assert cancelled == {"cancelSubscription": {"cancelAtPeriodEnd": True}}
    portal = await gql("mutation { createBillingPortalSession { url } }")
    assert portal["createBillingPortalSession"]["url"].startswith("https://billing.stripe.com/")  # type: ignore[index]


async def test_the_end_of_a_replaced_subscription_leaves_the_plan(
    client: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    shop = await make_tenant()
    first = stripe_fake.complete_checkout(await _checkout(client, shop, {"plan": "pro"}))
    await _send(client, stripe_fake, first)
    second = stripe_fake.complete_checkout(await _checkout(client, shop, {"plan": "enterprise"}))
    await _send(client, stripe_fake, second)
    assert (await Tenant.get(id=shop.id)).plan == "enterprise"
    old_id = first["data"]["object"]["subscription"]  # type: ignore[index]
    ended = dict(stripe_fake.subscriptions[old_id], status="canceled")
    await _send(client, stripe_fake, stripe_fake.event("customer.subscription.deleted", ended))
    assert (await Tenant.get(id=shop.id)).plan == "enterprise"
    # Credits bought twice add up.
    for credits in (100, 50):
        paid = stripe_fake.complete_checkout(await _checkout(client, shop, {"credits": credits}))
        await _send(client, stripe_fake, paid)
    assert (await Tenant.get(id=shop.id)).credit_balance == Decimal("150")
