"""Every REST list reads limit and offset the same way (rest_compat.http.query_int) and
answers the same {data, total, limit, offset} body."""

import httpx
import pytest

from tests.factories import assert_error, make_key, make_tenant


async def _lists(client: httpx.AsyncClient) -> list[tuple[str, dict[str, str]]]:
    t = await make_tenant(plan="pro")
    key = {"Authorization": f"Bearer {await make_key(t)}"}
    return [
        ("/v1/agents", key),
        ("/v1/calls", key),
        (f"/api/tenants/{t.id}/calls", t.headers),
        (f"/api/tenants/{t.id}/webhooks/deliveries", t.headers),
    ]


@pytest.mark.parametrize(
    ("query", "param", "message"),
    [
        ("limit=ten", "limit", "limit must be an integer"),
        ("limit=", "limit", "limit must be an integer"),
        ("offset=1.5", "offset", "offset must be an integer"),
        ("limit=0", "limit", "limit must be an integer from 1 to 100"),
        ("limit=101", "limit", "limit must be an integer from 1 to 100"),
        ("offset=-1", "offset", "offset must be an integer from 0 to 1000000000"),
    ],
)
async def test_bad_limit_or_offset_is_invalid_request_on_every_list(
    client: httpx.AsyncClient, query: str, param: str, message: str
) -> None:
    for path, headers in await _lists(client):
        r = await client.get(f"{path}?{query}", headers=headers)
        assert_error(r, 400, "invalid_request", param=param, message=message)


async def test_every_list_answers_the_page_body(client: httpx.AsyncClient) -> None:
    for path, headers in await _lists(client):
        r = await client.get(f"{path}?limit=7&offset=3", headers=headers)
        assert r.status_code == 200, (path, r.text)
        assert r.json() == {"data": [], "total": 0, "limit": 7, "offset": 3}, path
        r = await client.get(path, headers=headers)
        assert (r.json()["limit"], r.json()["offset"]) == (20, 0), path
