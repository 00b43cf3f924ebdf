"""8 weeks of events and about 30 buyers, the template's config: `train` produces a model, says which shorter
horizon and lead-in it picked and why, and warns that its out-of-time figures rest on few buyers."""

import csv
from datetime import datetime, timedelta

import numpy as np
import pytest

from leadlight.storage.project import Project
from leadlight.tasks.model_card import model_card
from tests.cli import cli, generated_project, write_company

START = datetime(2026, 3, 2)  # a Monday; 56 days of history
DAYS = 56
NOISE = ("Page Viewed", "Doc Edited", "Comment Added", "Search Used")


def company(root, planted, seed, accounts=600, days=DAYS):
    """``accounts`` accounts over 8 weeks; the chance of buying in a week rises with the ``planted`` events done
    in the two weeks before it (the law this test chooses, not the demo's)."""
    rng = np.random.default_rng(seed)
    events, opps = [], ["opportunity_id,account_id,created_at,closed_at,stage,amount,source"]
    rows = ["account_id,domain,name,employees"]
    users = ["user_id,email,account_id"]
    for i in range(accounts):
        acc, user = f"a{i}", f"u{i}"
        rows.append(f"{acc},acme{i}.com,Acme {i},{int(rng.integers(5, 500))}")
        users.append(f"{user},x@acme{i}.com,{acc}")
        keen = rng.random() < 0.25
        for _ in range(int(rng.integers(8, 30))):
            events.append((user, str(rng.choice(NOISE)), START + timedelta(days=float(rng.uniform(0, days)))))
        done = []
        for name in planted:
            for _ in range(int(rng.integers(2, 6)) if keen and rng.random() < 0.8 else int(rng.random() < 0.1)):
                done.append(START + timedelta(days=float(rng.uniform(0, days))))
                events.append((user, name, done[-1]))
        for week in range(2, days // 7):
            monday = START + timedelta(days=7 * week)
            recent = sum(monday - timedelta(days=14) <= t < monday for t in done)
            if rng.random() < 1 / (1 + np.exp(-(-5.2 + 1.8 * recent / len(planted)))):  # as strong for any count
                deal = monday + timedelta(days=float(rng.uniform(0, 7)))
                opps.append(f"o{i},{acc},{deal:%Y-%m-%d %H:%M:%S},{deal + timedelta(days=3):%Y-%m-%d %H:%M:%S},won,"
                            f"{int(rng.integers(1, 20)) * 1000},sales")
                break
    write_company(root, events, {"accounts.csv": rows, "users.csv": users, "opportunities.csv": opps})
    return len(opps) - 1


@pytest.mark.parametrize("planted,seed", [
    (("Export PDF", "Teammate Invited"), 4),
    # seed 9 once ranked backwards (AUC 0.19): the pooled calibration's slope came out negative
    pytest.param(("API Key Created", "Billing Viewed", "Workflow Published"), 9, marks=pytest.mark.slow),
])
def test_eight_weeks_and_thirty_buyers_train_with_the_default_config(tmp_path, planted, seed):
    buyers = company(tmp_path, planted, seed)
    assert 25 <= buyers <= 60  # "about 30 buyers": the law above is tuned for it
    project = tmp_path / "p"
    cli("init", str(project))  # the template's model section, untouched
    for name, kind in (("accounts.csv", "accounts"), ("users.csv", "users"), ("events.ndjson.gz", "events"),
                       ("opportunities.csv", "opportunities")):
        cli("ingest", str(tmp_path / name), "--kind", kind, "--project", str(project))
    r = cli("train", "--project", str(project))
    assert (r["horizon_days"], r["snapshot_every"]) == (14, "week") and r["lead_in_days"] in (14, 7)
    assert set(r["settings"]["automatic"]) == {"snapshot_every", "horizon_days", "lead_in_days"}
    assert "too short for a 30-day horizon" in r["settings"]["why"]
    assert len(r["folds"]) >= 2 and all(f["purged"] >= 1 for f in r["folds"])  # label windows kept apart
    assert r["few_buyers"] and any(w["check"] == "few_buyers" for w in r["warnings"])
    assert r["intervals_90"]["auc"] is not None and r["auc"] > 0.6  # the planted events are learned
    slugs = [p.lower().replace(" ", "_") for p in planted]
    assert any(slug in f["feature"] for f in r["top_features"][:6] for slug in slugs), r["top_features"]
    card = model_card(Project(project))["model"]
    assert card["settings"]["horizon_days"] == 14 and card["settings"]["why"] == r["settings"]["why"]
    assert card["model_config"]["horizon_days"] == 14  # the web model page reads the label from it


def test_three_weeks_are_refused_naming_the_shortest_automatic_settings(tmp_path):
    company(tmp_path, ("Export PDF",), 5, accounts=100, days=21)
    project = tmp_path / "p"
    cli("init", str(project))
    for name, kind in (("events.ndjson.gz", "events"), ("opportunities.csv", "opportunities")):
        cli("ingest", str(tmp_path / name), "--kind", kind, "--project", str(project))
    error = cli("train", "--project", str(project), code=1)
    assert error["error"] == "TrainingRefused"
    assert "7 days before it (model.lead_in_days: auto, already the shortest it picks)" in error["message"]
    assert "14-day outcome window" in error["message"] and "load a longer history" in error["hint"]


@pytest.mark.slow
def test_eight_generated_weeks_hold_won_deals_and_train_with_the_template(tmp_path):
    """`leadlight generate --days 56`: the demo's law converts accounts from the third week, and `train` with the
    template's config makes a model of those eight weeks (about a minute: 2,000 accounts give ~30 won deals)."""
    data, project = generated_project(tmp_path, None, accounts=2000, days=56, seed=3)
    opps = list(csv.DictReader(open(data / "opportunities.csv")))
    won = [o for o in opps if o["source"] == "sales" and o["stage"] == "won"]
    assert len(won) >= 20 and any(o["source"] == "self_serve" for o in opps)
    r = cli("train", "--project", str(project))
    assert (r["snapshot_every"], r["horizon_days"]) == ("week", 14) and len(r["folds"]) >= 2
    assert r["positives"]["train"] >= 20 and r["auc"] > 0.6
    assert model_card(Project(project))["model"]["model_id"] == r["model_id"]
