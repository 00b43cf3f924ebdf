"""`score`, `accounts`, `leads`, `explain` from the command line, on a generated company.

A throwaway project is built with the real CLI (generate, ingest) and scored once.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from leadlight.cli.app import app
from leadlight.storage import Project, connect
from tests.cli import cli, generated_project

runner = CliRunner()

SIGNALS = """
signals:
  - {name: active_users_14d, kind: distinct_users, window: 14d, label: active users}
  - {name: invites_14d, kind: count, event: Teammate Invited, window: 14d, label: teammates invited}
  - {name: pricing_views_14d, kind: count, event: Pricing, window: 14d, label: pricing page views}
  - {name: admin_views_14d, kind: count, event: [Admin Settings, Security], window: 14d, label: admin page views}
  - {name: paywall_hits_14d, kind: count, event: [Paywall Hit, Plan Limit Reached], window: 14d, label: paywall hits}
  - {name: days_since_active, kind: recency, label: active}
  - {name: employees, kind: attribute, column: employees}
  - {name: industry, kind: attribute, column: industry}
  - {name: user_active_days_14d, kind: active_days, level: user, window: 14d}
  - {name: user_invites_28d, kind: count, level: user, event: Teammate Invited, window: 28d, label: teammates invited}
  - {name: user_pricing_28d, kind: count, level: user, event: [Pricing, Billing], window: 28d, label: pricing page views}
  - {name: user_last_seen, kind: recency, level: user}
  - {name: user_unsubscribed, kind: count, level: user, event: Unsubscribed, label: unsubscribes}
"""
SCORING = """
scoring:
  pql:
    rules:
      - {signal: user_active_days_14d, op: ">=", value: 3, points: 40}
      - {signal: user_invites_28d, op: ">=", value: 1, points: 30}
      - {signal: user_pricing_28d, op: ">=", value: 1, points: 30}
    required: [work_email]
    disqualifiers: [personal_email, disposable_email, student, sales_persona, bought_self_serve,
                    {signal: user_unsubscribed, op: ">", value: 0, label: unsubscribed}]
    decay: {kind: half_life, days: 14, signal: user_last_seen}
    threshold: 60
  pqa:
    rollup: {method: max, points: 30}
    rules:
      - {signal: active_users_14d, op: ">=", value: 3, points: 20}
      - {signal: days_since_active, op: ">", value: 14, points: -20}
    triggers:
      k: 2
      points: 50
      of:
        - {signal: invites_14d, op: ">=", value: 3}
        - {signal: pricing_views_14d, op: ">=", value: 1}
        - {signal: admin_views_14d, op: ">=", value: 1}
        - {signal: paywall_hits_14d, op: ">=", value: 1}
    threshold: 70
  fit:
    rules:
      - {signal: employees, op: ">=", value: 50, points: 50}
      - {signal: industry, op: in, value: [Software, Financial Services, Consulting, Healthcare], points: 50}
    threshold: 50
