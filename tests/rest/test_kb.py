"""/api/tenants/:id/kb over HTTP: entries, imports (JSON and uploaded files), search, quota,
crawl jobs, and the bad input each route must refuse with its documented code."""

import asyncio
import json
from typing import Any

import httpx
import pytest

from models.knowledge import KnowledgeDocument
from tests.factories import TenantCtx, assert_error, make_key, make_tenant, make_user
from tests.resolvers.test_knowledge_crawl import Site, site  # noqa: F401  (the local site)
from tests.resolvers.test_knowledge_import import minimal_pdf


def kb(t: TenantCtx, path: str = "") -> str:
    return f"/api/tenants/{t.id}/kb{path}"


FAQ = {
    "horaires": {
        "question": "Quels sont vos horaires ?",
        "response": "Nous sommes ouverts du lundi au samedi de 9h à 19h.",
    },
    "livraison": "La livraison est gratuite à Casablanca dès 300 dirhams.",
    "retours": {"answer": "Les retours sont acceptés sous 14 jours avec le ticket."},
}


async def entries(t: TenantCtx) -> dict[str, KnowledgeDocument]:
    return {d.key: d for d in await KnowledgeDocument.filter(tenant_id=t.id)}


async def test_one_entry_is_created_replaced_listed_and_deleted(
    client: httpx.AsyncClient,
) -> None:
    t = await make_tenant()
    r = await client.post(
        kb(t),
        json={"key": "parking", "value": "Parking gratuit.", "language": "fr"},
        headers=t.headers,
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert (created["key"], created["content"], created["language"]) == (
        "parking",
        "Parking gratuit.",
        "fr",
    )
    assert created["id"].startswith("kbd_")
    assert created["source"] == "api"
    # The same key again replaces it (200); unchanged, it is the same entry.
    r = await client.post(
        kb(t),
        json={"key": "parking", "value": {"question": "Parking ?", "response": "Parking payant."}},
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["id"], r.json()["title"], r.json()["content"]) == (
        created["id"],
        "Parking ?",
        "Parking payant.",
    )
    r = await client.post(
        kb(t), json={"key": "wifi", "value": "Wifi gratuit.", "language": "en"}, headers=t.headers
    )
    assert r.status_code == 201

    for value, param in (({"response": {"a": 1}}, "response"), ({"title": True}, "title")):
        r = await client.post(kb(t), json={"key": "bad", "value": value}, headers=t.headers)
        assert_error(r, 400, "invalid_request", param=param)
    listed = (await client.get(kb(t), params={"limit": 1}, headers=t.headers)).json()
    assert (listed["total"], listed["limit"], len(listed["data"])) == (2, 1, 1)
    assert listed["data"][0]["key"] == "wifi"  # most recently changed first
    # The original product's ?lang= is understood as ?language=.
    french = (await client.get(kb(t), params={"lang": "fr"}, headers=t.headers)).json()
    assert [e["key"] for e in french["data"]] == ["parking"]
    by_source = (await client.get(kb(t), params={"source": "api"}, headers=t.headers)).json()
    assert by_source["total"] == 2

    # Delete by id, and by key in a language as the reference does.
    r = await client.delete(kb(t, f"/{created['id']}"), headers=t.headers)
    assert r.json() == {"id": created["id"], "key": "parking", "language": "fr", "deleted": True}
    assert_error(
        await client.delete(kb(t, f"/{created['id']}"), headers=t.headers),
        404,
        "resource_not_found",
        param="id",
    )
    assert_error(
        await client.delete(kb(t, "/wifi"), headers=t.headers),  # not in French (tenant's)
        404,
        "resource_not_found",
        param="id",
    )
    r = await client.delete(kb(t, "/wifi"), params={"language": "en"}, headers=t.headers)
    assert r.status_code == 200
    assert r.json()["key"] == "wifi"
    assert await entries(t) == {}


async def test_json_import_reports_each_item(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    body = {"data": {**FAQ, "vide": "", "trop": {"question": "Sans réponse ?"}}, "language": "fr"}
    r = await client.post(kb(t, "/import"), json=body, headers=t.headers)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["imported"], report["updated"], report["skipped"], report["total"]) == (
        3,
        0,
        2,
        5,
    )
    assert {e["key"] for e in report["entries"]} == set(FAQ)
    assert [(e["index"], e["key"]) for e in report["errors"]] == [(3, "vide"), (4, "trop")]
    assert all(e["message"] for e in report["errors"])
    assert (await entries(t))["horaires"].title == "Quels sont vos horaires ?"

    # Again, unchanged: all skipped. Changed without overwrite: skipped; with it: updated.
    again = (await client.post(kb(t, "/import"), json={"data": FAQ}, headers=t.headers)).json()
    assert (again["imported"], again["updated"], again["skipped"]) == (0, 0, 3)
    changed = {"data": {"livraison": "Livraison gratuite partout."}, "overwrite": False}
    kept = (await client.post(kb(t, "/import"), json=changed, headers=t.headers)).json()
    assert (kept["updated"], kept["skipped"]) == (0, 1)
    changed["overwrite"] = True
    done = (await client.post(kb(t, "/import"), json=changed, headers=t.headers)).json()
    assert done["updated"] == 1
    assert (await entries(t))["livraison"].content == "Livraison gratuite partout."
    # An array of objects, each with its key.
    arr = {"data": [{"key": "parking", "value": "Parking gratuit."}], "language": "ar"}
    arr_report = (await client.post(kb(t, "/import"), json=arr, headers=t.headers)).json()
    assert arr_report["imported"] == 1
    assert (await entries(t))["parking"].language == "ar"


def upload(
    name: str, raw: bytes, content_type: str = "application/octet-stream", **fields: str
) -> dict[str, Any]:
    return {"files": {"file": (name, raw, content_type)}, "data": fields}


async def test_files_are_imported_from_multipart_uploads(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    csv = "key;question;response\nh;Horaires ?;De 9h à 19h.\nl;Livraison ?;Gratuite.\n"
    r = await client.post(
        kb(t, "/import"), **upload("faq.csv", csv.encode(), "text/csv"), headers=t.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 2
    md = "# Garantie\nDeux ans sur tout.\n\n# Paiement\nCarte ou espèces.\n"
    r = await client.post(
        kb(t, "/import"), **upload("guide.md", md.encode(), language="en"), headers=t.headers
    )
    assert r.json()["imported"] == 2
    pdf = minimal_pdf(["Conditions generales de vente", "Retour sous 30 jours."])
    r = await client.post(
        kb(t, "/import"),
        **upload("CGV 2026.pdf", pdf, "application/pdf", overwrite="true"),
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    stored = await entries(t)
    assert set(stored) == {"h", "l", "garantie", "paiement", "cgv-2026"}
    assert stored["garantie"].language == "en"
    assert stored["cgv-2026"].source == "import:pdf"
    assert "Retour sous 30 jours." in stored["cgv-2026"].content
    # A declared format wins over the name; a file bigger than a JSON body's 1 MiB is fine.
    big = ("Une ligne de texte sur les conditions de vente. " * 25_000).encode()
    assert len(big) > 1 << 20
    r = await client.post(kb(t, "/import"), **upload("notes", big, format="txt"), headers=t.headers)
    assert r.status_code == 200, r.text
    assert (await entries(t))["notes"].characters == len(big.decode().strip())


@pytest.mark.parametrize(
    ("name", "raw", "fields", "param"),
    [
        ("faq.csv", b'key,response\na,"unterminated\n', {}, "file"),  # broken quoting
        ("faq.csv", b"key,reponse\na,b\n", {}, "file"),  # no text column
        ("doc.pdf", b"%PDF-1.4 not really", {}, "file"),
        ("doc.txt", b"\xff\xfe\x00bad", {}, "file"),
        ("data.json", b'{"data": [1, 2', {}, None),
        ("doc.exe", b"MZ", {}, "format"),
        ("doc.txt", b"", {}, "file"),
        ("doc.txt", b"ok", {"format": "docx"}, "format"),
        ("doc.txt", b"ok", {"language": "de"}, "language"),
        ("doc.txt", b"ok", {"overwrite": "maybe"}, "overwrite"),
    ],
)
async def test_unreadable_uploads_write_nothing(
    client: httpx.AsyncClient, name: str, raw: bytes, fields: dict[str, str], param: str | None
) -> None:
    t = await make_tenant()
    r = await client.post(kb(t, "/import"), **upload(name, raw, **fields), headers=t.headers)
    assert_error(r, 400, "invalid_request", param=param)
    assert await entries(t) == {}


async def test_malformed_and_oversized_import_bodies(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    url = kb(t, "/import")
    bad_multipart = {**t.headers, "Content-Type": "multipart/form-data; boundary=zzz"}
    r = await client.post(url, content=b"--zzz\r\nnot a part", headers=bad_multipart)
    assert_error(r, 400, "invalid_request", param="file")
    r = await client.post(url, **upload("a.txt", b"x", language="fr"), headers=t.headers)
    assert r.status_code == 200  # sanity: the same route accepts a good upload
    no_file = await client.post(
        url, data={"language": "fr"}, files={"other": ("a", b"x")}, headers=t.headers
    )
    assert_error(no_file, 400, "invalid_request", param="file")
    for body in ({}, {"data": "text"}, {"data": {"k": "v"}, "overwrite": "yes"}):
        r = await client.post(url, json=body, headers=t.headers)
        assert r.status_code == 400, (body, r.text)
    assert_error(
        await client.post(url, content=b"{not json", headers=t.headers), 400, "invalid_request"
    )
    # Over the import limit (10 MiB): 413 before anything is read; other routes keep 1 MiB.
    huge = b"x" * ((10 << 20) + 1)
    assert_error(
        await client.post(url, **upload("big.txt", huge), headers=t.headers),
        413,
        "payload_too_large",
    )
    two_mib = json.dumps({"key": "k", "value": "v" * (2 << 20)})
    assert_error(
        await client.post(kb(t), content=two_mib, headers=t.headers), 413, "payload_too_large"
    )
    too_many = {"data": {f"k{i}": "v" for i in range(1001)}}
    assert_error(
        await client.post(url, json=too_many, headers=t.headers),
        400,
        "invalid_request",
        param="data",
    )
    assert await entries(t) == {"a": (await entries(t))["a"]}


async def test_the_plan_quota_is_all_or_nothing(client: httpx.AsyncClient) -> None:
    t = await make_tenant("starter")  # 200 entries
    first = {"data": {f"a{i}": f"Réponse {i}." for i in range(150)}}
    assert (await client.post(kb(t, "/import"), json=first, headers=t.headers)).status_code == 200
    second = {"data": {f"b{i}": f"Réponse {i}." for i in range(51)}}
    r = await client.post(kb(t, "/import"), json=second, headers=t.headers)
    assert_error(r, 402, "quota_exceeded")
    assert "200" in r.json()["error"]["message"]
    assert await KnowledgeDocument.filter(tenant_id=t.id).count() == 150
    # Updating existing entries needs no room; the quota route and the usage agree.
    update = {"data": {f"a{i}": f"Nouvelle {i}." for i in range(150)}}
    assert (await client.post(kb(t, "/import"), json=update, headers=t.headers)).json()[
        "updated"
    ] == 150
    quota = (await client.get(kb(t, "/quota"), headers=t.headers)).json()
    assert quota == {
        "entries": 150,
        "limit": 200,
        "pct": 75,
        "remaining": 50,
        "chunks": 150,
        "characters": quota["characters"],
        "languages": ["fr"],
    }
    usage = (await client.get(f"/api/tenants/{t.id}/usage", headers=t.headers)).json()
    assert usage["quotas"]["kb"] == {"used": 150, "limit": 200, "pct": 75}
    one_more = {"key": "b0", "value": "x"}
    for _ in range(50):
        one_more["key"] += "x"
        assert (await client.post(kb(t), json=one_more, headers=t.headers)).status_code == 201
    assert_error(
        await client.post(kb(t), json={"key": "last", "value": "x"}, headers=t.headers),
        402,
        "quota_exceeded",
    )


async def test_search_answers_with_scores_and_highlights(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    await client.post(kb(t, "/import"), json={"data": FAQ, "language": "fr"}, headers=t.headers)
    r = await client.get(
        kb(t, "/search"), params={"q": "livraison gratuite ?", "limit": 2}, headers=t.headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["query"] == "livraison gratuite ?"
    best = body["results"][0]
    assert best["key"] == "livraison"
    assert best["language"] == "fr"
    assert best["score"] >= body["results"][1]["score"] > 0
    words = [best["snippet"][s:e].lower() for s, e in best["highlights"]]
    assert "livraison" in words
    assert "gratuite" in words
    # The original product's ?query= and ?lang= are understood.
    legacy = await client.get(
        kb(t, "/search"), params={"query": "horaires", "lang": "fr"}, headers=t.headers
    )
    assert legacy.json()["results"][0]["key"] == "horaires"
    nothing = await client.get(
        kb(t, "/search"), params={"q": "horaires", "language": "en"}, headers=t.headers
    )
    assert nothing.json()["results"] == []
    for params, param in (
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x" * 501}, "q"),
        ({"q": "a", "limit": "0"}, "limit"),
        ({"q": "a", "limit": "21"}, "limit"),
        ({"q": "a", "limit": "two"}, "limit"),
        ({"q": "a", "language": "xx"}, "language"),
        ({"q": "a", "sort": "x"}, "sort"),
        ({"q": "a", "query": "b"}, "query"),  # a name and its legacy alias: not both
        ({"q": "a", "language": "fr", "lang": "xx"}, "lang"),
    ):
        r = await client.get(kb(t, "/search"), params=params, headers=t.headers)
        assert_error(r, 400, "invalid_request", param=param)


async def test_a_crawl_runs_as_a_job_followed_over_http(
    client: httpx.AsyncClient,
    site: Site,  # noqa: F811
) -> None:
    t = await make_tenant("pro")
    r = await client.post(
        kb(t, "/crawl"),
        json={"url": site.base + "/", "language": "fr", "maxPages": 3},
        headers=t.headers,
    )
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] in ("queued", "running")
    assert job["max_pages"] == 3
    async with asyncio.timeout(30):
        while job["status"] in ("queued", "running"):
            await asyncio.sleep(0.05)
            job = (await client.get(kb(t, f"/jobs/{job['id']}"), headers=t.headers)).json()
    assert (job["status"], job["pages"], job["error"]) == ("completed", 3, None)
    assert job["finished_at"] is not None
    assert len(await entries(t)) == 3
    assert_error(
        await client.post(kb(t, f"/jobs/{job['id']}/cancel"), headers=t.headers),
        409,
        "conflict",
    )
    # A private address is refused before any job exists, on every spelling.
    private = (
        "http://10.0.0.1/",
        "http://169.254.169.254/",
        "http://[fd00::1]/",
        "file:///etc/passwd",
    )
    for url in private:
        r = await client.post(kb(t, "/crawl"), json={"url": url}, headers=t.headers)
        assert_error(r, 400, "invalid_request", param="url")
    for limits, param in (({"maxPages": 0}, "maxPages"), ({"maxDepth": 6}, "maxDepth")):
        r = await client.post(
            kb(t, "/crawl"), json={"url": site.base + "/", **limits}, headers=t.headers
        )
        assert_error(r, 400, "invalid_request", param=param)


async def test_roles_and_credentials(client: httpx.AsyncClient) -> None:
    t = await make_tenant()
    await client.post(kb(t, "/import"), json={"data": FAQ}, headers=t.headers)
    _, member = await make_user(t, "member")
    # A member reads and searches, but cannot change the knowledge base.
    assert (await client.get(kb(t), headers=member)).json()["total"] == 3
    assert (await client.get(kb(t, "/search"), params={"q": "retours"}, headers=member)).json()[
        "results"
    ][0]["key"] == "retours"
    for method, path, body in (
        ("POST", "", {"key": "k", "value": "v"}),
        ("POST", "/import", {"data": {"k": "v"}}),
        ("POST", "/crawl", {"url": "https://example.com/"}),
        ("DELETE", "/horaires", None),
    ):
        r = await client.request(method, kb(t, path), json=body, headers=member)
        assert_error(r, 403, "insufficient_permissions")
    # /api routes take a user's token, not an API key.
    key = {"Authorization": f"Bearer {await make_key(t)}"}
    assert_error(await client.get(kb(t), headers=key), 403, "insufficient_permissions")
    assert_error(await client.get(kb(t)), 401, "invalid_api_key")
    assert len(await entries(t)) == 3
