"""The vocalia-server console script: migrate, seed-demo, create-superadmin, serve --demo."""

import json
import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests import backends

BIN = Path(sys.executable).parent / "vocalia-server"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("cli")
    backend = backends.prepare(tmp, suffix="_cli")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOCALIA_")}
    env.update(
        {
            "VOCALIA_VAR_DIR": str(tmp / "var"),
            "VOCALIA_DATABASE_URL": backend.database_url,
            "VOCALIA_ENV": "development",
        }
    )
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migrate_is_idempotent(cli_env: dict[str, str]) -> None:
    first = _cli(cli_env, "migrate")
    second = _cli(cli_env, "migrate")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "migrations applied" in second.stdout


def test_seed_demo_prints_the_same_working_credentials_twice(cli_env: dict[str, str]) -> None:
    first = _cli(cli_env, "seed-demo")
    second = _cli(cli_env, "seed-demo")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    saved = json.loads((Path(cli_env["VOCALIA_VAR_DIR"]) / "demo-credentials.json").read_text())
    assert (Path(cli_env["VOCALIA_VAR_DIR"]) / "demo-credentials.json").stat().st_mode & 0o077 == 0
    for value in saved.values():
        assert value in first.stdout
    assert "  agents            agent_support_fr, agent_support_en\n" in first.stdout
    assert "  caller number     +212520123456 (simulated carrier)\n" in first.stdout
    assert first.stdout.splitlines()[-1].startswith(
        f'curl -X POST http://127.0.0.1:8000/v1/calls -H "Authorization: Bearer {saved["test_key"]}"'
    )
    assert saved["tenant_key"].startswith("vk_")
    assert saved["secret_key"].startswith("voc_sk_live_")
    assert saved["test_key"].startswith("voc_sk_test_")
    assert saved["publishable_key"].startswith("voc_pk_live_")
    assert saved["tenant_id"].startswith("vocalia_demo_")


def test_create_superadmin(cli_env: dict[str, str]) -> None:
    ok = _cli(
        cli_env, "create-superadmin", "--email", "root@vocalia.test", "--password", "long-enough-pw"
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout.strip().splitlines()[-1])["email"] == "root@vocalia.test"
    again = _cli(
        cli_env, "create-superadmin", "--email", "root@vocalia.test", "--password", "long-enough-pw"
    )
    assert again.returncode == 1
    assert "conflict" in again.stderr
    weak = _cli(cli_env, "create-superadmin", "--email", "x@vocalia.test", "--password", "short")
    assert weak.returncode == 1
    assert "invalid_request" in weak.stderr


def test_production_requires_a_jwt_secret(cli_env: dict[str, str]) -> None:
    result = _cli({**cli_env, "VOCALIA_ENV": "production"}, "migrate")
    assert result.returncode == 2
    assert "VOCALIA_JWT_SECRET is required" in result.stderr
    short = _cli({**cli_env, "VOCALIA_JWT_SECRET": "too-short"}, "migrate")
    assert short.returncode == 2
    assert "at least 32 bytes" in short.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_demo_starts_and_the_printed_login_works(cli_env: dict[str, str]) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [str(BIN), "serve", "--demo", "--port", str(port)],
        env=cli_env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, "server exited early"
            assert time.monotonic() < deadline, "server did not become healthy"
            time.sleep(0.2)
        saved = json.loads((Path(cli_env["VOCALIA_VAR_DIR"]) / "demo-credentials.json").read_text())
        login = httpx.post(
            f"http://127.0.0.1:{port}/api/auth/login",
            json={"email": saved["email"], "password": saved["password"]},
            timeout=10,
        )
        assert login.status_code == 200
        me = httpx.get(
            f"http://127.0.0.1:{port}/api/tenants/{saved['tenant_id']}/usage",
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
            timeout=10,
        )
        assert me.status_code == 200
        assert me.json()["plan"] == "pro"
        # The printout's last line is a curl that works as printed, against this server.
        printed = _read_until_curl(proc)
        argv = shlex.split(printed.splitlines()[-1])
        assert argv[:3] == ["curl", "-X", "POST"]
        assert argv[3] == f"http://127.0.0.1:{port}/v1/calls"
        headers = dict(h.split(": ", 1) for h in argv[5:9:2])
        assert argv[4] == argv[6] == "-H"
        assert argv[8] == "-d"
        assert headers["Authorization"] == f"Bearer {saved['test_key']}"
        call = httpx.post(argv[3], headers=headers, content=argv[9].encode(), timeout=10)
        assert call.status_code == 201, call.text
        assert (call.json()["agentId"], call.json()["from"]) == (
            "agent_support_fr",
            "+212520123456",
        )
        hangup = httpx.post(
            f"{argv[3]}/{call.json()['id']}/hangup",
            headers={"Authorization": headers["Authorization"]},
            timeout=10,
        )
        assert hangup.status_code == 200, hangup.text
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
    assert "dashboard login" in printed


