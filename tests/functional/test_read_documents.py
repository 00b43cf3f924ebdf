"""`accounts` and `leads` print documents made from the stored rows without the typed models: the very same
output as the typed contract objects the web API serves, on a snapshot with awkward rows."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from typer.testing import CliRunner

from leadlight.cli.app import app
from leadlight.cli.output import plain
from leadlight.storage.database import connect
from leadlight.storage.project import Project
from leadlight.storage.snapshots import to_frame, write_snapshot
from leadlight.tasks.snapshots import list_accounts, list_leads
from tests.cli import cli

AT = datetime(2026, 11, 30)
STAMP = {"as_of": AT, "definition_hash": "h1", "leadlight_version": "test", "scored_at": AT}
REASON = {"signal": "active_users_14d", "value": 4, "contribution": 30, "text": "4 active users"}
ACCOUNTS = [  # (account_id, name, quadrant, priority, score, status, owner, and anything else stored)
    ("a1", "Zoë & Søn — 株式会社", "high_fit_high_intent", 0, 91.5, "prospect", "ana@x.example",
     {"reasons": [REASON, {"signal": "quiet", "value": None, "contribution": -5.5, "text": "[quiet] week"}],
      "champion": {"user_id": "u1", "email": "ana@zoe.example", "title": "CTO 🚀"}, "pqa": True,
      "play": {"name": "expand", "message": "Hi"}, "probability": 0.61, "employees": 40}),
    ("a2", None, "low_fit_high_intent", 2, 100.0, "open_deal", None,  # null name, domain, champion
     {"reasons": [], "champion": None, "domain": None}),
    ("a3", "Ümlaut GmbH", None, 3, None, None, "bo@x.example",  # no quadrant, score or status stored
     {"reasons": None, "decision_makers": [{"user_id": None, "email": "cfo@u.example"}]}),
    ("a4", "Text numbers", "high_fit_low_intent", 1, 55.0, "customer", "ana@x.example",
     {"reasons": [{"signal": "s", "contribution": "12", "text": "stored as text"}],  # the model converts "12"
      "uplift_reliable": False, "motion": "self_serve", "deal_size": 1200.0}),
    ("a5", "Self serve", "high_fit_high_intent", 0, 70.0, "self_serve_customer", None,
     {"play": {"name": "convert"}, "signals": {"active_users_14d": 3}}),
]
PEOPLE = [
    {"user_id": "u1", "account_id": "a1", "email": "ana@zoe.example", "title": "CTO 🚀", "score": 80.0, "pql": True,
     "disqualifiers": [], "flags": {"personal_email": False}, "link_method": "domain", "link_account_id": "a1",
     "seniority": "executive", "department": "engineering", "account_name": "Zoë & Søn — 株式会社",
     "reasons": [REASON]},
    {"user_id": "u2", "account_id": "a1", "email": None, "title": None, "score": 12, "pql": False,
     "disqualifiers": ["personal_email"], "flags": None, "reasons": None},
    {"user_id": "u3", "account_id": None, "score": None, "pql": None},
]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    root = tmp_path_factory.mktemp("read-documents")
    (root / "leadlight.yml").write_text("version: 1\nname: documents\n")
    rows = [{"account_id": a, "name": name, "domain": f"{a}.example", "quadrant": quadrant, "priority": priority,
             "score": score, "status": status, "owner": owner, "pqa": False, **rest} | STAMP
            for a, name, quadrant, priority, score, status, owner, rest in ACCOUNTS]
    project = Project(root)
    con = connect(project)
    try:
        con.begin()
        write_snapshot(con, AT, to_frame(rows), to_frame([p | STAMP for p in PEOPLE]))
        con.commit()
    finally:
        con.close()
    return project


@pytest.mark.parametrize("where", [{}, {"status": "prospect"}, {"owner": "ana@x.example"}, {"status": "open_deal"},
                                   {"quadrant": "high fit high intent"}, {"play": "expand"}, {"search": "ümlaut"},
                                   {"limit": 2}, {"limit": 2, "offset": 2}])
def test_account_documents_are_the_typed_objects_dumped(project, where):
    documents = list_accounts(project, documents=True, **where)
    assert documents == plain(list_accounts(project, **where))
    assert json.dumps(documents, ensure_ascii=False) == json.dumps(plain(list_accounts(project, **where)),
                                                                   ensure_ascii=False)


@pytest.mark.parametrize("where", [{}, {"account_id": "a1"}, {"limit": 1}])
def test_lead_documents_are_the_typed_objects_dumped(project, where):
    documents = list_leads(project, documents=True, **where)
    assert json.dumps(documents) == json.dumps(plain(list_leads(project, **where)))


def test_the_command_prints_them(project):
    printed = cli("accounts", "-p", str(project.root))
    assert printed == plain(list_accounts(project))
    assert [a["account_id"] for a in printed] == ["a1", "a5", "a4", "a2", "a3"]  # what sales works on last
    assert printed[4]["reasons"] == [] and printed[4]["status"] == "prospect" and printed[1]["name"] == "Self serve"
    assert printed[2]["reasons"][0]["contribution"] == 12.0  # the typed model read the text
    assert cli("leads", "-p", str(project.root), "-n", "2") == plain(list_leads(project, limit=2))


def test_the_table_shows_the_same_accounts(project):
    table = CliRunner().invoke(app, ["accounts", "-p", str(project.root), "-n", "3"])
    assert table.exit_code == 0, table.output
    assert "Zoë & Søn — 株式会社" in table.stdout and "[quiet] week" in table.stdout and "ana@zoe.example" in table.stdout


# Command-line values read without pydantic (cli.values): the same values, output and errors as typer's own.
@pytest.mark.parametrize("args", [
    ["accounts", "--limit", "2"], ["accounts", "-n", "007", "--json"], ["accounts", "--limit", "0"],
    ["accounts", "--limit", "-1"], ["accounts", "--limit", "two"], ["accounts", "--limit", "2.0"],
    ["accounts", "--limit", "١٢"], ["accounts", "-f", "csv"], ["accounts", "--format", "CSV"],
    ["accounts", "--format", "yaml"], ["accounts", "-q", "high fit high intent", "--json"],
    ["accounts", "-q", "warm"], ["accounts", "--as-of", "2026-11-29"], ["leads", "--account", "a1", "-n", "1"],
    ["explain", "a1", "--json"], ["explain", "nobody"], ["accounts", "--project", ""],
    ["accounts", "--project", "/nonexistent/leadlight"], ["ingest", "x.csv", "--kind", "bogus"],
    ["ingest", "a.csv", "b.csv", "--kind", "accounts", "--json"],
    ["generate", "--accounts", "many"], ["--version"],
])
def test_values_read_without_pydantic_are_typers(project, args, monkeypatch, tmp_path):
    import typer.core
    from typer import _coercion

    from leadlight.cli.app import COMMAND_MODULES, build

    def invoke() -> tuple:
        argv = list(args)
        if "--project" not in args and args[0] in ("accounts", "leads", "explain"):
            argv += ["--project", str(project.root)]
        done = CliRunner().invoke(build(COMMAND_MODULES), argv)
        return done.exit_code, done.stdout, done.stderr

    plain_first = invoke()
    monkeypatch.setattr(typer.core, "build_runtime_param", _coercion.build_runtime_param)
    assert plain_first == invoke()
