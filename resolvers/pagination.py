"""One page of a list: every list resolver checks bounds, counts, orders and slices alike."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from resolvers import validation

T = TypeVar("T")
U = TypeVar("U")
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int  # every row matching the filters, not only this page's
    limit: int
    offset: int

    def with_items(self, items: list[U]) -> "Page[U]":
        """The same page carrying other items (the rows of this one, enriched)."""
        return Page(items, self.total, self.limit, self.offset)

    def map(self, convert: Callable[[T], U]) -> "Page[U]":
        return self.with_items([convert(item) for item in self.items])


async def paginate(queryset: QuerySet[M], limit: object, offset: object, *order_by: str) -> Page[M]:
    """``limit`` rows of ``queryset`` after ``offset``, in ``order_by`` order (it must end
    on a unique column so pages never overlap). Raises invalid_request (limit 1-100, offset
    0-10^9)."""
    if not order_by:
        raise ValueError("a page needs an order: rows of an unordered query can repeat")
    limit_v, offset_v = validation.page_bounds(limit, offset)
    total = await queryset.count()
    items = await queryset.order_by(*order_by).offset(offset_v).limit(limit_v)
    return Page(list(items), total, limit_v, offset_v)
