"""One error shape everywhere: {"error", "message", "hint"} with the error's HTTP status."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from leadlight.storage import Project
from leadlight.tasks.serve import ServeSettings
from leadlight.web import create_app

AUTH = {"Authorization": "Bearer tok-123456"}


@pytest.fixture(scope="module")
def client(held):
    project = held
    app = create_app(Project(project), ServeSettings(api_tokens=("tok-123456",), max_request_bytes=4096))

    @app.get("/api/boom")  # a route added later (as the collector's router will be), failing unexpectedly
    def boom() -> None:
        raise RuntimeError("secret detail that must not leak")

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("method, path, body, status, error", [
    ("GET", "/nowhere", None, 404, "NotFound"),
    ("GET", "/api/accounts/no-such-account", None, 404, "NotFound"),
    ("GET", "/api/accounts?quadrant=hot", None, 400, "UsageError"),
    ("GET", "/api/accounts?limit=0", None, 422, "InvalidRequest"),
    ("GET", "/api/accounts?limit=lots", None, 422, "InvalidRequest"),
    ("DELETE", "/api/accounts", None, 405, "UsageError"),
    ("POST", "/api/accounts/x/mark", {"action": "nope"}, 422, "InvalidRequest"),
    ("POST", "/api/accounts/x/mark", {"action": "done", "reason": "x" * 5000}, 413, "RequestTooLarge"),
    ("GET", "/api/boom", None, 500, "LeadlightError"),
    ("GET", "/api/accounts", "no-auth", 401, "AccessDenied"),
])
def test_every_error_has_the_one_shape(client, method, path, body, status, error):
    headers = {} if body == "no-auth" else AUTH
    r = client.request(method, path, json=None if body == "no-auth" else body, headers=headers)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert set(doc) == {"error", "message", "hint"} and doc["error"] == error and doc["message"]
    assert "secret detail" not in r.text


def test_a_browser_gets_the_same_error_as_a_page(client):
    r = client.get("/accounts/no-such-account", headers={"Accept": "text/html"})
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "NotFound" in r.text and "leadlight accounts" in r.text
