"""GraphQL for the Auth domain: the same operations as /api/auth."""

from datetime import datetime
from typing import Annotated

import strawberry

from models.tenant import Tenant as TenantModel
from models.user import User as UserModel
from resolvers import auth
from schema.context import Info


@strawberry.type(description="A dashboard user.")
class User:
    id: strawberry.ID = strawberry.field(description="The user's id (usr_...).")
    email: str = strawberry.field(description="Login email, lowercase.")
    name: str = strawberry.field(description="Display name.")
    language: str = strawberry.field(description="Preferred language: fr, en, es, ar or ary.")
    role: str = strawberry.field(description="owner, admin, member, viewer, or superadmin.")
    tenant_id: str | None = strawberry.field(
        description="The user's tenant; null for a platform superadmin."
    )
    created_at: datetime = strawberry.field(description="When the account was created (UTC).")
    # The tenant's name when the user was read with its tenant (select_related): no second
    # query for `company` then.
    known_company: strawberry.Private[str | None] = None

    @strawberry.field(description="The name of the user's company (the tenant's name).")
    async def company(self, info: Info) -> str | None:
        if self.tenant_id is None:
            return None
        if self.known_company is not None:
            return self.known_company
        tenant = await info.context.loaders.tenant_by_id.load(self.tenant_id)
        return tenant.name if tenant is not None else None

    @classmethod
    def from_model(cls, user: UserModel) -> "User":
        # Tortoise keeps a select_related tenant in the instance's ``_tenant``.
        tenant = user.__dict__.get("_tenant")
        return cls(
            id=strawberry.ID(user.id),
            email=user.email,
            name=user.name,
            language=user.language,
            role=user.role,
            tenant_id=user.tenant_id,
            created_at=user.created_at,
            known_company=tenant.name if isinstance(tenant, TenantModel) else None,
        )


@strawberry.type(description="Tokens of a logged-in session.")
class AuthSession:
    access_token: str = strawberry.field(description="JWT access token (15 minutes).")
    refresh_token: str = strawberry.field(
        description="Opaque refresh token (30 days, rotated on every use)."
    )
    token_type: str = strawberry.field(description="Always Bearer.")
    expires_in: int = strawberry.field(description="Lifetime of the access token in seconds.")
    user: User = strawberry.field(description="The logged-in user.")

    @classmethod
    def from_session(cls, session: auth.Session) -> "AuthSession":
        return cls(
            access_token=session.access_token,
            refresh_token=session.refresh_token,
            token_type="Bearer",  # noqa: S106 (the token scheme, not a secret)
            expires_in=session.expires_in,
            user=User.from_model(session.user),
        )


@strawberry.type(description="A newly provisioned tenant with its owner.")
class Registration:
    tenant_id: str = strawberry.field(
        description="The tenant id: company slug + _ + 4 base-36 characters."
    )
    api_key: str = strawberry.field(description="The tenant's vk_ key, shown only this once.")
    plan: str = strawberry.field(description="starter, pro or enterprise.")
    provisioned: bool = strawberry.field(description="Always true once the tenant exists.")
    user: User = strawberry.field(description="The owner account.")


@strawberry.type
class AuthQuery:
    @strawberry.field(
        description="The current user. Errors: invalid_api_key, insufficient_permissions."
    )
    async def me(self, info: Info) -> User:
        return User.from_model(await auth.get_me(info.context.caller()))


@strawberry.type
class AuthMutation:
    @strawberry.mutation(
        description="Create a user and provision a tenant with its vk_ key. Errors: invalid_request, conflict, rate_limit_exceeded."
    )
    async def register(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="Login email.")],
        password: Annotated[str, strawberry.argument(description="At least 8 characters.")],
        company: Annotated[
            str, strawberry.argument(description="Company name; its slug starts the tenant id.")
        ],
        name: Annotated[str | None, strawberry.argument(description="The owner's name.")] = None,
        plan: Annotated[
            str | None, strawberry.argument(description="starter (default), pro or enterprise.")
        ] = None,
        language: Annotated[
            str | None, strawberry.argument(description="fr (default), en, es, ar or ary.")
        ] = None,
    ) -> Registration:
        reg = await auth.register(
            email=email,
            password=password,
            company=company,
            name=name,
            plan=plan,
            language=language,
            client_ip=info.context.client_ip,
        )
        return Registration(
            tenant_id=reg.tenant.id,
            api_key=reg.api_key,
            plan=reg.tenant.plan,
            provisioned=True,
            user=User.from_model(reg.user),
        )

    @strawberry.mutation(
        description="Log in with email and password. Errors: invalid_api_key, rate_limit_exceeded."
    )
    async def login(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="Login email.")],
        password: Annotated[str, strawberry.argument(description="Password.")],
    ) -> AuthSession:
        return AuthSession.from_session(
            await auth.login(email=email, password=password, client_ip=info.context.client_ip)
        )

    @strawberry.mutation(
        description="Exchange a refresh token for new tokens (rotation). Errors: invalid_api_key."
    )
    async def refresh(
        self,
        info: Info,
        refresh_token: Annotated[
            str, strawberry.argument(description="The current refresh token.")
        ],
    ) -> AuthSession:
        return AuthSession.from_session(
            await auth.refresh(refresh_token=refresh_token, client_ip=info.context.client_ip)
        )

    @strawberry.mutation(
        description="Revoke the given refresh token's session, or all sessions of the user."
    )
    async def logout(
        self,
        info: Info,
        refresh_token: Annotated[
            str | None, strawberry.argument(description="The session to end; all when omitted.")
        ] = None,
    ) -> bool:
        await auth.logout(info.context.caller(), refresh_token=refresh_token)
        return True

    @strawberry.mutation(
        description="Update the current user's name, company or language. Errors: invalid_request, insufficient_permissions."
    )
    async def update_me(
        self,
        info: Info,
        name: Annotated[str | None, strawberry.argument(description="New display name.")] = None,
        company: Annotated[
            str | None, strawberry.argument(description="New company name (owner or admin).")
        ] = None,
        language: Annotated[
            str | None, strawberry.argument(description="fr, en, es, ar or ary.")
        ] = None,
    ) -> User:
        user = await auth.update_me(
            info.context.caller(), name=name, company=company, language=language
        )
        if user.tenant is not None:
            # The renamed tenant replaces any cached copy; clear() would raise KeyError for a
            # key this request never loaded.
            info.context.loaders.tenant_by_id.prime(user.tenant.id, user.tenant, force=True)
        return User.from_model(user)

    @strawberry.mutation(
        description="Change the password; every refresh token is revoked. Errors: invalid_api_key, invalid_request."
    )
    async def change_password(
        self,
        info: Info,
        current_password: Annotated[str, strawberry.argument(description="The current password.")],
        new_password: Annotated[str, strawberry.argument(description="At least 8 characters.")],
    ) -> bool:
        await auth.change_password(
            info.context.caller(),
            current_password=current_password,
            new_password=new_password,
            client_ip=info.context.client_ip,
        )
        return True
