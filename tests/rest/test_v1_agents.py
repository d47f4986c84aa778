"""/v1/agents and /v1/phone-numbers, and the built-in persona templates."""

import httpx
import pytest

from resolvers.personas import PERSONAS
from resolvers.validation import LANGUAGES
from tests.factories import TenantCtx, assert_error, make_key, make_tenant


@pytest.fixture
async def keyed(client: httpx.AsyncClient) -> tuple[TenantCtx, dict[str, str]]:
    t = await make_tenant(plan="pro")
    return t, {"Authorization": f"Bearer {await make_key(t)}"}


def test_five_personas_speak_five_languages() -> None:
    assert set(PERSONAS) == {
        "agency",
        "dental_clinic",
        "real_estate",
        "ecommerce",
        "small_business",
    }
    for persona in PERSONAS.values():
        assert set(persona.greeting) == set(LANGUAGES)
        assert set(persona.instructions) == set(LANGUAGES)
        assert all(
            len(text) > 10 for text in (*persona.greeting.values(), *persona.instructions.values())
        )


async def test_agent_crud(
    client: httpx.AsyncClient, keyed: tuple[TenantCtx, dict[str, str]]
) -> None:
    _, h = keyed
    r = await client.post(
        "/v1/agents",
        json={
            "id": "agent_dentist_ar",
            "name": "Cabinet",
            "language": "ar",
            "persona": "dental_clinic",
            "transferNumber": "+212520999888",
            "maxDuration": 300,
        },
        headers=h,
    )
    assert r.status_code == 201
    body = r.json()
    assert body["id"] == "agent_dentist_ar"
    assert body["greeting"] == PERSONAS["dental_clinic"].greeting["ar"]
    assert body["instructions"] == PERSONAS["dental_clinic"].instructions["ar"]
    assert body["tools"] == [
        "transfer_call",
        "create_booking",
        "qualify_lead",
        "search_knowledge_base",
        "schedule_callback",
        "end_call",
    ]
    assert (body["transferNumber"], body["maxDuration"], body["enabled"]) == (
        "+212520999888",
        300,
        True,
    )
    assert_error(
        await client.post(
            "/v1/agents", json={"id": "agent_dentist_ar", "name": "Again"}, headers=h
        ),
        409,
        "conflict",
        param="id",
    )
    generated = (await client.post("/v1/agents", json={"name": "Auto"}, headers=h)).json()
    assert generated["id"].startswith("agent_")
    patched = await client.patch(
        "/v1/agents/agent_dentist_ar",
        json={"greeting": "Salam!", "tools": ["end_call"], "enabled": False},
        headers=h,
    )
    assert (patched.json()["greeting"], patched.json()["tools"], patched.json()["enabled"]) == (
        "Salam!",
        ["end_call"],
        False,
    )
    page = (await client.get("/v1/agents", params={"limit": 1}, headers=h)).json()
    assert (page["total"], len(page["data"]), page["data"][0]["id"]) == (2, 1, "agent_dentist_ar")
    assert (await client.delete("/v1/agents/agent_dentist_ar", headers=h)).json() == {
        "id": "agent_dentist_ar",
        "deleted": True,
    }
    assert_error(
        await client.get("/v1/agents/agent_dentist_ar", headers=h),
        404,
        "resource_not_found",
        param="id",
    )


@pytest.mark.parametrize(
    ("_case", "body", "param"),
    [
        ("bad id", {"id": "bad id!", "name": "X"}, "id"),
        ("no name", {"id": "agent_x"}, "name"),
        ("language", {"name": "X", "language": "de"}, "language"),
        ("persona", {"name": "X", "persona": "lawyer"}, "persona"),
        ("tools", {"name": "X", "tools": ["hack"]}, "tools"),
        ("duration", {"name": "X", "maxDuration": 5}, "maxDuration"),
        ("faq", {"name": "X", "faq": [{"question": "Q"}]}, "faq[0].answer"),
    ],
)
async def test_agent_validation(
    client: httpx.AsyncClient,
    keyed: tuple[TenantCtx, dict[str, str]],
    _case: str,
    body: dict[str, object],
    param: str,
) -> None:
    _, h = keyed
    assert_error(
        await client.post("/v1/agents", json=body, headers=h), 400, "invalid_request", param=param
    )


