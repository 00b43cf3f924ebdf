"""The account page's "actions already taken" reads the outbox defensively (its shape belongs to the playbooks)."""

from __future__ import annotations

from datetime import datetime

import duckdb
from fastapi.testclient import TestClient

from leadlight.storage import Project
from leadlight.storage.database import connect
from leadlight.tasks.timeline import actions_taken
from leadlight.web import create_app


def test_outbox_rows_show_with_their_status_and_error(held):
    project = held
    con = connect(Project(project))
    try:
        account_id = con.execute("SELECT account_id FROM account_scores LIMIT 1 OFFSET 7").fetchall()[0][0]
        now = datetime(2026, 11, 1, 9, 30)
        for key, status, error, sent in (("k1", "sent", None, now), ("k2", "parked", "HTTP 500 <b>boom</b>", None)):
            con.execute("INSERT INTO outbox (key, playbook, trigger, destination, account_id, as_of, payload, status, "
                        "error, created_at, updated_at, sent_at) VALUES (?, 'call-now', 'entered PQA', 'slack', ?, ?, "
                        "'{}', ?, ?, ?, ?, ?)", [key, account_id, now, status, error, now, now, sent]).fetchall()
    finally:
        con.close()
    rows = actions_taken(Project(project), account_id)
    assert sorted((r["status"], r["error"]) for r in rows) == [("parked", "HTTP 500 <b>boom</b>"), ("sent", None)]
    assert all(r["playbook"] == "call-now" and r["destination"] == "slack" for r in rows)
    html = TestClient(create_app(Project(project))).get(f"/accounts/{account_id}").text
    assert "parked" in html and "HTTP 500 &lt;b&gt;boom&lt;/b&gt;" in html


def test_a_missing_or_older_outbox_is_no_actions(tmp_path):
    (tmp_path / "leadlight.yml").write_text("version: 1\n")
    project = Project(tmp_path)
    project.ensure_dirs()
    con = duckdb.connect(str(project.database_path))
    con.execute("CREATE TABLE unrelated (x INT)")
    con.close()
    assert actions_taken(project, "a1") == []
    con = duckdb.connect(str(project.database_path))
    con.execute("CREATE TABLE outbox (key VARCHAR, account_id VARCHAR, status VARCHAR)")
    con.execute("INSERT INTO outbox VALUES ('k', 'a1', 'dry_run')")
    con.close()
    assert actions_taken(project, "a1") == [{"key": "k", "playbook": None, "trigger": None, "destination": None,
                                              "status": "dry_run", "error": None, "created_at": None, "sent_at": None}]
