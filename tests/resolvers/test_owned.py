"""One tenant-scoped lookup (resolvers.principals.get_owned): another tenant's id is the
same 404 as an id that exists nowhere, so nobody learns what another tenant holds."""

import pytest

from models.agent import Agent, PhoneNumber
from models.credential import ApiKey
from resolvers import agents, calls, keys
from resolvers.errors import DomainError
from resolvers.principals import get_owned
from tests.factories import make_tenant


def _error(info: pytest.ExceptionInfo[DomainError]) -> tuple[str, int, str, str | None]:
    e = info.value
    return (e.code.value, e.status, e.message, e.param)


async def _two_tenants() -> tuple[str, str]:
    mine = await make_tenant()
    theirs = await make_tenant()
    await agents.create_agent(theirs.principal, {"id": "their_agent", "name": "Theirs"})
    await agents.create_agent(mine.principal, {"id": "my_agent", "name": "Mine"})
    return mine.id, theirs.id


@pytest.mark.parametrize(
    "value", ["their_agent", "nowhere", "", "x" * 65, 42, None, ["my_agent"]], ids=repr
)
async def test_other_tenant_unknown_and_impossible_ids_are_one_404(
    app: object, value: object
) -> None:
    mine, _ = await _two_tenants()
    with pytest.raises(DomainError) as info:
        await get_owned(Agent, mine, "agent", value, field="agent_id")
    assert _error(info) == ("resource_not_found", 404, "agent not found", "id")


async def test_finds_the_tenants_own_row_by_the_named_field(app: object) -> None:
    mine, theirs = await _two_tenants()
    agent = await get_owned(Agent, mine, "agent", "my_agent", field="agent_id", param="agentId")
    assert (agent.agent_id, agent.tenant_id) == ("my_agent", mine)
    with pytest.raises(DomainError) as info:
        await get_owned(Agent, theirs, "agent", "my_agent", field="agent_id", param="agentId")
    assert _error(info) == ("resource_not_found", 404, "agent not found", "agentId")


async def test_the_column_length_bounds_the_id(app: object) -> None:
    mine, _ = await _two_tenants()
    # PhoneNumber.id holds 40 characters: 41 cannot exist and is not even looked up.
    for value in ("p" * 40, "p" * 41):
        with pytest.raises(DomainError) as info:
            await get_owned(PhoneNumber, mine, "phone number", value)
        assert _error(info) == ("resource_not_found", 404, "phone number not found", "id")


async def test_unstorable_text_is_invalid_request(app: object) -> None:
    mine, _ = await _two_tenants()
    with pytest.raises(DomainError) as info:
        await get_owned(Agent, mine, "agent", "my\x00agent", field="agent_id")
    assert (info.value.code.value, info.value.param) == ("invalid_request", "id")


async def test_no_tenant_reaches_any_tenants_row_and_loads_relations(app: object) -> None:
    _, theirs = await _two_tenants()
    agent = await get_owned(Agent, None, "agent", "their_agent", field="agent_id")
    assert agent.tenant_id == theirs
    key = await ApiKey.filter(tenant_id=theirs).first()
    assert key is not None
    loaded = await get_owned(ApiKey, theirs, "api key", key.id, related=("tenant",))
    assert loaded.tenant.id == theirs


async def test_resolvers_answer_another_tenants_id_like_an_unknown_one(app: object) -> None:
    mine = await make_tenant()
    theirs = await make_tenant()
    await agents.create_agent(theirs.principal, {"id": "their_agent", "name": "Theirs"})
    number = await agents.add_phone_number(theirs.principal, {"number": "+212520123456"})
    their_key = (await keys.create_key(theirs.principal, kind="secret")).key
    cases = [
        (agents.get_agent(mine.principal, "their_agent"), "agent not found"),
        (agents.get_agent(mine.principal, "no_agent"), "agent not found"),
        (agents.remove_phone_number(mine.principal, number.id), "phone number not found"),
        (agents.remove_phone_number(mine.principal, "pn_unknown"), "phone number not found"),
        (keys.revoke_key(mine.principal, their_key.id), "api key not found"),
        (keys.revoke_key(mine.principal, "key_unknown"), "api key not found"),
        (calls.get_call(mine.principal, "call_unknown"), "call not found"),
        (
            calls.get_call(mine.principal, "call_unknown", tenant_id=theirs.id),
            "tenant not found",
        ),
    ]
    for call, message in cases:
        with pytest.raises(DomainError) as info:
            await call
        expected_param = None if message == "tenant not found" else "id"
        assert _error(info) == ("resource_not_found", 404, message, expected_param)
    # Nothing of theirs changed.
    assert await PhoneNumber.exists(id=number.id)
    assert (await ApiKey.get(id=their_key.id)).revoked_at is None
