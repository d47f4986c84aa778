"""``/v1/calls``: `Calls` and `AsyncCalls`."""

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from vocalia import endpoints as ep
from vocalia._core import Op, body, idempotency_key, query
from vocalia.resources._common import (
    CALL_CREATE_FIELDS,
    AsyncRunner,
    DateLike,
    SyncRunner,
    _iterate_async,
    _iterate_sync,
    _page,
    wire_body,
)
from vocalia.types import Call, CallStatus, Page


class _CallOps:
    @staticmethod
    def create(
        to: str,
        agent_id: str,
        from_: str | None,
        metadata: Mapping[str, Any] | None,
        webhook_url: str | None,
        key: str | None,
    ) -> Op[Call]:
        payload = wire_body(
            CALL_CREATE_FIELDS,
            {
                "to": to,
                "agent_id": agent_id,
                "from_": from_,
                "metadata": dict(metadata) if metadata is not None else None,
                "webhook_url": webhook_url,
            },
        )
        # The server honours Idempotency-Key on POST /v1/calls: with one, a retry after a
        # 5xx or a lost answer can never place a second call.
        headers = {"Idempotency-Key": key or idempotency_key()}
        return Op("POST", ep.CALLS, Call.from_json, json=payload, headers=headers)

    @staticmethod
    def get(call_id: str) -> Op[Call]:
        return Op("GET", ep.path(ep.CALL, call_id=call_id), Call.from_json)

    @staticmethod
    def list(
        limit: int | None,
        offset: int | None,
        status: CallStatus | None,
        from_: DateLike | None,
        to: DateLike | None,
    ) -> Op[Page[Call]]:
        params = query(limit=limit, offset=offset, status=status, **{"from": from_, "to": to})
        return Op("GET", ep.CALLS, _page(Call.from_json), params=params)

    @staticmethod
    def transfer(call_id: str, to: str, message: str | None) -> Op[Call]:
        return Op(
            "POST",
            ep.path(ep.CALL_TRANSFER, call_id=call_id),
            Call.from_json,
            json=body(to=to, message=message),
        )

    @staticmethod
    def hangup(call_id: str) -> Op[Call]:
        return Op("POST", ep.path(ep.CALL_HANGUP, call_id=call_id), Call.from_json)


class Calls:
    """``/v1/calls``: place, read, list, transfer and end calls."""

    def __init__(self, client: SyncRunner) -> None:
        self._client = client

    def create(
        self,
        *,
        to: str,
        agent_id: str,
        from_: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        webhook_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> Call:
        """Place an outbound call (``to`` in E.164). An ``Idempotency-Key`` is generated
        unless given, and kept across this call's retries."""
        return self._client._run(
            _CallOps.create(to, agent_id, from_, metadata, webhook_url, idempotency_key)
        )

    def get(self, call_id: str) -> Call:
        return self._client._run(_CallOps.get(call_id))

    def list(
        self,
        *,
        limit: int | None = None,
        offset: int | None = None,
        status: CallStatus | None = None,
        from_: DateLike | None = None,
        to: DateLike | None = None,
    ) -> Page[Call]:
        """One page, newest first; ``from_``/``to`` filter on ``createdAt``."""
        return self._client._run(_CallOps.list(limit, offset, status, from_, to))

    def list_all(
        self,
        *,
        page_size: int = 100,
        status: CallStatus | None = None,
        from_: DateLike | None = None,
        to: DateLike | None = None,
    ) -> Iterator[Call]:
        """Every matching call, fetching pages of ``page_size`` as the iteration goes."""
        return _iterate_sync(
            lambda offset: self.list(
                limit=page_size, offset=offset, status=status, from_=from_, to=to
            ),
            lambda call: call.id,
        )

    def transfer(self, call_id: str, *, to: str, message: str | None = None) -> Call:
        """Hand an in-progress call to a human at ``to`` (``ConflictError`` once it ended)."""
        return self._client._run(_CallOps.transfer(call_id, to, message))

    def hangup(self, call_id: str) -> Call:
        return self._client._run(_CallOps.hangup(call_id))


class AsyncCalls:
    """``/v1/calls``: place, read, list, transfer and end calls."""

    def __init__(self, client: AsyncRunner) -> None:
        self._client = client

    async def create(
        self,
        *,
        to: str,
        agent_id: str,
        from_: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        webhook_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> Call:
        return await self._client._run(
            _CallOps.create(to, agent_id, from_, metadata, webhook_url, idempotency_key)
        )

    async def get(self, call_id: str) -> Call:
        return await self._client._run(_CallOps.get(call_id))

    async def list(
        self,
        *,
        limit: int | None = None,
        offset: int | None = None,
        status: CallStatus | None = None,
        from_: DateLike | None = None,
        to: DateLike | None = None,
    ) -> Page[Call]:
        return await self._client._run(_CallOps.list(limit, offset, status, from_, to))

    def list_all(
        self,
        *,
        page_size: int = 100,
        status: CallStatus | None = None,
        from_: DateLike | None = None,
        to: DateLike | None = None,
    ) -> AsyncIterator[Call]:
        return _iterate_async(
            lambda offset: self.list(
                limit=page_size, offset=offset, status=status, from_=from_, to=to
            ),
            lambda call: call.id,
        )

    async def transfer(self, call_id: str, *, to: str, message: str | None = None) -> Call:
        return await self._client._run(_CallOps.transfer(call_id, to, message))

    async def hangup(self, call_id: str) -> Call:
        return await self._client._run(_CallOps.hangup(call_id))
