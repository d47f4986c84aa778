"""Calls across real server processes: restart safety, and (PostgreSQL + Redis) one
concurrency limit and one control channel shared by two processes."""

import asyncio
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import backends, servers

pytestmark = pytest.mark.slow

FAST = {
    "VOCALIA_SIM_RING_SECONDS": "0.05",
    "VOCALIA_SIM_ANSWER_SECONDS": "0.05",
    "VOCALIA_SIM_TURN_SECONDS": "0.3",
    "VOCALIA_HEARTBEAT_SECONDS": "0.5",
    "VOCALIA_OWNER_STALE_SECONDS": "2",
}
LONG_SCRIPT = {"simulate": {"script": ["Bonjour, une question."] * 200}}


async def secret_key(url: str, plan: str = "pro") -> str:
    """A tenant registered over HTTP, its owner's token, and a voc_sk_live_ key made with it."""
    async with httpx.AsyncClient(base_url=url, timeout=20) as c:
        email = f"mp-{uuid.uuid4().hex[:10]}@example.com"
        reg = await c.post(
            "/api/auth/register",
            json={
                "email": email,
                "password": "long-enough-pw",
                "company": "Multi Process",
                "plan": plan,
            },
        )
        assert reg.status_code == 201, reg.text
        login = await c.post("/api/auth/login", json={"email": email, "password": "long-enough-pw"})
        token = login.json()["access_token"]
        created = await c.post(
            "/graphql",
            json={"query": "mutation { createApiKey(kind: SECRET) { secret } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        key = str(created.json()["data"]["createApiKey"]["secret"])
        agent = await c.post(
            "/v1/agents",
            json={"id": "agent_support_fr", "name": "Support"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert agent.status_code == 201, agent.text
        return key


async def call_status(url: str, key: str, call_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=20) as c:
        return dict(
            (await c.get(f"/v1/calls/{call_id}", headers={"Authorization": f"Bearer {key}"})).json()
        )


async def until(
    url: str, key: str, call_id: str, predicate: Any, timeout: float = 20
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = await call_status(url, key, call_id)
        if predicate(body):
            return body
        assert time.monotonic() < deadline, f"timed out; last state {body}"
        await asyncio.sleep(0.1)


@pytest.fixture
def db_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    backend = servers.prepare_database(tmp_path, suffix=f"_call{uuid.uuid4().hex[:6]}")
    prefix = f"vocalia-calls-{uuid.uuid4().hex[:8]}"
    env = servers.server_env(
        backend.database_url,
        tmp_path / "var",
        redis_url=backend.redis_url,
        redis_prefix=prefix,
        extra=FAST,
    )
    servers.migrate(env)
    try:
        yield env
    finally:
        servers.flush_redis_prefix(backend.redis_url, prefix)


async def test_calls_of_a_killed_process_end_failed_server_restart(
    db_env: dict[str, str], tmp_path: Path
) -> None:
    first = servers.start(db_env, tmp_path / "logs", name="first")
    try:
        key = await secret_key(first.url)
        async with httpx.AsyncClient(base_url=first.url, timeout=20) as c:
            r = await c.post(
                "/v1/calls",
                json={
                    "to": "+212612345678",
                    "agentId": "agent_support_fr",
                    "metadata": LONG_SCRIPT,
                },
                headers={"Authorization": f"Bearer {key}"},
            )
        call_id = r.json()["id"]
        await until(first.url, key, call_id, lambda b: b["status"] == "in-progress")
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
    finally:
        servers.stop(first)
    second = servers.start(db_env, tmp_path / "logs", name="second")
    try:
        done = await until(
            second.url, key, call_id, lambda b: b["status"] in ("completed", "failed")
        )
        assert (done["status"], done["endedReason"]) == ("failed", "server-restart")
        assert done["endedAt"] is not None
    finally:
        servers.stop(second)


@pytest.fixture
def two_servers(db_env: dict[str, str], tmp_path: Path) -> Iterator[list[servers.Server]]:
    if backends.backend_name() != "postgres":
        pytest.skip(
            "two processes share call slots and control messages through Redis (postgres pass)"
        )
    with servers.running(db_env, tmp_path / "logs", count=2) as started:
        yield started


async def test_concurrency_limit_holds_across_two_processes(
    two_servers: list[servers.Server],
) -> None:
    a, b = (s.url for s in two_servers)
    key = await secret_key(a, plan="starter")  # 5 simultaneous calls
    body = {"to": "+212612345678", "agentId": "agent_support_fr", "metadata": LONG_SCRIPT}
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(timeout=30) as c:
        responses = await asyncio.gather(
            *(c.post(f"{(a, b)[i % 2]}/v1/calls", json=body, headers=headers) for i in range(12))
        )
        assert sorted(r.status_code for r in responses) == [201] * 5 + [429] * 7
        assert {r.json()["error"]["code"] for r in responses if r.status_code == 429} == {
            "concurrency_limit_exceeded"
        }
        for r in responses:
            if r.status_code == 201:
                hung = await c.post(f"{b}/v1/calls/{r.json()['id']}/hangup", headers=headers)
                assert hung.status_code == 200


async def test_a_transfer_sent_to_one_process_reaches_the_call_on_the_other(
    two_servers: list[servers.Server],
) -> None:
    a, b = (s.url for s in two_servers)
    key = await secret_key(a)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(timeout=30) as c:
        r = await c.post(
            f"{a}/v1/calls",
            json={"to": "+212612345678", "agentId": "agent_support_fr", "metadata": LONG_SCRIPT},
            headers=headers,
        )
        call_id = r.json()["id"]
        await until(a, key, call_id, lambda body: len(body["transcript"]) >= 3)
        moved = await c.post(
            f"{b}/v1/calls/{call_id}/transfer", json={"to": "+212520999888"}, headers=headers
        )
        assert moved.status_code == 200
        assert (moved.json()["status"], moved.json()["endedReason"]) == ("completed", "transferred")
    # The process driving the call got the control message: its agent stops talking.
    settled = await call_status(a, key, call_id)
    await asyncio.sleep(1.0)
    assert (await call_status(b, key, call_id))["transcript"] == settled["transcript"]


async def test_a_subscriber_on_one_process_sees_a_call_created_on_the_other(
    two_servers: list[servers.Server],
) -> None:
    from tests import ws

    a, b = (s.url for s in two_servers)
    key = await secret_key(a)
    headers = {"Authorization": f"Bearer {key}"}
    body = {"to": "+212612340003", "agentId": "agent_support_fr"}  # fails fast: a short call
    query = 'subscription { tenantEvents(types: ["call.initiated"]) { type callId } }'
    async with (
        ws.session(b.replace("http://", "ws://") + "/graphql", key) as sock,
        httpx.AsyncClient(timeout=30) as c,
    ):
        await sock.subscribe("s1", query)
        # A call made on B itself proves the subscription is live (its event went through Redis).
        deadline = time.monotonic() + 20
        while True:
            probe = (await c.post(f"{b}/v1/calls", json=body, headers=headers)).json()["id"]
            try:
                message = await sock.receive(timeout=1.0)
                break
            except TimeoutError:
                assert time.monotonic() < deadline, "the subscription never became live"
        seen = {message["payload"]["data"]["tenantEvents"]["callId"]}
        remote = (await c.post(f"{a}/v1/calls", json=body, headers=headers)).json()["id"]
        async with asyncio.timeout(10):
            while remote not in seen:
                message = await sock.receive()
                assert message["type"] == "next", message
                event = message["payload"]["data"]["tenantEvents"]
                assert event["type"] == "call.initiated"
                seen.add(event["callId"])
        assert probe in seen


async def test_one_idempotency_key_makes_one_call_across_two_processes(
    two_servers: list[servers.Server],
) -> None:
    first, second = two_servers
    key = await secret_key(first.url)
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": f"mp-{uuid.uuid4().hex}"}
    body = {"to": "+212612345678", "agentId": "agent_support_fr", "metadata": LONG_SCRIPT}
    async with httpx.AsyncClient(timeout=20) as c:
        answers = await asyncio.gather(
            *(
                c.post(f"{server.url}/v1/calls", json=body, headers=headers)
                for server in (first, second) * 4
            )
        )
        ids = {r.json()["id"] for r in answers if r.status_code == 201}
        assert len(ids) == 1, [r.text for r in answers]
        assert {r.status_code for r in answers} <= {201, 409}
        # Once the first answer is stored, either process replays it.
        for server in (first, second):
            again = await c.post(f"{server.url}/v1/calls", json=body, headers=headers)
            assert (again.status_code, again.json()["id"]) == (201, next(iter(ids)))
            assert again.headers["idempotent-replayed"] == "true"
        listed = await c.get(f"{first.url}/v1/calls", headers={"Authorization": f"Bearer {key}"})
        assert listed.json()["total"] == 1
        await c.post(f"{first.url}/v1/calls/{next(iter(ids))}/hangup", headers=headers)
