"""Reps are never sent to accounts that already bought from sales or that sales already works."""

from __future__ import annotations

import pandas as pd

from tests.cli import cli, generated_project


def expected_status(opportunities: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, str]:
    """Worked out from the CRM file by hand: won sales deal before as_of > open sales deal > self-serve purchase."""
    known = opportunities[opportunities.created_at < as_of]
    closed = known.stage.isin(["won", "lost"]) & (known.closed_at.fillna(known.created_at) < as_of)
    sales = known.source != "self_serve"
    out = {}
    for account_id, rows in known.groupby("account_id"):
        c, s = closed[rows.index], sales[rows.index]
        if (s & c & (rows.stage == "won")).any():
            out[account_id] = "customer"
        elif (s & ~c).any():
            out[account_id] = "open_deal"
        elif (~s & c & (rows.stage == "won")).any():
            out[account_id] = "self_serve_customer"
    return out


def test_status_follows_the_crm_and_customers_are_never_pqas(tmp_path):
    data, project = generated_project(tmp_path, None, accounts=120, days=200, seed=5)
    as_of = "2026-09-30"
    cli("score", "--as-of", as_of, "--project", str(project))
    accounts = cli("accounts", "--as-of", as_of, "--project", str(project))
    opportunities = pd.read_csv(data / "opportunities.csv", parse_dates=["created_at", "closed_at"])
    opportunities["created_at"] = opportunities.created_at.dt.tz_localize(None)
    opportunities["closed_at"] = opportunities.closed_at.dt.tz_localize(None)
    wanted = expected_status(opportunities, pd.Timestamp(as_of) + pd.Timedelta(days=1))
    got = {a["account_id"]: a["status"] for a in accounts}
    assert {k: v for k, v in got.items() if v != "prospect"} == wanted
    assert {"customer", "open_deal"} <= set(wanted.values())
    assert not any(a["pqa"] for a in accounts if a["status"] in ("customer", "open_deal"))
    # the list leads with accounts sales should call: prospects and self-serve customers first
    firsts = [a["status"] in ("customer", "open_deal") for a in accounts]
    assert firsts == sorted(firsts)


def test_the_owner_column_of_the_accounts_file_reaches_the_account_object(tmp_path):
    data, project = generated_project(tmp_path, None, accounts=40, days=60, seed=2)
    accounts = pd.read_csv(data / "accounts.csv")
    accounts["owner_email"] = [f"rep{i % 2}@vendor.example" if i % 3 == 0 else None for i in range(len(accounts))]
    accounts.to_csv(tmp_path / "accounts_with_owners.csv", index=False)
    cli("ingest", str(tmp_path / "accounts_with_owners.csv"), "--kind", "accounts", "--project", str(project))
    cli("score", "--project", str(project))
    got = {a["account_id"]: a["owner"] for a in cli("accounts", "--project", str(project))}
    wanted = {k: (v if isinstance(v, str) else None) for k, v in zip(accounts.account_id, accounts.owner_email)}
    assert got == {k: wanted[k] for k in got} and any(got.values())
