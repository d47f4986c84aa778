"""House-style gates run by the test command: ruff (lint and format), mypy, import-linter.

They run once, in the SQLite pass; the code does not change between passes.
"""

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from tests.backends import backend_name

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(
    backend_name() != "sqlite", reason="code gates run in the SQLite pass"
)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_ruff_lint() -> None:
    result = _run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_on_every_layer() -> None:
    configured = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["files"]
    assert set(configured) >= {"models", "resolvers", "schema", "rest_compat", "realtime", "app.py"}
    result = _run(str(BIN / "mypy"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_server_distribution_leaves_vocalia_to_the_sdk() -> None:
    """`pip install vocalia` is the Python SDK (the reference); the server is vocalia-server."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "vocalia-server"
    assert project["scripts"]["vocalia-server"] == "app:main"
    # The installed distribution (pip install -e .) carries that name and command.
    dist = metadata.distribution("vocalia-server")
    assert "vocalia-server" in {ep.name for ep in dist.entry_points}


def test_layering_contracts() -> None:
    result = _run(str(BIN / "lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_resolvers_share_one_page_type() -> None:
    """Every list returns resolvers.pagination.Page[T] built by paginate(); a module's own
    AgentPage/CallPage-like dataclass is the copy this test keeps from coming back."""
    pattern = re.compile(r"^class \w*Page\b", re.MULTILINE)
    own = sorted(
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "resolvers").rglob("*.py")
        if path != ROOT / "resolvers" / "pagination.py"
        for match in pattern.finditer(path.read_text())
    )
    assert own == [], own
    assert pattern.findall((ROOT / "resolvers" / "pagination.py").read_text()) == ["class Page"]
