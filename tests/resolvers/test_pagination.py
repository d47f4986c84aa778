"""One Page and one paginate for every list: bounds, order, totals and slices."""

import pytest

from models.agent import Agent
from resolvers import agents
from resolvers.errors import DomainError
from resolvers.pagination import Page, paginate
from tests.factories import make_tenant


async def _agents(n: int) -> tuple[str, list[str]]:
    """A tenant with ``n`` agents (a0, a1, ...) and another tenant with one of its own."""
    tenant = await make_tenant()
    other = await make_tenant()
    await agents.create_agent(other.principal, {"id": "elsewhere", "name": "Other"})
    ids = [f"a{i}" for i in range(n)]
    for agent_id in ids:
        await agents.create_agent(tenant.principal, {"id": agent_id, "name": agent_id})
    return tenant.id, ids


@pytest.mark.parametrize(
    ("limit", "offset", "param", "message"),
    [
        (0, 0, "limit", "limit must be an integer from 1 to 100"),
        (101, 0, "limit", "limit must be an integer from 1 to 100"),
        (True, 0, "limit", "limit must be an integer from 1 to 100"),
        ("5", 0, "limit", "limit must be an integer from 1 to 100"),
        (None, 0, "limit", "limit must be an integer from 1 to 100"),
        (10, -1, "offset", "offset must be an integer from 0 to 1000000000"),
        (10, 1_000_000_001, "offset", "offset must be an integer from 0 to 1000000000"),
        (10, 1.0, "offset", "offset must be an integer from 0 to 1000000000"),
        (0, -1, "limit", "limit must be an integer from 1 to 100"),  # limit is checked first
    ],
)
async def test_out_of_bounds_is_invalid_request_naming_the_field(
    app: object, limit: object, offset: object, param: str, message: str
) -> None:
    with pytest.raises(DomainError) as info:
        await paginate(Agent.all(), limit, offset, "pk_id")
    assert (info.value.code.value, info.value.status, info.value.param, info.value.message) == (
        "invalid_request",
        400,
        param,
        message,
    )


async def test_the_bounds_themselves_are_accepted(app: object) -> None:
    tenant_id, _ = await _agents(1)
    qs = Agent.filter(tenant_id=tenant_id)
    assert (await paginate(qs, 100, 0, "pk_id")).limit == 100
    page = await paginate(qs, 1, 1_000_000_000, "pk_id")
    assert (page.items, page.total, page.limit, page.offset) == ([], 1, 1, 1_000_000_000)


async def test_pages_follow_the_order_and_count_only_the_filtered_rows(app: object) -> None:
    tenant_id, ids = await _agents(5)
    qs = Agent.filter(tenant_id=tenant_id)

    first = await paginate(qs, 2, 0, "pk_id")
    assert [a.agent_id for a in first.items] == ["a0", "a1"]
    assert (first.total, first.limit, first.offset) == (5, 2, 0)

    pages = [await paginate(qs, 2, offset, "pk_id") for offset in (0, 2, 4)]
    assert [a.agent_id for p in pages for a in p.items] == ids
    assert {p.total for p in pages} == {5}

    newest_first = await paginate(qs, 3, 1, "-pk_id")
    assert [a.agent_id for a in newest_first.items] == ["a3", "a2", "a1"]

    past_the_end = await paginate(qs, 10, 5, "pk_id")
    assert (past_the_end.items, past_the_end.total) == ([], 5)


async def test_a_page_without_an_order_is_a_programming_error(app: object) -> None:
    with pytest.raises(ValueError, match="needs an order"):
        await paginate(Agent.all(), 10, 0)


def test_a_page_is_frozen_and_maps_its_items_keeping_the_counts() -> None:
    page = Page([1, 2, 3], total=7, limit=3, offset=3)
    assert page.map(str) == Page(["1", "2", "3"], 7, 3, 3)
    assert page.with_items(["x"]) == Page(["x"], 7, 3, 3)
    with pytest.raises(AttributeError):
        page.total = 8  # type: ignore[misc]


async def test_list_resolvers_return_the_shared_page(app: object) -> None:
    tenant = await make_tenant()
    await agents.create_agent(tenant.principal, {"id": "only", "name": "Only"})
    page = await agents.list_agents(tenant.principal, limit=5)
    assert isinstance(page, Page)
    assert ([a.agent_id for a in page.items], page.total, page.limit, page.offset) == (
        ["only"],
        1,
        5,
        0,
    )
