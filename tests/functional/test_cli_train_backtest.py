"""`leadlight train` and `leadlight backtest` on a small generated company, through the CLI."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from leadlight.cli.app import app
from leadlight.errors import TrainingRefused
from tests.cli import cli, generated_project

RULES = """
version: 1
name: quillboard
signals:
  - {name: active_users_28d, kind: distinct_users, window: 28d}
  - {name: invites_28d, kind: count, event: Teammate Invited, window: 28d}
  - {name: pricing_views_28d, kind: count, event: Pricing, window: 28d}
  - {name: admin_views_28d, kind: count, event: [Admin Settings, Security], window: 28d}
  - {name: employees, kind: attribute, column: employees}
scoring:
  pqa:
    rollup: {method: max, points: 0}
    rules:
      - {signal: active_users_28d, op: ">=", value: 4, points: 30}
      - {signal: invites_28d, op: ">=", value: 3, points: 25}
      - {signal: pricing_views_28d, op: ">=", value: 2, points: 20}
      - {signal: admin_views_28d, op: ">=", value: 1, points: 15}
    threshold: 45
model:
  snapshot_every: month
  min_positives: 50
"""
SRC = Path(__file__).resolve().parents[2] / "src"
PLANTED = ("teammate_invited", "pricing", "admin_settings", "security", "paywall", "plan_limit", "employees",
           "people__velocity", "personal_share", "__users_", "industry")


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    return generated_project(tmp_path_factory.mktemp("company"), RULES, accounts=800, days=300, seed=3)


@pytest.fixture(scope="module")
def trained(company):
    """The train report: backtest judges the model it activates (under xdist, per worker)."""
    gen, proj = company
    return cli("train", "--project", str(proj), "--truth", str(gen / "truth.csv"))


def test_train_reports_out_of_time_metrics_and_activates_a_model(company, trained):
    _, proj = company
    r = trained
    for key in ("model_id", "trained_at", "n_train", "n_test", "auc", "pr_auc", "lift_top_decile", "features"):
        assert key in r
    assert r["n_train"] > 0 and r["n_test"] > 0
    assert r["auc"] > 0.75 and r["lift_top_decile"] > 2
    assert r["oracle_auc"] is not None and r["oracle_rows"] > 0.9 * r["judged_rows"]
    assert r["chosen"] in ("lightgbm", "logistic")
    top = [f["feature"] for f in r["top_features"][:12]]
    assert sum(any(p in f for p in PLANTED) for f in top) >= 4, top
    folder = proj / ".leadlight" / "models" / r["model_id"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["definition_hash"] and manifest["versions"]["lightgbm"] and manifest["data_range"]["from"]
    assert json.loads((proj / ".leadlight" / "models" / "active.json").read_text())["model_id"] == r["model_id"]


def test_backtest_judges_rules_and_model(company, trained):
    gen, proj = company
    r = cli("backtest", "--project", str(proj), "--truth", str(gen / "truth.csv"))
    names = [d["name"] for d in r["definitions"]]
    assert names == ["rules", "model"]
    for d in r["definitions"]:
        for key in ("name", "auc", "precision", "recall", "lift_top_decile", "pql_conversion_rate",
                    "non_pql_conversion_rate", "missed_buyers"):
            assert key in d
        assert d["auc"] > 0.7
        assert all("account_id" in m for m in d["missed_buyers"])
    rules = r["definitions"][0]
    assert rules["pql_conversion_rate"] > rules["non_pql_conversion_rate"]
    assert rules["missed_buyers"] and set(rules["missed_buyers"][0]["signals"]) >= {"invites_28d", "employees"}
    assert r["judged_on"].startswith("the model's out-of-time snapshots")
    assert len({(d["rows"], d["snapshots"]) for d in r["definitions"]}) == 1  # same rows for both
    for d in r["definitions"]:
        lo, hi = d["intervals_90"]["auc"]
        assert lo <= d["auc"] <= hi and d["buyers"] > 0
        assert (d["warning"] is not None) == (d["buyers"] < 30)
    con = duckdb.connect(str(proj / ".leadlight" / "leadlight.duckdb"), read_only=True)
    stored = con.execute("SELECT definition, auc FROM backtest_results WHERE run_id = ?", [r["run_id"]]).fetchall()
    con.close()
    assert sorted(stored) == sorted((d["name"], d["auc"]) for d in r["definitions"])
    narrowed = cli("backtest", "--project", str(proj), "--from", "2026-08-01", "--to", "2026-09-01")
    assert narrowed["from"] == "2026-08-01T00:00:00Z" and narrowed["to"] == "2026-09-01T00:00:00Z"


def test_train_refuses_below_the_floor_of_positives(company, tmp_path):
    _, proj = company
    copy = tmp_path / "proj"
    shutil.copytree(proj, copy)
    (copy / "leadlight.yml").write_text(RULES.replace("min_positives: 50", "min_positives: 100000"))
    result = CliRunner().invoke(app, ["train", "--project", str(copy), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"] == "TrainingRefused"


HEAVY = ("pandas", "numpy", "ibis", "pyarrow", "sklearn", "lightgbm", "scipy")
REFUSE_AND_LIST_IMPORTS = """
import json, sys
from leadlight.cli.app import main
sys.argv = ["leadlight", "train", "--project", sys.argv[1], "--json"]
try:
    main()
