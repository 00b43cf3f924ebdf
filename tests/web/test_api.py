"""The JSON API in the shapes of CONTRACT.md, behind a bearer token (in-process client)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from leadlight.contract import AccountObject
from leadlight.storage import Project
from leadlight.tasks.serve import ServeSettings
from leadlight.web import create_app
from tests.cli import cli

TOKEN = "t0ken-for-tests-only"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ACCOUNT_KEYS = set(AccountObject.model_fields)
LEAD_KEYS = {"user_id", "email", "title", "account_id", "score", "pql", "disqualifiers", "reasons"}


@pytest.fixture(scope="module")
def client(held):
    project = held
    return TestClient(create_app(Project(project), ServeSettings(api_tokens=(TOKEN,))))


def test_health_and_openapi_are_public(client):
    assert client.get("/healthz").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert {"/api/accounts", "/api/accounts/{account_id}", "/api/leads", "/api/backtest"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 404  # Swagger UI would load its assets from a CDN


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Bearer "])
def test_api_refuses_a_missing_or_wrong_token(client, header):
    r = client.get("/api/accounts", headers={"Authorization": header} if header else {})
    assert r.status_code == 401
    assert r.json()["error"] == "AccessDenied" and set(r.json()) == {"error", "message", "hint"}


def test_api_without_configured_tokens_says_how_to_set_one(held):
    project = held
    r = TestClient(create_app(Project(project))).get("/api/accounts", headers=AUTH)
    assert r.status_code == 401 and "LEADLIGHT_API_TOKEN" in r.json()["hint"]


def test_accounts_are_the_cli_objects(client, held):
    project = held
    r = client.get("/api/accounts", headers=AUTH)
    assert r.status_code == 200
    got = r.json()
    assert got == cli("accounts", "--project", str(project))
    assert all(set(a) == ACCOUNT_KEYS for a in got) and r.headers["x-total-count"] == str(len(got))


def test_accounts_filter_search_and_page(client):
    everyone = client.get("/api/accounts", headers=AUTH).json()
    top = client.get("/api/accounts?quadrant=high_fit_high_intent", headers=AUTH).json()
    assert top and all(a["quadrant"] == "high_fit_high_intent" for a in top)
    page = client.get("/api/accounts?limit=5&offset=5", headers=AUTH).json()
    assert [a["account_id"] for a in page] == [a["account_id"] for a in everyone[5:10]]
    name = everyone[3]["name"]
    found = client.get("/api/accounts", params={"search": name[1:-1]}, headers=AUTH).json()
    assert everyone[3]["account_id"] in [a["account_id"] for a in found] and len(found) < len(everyone)
    prospects = client.get("/api/accounts?status=prospect", headers=AUTH).json()
    assert all(a["status"] == "prospect" for a in prospects)


def test_account_detail_and_leads(client, held):
    project = held
    first = client.get("/api/accounts?limit=1", headers=AUTH).json()[0]
    detail = client.get(f"/api/accounts/{first['account_id']}", headers=AUTH).json()
    assert detail == cli("explain", first["account_id"], "--project", str(project))
    leads = client.get("/api/leads", params={"account_id": first["account_id"]}, headers=AUTH).json()
    assert leads and all(LEAD_KEYS <= set(lead) and lead["account_id"] == first["account_id"] for lead in leads)
    timeline = client.get(f"/api/accounts/{first['account_id']}/timeline", headers=AUTH).json()
    assert timeline["days"] and all(day["events"] for day in timeline["days"])
    assert client.get(f"/api/accounts/{first['account_id']}/actions", headers=AUTH).json() == []


def test_backtest_is_the_cli_document(client):
    r = client.get("/api/backtest", headers=AUTH)
    assert r.status_code == 200
    names = [d["name"] for d in r.json()["definitions"]]
    assert names == ["rules"] and r.json()["definitions"][0]["by_decile"]
    report = client.get("/api/report", headers=AUTH).json()
    assert set(report) == {"backtest", "playbooks", "plan", "feedback"}


def test_marking_through_the_api(client):
    last = client.get("/api/accounts", headers=AUTH).json()[-1]["account_id"]
    r = client.post(f"/api/accounts/{last}/mark", json={"action": "snooze", "snooze": "7d"}, headers=AUTH)
    assert r.status_code == 200 and r.json()["action"] == "snooze"
    hidden = client.get("/api/accounts?show_marked=false", headers=AUTH).json()
    assert last not in [a["account_id"] for a in hidden]
    assert client.get(f"/api/accounts/{last}/marks", headers=AUTH).json()[0]["action"] == "snooze"
    bad = client.post(f"/api/accounts/{last}/mark", json={"action": "bad_lead"}, headers=AUTH)
    assert bad.status_code == 400 and bad.json()["error"] == "UsageError"
