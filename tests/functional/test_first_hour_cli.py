"""The first hour on your own data, from the command line (issue 11, items 8-19).

One small generated company, with a leadlight.yml a user could have written: two
signals misspell what the product sends ("Member Invite" for "Teammate Invited",
"pricing" for "Pricing"), one filters on a property no event has.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from typer.testing import CliRunner

from leadlight.cli.app import app
from tests.cli import cli, generated_project

runner = CliRunner()

CONFIG = """
version: 1
signals:
  - {name: active_users_14d, kind: distinct_users, window: 14d, label: active users}
  - {name: invites_14d, kind: count, event: Teammate Invited, window: 14d, label: teammates invited}
  - {name: member_invites_14d, kind: count, event: Member Invite, window: 14d, label: members invited}
  - {name: pricing_views_14d, kind: count, event: pricing, window: 14d, label: pricing page views}
  - {name: pro_exports_28d, kind: count, event: Teammate Invited, where: {seat_tier: pro}, window: 28d}
  - {name: days_since_active, kind: recency, label: active}
  - {name: employees, kind: attribute, column: employees}
  - {name: user_active_days_14d, kind: active_days, level: user, window: 14d}
  - {name: user_invites_28d, kind: count, level: user, event: Teammate Invited, window: 28d, label: teammates invited}
scoring:
  pql:
    rules:
      - {signal: user_active_days_14d, op: ">=", value: 3, points: 60}
      - {signal: user_invites_28d, op: ">=", value: 1, points: 40}
    threshold: 60
  pqa:
    rollup: {method: max, points: 30}
    rules:
      - {signal: active_users_14d, op: ">=", value: 2, points: 30}
      - {signal: member_invites_14d, op: ">=", value: 1, points: 20}
      - {signal: employees, op: ">=", value: 0, points: 10}
      - {signal: days_since_active, op: ">", value: 14, points: -20}
    threshold: 60
"""


def run(*args: str, code: int = 0) -> str:
    """`leadlight ARGS` as a user types it (no --json); returns stdout, checks the exit code."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> str:
    _, project = generated_project(tmp_path_factory.mktemp("first-hour"), CONFIG, accounts=40, days=75, seed=5)
    return str(project)


@pytest.fixture(scope="module")
def scored(project) -> dict:
    return cli("score", "-p", project)


# 8. A signal that can never fire
def test_score_warns_about_events_and_properties_nothing_loaded_has(project):
    result = runner.invoke(app, ["score", "-p", project, "--json"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)) == {"as_of", "accounts", "users", "pqas", "pqls"}
    said = result.stderr
    assert "'Member Invite'" in said and "did you mean 'Teammate Invited'" in said
    assert "'pricing'" in said and "did you mean 'Pricing'" in said
    assert "property 'seat_tier'" in said


def test_check_lists_every_signal_and_rule_that_cannot_fire(project, scored):
    report = cli("check", "-p", project)
    by_name = {s["name"]: s for s in report["signals"]}
    assert by_name["member_invites_14d"]["status"] == "always_zero"
    assert by_name["pricing_views_14d"]["status"] == "always_zero"
    assert by_name["pro_exports_28d"]["status"] == "always_zero"
    assert by_name["invites_14d"]["status"] == "ok"
    rules = {r["where"]: r for r in report["rules"]}
    assert rules["scoring.pqa.rules[1]"]["status"] == "never_true"  # member_invites_14d >= 1
    assert rules["scoring.pqa.rules[2]"]["status"] == "always_true"  # employees >= 0
    assert rules["scoring.pqa.rules[0]"]["status"] == "ok"
    assert {w["problem"] for w in report["warnings"]} == {"unknown_event", "unknown_property"}
    assert report["problems"] >= 5
    text = run("check", "-p", project)
    assert "member_invites_14d" in text and "did you mean 'Teammate Invited'" in text


# 9. --as-of out of range, one date grammar, the moment asked for is the one printed
def test_as_of_outside_the_data_warns(project, scored):
    before = runner.invoke(app, ["score", "-p", project, "--as-of", "2001-01-01"])
    assert before.exit_code == 0 and "--as-of 2001-01-01 is before the first event" in before.stderr
    after = runner.invoke(app, ["score", "-p", project, "--as-of", "2031-01-01"])
    assert after.exit_code == 0 and "after the last event" in after.stderr
    for moment in ("2001-01-01", "2031-01-01"):
        cli("snapshots", "-p", project, "--delete", moment)