except SystemExit as done:
    print(json.dumps({"code": done.code, "loaded": sorted(m for m in %r if m in sys.modules)}), file=sys.stderr)
""" % (HEAVY,)


def test_a_refusal_loads_no_pandas_ibis_or_learner_and_says_the_same(company, tmp_path, monkeypatch):
    """The preconditions are read with plain SQL before anything heavy is imported; the refusal is the one the
    engine gives through Ibis and pandas (as on Spark), in process."""
    _, proj = company
    copy = tmp_path / "proj"
    shutil.copytree(proj, copy)
    (copy / "leadlight.yml").write_text(RULES.replace("snapshot_every: month", "snapshot_every: week\n  horizon_days: 280")
                                        .replace("min_positives: 50", "min_positives: 100000"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(SRC.parent), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", REFUSE_AND_LIST_IMPORTS, str(copy)], capture_output=True, text=True,
                          env=env, timeout=120)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report == {"code": 1, "loaded": []}
    refused = json.loads(done.stdout)
    assert refused["error"] == "TrainingRefused" and "280-day" in refused["message"]
    from leadlight.config import load_config
    from leadlight.labels import label_times
    from leadlight.scoring.models.pipeline import build_and_train
    from leadlight.storage.engine import open_engine
    from leadlight.storage.project import Project

    project = Project(copy)
    engine = open_engine(project, load_config(project))
    monkeypatch.setattr(label_times, "read_facts", lambda con, config: None)
    try:
        with pytest.raises(TrainingRefused) as engine_said:
            build_and_train(engine, load_config(project))
    finally:
        engine.close()
    assert (refused["message"], refused["hint"]) == (engine_said.value.message, engine_said.value.hint)


def test_train_reports_every_missing_precondition_at_once_with_fixes_for_this_config(company, tmp_path):
    _, proj = company
    copy = tmp_path / "proj"
    shutil.copytree(proj, copy)
    too_long = RULES.replace("snapshot_every: month", "snapshot_every: week\n  horizon_days: 280").replace(
        "min_positives: 50", "min_positives: 100000")
    (copy / "leadlight.yml").write_text(too_long)
    result = CliRunner().invoke(app, ["train", "--project", str(copy), "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)
    assert error["error"] == "TrainingRefused"
    assert "280-day" in error["message"] and "model.min_positives (100000)" in error["message"]
    assert "snapshot_every" not in error["hint"]  # already weekly: never suggested again
    assert "model.horizon_days: " in error["hint"]  # a horizon that does give folds on this history


def test_scored_accounts_get_a_motion_and_an_expected_value(company, trained):
    _, proj = company
    assert trained["deal_size"]["deals"] > 0 and trained["self_serve_auc"] is not None
    cli("score", "--project", str(proj))
    accounts = cli("accounts", "--project", str(proj))
    motions = {a["motion"] for a in accounts}
    assert motions <= {"sales", "self_serve", "nurture"} and {"sales", "nurture"} <= motions
    assert all(a["expected_value"] is not None and a["expected_value"] >= 0 for a in accounts)
    sales = [a for a in accounts if a["motion"] == "sales"]
    assert all(a["probability"] >= trained["flag_threshold"] for a in sales)


def test_train_estimates_the_uplift_of_a_sales_touch_and_says_how_far_to_trust_it(company, trained):
    """The generated company opens sales opportunities mostly for deals already coming: the estimate is made,
    shown with its reasons for doubt, stored per account, and does not steer motions."""
    _, proj = company
    up = trained["uplift"]
    assert up["estimated"] and up["touched_rows"] + up["untouched_rows"] == trained["n_train"]
    assert 0 < up["touched_buyers"] <= up["touched_rows"] and up["untouched_buyers"] > 0
    low, high = up["interval_90"]
    assert low <= up["average_effect_doubly_robust"] <= high
    assert up["conversion_touched"] >= 0.5 and not up["reliable"]
    assert any("opportunities only once a deal is coming" in w for w in up["warnings"])
    cli("score", "--project", str(proj))
    accounts = cli("accounts", "--project", str(proj))
    assert all(a["uplift_reliable"] is False and -1 <= a["uplift"] <= 1 for a in accounts)
    assert all(a["motion_reason"] for a in accounts)
    assert not any(a["motion_reason"].startswith(("would buy anyway", "likely to buy and a sales touch")) for a in accounts)
