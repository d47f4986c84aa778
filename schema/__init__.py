"""The GraphQL schema: per-domain roots merged into one, with the protective extensions."""

from typing import Any

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaxTokensLimiter
from strawberry.tools import merge_types

from schema.admin import AdminQuery, PlatformMutation, PlatformQuery
from schema.agents import AgentMutation, AgentQuery
from schema.audit import AuditQuery
from schema.auth import AuthMutation, AuthQuery
from schema.billing import BillingMutation, BillingQuery
from schema.bookings import BookingQuery
from schema.calls import CallMutation, CallQuery, CallSubscription
from schema.conversations import (
    ConversationMutation,
    ConversationQuery,
    ConversationSubscription,
)
from schema.errors import ErrorCodes, Schema
from schema.keys import KeyMutation, KeyQuery
from schema.knowledge import KnowledgeMutation, KnowledgeQuery, KnowledgeSubscription
from schema.limits import MAX_ALIASES, MAX_DEPTH, MAX_SELECTIONS, DocumentLimits
from schema.profiles import ProfileQuery
from schema.tenants import TenantMutation, TenantQuery
from schema.webhooks import WebhookMutation, WebhookQuery

MAX_TOKENS = 2000

Query = merge_types(
    "Query",
    (
        AuthQuery,
        TenantQuery,
        KeyQuery,
        AuditQuery,
        WebhookQuery,
        CallQuery,
        AgentQuery,
        BookingQuery,
        KnowledgeQuery,
        ConversationQuery,
        ProfileQuery,
        BillingQuery,
        AdminQuery,
        PlatformQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AuthMutation,
        TenantMutation,
        KeyMutation,
        WebhookMutation,
        CallMutation,
        AgentMutation,
        KnowledgeMutation,
        ConversationMutation,
        BillingMutation,
        PlatformMutation,
    ),
)
Subscription = merge_types(
    "Subscription", (CallSubscription, KnowledgeSubscription, ConversationSubscription)
)
# merge_types takes no description; the house rule wants one on every type.
Query.__strawberry_definition__.description = "Reads of the VocalIA API."  # type: ignore[attr-defined]
Mutation.__strawberry_definition__.description = "Changes through the VocalIA API."  # type: ignore[attr-defined]
Subscription.__strawberry_definition__.description = "Live events over graphql-transport-ws."  # type: ignore[attr-defined]


def build_schema(*, development: bool) -> strawberry.Schema:
    extensions: list[Any] = [
        lambda: ErrorCodes(suggestions=development),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        # Depth, aliases and expanded size, in time linear in the document, before validation.
        DocumentLimits,
    ]
    if not development:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)


__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_SELECTIONS", "MAX_TOKENS", "build_schema", "schema"]

# The schema as exported to schema.graphql (the SDL does not depend on the environment).
schema = build_schema(development=True)
