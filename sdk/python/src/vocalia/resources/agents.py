"""``/v1/agents``: `Agents` and `AsyncAgents`."""

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from vocalia import endpoints as ep
from vocalia._core import Op, query
from vocalia.resources._common import (
    AGENT_FIELDS,
    AsyncRunner,
    SyncRunner,
    _faq,
    _iterate_async,
    _iterate_sync,
    _page,
    wire_body,
)
from vocalia.types import Agent, Deleted, Page


class _AgentOps:
    @staticmethod
    def create(fields: Mapping[str, Any]) -> Op[Agent]:
        payload = wire_body(AGENT_FIELDS, {**fields, "faq": _faq(fields.get("faq"))})
        return Op("POST", ep.AGENTS, Agent.from_json, json=payload)

    @staticmethod
    def get(agent_id: str) -> Op[Agent]:
        return Op("GET", ep.path(ep.AGENT, agent_id=agent_id), Agent.from_json)

    @staticmethod
    def list(limit: int | None, offset: int | None) -> Op[Page[Agent]]:
        return Op(
            "GET", ep.AGENTS, _page(Agent.from_json), params=query(limit=limit, offset=offset)
        )

    @staticmethod
    def update(agent_id: str, fields: Mapping[str, Any]) -> Op[Agent]:
        values = dict(fields)
        if "faq" in values:
            values["faq"] = _faq(values["faq"])
        # Here None is a value: transfer_number=None clears the number.
        unknown = set(values) - set(AGENT_FIELDS)
        if unknown:
            raise TypeError(f"unknown field(s): {', '.join(sorted(unknown))}")
        payload = {AGENT_FIELDS[k]: v for k, v in values.items()}
        return Op("PATCH", ep.path(ep.AGENT, agent_id=agent_id), Agent.from_json, json=payload)

    @staticmethod
    def delete(agent_id: str) -> Op[Deleted]:
        return Op("DELETE", ep.path(ep.AGENT, agent_id=agent_id), Deleted.from_json)


class Agents:
    """``/v1/agents``: the tenant's voice agents. Fields are the snake_case of the API's
    (``transfer_number``, ``max_duration``...); ``faq`` takes `FaqEntry` or dicts."""

    def __init__(self, client: SyncRunner) -> None:
        self._client = client

    def create(self, **fields: Any) -> Agent:
        return self._client._run(_AgentOps.create(fields))

    def get(self, agent_id: str) -> Agent:
        return self._client._run(_AgentOps.get(agent_id))

    def list(self, *, limit: int | None = None, offset: int | None = None) -> Page[Agent]:
        return self._client._run(_AgentOps.list(limit, offset))

    def list_all(self, *, page_size: int = 100) -> Iterator[Agent]:
        return _iterate_sync(
            lambda offset: self.list(limit=page_size, offset=offset), lambda a: a.id
        )

    def update(self, agent_id: str, **fields: Any) -> Agent:
        return self._client._run(_AgentOps.update(agent_id, fields))

    def delete(self, agent_id: str) -> Deleted:
        return self._client._run(_AgentOps.delete(agent_id))


class AsyncAgents:
    """``/v1/agents``: the tenant's voice agents."""

    def __init__(self, client: AsyncRunner) -> None:
        self._client = client

    async def create(self, **fields: Any) -> Agent:
        return await self._client._run(_AgentOps.create(fields))

    async def get(self, agent_id: str) -> Agent:
        return await self._client._run(_AgentOps.get(agent_id))

    async def list(self, *, limit: int | None = None, offset: int | None = None) -> Page[Agent]:
        return await self._client._run(_AgentOps.list(limit, offset))

    def list_all(self, *, page_size: int = 100) -> AsyncIterator[Agent]:
        return _iterate_async(
            lambda offset: self.list(limit=page_size, offset=offset), lambda a: a.id
        )

    async def update(self, agent_id: str, **fields: Any) -> Agent:
        return await self._client._run(_AgentOps.update(agent_id, fields))

    async def delete(self, agent_id: str) -> Deleted:
        return await self._client._run(_AgentOps.delete(agent_id))
