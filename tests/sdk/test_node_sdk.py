"""The Node SDK (sdk/node, @vocalia/sdk) against a real server: `node --test` runs the SDK's own
test files (sdk/node/test/*.test.mjs) on the committed dist/, with a tenant, its secret key and
its owner's access token in the environment. Without `node` the test is skipped, except with
CI=true where it fails (like the postgres pass)."""

import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from tests import servers

pytestmark = pytest.mark.slow

SDK = servers.ROOT / "sdk" / "node"
PASSWORD = "node-sdk-long-password"
FAST = {
    "VOCALIA_SIM_RING_SECONDS": "0.05",
    "VOCALIA_SIM_ANSWER_SECONDS": "0.05",
    "VOCALIA_SIM_TURN_SECONDS": "0.2",
    # The SDK's webhook test receives real deliveries on a loopback port.
    "VOCALIA_ALLOW_PRIVATE_URLS": "1",
    "VOCALIA_WEBHOOK_RETRY_SCHEDULE": "0,1,1",
}
NODE_TIMEOUT = 300


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("node is not installed (CI=true: the Node SDK must be tested)")
        pytest.skip("node is not installed")
    return node


def node_flags(node: str) -> list[str]:
    """Node 20 has WebSocket behind a flag; 22+ has it on, and the stream test needs one."""
    probe = [node, "-e", "process.stdout.write(typeof WebSocket)"]
    if subprocess.run(probe, capture_output=True, text=True, check=True).stdout == "function":
        return []
    flagged = [node, "--experimental-websocket", *probe[1:]]
    done = subprocess.run(flagged, capture_output=True, text=True, check=False)
    return ["--experimental-websocket"] if done.stdout == "function" else []


def tenant(url: str) -> dict[str, str]:
    """A pro tenant registered over HTTP: its id, its owner's token, and a voc_sk_live_ key."""
    with httpx.Client(base_url=url, timeout=20) as c:
        email = f"node-sdk-{uuid.uuid4().hex[:10]}@example.com"
        reg = c.post(
            "/api/auth/register",
            json={"email": email, "password": PASSWORD, "company": "Node SDK", "plan": "pro"},
        )
        assert reg.status_code == 201, reg.text
        login = c.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        created = c.post(
            "/graphql",
            json={"query": "mutation { createApiKey(kind: SECRET) { secret } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 200, created.text
        return {
            "VOCALIA_API_KEY": str(created.json()["data"]["createApiKey"]["secret"]),
            "VOCALIA_TEST_TENANT_ID": str(reg.json()["tenant"]["id"]),
            "VOCALIA_TEST_ACCESS_TOKEN": str(token),
        }


def test_node_sdk_against_the_real_server(tmp_path: Path) -> None:
    node = node_or_skip()
    backend = servers.prepare_database(tmp_path, suffix=f"_nodesdk{uuid.uuid4().hex[:6]}")
    prefix = f"vocalia-nodesdk-{uuid.uuid4().hex[:8]}"
    env = servers.server_env(
        backend.database_url,
        tmp_path / "var",
        redis_url=backend.redis_url,
        redis_prefix=prefix,
        extra=FAST,
    )
    servers.migrate(env)
    try:
        with servers.running(env, tmp_path / "logs") as [server]:
            node_env = {k: v for k, v in os.environ.items() if not k.startswith("VOCALIA_")}
            node_env.update(tenant(server.url))
            node_env.update({"VOCALIA_BASE_URL": server.url, "NODE_ENV": "test"})
            node_env.pop("NODE_OPTIONS", None)
            try:
                done = subprocess.run(
                    [node, *node_flags(node), "--test", "--test-reporter=spec", "test/"],
                    cwd=SDK,
                    env=node_env,
                    capture_output=True,
                    text=True,
                    timeout=NODE_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                pytest.fail(f"node --test ran over {NODE_TIMEOUT} s:\n{exc.stdout}\n{exc.stderr}")
            output = f"{done.stdout}\n{done.stderr}"
            assert done.returncode == 0, (
                f"node --test failed:\n{output}\nserver log:\n{server.log()}"
            )
            # Every test ran: the live ones skip only when VOCALIA_BASE_URL is missing.
            skipped = re.search(r"^\S*\s*skipped (\d+)", output, re.MULTILINE)
            assert skipped is not None, output
            assert skipped.group(1) == "0", output
            passed = re.search(r"^\S*\s*pass (\d+)", output, re.MULTILINE)
            assert passed is not None, output
            assert int(passed.group(1)) >= 30, output
    finally:
        servers.flush_redis_prefix(backend.redis_url, prefix)
