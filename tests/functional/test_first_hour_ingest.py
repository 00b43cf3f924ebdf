"""The first hour on your own data: CRM exports, European CSVs and Segment calls as users have them.

Each test loads a file of the kind a RevOps person really has, through the CLI.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from tests.cli import cli

SALESFORCE = """Opportunity ID,Account ID,Created Date,Close Date,Stage,Amount
006A1,001A,2026-01-05,,Prospecting,12000
006A2,001A,2026-01-06,,Qualification,8000
006A3,001B,2026-01-07,,Proposal,5000
006A4,001B,2026-01-08,,Negotiation,7000
006A5,001C,2026-01-09,2026-02-01,Closed Won,30000
006A6,001C,2026-01-10,2026-02-02,Closed Lost,1000
"""
HUBSPOT = """Record ID,Deal Stage,Create Date,Close Date,Amount,Associated Company ID
101,qualifiedtobuy,2026-01-05,,1000,c1
102,contractsent,2026-01-06,,2000,c1
103,closedwon,2026-01-07,2026-01-20,3000,c2
104,closedlost,2026-01-08,2026-01-21,4000,c2
"""


@pytest.fixture
def project(tmp_path) -> Path:
    cli("init", str(tmp_path / "p"))
    return tmp_path / "p"


def write(folder: Path, name: str, text: str | bytes) -> str:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


def rows(project: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def ingest(project: Path, path: str, kind: str, code: int = 0) -> dict:
    return cli("ingest", path, "--kind", kind, "--project", str(project), code=code)


def test_a_salesforce_export_loads_as_it_is(project, tmp_path):
    report = ingest(project, write(tmp_path, "Opportunities.csv", SALESFORCE), "opportunities")
    assert (report["loaded"], report["rejected"]) == (6, 0)
    assert any("'Opportunity ID' as opportunity_id" in n and "'Close Date' as closed_at" in n for n in report["notes"])
    assert rows(project, "SELECT opportunity_id, stage, stage_raw FROM opportunities ORDER BY 1") == [
        ("006A1", "open", "Prospecting"), ("006A2", "open", "Qualification"), ("006A3", "open", "Proposal"),
        ("006A4", "open", "Negotiation"), ("006A5", "won", "Closed Won"), ("006A6", "lost", "Closed Lost")]


def test_a_hubspot_export_with_internal_stage_names_loads(project, tmp_path):
    report = ingest(project, write(tmp_path, "deals.csv", HUBSPOT), "opportunities")
    assert (report["loaded"], report["rejected"]) == (4, 0)
    assert rows(project, "SELECT opportunity_id, account_id, stage FROM opportunities ORDER BY 1") == [
        ("101", "c1", "open"), ("102", "c1", "open"), ("103", "c2", "won"), ("104", "c2", "lost")]


def test_stages_are_mapped_by_leadlight_yml_and_an_unknown_closed_stage_is_named(project, tmp_path):
    text = ("opportunity_id,account_id,created_at,stage,probability\n"
            "o1,a1,2026-01-05,Signed,100\no2,a1,2026-01-05,Closed - Duplicate,0\no3,a1,2026-01-05,Verbal,100\n")
    report = ingest(project, write(tmp_path, "o.csv", text), "opportunities")
    assert report["rejected"] == 1 and "Closed - Duplicate" in report["errors"][0]["message"]
    assert "opportunities.stages" in report["errors"][0]["message"]
    config = (project / "leadlight.yml").read_text()
    (project / "leadlight.yml").write_text(config.replace(
        "opportunities:\n  stages: {}", "opportunities:\n  stages: {Signed: won, 'closed duplicate': lost}"))
    report = ingest(project, write(tmp_path, "o.csv", text), "opportunities")  # the same bytes, new settings
    assert report["rejected"] == 0
    assert rows(project, "SELECT opportunity_id, stage FROM opportunities ORDER BY 1") == [
        ("o1", "won"), ("o2", "lost"), ("o3", "open")]
    (project / "leadlight.yml").write_text((project / "leadlight.yml").read_text().replace(
        "stages_by_probability: false", "stages_by_probability: true"))
    ingest(project, write(tmp_path, "o.csv", text), "opportunities")
    assert rows(project, "SELECT stage FROM opportunities WHERE opportunity_id = 'o3'") == [("won",)]


def test_an_events_csv_from_an_analytics_tool_loads(project, tmp_path):
    text = "userId,event_name,time\nu1,Signed Up,2026-01-05T10:00:00Z\nu1,Report Run,1767607200000\n"
    report = ingest(project, write(tmp_path, "events.csv", text), "events")
    assert (report["loaded"], report["rejected"]) == (2, 0)
    assert rows(project, "SELECT user_id, event, timestamp FROM events ORDER BY timestamp") == [
        ("u1", "Signed Up", datetime(2026, 1, 5, 10)), ("u1", "Report Run", datetime(2026, 1, 5, 10))]


def test_a_semicolon_csv_in_latin_1_loads_and_says_what_was_found(project, tmp_path):
    text = "account_id;name;country;employees\na1;Société Générale;France;120\na2;Müller GmbH;Deutschland;45\n"
    report = ingest(project, write(tmp_path, "accounts.csv", text.encode("latin-1")), "accounts")
    assert (report["loaded"], report["rejected"]) == (2, 0)
    assert any("read as Windows-1252" in n for n in report["notes"])
    assert any("separated by ';'" in n for n in report["notes"])
    assert rows(project, "SELECT name, employees FROM accounts ORDER BY 1") == [
        ("Müller GmbH", 45), ("Société Générale", 120)]


def test_a_tab_separated_users_file_loads(project, tmp_path):
    text = "user_id\temail\tJob Title\nu1\tann@acme.com\tCTO\n"
    report = ingest(project, write(tmp_path, "users.tsv", text), "users")
    assert report["loaded"] == 1 and any("separated by tab" in n for n in report["notes"])
    assert rows(project, "SELECT user_id, email, title FROM users") == [("u1", "ann@acme.com", "CTO")]


def test_columns_mapped_in_leadlight_yml(project, tmp_path):
    config = (project / "leadlight.yml").read_text()
    (project / "leadlight.yml").write_text(config.replace(
        "ingest:\n  columns: {}", "ingest:\n  columns:\n    opportunities: {opportunity_id: Deal Number, amount: Deal Value}"))
    text = "Deal Number,Company,Opened,Phase,Deal Value\nD1,a1,2026-01-02,Negotiation,5\n"
    with_mapping = "Deal Number,account_id,created_at,stage,Deal Value\nD1,a1,2026-01-02,Negotiation,5\n"
    failed = ingest(project, write(tmp_path, "deals.csv", text), "opportunities", code=1)
    assert "account_id or domain, created_at, stage" in failed["message"]
    report = ingest(project, write(tmp_path, "deals2.csv", with_mapping), "opportunities")
    assert report["loaded"] == 1
    assert rows(project, "SELECT opportunity_id, amount FROM opportunities") == [("D1", 5.0)]


def test_a_file_missing_a_needed_column_is_refused_once_and_exits_1(project, tmp_path):
    text = "id,company,when\n" + "".join(f"{i},acme,2026-01-01\n" for i in range(500))
    report = ingest(project, write(tmp_path, "opps.csv", text), "opportunities", code=1)
    assert report["error"] == "InputError"
    assert "this file has columns id, company, when" in report["message"]
    assert "ingest: {columns: {opportunities:" in report["hint"]
    assert rows(project, "SELECT count(*) FROM opportunities") == [(0,)]
    assert not list((project / ".leadlight").glob("quarantine/*"))  # one error, not one per row


USERS = "user_id,email,title,account_id\nu1,ann@acme.com,CTO,a1\n"
OPPORTUNITIES = "opportunity_id,account_id,created_at,stage,amount\no1,a1,2026-01-01,open,10\n"
ACCOUNTS = "account_id,domain,name,employees\na1,acme.com,Acme,50\n"
EVENTS = "user_id,event,timestamp\nu1,Signed Up,2026-01-01T00:00:00Z\n"
MIX_UPS = [(USERS, "accounts", "users"), (OPPORTUNITIES, "accounts", "opportunities"), (EVENTS, "accounts", "events"),
           (ACCOUNTS, "users", "accounts"), (OPPORTUNITIES, "users", "opportunities"), (EVENTS, "users", "events"),
           (ACCOUNTS, "opportunities", "accounts"), (USERS, "opportunities", "users"),
           (EVENTS, "opportunities", "events"), (ACCOUNTS, "events", "accounts"), (USERS, "events", "users"),
           (OPPORTUNITIES, "events", "opportunities")]


@pytest.mark.parametrize(("text", "given", "really"), MIX_UPS, ids=[f"{r}-as-{g}" for _, g, r in MIX_UPS])
def test_the_wrong_kind_is_refused_whole_and_changes_nothing(project, tmp_path, text, given, really):
    ingest(project, write(tmp_path, "accounts0.csv", ACCOUNTS), "accounts")
    before = rows(project, "SELECT * FROM accounts"), rows(project, "SELECT column_name FROM (DESCRIBE accounts)")
    report = ingest(project, write(tmp_path, "file.csv", text), given, code=1)
    assert f"--kind {really}" in report["hint"]
    assert (rows(project, "SELECT * FROM accounts"), rows(project, "SELECT column_name FROM (DESCRIBE accounts)")) == before


def test_a_column_made_text_by_one_bad_value_is_a_number_again_once_fixed(project, tmp_path):
    bad = "account_id,arr\na1,12000\na2,9000.5\na3,\"12000,50\"\n"
    report = ingest(project, write(tmp_path, "accounts.csv", bad), "accounts")
    [warning] = report["warnings"]
    assert 'column arr is stored as text because line 4 has "12000,50"' in warning
    assert rows(project, "SELECT column_type FROM (DESCRIBE accounts) WHERE column_name = 'arr'") == [("VARCHAR",)]
    report = ingest(project, write(tmp_path, "accounts.csv", bad.replace('"12000,50"', "12000.50")), "accounts")
    assert (report["updated"], report["unchanged"]) == (1, 2)
    assert any("arr holds only numbers again" in n for n in report["notes"])
    assert rows(project, "SELECT account_id, arr FROM accounts ORDER BY 1") == [
        ("a1", 12000.0), ("a2", 9000.5), ("a3", 12000.5)]


def test_reingesting_accounts_reports_updated_and_unchanged(project, tmp_path):
    first = "account_id,name,plan\na1,Acme,free\na2,Globex,team\n"
    assert ingest(project, write(tmp_path, "a.csv", first), "accounts")["loaded"] == 2
    second = first.replace("Acme,free", "Acme,business") + "a3,Initech,pro\n"
    report = ingest(project, write(tmp_path, "b.csv", second), "accounts")
    assert (report["loaded"], report["updated"], report["unchanged"]) == (1, 1, 1)
    again = ingest(project, write(tmp_path, "a.csv", first), "accounts")  # the very same bytes
    assert (again["loaded"], again["updated"], again["unchanged"]) == (0, 0, 2)


@pytest.mark.parametrize(("name", "text", "words"), [
    ("empty.csv", "", "is empty"),
    ("header.csv", "account_id,name\n", "has a header but no records"),
    ("blank.ndjson", "\n\n", "holds no records"),
])
def test_an_empty_or_header_only_file_warns(project, tmp_path, name, text, words):
    kind = "events" if name.endswith(".ndjson") else "accounts"
    report = ingest(project, write(tmp_path, name, text), kind)
    assert report["loaded"] == 0 and any(words in w for w in report["warnings"])


def test_a_segment_alias_call_merges_the_anonymous_visitor_and_epoch_millis_load(project, tmp_path):
    messages = [
        {"type": "page", "anonymousId": "anon-7", "name": "Pricing", "timestamp": 1767607200000, "messageId": "p1"},
        {"type": "alias", "previousId": "anon-7", "userId": "u42", "timestamp": "2026-01-05T10:05:00Z",
         "messageId": "a1"},
        {"type": "track", "userId": "u42", "event": "Signed Up", "timestamp": "2026-01-05t10:06:00z", "messageId": "t1"},
    ]
    path = write(tmp_path, "segment.ndjson", "".join(json.dumps(m) + "\n" for m in messages))
    report = ingest(project, path, "events")
    assert (report["loaded"], report["rejected"]) == (3, 0)
    assert rows(project, "SELECT message_id, user_id, timestamp FROM events_resolved ORDER BY timestamp") == [
        ("p1", "u42", datetime(2026, 1, 5, 10)), ("a1", "u42", datetime(2026, 1, 5, 10, 5)),
        ("t1", "u42", datetime(2026, 1, 5, 10, 6))]


def test_segment_batch_documents_load_as_messages(project, tmp_path):
    batch = {"batch": [{"type": "track", "userId": "u1", "event": "A", "messageId": "b1"},
                       {"type": "track", "userId": "u2", "event": "B", "messageId": "b2"}],
             "sentAt": "2026-01-05T10:00:00Z"}
    one_line = write(tmp_path, "batches.ndjson", json.dumps(batch) + "\n" + json.dumps(
        {"batch": [{"type": "identify", "userId": "u3", "timestamp": "2026-01-05T11:00:00Z", "messageId": "b3"}]}))
    assert ingest(project, one_line, "events")["loaded"] == 3
    pretty = dict(batch, batch=[dict(m, messageId=m["messageId"] + "p") for m in batch["batch"]])
    report = ingest(project, write(tmp_path, "batch.json", json.dumps(pretty, indent=2)), "events")
    assert (report["loaded"], report["rejected"]) == (2, 0)
    assert rows(project, "SELECT count(*) FROM events WHERE timestamp = TIMESTAMP '2026-01-05 10:00:00'") == [(4,)]
