"""Building the GraphQL page types (AgentPage, CallPage, ...) from a resolver's Page: each
keeps its own name and descriptions in the SDL, the fields are filled in one place."""

from collections.abc import Callable
from typing import Any, TypeVar

from resolvers.pagination import Page

T = TypeVar("T")
P = TypeVar("P")


def page_of(page_type: Callable[..., P], page: Page[T], item: Callable[[T], Any]) -> P:
    return page_type(
        items=[item(x) for x in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )
