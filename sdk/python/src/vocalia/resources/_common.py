"""What the resources share: the wire names of what they send, how pages are read and walked.

Each resource is a sync class and an async twin over the same `Op`s.

The shared `_...Ops` classes describe every request once (path, query, body, how to read the
answer); `Calls`/`AsyncCalls` and the others only run them on their client.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from vocalia._core import Op, body
from vocalia.types import FaqEntry, Page

T = TypeVar("T")
DateLike = str | date | datetime
# Agent fields a create or update may set: attribute name -> JSON name.
AGENT_FIELDS: dict[str, str] = {
    "id": "id",
    "name": "name",
    "language": "language",
    "persona": "persona",
    "instructions": "instructions",
    "greeting": "greeting",
    "voice": "voice",
    "tools": "tools",
    "faq": "faq",
    "transfer_number": "transferNumber",
    "max_duration": "maxDuration",
    "enabled": "enabled",
}
CALL_CREATE_FIELDS: dict[str, str] = {
    "to": "to",
    "agent_id": "agentId",
    "from_": "from",
    "metadata": "metadata",
    "webhook_url": "webhookUrl",
}
PHONE_NUMBER_FIELDS: dict[str, str] = {
    "number": "number",
    "label": "label",
    "carrier": "carrier",
    "is_default": "isDefault",
}
RESPOND_FIELDS: dict[str, str] = {
    "message": "message",
    "language": "language",
    "tenant_id": "tenant_id",
    "session_id": "session_id",
    "agent_id": "agentId",
}


class SyncRunner(Protocol):
    def _run(self, op: Op[T]) -> T: ...


class AsyncRunner(Protocol):
    def _run(self, op: Op[T]) -> Awaitable[T]: ...


def _page(item: Callable[[Any], T]) -> Callable[[Any], Page[T]]:
    def parse(data: Any) -> Page[T]:
        return Page(
            data=[item(x) for x in data["data"]],
            total=int(data["total"]),
            limit=int(data["limit"]),
            offset=int(data["offset"]),
        )

    return parse


def wire_body(fields: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(fields)
    if unknown:
        raise TypeError(f"unknown field(s): {', '.join(sorted(unknown))}")
    return body(**{fields[k]: v for k, v in values.items()})


def _faq(value: Any) -> Any:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [
            {"question": e.question, "answer": e.answer} if isinstance(e, FaqEntry) else e
            for e in value
        ]
    return value


def _iterate_sync(fetch: Callable[[int], Page[T]], key: Callable[[T], str]) -> Iterator[T]:
    offset, seen = 0, set[str]()
    while True:
        page = fetch(offset)
        for item in page.data:
            # A newest-first list shifts when items are added meanwhile: never yield one twice.
            if key(item) not in seen:
                seen.add(key(item))
                yield item
        if not page.has_more:
            return
        offset += len(page.data)


async def _iterate_async(
    fetch: Callable[[int], Awaitable[Page[T]]], key: Callable[[T], str]
) -> AsyncIterator[T]:
    offset, seen = 0, set[str]()
    while True:
        page = await fetch(offset)
        for item in page.data:
            if key(item) not in seen:
                seen.add(key(item))
                yield item
        if not page.has_more:
            return
        offset += len(page.data)
