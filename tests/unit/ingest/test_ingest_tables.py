"""Accounts, users and opportunities: upserts, attribute columns, validation."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pytest
import pyarrow.parquet as pq

from leadlight.errors import InputError


def column_types(ws, table: str) -> dict[str, str]:
    return dict(ws.rows(f"SELECT column_name, column_type FROM (DESCRIBE {table})"))


def test_accounts_extra_columns_become_typed_attributes(ws):
    text = (
        "Account ID,domain,name,employees,ARR,Seats,Region,Founded\n"
        "a1,ACME.com,Acme,120,1500.5,10,emea,1999\n"
        "a2,globex.io,Globex,,2000,,amer,\n"
    )
    report = ws.load("accounts.csv", text, kind="accounts")
    assert (report["read"], report["loaded"], report["rejected"]) == (2, 2, 0)
    types = column_types(ws, "accounts")
    assert (types["arr"], types["seats"], types["region"], types["founded"]) == ("DOUBLE", "BIGINT", "VARCHAR", "BIGINT")
    assert ws.rows("SELECT account_id, domain, employees, arr, seats, region FROM accounts ORDER BY 1") == [
        ("a1", "acme.com", 120, 1500.5, 10, "emea"), ("a2", "globex.io", None, 2000.0, None, "amer")]


def test_accounts_upsert_latest_file_wins_and_absent_columns_are_kept(ws):
    ws.load("a.csv", "account_id,name,plan,score\na1,Acme,free,5\na2,Globex,team,7\n", kind="accounts")
    report = ws.load("b.csv", "account_id,plan,score\na1,business,high\na3,free,1\na1,enterprise,x\n", kind="accounts")
    assert (report["read"], report["loaded"], report["updated"], report["unchanged"], report["duplicates"]) == (3, 1, 1, 0, 1)
    assert column_types(ws, "accounts")["score"] == "VARCHAR"  # widened: "high" is not a number
    assert ws.rows("SELECT account_id, name, plan, score FROM accounts ORDER BY 1") == [
        ("a1", "Acme", "enterprise", "x"), ("a2", "Globex", "team", "7"), ("a3", None, "free", "1")]


def test_accounts_validation(ws):
    text = "account_id,employees\n,10\na1,ten\na2,12.5\na3,40\n"
    report = ws.load("accounts.csv", text, kind="accounts")
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(2, "account_id"), (3, "employees"), (4, "employees")]
    assert "not \"ten\"" in report["errors"][1]["message"]
    assert ws.rows("SELECT account_id, employees FROM accounts") == [("a3", 40)]


def test_users_validation_and_types(ws):
    text = (
        "user_id,email,title,account_id,created_at,email_confirmed,seniority\n"
        "u1,ann@acme.com,CTO,a1,2026-01-05T10:00:00+01:00,yes,5\n"
        "u2,bob@x.com,,,,false,\n"
        "u3,c@x.com,,,someday,true,\n"
        "u4,d@x.com,,,,maybe,\n"
        ",e@x.com,,,,,\n"
        "u5,f@x.com,,a1\n"
    )
    report = ws.load("users.csv", text, kind="users")
    assert [(e["line"], e["field"]) for e in report["errors"]] == [
        (4, "created_at"), (5, "email_confirmed"), (6, "user_id"), (7, None)]
    assert report["errors"][3]["message"] == "has 4 fields; the header has 7"
    assert ws.rows("SELECT user_id, account_id, created_at, email_confirmed, seniority FROM users ORDER BY 1") == [
        ("u1", "a1", datetime(2026, 1, 5, 9, 0, 0), True, 5), ("u2", None, None, False, None)]
    assert ws.rows("SELECT user_id, account_id, method FROM identities WHERE user_id = 'u1'") == [("u1", "a1", "users_file")]


def test_opportunities_validation_and_source_default(ws):
    text = (
        "opportunity_id,account_id,domain,created_at,closed_at,stage,amount\n"
        "o1,a1,,2026-01-10,2026-02-01,Won,12000\n"
        "o2,,globex.io,2026-01-11,,open,\n"
        "o3,,,2026-01-11,,open,\n"
        "o4,a1,,,,open,\n"
        "o5,a1,,2026-01-11,soon,lost,\n"
        "o6,a1,,2026-01-11,,Closed - Duplicate,\n"
        "o7,a1,,2026-01-11,,open,lots\n"
    )
    report = ws.load("opps.csv", text, kind="opportunities")
    assert [(e["line"], e["field"]) for e in report["errors"]] == [
        (4, "account_id"), (5, "created_at"), (6, "closed_at"), (7, "stage"), (8, "amount")]
    assert ws.rows("SELECT * FROM opportunities ORDER BY 1") == [
        ("o1", "a1", None, datetime(2026, 1, 10), datetime(2026, 2, 1), "won", 12000.0, "sales", "Won"),
        ("o2", None, "globex.io", datetime(2026, 1, 11), None, "open", None, "sales", "open")]


def test_opportunities_source_is_checked_and_upserted(ws):
    ws.load("o1.csv", "opportunity_id,account_id,created_at,stage,source\no1,a1,2026-01-10,open,self_serve\n"
            "o2,a1,2026-01-10,open,partner\n", kind="opportunities")
    ws.load("o2.csv", "opportunity_id,account_id,created_at,stage\no1,a1,2026-01-10,won\n", kind="opportunities")
    assert ws.rows("SELECT opportunity_id, stage, source FROM opportunities") == [("o1", "won", "sales")]


def test_parquet_accounts(ws):
    path = ws.root / "in" / "accounts.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"account_id": ["a1", None], "employees": [50, 7], "mrr": [99.5, 10.0]}), path)
    report = ws.ingest(path, kind="accounts")
    assert (report["loaded"], report["rejected"], report["errors"][0]["line"]) == (1, 1, 2)
    assert ws.rows("SELECT account_id, employees, mrr FROM accounts") == [("a1", 50, 99.5)]


def test_crm_stage_spellings_mean_won_and_lost(ws):
    text = (
        "opportunity_id,account_id,created_at,stage\n"
        "o1,a1,2026-01-10,Closed Won\n"
        "o2,a1,2026-01-10,closedlost\n"
        "o3,a1,2026-01-10,CLOSED_WON\n"
        "o4,a1,2026-01-10,Closed\n"
    )
    report = ws.load("opps.csv", text, kind="opportunities")
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(5, "stage")]  # 'Closed' alone says neither
    assert ws.rows("SELECT opportunity_id, stage FROM opportunities ORDER BY 1") == [
        ("o1", "won"), ("o2", "lost"), ("o3", "won")]


def test_an_events_file_loaded_as_users_is_refused_whole_and_adds_no_columns(ws):
    text = "user_id,event,timestamp,properties\nu1,Signed Up,2026-01-01T10:00:00Z,\nu2,Export Run,2026-01-02T10:00:00Z,{}\n"
    with pytest.raises(InputError) as refused:
        ws.load("events.csv", text, kind="users")
    assert "looks like a events file" in refused.value.message and refused.value.hint == "load it with --kind events"
    assert ws.rows("SELECT count(*) FROM users") == [(0,)]
    columns = [r[0] for r in ws.rows("SELECT column_name FROM (DESCRIBE users)")]
    assert "event" not in columns and "timestamp" not in columns
