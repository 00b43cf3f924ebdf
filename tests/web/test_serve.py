"""`leadlight serve` as a process: it owns the project's file, answers with a token, and other commands are told
where it is instead of meeting a lock error."""

from __future__ import annotations

import json

import httpx

from tests.cli import cli
from tests.web.conftest import serving

TOKEN = "serve-test-token-0123456789"


def test_serve_owns_the_project_and_says_where_it_is(project, monkeypatch):
    monkeypatch.setenv("LEADLIGHT_LOCK_WAIT", "0.3")
    with serving(project, env={"LEADLIGHT_API_TOKEN": TOKEN}) as url:
        accounts = httpx.get(f"{url}/api/accounts?limit=3", headers={"Authorization": f"Bearer {TOKEN}"})
        assert accounts.status_code == 200 and len(accounts.json()) == 3
        assert httpx.get(f"{url}/api/accounts").status_code == 401
        assert "htmx" in httpx.get(f"{url}/static/htmx.min.js").text[:2000]
        owner = json.loads((project / ".leadlight" / "owner.json").read_text())
        assert owner["url"] == url and "serve" in owner["command"]
        busy = cli("accounts", "--project", str(project), code=1)
        assert busy["error"] == "ProjectBusy" and url in busy["hint"]
    assert not (project / ".leadlight" / "owner.json").exists()
    assert cli("accounts", "--project", str(project), "--limit", "1")