def _read_until_curl(proc: subprocess.Popen[str]) -> str:
    """The server prints the demo before it starts: its output up to the curl line."""
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("curl "):
            return "".join(lines)
    raise AssertionError("serve --demo printed no curl:\n" + "".join(lines))


def _demo_tenant(env: dict[str, str]) -> str:
    seeded = _cli(env, "seed-demo")
    assert seeded.returncode == 0, seeded.stderr
    return str(
        json.loads((Path(env["VOCALIA_VAR_DIR"]) / "demo-credentials.json").read_text())[
            "tenant_id"
        ]
    )


def test_kb_import_reports_each_file_with_a_progress_bar(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    tenant = _demo_tenant(cli_env)
    faq = tmp_path / "faq.md"
    faq.write_text("# Horaires\nDe 9h à 19h.\n\n# Livraison\nGratuite dès 300 DH.\n")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not a pdf")
    first = _cli(cli_env, "kb", "import", "--tenant", tenant, str(faq), str(broken))
    assert first.returncode == 1  # one file failed; the other is in
    assert f"{faq}: imported 2, updated 0, skipped 0 of 2" in first.stdout
    assert f"{broken}: invalid_request: the file is not a readable PDF" in first.stderr
    assert "2/2" in first.stderr  # the bar reached the end
    again = _cli(cli_env, "kb", "import", "--tenant", tenant, "--language", "fr", str(faq))
    assert again.returncode == 0, again.stderr
    assert f"{faq}: imported 0, updated 0, skipped 2 of 2" in again.stdout
    unknown = _cli(cli_env, "kb", "import", "--tenant", "nobody", str(faq))
    assert unknown.returncode == 1
    assert "resource_not_found: tenant not found" in unknown.stderr


def test_kb_crawl_follows_its_job_to_the_end(cli_env: dict[str, str]) -> None:
    from tests.resolvers.test_knowledge_crawl import Site

    tenant = _demo_tenant(cli_env)
    # Loopback is this machine's own test site; private networks stay refused.
    env = {**cli_env, "VOCALIA_ALLOW_PRIVATE_URLS": "true"}
    with Site() as site:
        url = f"http://127.0.0.1:{site.port}/"
        done = _cli(env, "kb", "crawl", "--tenant", tenant, url, "--max-pages", "3")
    assert done.returncode == 0, done.stderr
    job = json.loads(done.stdout.strip().splitlines()[-1])
    assert (job["status"], job["pages"], job["maxPages"]) == ("completed", 3, 3)
    assert f"crawling {url}" in done.stderr
    assert "3/3" in done.stderr
    assert "/private/secret" not in site.hits
    refused = _cli(env, "kb", "crawl", "--tenant", tenant, "http://10.0.0.1/")
    assert refused.returncode == 1
    assert "invalid_request" in refused.stderr
