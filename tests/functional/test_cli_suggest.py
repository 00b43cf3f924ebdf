"""`leadlight suggest` finds the buying signals planted in a small company whose law the test chooses."""

from datetime import datetime, timedelta

import numpy as np
import pytest

from tests.cli import cli, write_company

START = datetime(2026, 1, 5)
NOISE = ("Page Viewed", "Doc Edited", "Comment Added", "Search Used")


def company(root, planted, seed):
    """400 accounts over 26 weeks; buyers do the ``planted`` events in the weeks before their deal."""
    rng = np.random.default_rng(seed)
    events, accounts, users, opps = [], ["account_id,domain,name,employees"], ["user_id,email,account_id"], [
        "opportunity_id,account_id,created_at,closed_at,stage,amount,source"]
    for i in range(400):
        acc, user = f"a{i}", f"u{i}"
        accounts.append(f"{acc},acme{i}.com,Acme {i},{int(rng.integers(5, 500))}")
        users.append(f"{user},x@acme{i}.com,{acc}")
        buys = rng.random() < 0.3
        deal = START + timedelta(days=int(rng.integers(35, 175)))
        for _ in range(int(rng.integers(10, 40))):
            when = START + timedelta(days=float(rng.uniform(0, 182)))
            events.append((user, str(rng.choice(NOISE)), when))
        for name in planted:
            if buys and rng.random() < 0.8:
                for _ in range(int(rng.integers(2, 6))):
                    events.append((user, name, deal - timedelta(days=float(rng.uniform(0.5, 20)))))
            elif rng.random() < 0.1:
                events.append((user, name, START + timedelta(days=float(rng.uniform(0, 182)))))
        if buys:
            opps.append(f"o{i},{acc},{deal:%Y-%m-%d %H:%M:%S},{deal + timedelta(days=5):%Y-%m-%d %H:%M:%S},won,1000,sales")
    write_company(root, events, {"accounts.csv": accounts, "users.csv": users, "opportunities.csv": opps})


@pytest.mark.parametrize("planted,seed", [
    (("Export PDF", "Teammate Invited"), 1),
    pytest.param(("API Key Created", "Billing Viewed", "Workflow Published"), 2, marks=pytest.mark.slow),
])
def test_suggest_finds_the_planted_signals_and_writes_only_when_asked(tmp_path, planted, seed):
    company(tmp_path, planted, seed)
    project = tmp_path / "p"
    cli("init", str(project))
    for name, kind in (("accounts.csv", "accounts"), ("users.csv", "users"), ("events.ndjson.gz", "events"),
                       ("opportunities.csv", "opportunities")):
        cli("ingest", str(tmp_path / name), "--kind", kind, "--project", str(project))
    before = (project / "leadlight.yml").read_text()
    r = cli("suggest", "--project", str(project))
    found = {s.get("event") for s in r["signals"][:10]}
    assert set(planted) <= found, r["signals"]
    assert r["trigger"]["k"] >= 1 and r["diff"].startswith("--- leadlight.yml")
    assert r["proposed"]["auc"] > r["current"]["auc"] and r["proposed"]["rows"] == r["current"]["rows"]
    assert (project / "leadlight.yml").read_text() == before  # nothing changes without --write
    written = cli("suggest", "--project", str(project), "--write")
    assert written["written"] and "triggers" in (project / "leadlight.yml").read_text()
    cli("score", "--project", str(project))  # the written definition loads and scores
