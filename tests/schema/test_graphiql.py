"""The development GraphiQL works offline: its page loads only local assets, each served with
its content type and the exact bytes the page's integrity attributes name; production serves
neither the IDE nor the assets."""

import base64
import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

import app as app_module
from resolvers.settings import Settings, configure
from schema import graphiql
from tests.servers import ROOT

HTML = {"Accept": "text/html"}
TAGS = re.compile(r"<(script|link)\b[^>]*>", re.S)
ATTR = re.compile(r'\b(src|href|integrity)="([^"]*)"')


def _assets(page: str) -> list[dict[str, str]]:
    found = []
    for tag in TAGS.finditer(page):
        attrs = dict(ATTR.findall(tag.group(0)))
        if "src" in attrs or "href" in attrs:
            found.append(attrs)
    return found


async def test_the_page_loads_only_local_assets_that_answer(client: httpx.AsyncClient) -> None:
    r = await client.get("/graphql", headers=HTML)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "GraphiQL.createFetcher" in page or "GraphiQL" in page
    assets = _assets(page)
    assert len(assets) == len(graphiql.ASSETS) == 7
    for attrs in assets:
        url = attrs.get("src") or attrs["href"]
        assert url.startswith("/graphiql/static/"), url
        a = await client.get(url)
        assert a.status_code == 200, url
        kind = "text/javascript" if "src" in attrs else "text/css"
        assert a.headers["content-type"].split(";")[0] == kind
        assert "max-age" in a.headers["cache-control"]
        # The integrity attribute still names these exact bytes.
        digest = base64.b64encode(hashlib.sha384(a.content).digest()).decode()
        assert attrs["integrity"] == f"sha384-{digest}"
    # No URL to another host (the SVG namespace of the inline favicon is not fetched).
    urls = set(re.findall(r"https?://[^\s\"'<>%]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls


async def test_unknown_assets_are_not_served(client: httpx.AsyncClient) -> None:
    for path in ("README.md", "LICENSES.txt", "..%2F..%2Fgraphiql.py", "nope.js"):
        r = await client.get(f"/graphiql/static/{path}")
        assert r.status_code == 404, path


def test_shipped_files_match_the_readme_hashes() -> None:
    readme = (graphiql.STATIC_DIR / "README.md").read_text()
    rows = dict(re.findall(r"^\| (\S+) \| .* \| ([0-9a-f]{64}) \|$", readme, re.M))
    assert set(rows) == {name for name, _ in graphiql.ASSETS.values()}
    for name, sha in rows.items():
        assert hashlib.sha256((graphiql.STATIC_DIR / name).read_bytes()).hexdigest() == sha, name


@pytest.fixture
async def production(app: Starlette, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app2 = app_module.create_app(settings.with_overrides(env="production"), run_migrations=False)
    transport = httpx.ASGITransport(app=app2, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c
    finally:
        configure(settings)


async def test_production_serves_no_ide(production: httpx.AsyncClient) -> None:
    r = await production.get("/graphql", headers=HTML)
    assert r.status_code != 200
    assert "graphiql" not in r.text.lower()
    r = await production.get("/graphiql/static/graphiql.min.js")
    assert r.status_code == 404


def test_the_wheel_ships_the_assets(tmp_path: Path) -> None:
    # An installed (non-editable) server serves the same files: they are package data.
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources.
    source = tmp_path / "src"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("schema", "resolvers", "rest_compat", "realtime", "models"):
        shutil.copytree(ROOT / name, source / name, ignore=skip)
    for name in ("pyproject.toml", "README.md", "app.py"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("vocalia_server-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    assets = (ROOT / "schema/static/graphiql").iterdir()
    local = {f"schema/static/graphiql/{p.name}" for p in assets}
    assert len(local) >= 8
    assert local <= shipped, sorted(local - shipped)
