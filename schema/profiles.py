"""GraphQL for unified customer profiles (a person's conversations, leads, bookings and
callbacks, merged by phone number and email)."""

from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from resolvers import profiles
from schema.agents import LimitArg, OffsetArg
from schema.context import Info
from schema.pagination import page_of
from schema.tenants import TenantIdArg


@strawberry.type(description="A person the tenant's agents talked to, across channels.")
class CustomerProfile:
    id: strawberry.ID = strawberry.field(description="ucp_...")
    names: list[str] = strawberry.field(description="Names given, first first.")
    phones: list[str] = strawberry.field(description="E.164 numbers.")
    emails: list[str] = strawberry.field(description="Lower-case emails.")
    lead_score: int | None = strawberry.field(description="Best BANT score of their leads.")
    conversations: list[strawberry.ID] = strawberry.field(description="call_... and conv_...")
    leads: list[strawberry.ID] = strawberry.field(description="lead_...")
    bookings: JSON = strawberry.field(description="[{id, startsAt, status}].")
    callbacks: JSON = strawberry.field(description="[{id, at, status}].")
    first_seen: str | None = strawberry.field(description="ISO 8601, UTC.")
    last_seen: str | None = strawberry.field(description="ISO 8601, UTC.")

    @classmethod
    def from_profile(cls, p: profiles.Profile) -> "CustomerProfile":
        def iso(value: object) -> str | None:
            return value.isoformat() if hasattr(value, "isoformat") else None

        return cls(
            id=strawberry.ID(p.id),
            names=p.names,
            phones=p.phones,
            emails=p.emails,
            lead_score=p.lead_score,
            conversations=[strawberry.ID(c) for c in p.conversations],
            leads=[strawberry.ID(lead) for lead in p.leads],
            bookings=cast(
                JSON,
                [
                    {"id": b["id"], "startsAt": iso(b["starts_at"]), "status": b["status"]}
                    for b in p.bookings
                ],
            ),
            callbacks=cast(
                JSON,
                [{"id": c["id"], "at": iso(c["at"]), "status": c["status"]} for c in p.callbacks],
            ),
            first_seen=iso(p.first_seen),
            last_seen=iso(p.last_seen),
        )


@strawberry.type(description="A page of customer profiles, most recently seen first.")
class CustomerProfilePage:
    items: list[CustomerProfile] = strawberry.field(description="This page's.")
    total: int = strawberry.field(description="All profiles matching q.")
    limit: int = strawberry.field(description="Page size (1-100).")
    offset: int = strawberry.field(description="Profiles skipped.")


@strawberry.type
class ProfileQuery:
    @strawberry.field(
        description="Customer profiles, most recently seen first. Errors: invalid_request, resource_not_found, insufficient_permissions."
    )
    async def customer_profiles(
        self,
        info: Info,
        tenant_id: TenantIdArg = None,
        q: Annotated[
            str | None, strawberry.argument(description="Part of a name, number or email.")
        ] = None,
        limit: LimitArg = 20,
        offset: OffsetArg = 0,
    ) -> CustomerProfilePage:
        found = await profiles.list_profiles(
            info.context.caller(), q=q, limit=limit, offset=offset, tenant_id=tenant_id
        )
        return page_of(CustomerProfilePage, found, CustomerProfile.from_profile)

    @strawberry.field(
        description="One customer profile. Errors: resource_not_found, insufficient_permissions."
    )
    async def customer_profile(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="ucp_...; another tenant's is resource_not_found."),
        ],
        tenant_id: TenantIdArg = None,
    ) -> CustomerProfile:
        found = await profiles.get_profile(info.context.caller(), str(id), tenant_id)
        return CustomerProfile.from_profile(found)
