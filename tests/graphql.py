"""Small helpers shared by the GraphQL tests: post an operation, read its data or its error."""

from typing import Any

import httpx


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    r = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


def gql_error(body: dict[str, Any]) -> dict[str, Any]:
    """The one error of a failed operation: its extensions (code, status, param...)."""
    assert body["data"] is None, body
    [error] = body["errors"]
    ext: dict[str, Any] = error["extensions"]
    return ext


def rest_error(r: httpx.Response) -> dict[str, Any]:
    """The REST error reduced to what GraphQL's extensions carry, for side-by-side checks."""
    error: dict[str, Any] = r.json()["error"]
    assert error["status"] == r.status_code
    return {k: error[k] for k in ("code", "status", "param") if k in error}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