async def test_transfer_number_must_be_e164(
    client: httpx.AsyncClient, keyed: tuple[TenantCtx, dict[str, str]]
) -> None:
    _, h = keyed
    assert_error(
        await client.post("/v1/agents", json={"name": "X", "transferNumber": "0612"}, headers=h),
        400,
        "invalid_phone_number",
        param="transferNumber",
    )


async def test_phone_numbers(
    client: httpx.AsyncClient, keyed: tuple[TenantCtx, dict[str, str]]
) -> None:
    _, h = keyed
    first = await client.post(
        "/v1/phone-numbers", json={"number": "+212520123456", "label": "Casablanca"}, headers=h
    )
    assert first.status_code == 201
    assert (first.json()["isDefault"], first.json()["carrier"]) == (True, "simulated")
    second = (
        await client.post(
            "/v1/phone-numbers", json={"number": "+212522000000", "isDefault": True}, headers=h
        )
    ).json()
    listed = (await client.get("/v1/phone-numbers", headers=h)).json()
    assert {(n["number"], n["isDefault"]) for n in listed["data"]} == {
        ("+212520123456", False),
        ("+212522000000", True),
    }
    # The same tenant holds a number once ...
    assert_error(
        await client.post("/v1/phone-numbers", json={"number": "+212520123456"}, headers=h),
        409,
        "conflict",
        param="number",
    )
    # ... while another tenant adding it gets what it would for a number nobody holds: no
    # oracle for which numbers other tenants have, and each tenant sees only its own row.
    other = await make_tenant(plan="pro")
    other_h = {"Authorization": f"Bearer {await make_key(other)}"}
    theirs = await client.post(
        "/v1/phone-numbers", json={"number": "+212520123456"}, headers=other_h
    )
    fresh = await client.post(
        "/v1/phone-numbers", json={"number": "+212520777777"}, headers=other_h
    )
    assert (theirs.status_code, fresh.status_code) == (201, 201)
    assert set(theirs.json()) == set(fresh.json())
    assert theirs.json()["id"] not in {first.json()["id"], second["id"]}
    assert [
        n["number"] for n in (await client.get("/v1/phone-numbers", headers=other_h)).json()["data"]
    ] == ["+212520123456", "+212520777777"]
    assert {
        n["number"] for n in (await client.get("/v1/phone-numbers", headers=h)).json()["data"]
    } == {"+212520123456", "+212522000000"}
    assert_error(
        await client.post("/v1/phone-numbers", json={"number": "12345"}, headers=h),
        400,
        "invalid_phone_number",
        param="number",
    )
    assert_error(
        await client.delete(f"/v1/phone-numbers/{second['id']}", headers=other_h),
        404,
        "resource_not_found",
        param="id",
    )
    assert (await client.delete(f"/v1/phone-numbers/{second['id']}", headers=h)).status_code == 200
    remaining = (await client.get("/v1/phone-numbers", headers=h)).json()["data"]
    assert [(n["number"], n["isDefault"]) for n in remaining] == [("+212520123456", True)]
    # `from` defaults to the default number; another of the tenant's numbers may be named.
    await client.post("/v1/agents", json={"id": "agent_support_fr", "name": "Support"}, headers=h)
    call = await client.post(
        "/v1/calls", json={"to": "+212612340003", "agentId": "agent_support_fr"}, headers=h
    )
    assert call.json()["from"] == "+212520123456"


async def test_member_cannot_change_agents_but_can_read(
    client: httpx.AsyncClient, keyed: tuple[TenantCtx, dict[str, str]]
) -> None:
    from resolvers import agents
    from resolvers.errors import DomainError
    from resolvers.principals import Principal

    t, h = keyed
    await client.post("/v1/agents", json={"id": "agent_support_fr", "name": "Support"}, headers=h)
    member = Principal(kind="user", tenant_id=t.id, role="member", plan="pro", user_id="usr_x")
    assert (await agents.get_agent(member, "agent_support_fr")).name == "Support"
    with pytest.raises(DomainError) as info:
        await agents.update_agent(member, "agent_support_fr", {"name": "Hacked"})
    assert info.value.code.value == "insufficient_permissions"
