"""Sign-in, CSRF, escaping, quiet logs, and serve refusing to expose a project without credentials."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leadlight.cli.app import app as cli_app
from leadlight.errors import UsageError
from leadlight.storage import Project
from leadlight.storage.database import connect
from leadlight.storage.snapshots import ACCOUNT_ORDER
from leadlight.tasks.serve import ServeSettings, serve_settings
from leadlight.web import create_app

PASSWORD = "correct horse battery staple"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture(scope="module")
def open_client(held):
    project = held
    return TestClient(create_app(Project(project)), follow_redirects=False)


def first_account(project) -> tuple[str, str]:
    con = connect(Project(project), read_only=True)
    try:
        return con.execute(f"SELECT account_id, name FROM account_scores ORDER BY {ACCOUNT_ORDER} LIMIT 1").fetchall()[0]
    finally:
        con.close()


def test_marking_from_a_page_needs_its_csrf_token(open_client, held):
    project = held
    account_id, _ = first_account(project)
    page = open_client.get(f"/accounts/{account_id}")
    assert page.status_code == 200
    forged = open_client.post(f"/accounts/{account_id}/mark", data={"action": "done"})
    assert forged.status_code == 403 and forged.json()["error"] == "CsrfFailed"
    wrong = open_client.post(f"/accounts/{account_id}/mark", data={"action": "done", "csrf_token": "x" * 32})
    assert wrong.status_code == 403
    done = open_client.post(f"/accounts/{account_id}/mark", data={"action": "done", "csrf_token": csrf_of(page.text)})
    assert done.status_code == 303 and done.headers["location"].startswith(f"/accounts/{account_id}?marked=done")
    assert f'data-account="{account_id}"' not in open_client.get("/").text
    assert f'data-account="{account_id}"' in open_client.get("/?show=all").text


def rename(project, account_id: str, name: str) -> None:
    con = connect(Project(project))
    try:
        con.execute("UPDATE account_scores SET name = ? WHERE account_id = ?", [name, account_id]).fetchall()
    finally:
        con.close()


def test_an_account_named_script_renders_as_text(open_client, held):
    project = held
    account_id, name = first_account(project)
    evil = "<script>alert('x')</script>"
    rename(project, account_id, evil)
    try:
        listing = open_client.get("/?show=all").text
        page = open_client.get(f"/accounts/{account_id}").text
    finally:
        rename(project, account_id, name)
    for html in (listing, page):
        assert evil not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_the_ui_asks_to_sign_in_when_required(held):
    project = held
    settings = ServeSettings(ui_password=PASSWORD, sign_in=True)
    client = TestClient(create_app(Project(project), settings), base_url="https://leadlight.example",
                        follow_redirects=False)
    r = client.get("/map")
    assert r.status_code == 303 and r.headers["location"] == "/signin?next=%2Fmap"
    form = client.get("/signin?next=/map")
    token = csrf_of(form.text)
    wrong = client.post("/signin", data={"secret": "guess", "next": "/map", "csrf_token": token})
    assert wrong.status_code == 303 and "failed=1" in wrong.headers["location"] and "ll_session" not in wrong.cookies
    no_csrf = client.post("/signin", data={"secret": PASSWORD, "next": "/map"})
    assert no_csrf.status_code == 403
    ok = client.post("/signin", data={"secret": PASSWORD, "next": "//evil.example/", "csrf_token": token})
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    cookie = ok.headers["set-cookie"]
    assert "ll_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    assert client.get("/").status_code == 200
    client.cookies.set("ll_session", client.cookies["ll_session"][:-3] + "abc")
    assert client.get("/").status_code == 303


def test_serve_refuses_a_public_host_without_credentials(held, monkeypatch):
    project = held
    monkeypatch.delenv("LEADLIGHT_API_TOKEN", raising=False)
    monkeypatch.delenv("LEADLIGHT_UI_PASSWORD", raising=False)
    with pytest.raises(UsageError) as refused:
        serve_settings(Project(project), "0.0.0.0")
    assert "LEADLIGHT_UI_PASSWORD" in refused.value.hint and "LEADLIGHT_API_TOKEN" in refused.value.hint
    result = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0", "--project", str(project)])
    assert result.exit_code == 2 and "refusing to serve on 0.0.0.0" in result.output
    assert serve_settings(Project(project), "127.0.0.1").sign_in is False
    monkeypatch.setenv("LEADLIGHT_UI_PASSWORD", PASSWORD)
    public = serve_settings(Project(project), "0.0.0.0")
    assert public.sign_in and public.ui_password == PASSWORD


def test_logs_name_the_path_but_not_what_was_searched(open_client, caplog):
    with caplog.at_level(logging.INFO, logger="leadlight.web"):
        open_client.get("/", params={"q": "ceo@secret-company.example"})
        open_client.get("/api/accounts", headers={"Authorization": "Bearer very-secret-token"})
        open_client.get("/accounts/cfo@other-company.example")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "GET / 200" in logged and "GET /api/accounts 401" in logged and "GET /accounts/<email> 404" in logged
    assert "secret-company" not in logged and "very-secret-token" not in logged and "other-company" not in logged


def test_pages_are_guarded_by_security_headers(held):
    project = held
    r = TestClient(create_app(Project(project))).get("/")
    assert r.headers["x-frame-options"] == "DENY" and "script-src 'self'" in r.headers["content-security-policy"]
    assert "ll_csrf=" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]


def test_recent_signals_come_as_a_fragment_for_htmx_and_as_a_page_without_js(open_client, held):
    project = held
    account_id, _ = first_account(project)
    fragment = open_client.get(f"/accounts/{account_id}/signals", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'class="timeline"' in fragment.text
    full = open_client.get(f"/accounts/{account_id}/signals")
    assert "<html" in full.text and 'class="timeline"' in full.text
    assert f'hx-get="/accounts/{account_id}/signals"' in open_client.get(f"/accounts/{account_id}").text


def test_the_serve_section_is_strict_and_tokens_come_from_it(tmp_path, monkeypatch):
    from leadlight.config import parse_config
    from leadlight.errors import ConfigError

    with pytest.raises(ConfigError) as wrong:
        parse_config("version: 1\nserve:\n  api_token: x\n")
    assert "leadlight.yml:3: serve.api_token: unknown key" in str(wrong.value) and "api_tokens" in str(wrong.value)
    monkeypatch.setenv("MY_TOKEN", "from-the-environment")
    monkeypatch.delenv("LEADLIGHT_API_TOKEN", raising=False)
    monkeypatch.delenv("LEADLIGHT_UI_PASSWORD", raising=False)
    (tmp_path / "leadlight.yml").write_text("version: 1\nserve:\n  api_tokens: ['${MY_TOKEN}']\n  sign_in: always\n")
    settings = serve_settings(Project(tmp_path), "127.0.0.1")
    assert settings.api_tokens == ("from-the-environment",) and settings.sign_in


def test_the_access_log_skips_the_collectors_successes_but_not_its_errors(caplog):
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    from leadlight.web.security import Guard

    def reply(request):
        return Response(status_code=401 if request.headers.get("x-bad") else 200)

    app = Guard(Starlette(routes=[Route("/v1/track", reply, methods=["POST"]), Route("/api/x", reply)]), ServeSettings())
    client = TestClient(app)
    with caplog.at_level(logging.INFO, logger="leadlight.web"):
        client.post("/v1/track")
        client.post("/v1/track", headers={"x-bad": "1"})
        client.get("/api/x")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "POST /v1/track 200" not in logged and "POST /v1/track 401" in logged and "GET /api/x 200" in logged
