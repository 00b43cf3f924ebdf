"""Leadlight on a company it has never seen: its own event names, CSV-only inputs, odd file shapes.

The inputs are a tiny shipping-software company (events ``Order Imported``, ``Viewed Plans``;
opportunities that name their account by ``domain`` only), written inline so each case can be
checked by hand. Each test pins a problem an acceptance audit found.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadlight.cli.app import app
from tests.cli import cli

ACCOUNTS = """account_id,domain,name,employees,arr_band,region
A1,shop1.co.uk,Shöp One Ltd,40,10-50k,EMEA
A2,shop2.co.uk,Shop Two,8,<10k,NA
"""
USERS = """user_id,email,title,created_at,email_confirmed,role
u1,ana@shop1.co.uk,Directora de Tecnología,2026-03-01,true,owner
u2,bo@shop1.co.uk,Ops manager,2026-03-02,yes,member
u3,cy@shop2.co.uk,Founder,2026-03-01,TRUE,owner
"""
EVENTS = """user_id,event,timestamp,properties
u1,Order Imported,2026-04-20T09:00:00Z,
u1,Viewed Plans,2026-04-21,"{""plan"": ""pro""}"
u2,Order Imported,2026-04-22 10:30:00,
u3,Order Imported,2026-04-23T11:00:00+02:00,
"""
CONFIG = """version: 1
name: shipping-co
signals:
  - {name: orders_14d, kind: count, event: Order Imported, window: 14d, label: orders imported}
  - {name: plans_28d, kind: count, event: Viewed Plans, window: 28d, label: plan page views}
  - {name: arr_band, kind: attribute, column: arr_band}
  - {name: user_orders_28d, kind: count, level: user, event: Order Imported, window: 28d, label: orders imported}
scoring:
  pql:
    rules:
      - {signal: user_orders_28d, op: ">=", value: 1, points: 100}
    required: [work_email]
    disqualifiers: [personal_email, bought_self_serve]
    threshold: 50
  pqa:
    rollup: {method: max, points: 30}
    rules:
      - {signal: orders_14d, op: ">=", value: 1, points: 40}
    triggers: {k: 1, points: 30, of: [{signal: plans_28d, op: ">=", value: 1}]}
    threshold: 50
  fit:
    rules:
      - {signal: arr_band, op: in, value: ["10-50k", ">50k"], points: 100}
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A project with the shipping company's accounts, users and events loaded."""
    project = tmp_path / "shop"
    cli("init", str(project))
    (project / "leadlight.yml").write_text(CONFIG)
    for kind, text in (("accounts", ACCOUNTS), ("users", USERS), ("events", EVENTS)):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        report = cli("ingest", str(path), "--kind", kind, "--project", str(project))
        assert report["rejected"] == 0, report["errors"]
    return project


def invoke(*args: str):
    """Run `leadlight ARGS --json` and return the result, whatever the exit code (never a crash)."""
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_own_event_names_score_and_explain_with_the_contract_shapes(shop):
    snapshot = cli("score", "--project", str(shop))
    assert (snapshot["accounts"], snapshot["users"], snapshot["pqas"]) == (2, 3, 2)
    top = cli("accounts", "--project", str(shop), "--limit", "1")[0]
    assert top["account_id"] == "A1" and top["name"] == "Shöp One Ltd" and top["quadrant"] == "high_fit_high_intent"
    assert {r["text"]: r["contribution"] for r in top["reasons"]} == {
        "2 orders imported in the last 14 days": 40, "1 of 1 buying signals: plan page views": 30,
        "its top lead scores 100 of 100": 30}
    leads = cli("leads", "--project", str(shop), "--account", "A1")
    assert {lead["user_id"] for lead in leads} == {"u1", "u2"} and all(lead["pql"] for lead in leads)
    assert cli("explain", "A1", "--project", str(shop))["users"]