def test_a_bare_date_means_the_same_moment_in_every_spelling_and_option(project, scored):
    moments = {cli("score", "-p", project, "--as-of", spelling)["as_of"]
               for spelling in ("2026-10-20", "2026/10/20", "20261020", "2026-10-21T00:00:00Z", "2026-10-21t00:00:00z")}
    assert moments == {"2026-10-21T00:00:00Z"}
    text = run("score", "-p", project, "--as-of", "2026/10/20")
    assert "as of 2026-10-20 (end of day, UTC)" in text and "Next: `leadlight accounts --as-of 2026-10-20`" in text
    assert "as of 2026-10-20 (end of day, UTC)" in run("accounts", "-p", project, "--as-of", "20261020")
    bad = cli("backtest", "-p", project, "--from", "31/12/2026", code=2)
    assert bad["error"] == "UsageError" and "--from 2026-03-31" in bad["hint"] and "2026/03/31" in bad["message"]
    cli("snapshots", "-p", project, "--delete", "2026-10-20")


# 10. The default moment follows the product's activity
def test_the_default_moment_is_the_latest_event_and_says_so(project, scored):
    status = cli("status", "-p", project)
    assert scored["as_of"] > status["last_event"]
    text = run("score", "-p", project)
    assert "(just after the latest event)" in text


# 11. Which snapshot am I looking at?
def test_titles_say_as_of_and_snapshots_list_and_delete(project, scored):
    for command in ("accounts", "leads"):
        assert re.search(r"by priority, as of \d{4}-\d{2}-\d{2}", run(command, "-p", project, "-n", "2"))
    top = cli("accounts", "-p", project, "-n", "1")[0]
    assert " as of " in run("explain", top["account_id"], "-p", project)
    cli("score", "-p", project, "--as-of", "2026-09-30")
    listed = [s["as_of"] for s in cli("snapshots", "-p", project)["snapshots"]]
    assert "2026-10-01T00:00:00Z" in listed
    assert cli("snapshots", "-p", project, "--delete", "2026-09-30")["deleted"] == "2026-10-01T00:00:00Z"
    assert "2026-10-01T00:00:00Z" not in [s["as_of"] for s in cli("snapshots", "-p", project)["snapshots"]]


# 12. Scores that add up on screen
def test_tables_show_negative_reasons_and_the_threshold(project, scored):
    text = run("accounts", "-p", project, "-n", "40")
    assert "not a PQA: below the threshold 60" in text
    accounts = cli("accounts", "-p", project)
    negative = [a for a in accounts if any(r["contribution"] < 0 for r in a["reasons"])]
    if negative:  # every stored negative reason is on screen
        assert any(r["text"] in text for r in negative[0]["reasons"] if r["contribution"] < 0)
    assert "ties go to the higher probability" in text


# 13. From the list to the account
def test_accounts_show_ids_and_explain_takes_id_domain_url_or_name(project, scored):
    accounts = cli("accounts", "-p", project)
    assert f"id: {accounts[0]['account_id']}" in run("accounts", "-p", project, "-n", "1")
    domains = [a["domain"] for a in accounts]
    top = next(a for a in accounts if domains.count(a["domain"]) == 1
               and not any(a["name"].lower() in (b["name"] or "").lower() for b in accounts if b is not a))
    for handle in (top["account_id"], top["domain"], f"https://www.{top['domain']}/pricing", top["name"]):
        assert cli("explain", handle, "-p", project)["account_id"] == top["account_id"], handle
    missing = cli("explain", "no-such-company.example", "-p", project, code=1)
    assert missing["error"] == "NotFound" and "leadlight accounts" in missing["hint"]
    leads = run("leads", "-p", project, "-a", top["account_id"], "-n", "1")
    assert top["name"] in leads


# 14. Rep-readable words
def test_plurals_and_flags_as_words(project, scored):
    text = run("leads", "-p", project)
    assert not re.search(r"\b1 teammates invited", text)
    assert "personal_email" not in text and "sales_persona" not in text
    from leadlight.signals.words import counted

    assert counted("teammates invited", 1) == "teammate invited"
    assert counted("pricing page views", 1) == "pricing page view"


# 16. status
def test_status_says_what_is_loaded_and_what_is_next(project, scored):
    status = cli("status", "-p", project)
    assert {"events", "accounts", "users", "opportunities", "first_event", "last_event", "snapshots",
            "model"} <= set(status)
    assert status["accounts"] == 40 and status["events"] > 0 and status["snapshots"] >= 1 and status["model"] is None
    assert status["first_event"] < status["last_event"]
    assert 0 < status["identity"]["share_linked"] <= 1
    assert "leadlight" in status["next"]
    text = run("status", "-p", project)
    assert "Loaded" in text and "linked to an account" in text and "Next" in text


