"""Label times for trial products: cohorts by trial start, scored while the trial runs.

With ``model.trial`` set, at each snapshot ``D`` the rows are the accounts whose
trial is running (``started <= D < started + length_days``) and that have not
converted yet (no won opportunity of the target's kind before ``D``). A row is
**labelled 1** when such an opportunity is created in
``[D, started + length_days + grace_days)``: converted within the trial plus
grace. A row whose only counted opportunity in that window is still open is
dropped (outcome unknown). The window reaches at most ``length + grace`` past
``D``, which is what the folds purge by (``reach``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from leadlight.config.model import TrialConfig


def reach(trial: TrialConfig) -> timedelta:
    return timedelta(days=trial.length_days + trial.grace_days)


def trial_starts(accounts: pd.DataFrame, column: str) -> pd.Series:
    """When each account's trial started (index account_id); accounts without a parseable date are left out."""
    if column not in accounts.columns:
        return pd.Series(dtype="datetime64[us]")
    started = pd.to_datetime(accounts[column], errors="coerce", format="mixed")
    started = started.dt.tz_localize(None) if started.dt.tz is not None else started
    started.index = pd.Index(accounts.index.astype("string"), name="account_id")
    return started.dropna().astype("datetime64[us]")


def label_trials(started: pd.Series, opps: pd.DataFrame, snapshots: list[datetime], trial: TrialConfig,
                 sources: tuple[str, ...], columns: list[str]) -> pd.DataFrame:
    """One row per (account in a running trial, snapshot): ``account_id, as_of, label, self_serve, won_at, amount``."""
    length, grace = timedelta(days=trial.length_days), timedelta(days=trial.grace_days)
    o = opps.assign(account_id=opps.account_id.astype("string"))
    counted = o[o.source.isin(sources)]
    parts = []
    for d in snapshots:
        running = started[(started <= d) & (started + length > d)]
        if running.empty:
            continue
        rows = pd.DataFrame({"account_id": running.index.astype("string"),
                             "ends": (running + length + grace).to_numpy()})
        mine = counted.merge(rows, on="account_id")
        converted = set(mine.loc[(mine.created_at < d) & (mine.stage == "won"), "account_id"])
        inside = mine[(mine.created_at >= d) & (mine.created_at < mine.ends)]
        won = inside[inside.stage == "won"].sort_values("created_at")
        first = won.groupby("account_id").agg(won_at=("created_at", "first"), amount=("amount", "first"))
        pending = set(inside.loc[inside.stage == "open", "account_id"]) - set(first.index)
        upgrades = o[(o.source == "self_serve") & (o.stage == "won")].merge(rows, on="account_id")
        upgraded = set(upgrades.loc[(upgrades.created_at >= d) & (upgrades.created_at < upgrades.ends), "account_id"])
        frame = rows[~rows.account_id.isin(converted | pending)].drop(columns="ends").assign(as_of=d)
        frame = frame.join(first, on="account_id")
        frame["label"] = frame.won_at.notna().astype("int8")
        frame["self_serve"] = frame.account_id.isin(upgraded).astype("int8")
        parts.append(frame[columns])
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)