def test_a_self_serve_win_named_by_domain_disqualifies_the_accounts_people(shop, tmp_path):
    opps = tmp_path / "opportunities.csv"
    opps.write_text("opportunity_id,domain,created_at,closed_at,stage,amount,source\n"
                    "SS1,SHOP1.co.uk,2026-04-01,2026-04-02,Won,,self_serve\n")
    assert cli("ingest", str(opps), "--kind", "opportunities", "--project", str(shop))["loaded"] == 1
    cli("score", "--project", str(shop))
    leads = {lead["user_id"]: lead for lead in cli("leads", "--project", str(shop))}
    assert leads["u1"]["disqualifiers"] == ["bought_self_serve"] and not leads["u1"]["pql"]
    assert leads["u3"]["pql"]  # another account: untouched


@pytest.mark.parametrize(("kind", "missing"), [("accounts", "account_id"), ("opportunities", "opportunity_id")])
def test_a_file_without_its_key_column_is_refused_once_not_a_crash(shop, tmp_path, kind, missing):
    wrong = tmp_path / "users_again.csv"
    wrong.write_text(USERS)
    result = invoke("ingest", str(wrong), "--kind", kind, "--project", str(shop))
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["error"] == "InputError" and str(wrong) in report["message"]
    assert "nothing was loaded" in report["message"] and "--kind users" in report["hint"]


def test_opportunities_without_a_stage_column_are_refused_once(shop, tmp_path):
    opps = tmp_path / "opps.csv"
    opps.write_text("opportunity_id,account_id,created_at\nO1,A1,2026-04-01\nO2,A1,2026-04-02\n")
    result = invoke("ingest", str(opps), "--kind", "opportunities", "--project", str(shop))
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert "opportunities need stage" in report["message"] and "map them in leadlight.yml" in report["hint"]


def test_backtest_without_a_judgeable_snapshot_says_why(shop):
    too_short = invoke("backtest", "--project", str(shop))  # four days of history
    assert too_short.exit_code == 1
    assert json.loads(too_short.stdout)["error"] == "NotReady"
    assert "no snapshot to judge" in too_short.stderr
    backwards = invoke("backtest", "--project", str(shop), "--from", "2026-05-01", "--to", "2026-03-01")
    assert backwards.exit_code == 2 and "--from 2026-05-01 is after --to 2026-03-01" in backwards.stderr


@pytest.mark.parametrize(("signal", "problem"), [
    ("orders_28d", "no signal 'orders_28d' is declared under signals:"),
    ("user_orders_28d", "'user_orders_28d' is a user-level signal; account rules need level: account"),
])
def test_a_rule_on_an_undeclared_signal_names_file_line_and_key_before_any_data(tmp_path, signal, problem):
    project = tmp_path / "typo"
    project.mkdir()
    (project / "leadlight.yml").write_text(CONFIG.replace("{signal: orders_14d,", f"{{signal: {signal},"))
    result = invoke("score", "--project", str(project))
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"] == "ConfigError"
    assert f"leadlight.yml:18: scoring.pqa.rules[0].signal: {problem}" in result.stderr


def test_an_unknown_signal_kind_names_the_kind_key_and_the_kinds_allowed(tmp_path):
    project = tmp_path / "typo"
    project.mkdir()
    (project / "leadlight.yml").write_text(CONFIG.replace("kind: count, event: Viewed Plans", "kind: tally, event: Viewed Plans"))
    result = invoke("score", "--project", str(project))
    assert result.exit_code == 2
    assert "leadlight.yml:5: signals[1].kind: 'tally' is not a kind; allowed: count, distinct_users," in result.stderr


def test_the_champion_ignores_generator_event_names_unless_the_config_names_admin_events(shop, tmp_path):
    more = tmp_path / "more.csv"  # this product happens to have a "Billing" event; u2 is the busier person
    more.write_text("user_id,event,timestamp\nu1,Billing,2026-04-24T09:00:00Z\n"
                    + "".join(f"u2,Order Imported,2026-04-2{d}T09:00:00Z\n" for d in (4, 5, 6)))
    cli("ingest", str(more), "--kind", "events", "--project", str(shop))
    cli("score", "--project", str(shop))
    assert cli("explain", "A1", "--project", str(shop))["champion"]["user_id"] == "u2"
    config = shop / "leadlight.yml"
    config.write_text(config.read_text() + "  people: {admin_events: [Billing]}\n")
    cli("score", "--project", str(shop))
    assert cli("explain", "A1", "--project", str(shop))["champion"]["user_id"] == "u1"
