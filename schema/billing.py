"""GraphQL billing (Stripe): the tenant's plan, subscription, invoices and credits; Checkout,
the Billing Portal and cancellation. The same resolvers as /api/tenants/:id/billing..."""

from typing import Annotated, Any

import strawberry

from resolvers import billing
from schema.context import Info
from schema.tenants import TenantIdArg


@strawberry.type(
    name="BillingSubscription",
    description="The tenant's Stripe subscription, as Stripe last reported it.",
)
class Subscription:
    id: strawberry.ID = strawberry.field(description="Stripe's sub_... id.")
    status: str | None = strawberry.field(description="active, past_due, canceled...")
    plan: str | None = strawberry.field(description="The plan its Price is configured for.")
    price_id: str | None = strawberry.field(description="The Stripe Price it bills.")
    current_period_start: str | None = strawberry.field(description="ISO 8601, UTC.")
    current_period_end: str | None = strawberry.field(description="ISO 8601, UTC.")
    cancel_at_period_end: bool = strawberry.field(description="Ends when its period ends.")
    past_due_since: str | None = strawberry.field(
        description="When a payment first failed; after the grace period the plan is starter."
    )

    @classmethod
    def of(cls, view: dict[str, Any] | None) -> "Subscription | None":
        return None if view is None else cls.of_view(view)

    @classmethod
    def of_view(cls, view: dict[str, Any]) -> "Subscription":
        return cls(
            id=strawberry.ID(view["id"]),
            status=view["status"],
            plan=view["plan"],
            price_id=view["priceId"],
            current_period_start=view["currentPeriodStart"],
            current_period_end=view["currentPeriodEnd"],
            cancel_at_period_end=view["cancelAtPeriodEnd"],
            past_due_since=view["pastDueSince"],
        )


@strawberry.type(description="An invoice, from Stripe.")
class Invoice:
    id: strawberry.ID = strawberry.field(description="Stripe's in_... id.")
    number: str | None = strawberry.field(description="The invoice number.")
    date: str | None = strawberry.field(description="When it was issued (ISO 8601, UTC).")
    amount: float = strawberry.field(description="Paid (or due), in currency units.")
    currency: str = strawberry.field(description="ISO 4217, upper case.")
    status: str | None = strawberry.field(description="paid, open, void...")
    hosted_url: str | None = strawberry.field(description="Stripe's page for it.")
    pdf_url: str | None = strawberry.field(description="Its PDF.")


@strawberry.type(description="A tenant's billing.")
class Billing:
    plan: str = strawberry.field(description="The current plan.")
    features: list[str] = strawberry.field(description="The plan's features.")
    subscription: Subscription | None = strawberry.field(description="None without one.")
    invoices: list[Invoice] = strawberry.field(description="The last invoices, newest first.")
    prepaid: bool = strawberry.field(description="Calls are paid from the credit balance.")
    credit_balance: float = strawberry.field(description="Prepaid credits left.")
    credit_currency: str = strawberry.field(description="Their currency.")


@strawberry.type(description="A Stripe-hosted page to send the user to.")
class BillingRedirect:
    url: str = strawberry.field(description="Where to send the user.")
    session_id: str | None = strawberry.field(description="The Checkout Session id (cs_...).")


@strawberry.type
class BillingQuery:
    @strawberry.field(
        description="Plan, subscription, invoices and credits (owner or admin). Errors:"
        " insufficient_permissions (also: billing not configured), resource_not_found."
    )
    async def billing(self, info: Info, tenant_id: TenantIdArg = None) -> Billing:
        view = await billing.get_billing(info.context.caller(), tenant_id)
        return Billing(
            plan=view["plan"],
            features=view["features"],
            subscription=Subscription.of(view["subscription"]),
            invoices=[Invoice(**{**i, "id": strawberry.ID(i["id"])}) for i in view["invoices"]],
            prepaid=view["prepaid"],
            credit_balance=view["creditBalance"],
            credit_currency=view["creditCurrency"],
        )


@strawberry.type
class BillingMutation:
    @strawberry.mutation(
        description="A Stripe Checkout Session for a plan or for prepaid credits (exactly one;"
        " owner). Errors: invalid_request, insufficient_permissions, resource_not_found."
    )
    async def create_checkout_session(
        self,
        info: Info,
        plan: Annotated[
            str | None, strawberry.argument(description="starter, pro or enterprise.")
        ] = None,
        credits: Annotated[
            int | None, strawberry.argument(description="10 to 100000 units.")
        ] = None,
        success_url: Annotated[
            str | None, strawberry.argument(description="Where Stripe sends the user after paying.")
        ] = None,
        cancel_url: Annotated[
            str | None, strawberry.argument(description="Where Stripe sends the user who gives up.")
        ] = None,
        tenant_id: TenantIdArg = None,
    ) -> BillingRedirect:
        body = {
            k: v
            for k, v in {
                "plan": plan,
                "credits": credits,
                "successUrl": success_url,
                "cancelUrl": cancel_url,
            }.items()
            if v is not None
        }
        out = await billing.create_checkout(info.context.caller(), tenant_id, body)
        return BillingRedirect(url=out["url"], session_id=out["sessionId"])

    @strawberry.mutation(
        description="A Stripe Billing Portal session (owner). Errors: invalid_request,"
        " insufficient_permissions, resource_not_found."
    )
    async def create_billing_portal_session(
        self,
        info: Info,
        return_url: Annotated[
            str | None, strawberry.argument(description="Where the portal's back link goes.")
        ] = None,
        tenant_id: TenantIdArg = None,
    ) -> BillingRedirect:
        body = {"returnUrl": return_url} if return_url is not None else {}
        out = await billing.create_portal(info.context.caller(), tenant_id, body)
        return BillingRedirect(url=out["url"], session_id=None)

    @strawberry.mutation(
        description="Cancel the subscription at the end of its period (owner). Errors: conflict,"
        " insufficient_permissions, resource_not_found."
    )
    async def cancel_subscription(self, info: Info, tenant_id: TenantIdArg = None) -> Subscription:
        view = await billing.cancel_subscription(info.context.caller(), tenant_id)
        return Subscription.of_view(view)
