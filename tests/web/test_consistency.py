"""While serve holds the file, a page reads committed snapshots only: a write in progress is invisible."""

from __future__ import annotations

from fastapi.testclient import TestClient

from leadlight.storage import Project
from leadlight.storage.database import connect, hold
from leadlight.tasks.serve import ServeSettings
from leadlight.web import create_app

AUTH = {"Authorization": "Bearer consistency-token"}


def test_a_page_never_sees_half_a_snapshot(project):
    with hold(Project(project)):
        client = TestClient(create_app(Project(project), ServeSettings(api_tokens=("consistency-token",))))
        before = client.get("/api/accounts", headers=AUTH).json()
        writer = connect(Project(project))  # another cursor of the held connection, as a run loop would use
        writer.begin()
        writer.execute("DELETE FROM account_scores WHERE account_id IN "
                       "(SELECT account_id FROM account_scores ORDER BY account_id LIMIT 10)").fetchall()
        assert writer.execute("SELECT count(DISTINCT account_id) FROM account_scores").fetchall()[0][0] == len(before) - 10
        during = client.get("/api/accounts", headers=AUTH).json()
        page = client.get("/")
        writer.rollback()
        writer.close()
        assert during == before and page.status_code == 200
        assert client.get("/api/accounts", headers=AUTH).json() == before
