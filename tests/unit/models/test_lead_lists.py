"""Lead lists: attributes + a dated outcome and no event log still train and backtest, split by time."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pandas as pd
import pytest

from tests.cli import cli
from leadlight.config.model import ModelConfig
from leadlight.labels.arrivals import arrival_times, label_arrivals
from leadlight.labels.calendar import reach
from leadlight.labels.label_times import LABEL_COLUMNS
from leadlight.scoring.models.folds import walk_forward

# Arrivals and outcomes, checked by hand against 2024-01-01 / 2024-02-01 / 2024-03-01 monthly snapshots.
LEADS = """account_id,created_at,source
l1,2024-01-03,referral
l2,2024-01-20,ads
l3,,ads
l4,2024-02-10,referral
l5,2024-02-11,ads
l6,2024-02-12,ads
l7,2024-03-05,ads
"""
OPPS = """account_id,created_at,closed_at,stage,amount,source
l1,2024-01-10,2024-01-20,won,100,sales
l2,2024-03-15,2024-03-20,won,200,sales
l3,2024-01-25,2024-02-01,lost,0,sales
l4,2024-02-15,,open,,sales
l5,2024-01-05,,open,,sales
l6,2024-02-20,2024-02-21,won,50,self_serve
"""


def table(text: str) -> pd.DataFrame:
    frame = pd.read_csv(io.StringIO(text), dtype={"account_id": "string"})
    for column in ("created_at", "closed_at"):
        if column in frame and not frame[column].isna().all():
            frame[column] = pd.to_datetime(frame[column])
    return frame


def test_each_lead_is_labelled_once_in_the_period_it_arrived_in():
    leads = table(LEADS).set_index("account_id")
    leads["created_at"] = leads.created_at.dt.strftime("%Y-%m-%d")  # as stored: text
    opps = table(OPPS)
    arrived = arrival_times(leads, opps, "created_at")
    # l3 has no date: it arrives with its first opportunity
    assert arrived["l3"] == pd.Timestamp("2024-01-25")
    snaps = [datetime(2024, 1, 1), datetime(2024, 2, 1), datetime(2024, 3, 1)]
    labels = label_arrivals(arrived, opps, snaps, "month", timedelta(days=30), LABEL_COLUMNS)
    got = {r.account_id: (r.as_of.month, int(r.label), int(r.self_serve)) for r in labels.itertuples()}
    assert got == {
        "l1": (1, 1, 0),  # won 7 days after arrival
        "l2": (1, 0, 0),  # won, but 55 days after arrival: outside the 30-day window
        "l3": (1, 0, 0),  # lost
        # l4: its only sales opportunity in the window is still open -> outcome unknown, dropped
        # l5: already in an open sales cycle before it arrived -> not eligible
        "l6": (2, 0, 1),  # bought self-serve: not a sales win
        "l7": (3, 0, 0),
    }
    assert list(labels.columns) == LABEL_COLUMNS
    assert labels.loc[labels.account_id == "l1", "won_at"].iloc[0] == pd.Timestamp("2024-01-10")


def test_folds_purge_the_period_a_lead_list_label_reaches_past():
    config = ModelConfig(snapshot_every="week", horizon_days=14)
    weeks = [datetime(2024, 1, 1) + timedelta(weeks=i) for i in range(20)]
    folds = walk_forward(weeks, config, reach(config, "arrival"))
    assert folds
    for fold in folds:
        assert all(d + timedelta(days=21) <= min(fold.test) for d in fold.train)
        assert fold.purged and all(d + timedelta(days=21) > min(fold.test) for d in fold.purged)


# A lead list: 10 leads a week over 40 weeks; referrals from large firms buy, most others don't.
def lead_list(n_weeks: int = 40) -> tuple[str, str]:
    accounts, opps = ["account_id,created_at,lead_source,employees,country,sales_notes"], [
        "opportunity_id,account_id,created_at,closed_at,stage,amount,source"]
    start = datetime(2023, 1, 2)
    for i in range(n_weeks * 10):
        when = start + timedelta(hours=16.8 * i)
        source = "referral" if i % 3 == 0 else "ads"
        employees = 10 + (i * 37) % 490
        converts = (source == "referral" and employees > 150) or i % 17 == 0
        note = "signed" if converts else ""  # written by sales after the deal: must not be used
        accounts.append(f"L{i},{when:%Y-%m-%d %H:%M:%S},{source},{employees},{['PT', 'BR', 'US'][i % 3]},{note}")
        if converts:
            won = when + timedelta(days=3 + i % 9)
            opps.append(f"O{i},L{i},{won:%Y-%m-%d %H:%M:%S},{won:%Y-%m-%d %H:%M:%S},won,{employees * 10},sales")
        elif i % 4 == 1:
            lost = when + timedelta(days=5)
            opps.append(f"O{i},L{i},{lost:%Y-%m-%d %H:%M:%S},{lost:%Y-%m-%d %H:%M:%S},lost,0,sales")
    return "\n".join(accounts) + "\n", "\n".join(opps) + "\n"


CONFIG = """version: 1
name: leads
model:
  snapshot_every: week
  horizon_days: 14
  min_positives: 20
  leaky_attributes: [sales_notes]
"""


def lead_list_project(root):
    """A project under ``root`` with the lead list's accounts and opportunities ingested (nothing trained)."""
    accounts, opps = lead_list()
    (root / "accounts.csv").write_text(accounts)
    (root / "opportunities.csv").write_text(opps)
    proj = root / "proj"
    proj.mkdir()
    (proj / "leadlight.yml").write_text(CONFIG)
    cli("ingest", str(root / "accounts.csv"), "--kind", "accounts", "--project", str(proj))
    cli("ingest", str(root / "opportunities.csv"), "--kind", "opportunities", "--project", str(proj))
    return proj


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return lead_list_project(tmp_path_factory.mktemp("leads"))


def test_a_lead_list_without_events_trains_on_attributes_split_by_time(project):
    r = cli("train", "--project", str(project))
    assert r["n_train"] > 100 and r["n_test"] > 30
    assert r["validation"].startswith("walk-forward") and r["folds"]
    assert all(f["train"] >= 1 and f["purged"] >= 1 for f in r["folds"])  # a lead's window reaches a period on
    assert min(r["snapshots"]["train"]) < min(r["snapshots"]["test"])
    assert r["auc"] > 0.8 and r["lift_top_decile"] > 1.5
    assert set(r["features"]) == {"lead_source", "employees", "country"}
    assert r["intent"] is None
    assert "created_at" in r["dropped_attributes"] and "sales_notes" in r["dropped_attributes"]
    assert sum(r["positives"].values()) >= 20


def test_a_lead_list_backtests_the_model_on_later_leads_only(project):
    trained = cli("train", "--project", str(project))
    r = cli("backtest", "--project", str(project))
    model = next(d for d in r["definitions"] if d["name"] == "model")
    assert model["rows"] == trained["n_test"]
    assert model["conversions"] == trained["positives"]["test"]
    assert model["auc"] == pytest.approx(trained["pooled_auc"], abs=1e-3)  # the backtest pools every fold
    assert model["precision"] is not None and model["lift_top_decile"] > 1.5