# 17. Export
def test_accounts_and_leads_as_csv_and_signal_values(project, scored):
    rows = list(csv.DictReader(io.StringIO(run("accounts", "-p", project, "--format", "csv"))))
    assert len(rows) == 40 and {"account_id", "name", "score", "quadrant", "champion.email", "reasons"} <= set(rows[0])
    leads = list(csv.DictReader(io.StringIO(run("leads", "-p", project, "-f", "csv", "-n", "5"))))
    assert len(leads) == 5 and "email" in leads[0]
    top = cli("accounts", "-p", project, "-n", "1")[0]
    detail = cli("explain", top["account_id"], "-p", project, "--signals")
    assert detail["signals"]["invites_14d"] is not None and "employees" in detail["signals"]
    assert cli("explain", top["account_id"], "-p", project)["signals"] is None
    assert "Signal values" in run("explain", top["account_id"], "-p", project, "--signals")


# 18. Help that teaches
COMMANDS = ["demo", "generate", "init", "schema", "check", "status", "ingest", "score", "accounts", "leads", "explain",
            "snapshots", "mark", "bench", "train", "backtest"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_no_internal_metavars_and_an_example(command):
    text = runner.invoke(app, [command, "--help"], terminal_width=200).stdout
    for internal in ("<str>", "<list[str]>", "{paths}", "<bool>", "<int>", "<path>", "TEXT", "INTEGER"):
        assert internal not in text, (command, internal)
    assert "Example" in text or "e.g." in text, command


def test_help_lists_choices_and_quadrant_accepts_what_the_table_prints(project, scored):
    assert "high fit high intent" in runner.invoke(app, ["accounts", "--help"], terminal_width=200).stdout
    assert "opportunities" in runner.invoke(app, ["ingest", "--help"], terminal_width=200).stdout
    rows = cli("accounts", "-p", project, "-q", "high fit high intent")
    assert all(a["quadrant"] == "high_fit_high_intent" for a in rows)


@pytest.mark.parametrize("command", ["score", "accounts", "leads", "explain", "snapshots", "mark", "train", "backtest",
                                     "ingest", "check", "status"])
def test_every_command_reading_a_project_takes_project_p(command):
    text = runner.invoke(app, [command, "--help"], terminal_width=200).stdout
    assert "--project" in text and "-p" in text


def test_piped_output_is_not_wrapped_at_80_columns(project, scored):
    text = run("accounts", "-p", project, "-n", "3")
    assert max(len(line) for line in text.splitlines()) > 100


# 19. Start-up: `leadlight --help` loads no database, no config models, no YAML parser
def test_help_imports_nothing_heavy():
    import subprocess
    import sys

    probe = ("import sys\nfrom leadlight.cli.app import main\nsys.argv = ['leadlight', '--help']\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print('LOADED', [m for m in ('duckdb', 'pydantic', 'ruamel.yaml', 'pandas', 'ibis') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "LOADED []"
    assert "Usage: leadlight" in out


def test_reading_a_list_as_json_loads_no_rich_nor_compute_stack(project, scored):
    """Nor the ``duckdb`` package's Python layer: the reader opens the file through DuckDB's engine only."""
    import subprocess
    import sys

    probe = ("import sys\nfrom leadlight.cli.app import main\n"
             f"sys.argv = ['leadlight', 'accounts', '--limit', '5', '--json', '--project', {str(project)!r}]\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print('LOADED', [m for m in ('rich', 'ruamel.yaml', 'pandas', 'ibis', 'duckdb') "
             "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "LOADED []"
    assert '"account_id"' in out


def test_only_the_read_commands_run_without_the_cyclic_garbage_collector(project, scored, tmp_path):
    import subprocess
    import sys

    def gc_after(*args: str) -> str:
        probe = ("import gc, sys\nfrom leadlight.cli.app import main\n"
                 f"sys.argv = ['leadlight', *{list(args)!r}]\n"
                 "try:\n    main()\nexcept SystemExit:\n    pass\nprint('GC', gc.isenabled())")
        return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              check=True).stdout.strip().splitlines()[-1]

    assert gc_after("accounts", "--limit", "5", "--json", "--project", str(project)) == "GC False"
    assert gc_after("init", str(tmp_path / "fresh"), "--json") == "GC True"


# 20. The test command runs in parallel by default
def test_pytest_runs_on_every_core_by_default():
    import tomllib
    from pathlib import Path

    options = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "-n auto" in options["addopts"] and "--dist loadfile" in options["addopts"]


# 14/15. The demo's screen for reps has no AUC or oracle; the RevOps report lists what it counts
BACKTEST = {"from": "2026-01-01T00:00:00Z", "to": "2026-10-01T00:00:00Z", "horizon_days": 30, "definitions": [{
    "name": "rules", "rows": 1125, "snapshots": 10, "conversions": 39, "recall": 0.7436, "auc": 0.81, "pr_auc": 0.13,
    "oracle_auc": 0.88, "lift_top_decile": 4.6, "share_flagged": 0.24, "share_conversions_flagged": 0.74,
    "conversion_multiple": 9.0, "pql_conversion_rate": 0.11, "non_pql_conversion_rate": 0.01,
    "by_decile": [{"decile": 10, "rows": 116, "conversions": 16, "conversion_rate": 0.14}],
    "by_quadrant": [{"quadrant": "high_fit_high_intent", "rows": 275, "conversions": 27, "conversion_rate": 0.1}],
    "median_amount_flagged_wins": 22100.0, "median_amount_unflagged_wins": 9400.0,
    "suggested_threshold": {"threshold": 70.0, "share_flagged": 0.24, "share_conversions": 0.74},
    "missed_buyers": [{"account_id": "acc_17", "as_of": "2026-03-01T00:00:00Z", "won_at": "2026-03-13T01:52:12Z",
                       "amount": 5900.0, "score": 50.0}],
    "self_serve_flagged": {"count": 21}, "median_days_flag_to_opportunity": 70.9}]}


def _rendered(**kwargs) -> str:
    from leadlight.cli import cmd_backtest, output
    from rich.console import Console

    saved = output.stdout
    cmd_backtest.stdout = Console(file=io.StringIO(), width=200)
    try:
        cmd_backtest.render(BACKTEST, **kwargs)
        return cmd_backtest.stdout.file.getvalue()
    finally:
        cmd_backtest.stdout = saved


def test_backtest_in_words_and_the_reps_screen_without_jargon():
    full = _rendered()
    assert "acc_17: won 2026-03-13, 5,900; scored 50 of 100" in full
    assert "10 buyers were not flagged" in full and "1 account never flagged" in full
    assert "buyers by score decile" in full and "high fit high intent 27 of 275" in full
    assert "a score of 70 of 100" in full and "median deal size: flagged 22,100" in full
    assert "AUC" in full and "oracle" in full
    reps = _rendered(for_reps=True)
    assert "AUC" not in reps and "oracle" not in reps and "held 29 of 39 buyers" in reps


def test_model_reasons_are_ratios_not_log_scales():
    from leadlight.signals.behaviour import describe

    text = describe("ev__plan_limit_reached__trend", 1.1, ["Plan Limit Reached"])
    assert text == "Plan Limit Reached events 3x more often last week than in the 3 weeks before"
    assert "log" not in describe("people__velocity", -0.9)


# 18. A step that takes over 2 s leaves a line on stderr, even when stderr is not a terminal
def test_slow_steps_leave_a_line_on_stderr(project, scored, monkeypatch):
    from leadlight.cli import output

    monkeypatch.setattr(output, "SLOW_STEP_SECONDS", 0.0)
    result = runner.invoke(app, ["check", "-p", project])  # score may reuse its stored snapshot: no step then
    assert result.exit_code == 0 and re.search(r"computing every signal: \d+\.\d s", result.stderr), result.stderr


def test_a_quiet_last_week_is_said(tmp_path):
    """Events stopped arriving: 50 a day for two months, then 2 in the last week. The default moment follows
    the last event, and score says the last days hold almost nothing."""
    from datetime import datetime, timedelta

    start = datetime(2026, 8, 1)
    lines = []
    for day in range(60):
        for i in range(50 if day < 53 else (1 if day in (55, 59) else 0)):
            lines.append(json.dumps({"type": "track", "userId": f"u{i % 7}", "event": "Report Viewed",
                                     "messageId": f"m{day}-{i}", "timestamp": (start + timedelta(days=day, minutes=i))
                                     .isoformat() + "Z"}))
    events = tmp_path / "events.ndjson"
    events.write_text("\n".join(lines) + "\n")
    project = tmp_path / "p"
    project.mkdir()
    (project / "leadlight.yml").write_text("version: 1\nsignals:\n  - {name: reports_7d, kind: count, "
                                           "event: Report Viewed, window: 7d}\n")
    cli("ingest", str(events), "--kind", "events", "-p", str(project))
    result = runner.invoke(app, ["score", "-p", str(project)])
    assert result.exit_code == 0, result.output
    quiet = re.search(r"the last 7 days before \S+ hold only (\d+) events \(a typical week before had 350\)",
                      result.stderr)
    assert quiet and int(quiet.group(1)) < 70, result.stderr
    assert "(just after the latest event)" in result.stdout