"""
ACCOUNT_KEYS = {"schema_version", "account_id", "name", "domain", "score", "probability", "fit", "intent", "quadrant",
                "pqa", "reasons", "champion", "decision_makers", "play", "status", "owner", "motion", "expected_value",
                "motion_reason", "self_serve_probability", "deal_size", "uplift", "uplift_reliable",
                "employees", "industry", "country", "plan",
                "as_of"}
LEAD_KEYS = {"user_id", "email", "title", "account_id", "score", "pql", "disqualifiers", "reasons"}
QUADRANTS = ["high_fit_high_intent", "high_fit_low_intent", "low_fit_high_intent", "low_fit_low_intent"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    _, project = generated_project(tmp_path_factory.mktemp("scoring"), "version: 1\n" + SIGNALS + SCORING,
                                   accounts=40, days=75, seed=11)
    return str(project)


@pytest.fixture(scope="module")
def scored(project):
    """The project scored as of all its data; returns the score summary."""
    return cli("score", "--project", project)


def test_reading_before_scoring_says_run_score(tmp_path):
    (tmp_path / "leadlight.yml").write_text("version: 1\n" + SIGNALS + SCORING)
    connect(Project(tmp_path)).close()  # a database with no snapshot yet
    err = cli("accounts", "--project", str(tmp_path), code=1)
    assert err["error"] == "NotReady" and "leadlight score" in err["hint"]


def test_score_then_read_in_the_contract_shapes(project, scored):
    summary = scored
    assert set(summary) == {"as_of", "accounts", "users", "pqas", "pqls"}
    assert summary["accounts"] == 40 and 0 < summary["pqas"] < 40 and 0 < summary["pqls"] < summary["users"]

    accounts = cli("accounts", "--project", project)
    assert len(accounts) == 40 and all(set(a) == ACCOUNT_KEYS for a in accounts)
    assert sum(a["pqa"] for a in accounts) == summary["pqas"]
    # prospects first (accounts with an open deal or already customers after them), then by quadrant and score
    order = [(a["status"] in ("open_deal", "customer"), QUADRANTS.index(a["quadrant"]), -a["score"]) for a in accounts]
    assert order == sorted(order)
    assert all(0 <= a["score"] <= 100 and a["probability"] is None and a["play"] is None for a in accounts)
    top = accounts[0]
    assert top["reasons"] and all(set(r) == {"signal", "value", "contribution", "text"} for r in top["reasons"])
    assert top["champion"] is not None and set(top["champion"]) == {"user_id", "email", "title"}

    limited = cli("accounts", "--project", project, "--quadrant", "high_fit_low_intent", "--limit", "2")
    assert len(limited) <= 2 and all(a["quadrant"] == "high_fit_low_intent" for a in limited)

    leads = cli("leads", "--project", project)
    assert all(LEAD_KEYS <= set(u) and set(u["link"]) == {"method", "account_id"} for u in leads)
    assert sum(u["pql"] for u in leads) == summary["pqls"]
    for u in leads:  # disqualified people are never PQLs
        if u["flags"]["personal_email"] or u["flags"]["sales_persona"] or u["disqualifiers"]:
            assert not u["pql"], u
    assert any(u["flags"]["personal_email"] for u in leads)  # the generator makes some

    mine = cli("leads", "--project", project, "--account", top["account_id"])
    assert mine and {u["account_id"] for u in mine} == {top["account_id"]}

    detail = cli("explain", top["account_id"], "--project", project)
    assert ACCOUNT_KEYS <= set(detail) and detail["users"] and detail["score"] == top["score"]


def test_score_as_of_a_date_and_read_it_back(project, scored):
    summary = cli("score", "--project", project, "--as-of", "2026-10-01")
    assert summary["as_of"] == "2026-10-02T00:00:00Z"  # a date means the end of that day
    again = cli("accounts", "--project", project, "--as-of", summary["as_of"])
    assert len(again) == 40
    latest = cli("accounts", "--project", project)  # the default is still the latest snapshot
    assert {a["account_id"]: a["score"] for a in latest} != {a["account_id"]: a["score"] for a in again}


def test_errors(project, scored):
    assert cli("explain", "nope", "--project", project, code=1)["error"] == "NotFound"
    assert cli("leads", "--account", "nope", "--project", project, code=1)["error"] == "NotFound"
    assert cli("accounts", "--quadrant", "hot", "--project", project, code=2)["error"] == "UsageError"
    assert cli("score", "--as-of", "31/12/2026", "--project", project, code=2)["error"] == "UsageError"


def test_human_output_has_reasons_in_words(project, scored):
    result = runner.invoke(app, ["accounts", "--project", project, "--limit", "3"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Accounts by priority" in result.output and "last 14 days" in result.output


def test_a_lead_list_without_events_scores_by_fit(tmp_path):
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 0
    (tmp_path / "accounts.csv").write_text(
        "account_id,domain,name,employees,industry\n"
        "big,big.com,Big Co,500,Software\n"
        "small,small.com,Small Co,3,Retail\n"
    )
    assert runner.invoke(app, ["ingest", str(tmp_path / "accounts.csv"), "--kind", "accounts", "-p", str(tmp_path)]).exit_code == 0
    scored = runner.invoke(app, ["score", "-p", str(tmp_path), "--json"])
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.stdout)["accounts"] == 2
    listed = json.loads(runner.invoke(app, ["accounts", "-p", str(tmp_path), "--json"]).stdout)
    assert [(a["account_id"], a["fit"]) for a in listed] == [("big", "high"), ("small", "low")]


def test_scoring_an_empty_project_says_what_to_load(tmp_path):
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 0
    result = runner.invoke(app, ["score", "-p", str(tmp_path)])
    assert result.exit_code == 1 and "leadlight ingest" in result.stderr


def test_a_list_reads_the_thresholds_its_snapshot_was_scored_with(project, scored, tmp_path):
    import shutil

    from leadlight.tasks.snapshots import reading_context

    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    config = copy / "leadlight.yml"
    config.write_text(config.read_text().replace("    threshold: 70\n", "    threshold: 55\n", 1))
    stored = reading_context(Project(copy))
    assert stored["pqa_threshold"] == 70  # as scored, not as edited since

    with connect(Project(copy)) as con:  # a snapshot stored before thresholds were recorded
        con.execute("UPDATE account_scores SET pqa_threshold = NULL, pql_threshold = NULL").fetchall()
    assert reading_context(Project(copy))["pqa_threshold"] == 55
