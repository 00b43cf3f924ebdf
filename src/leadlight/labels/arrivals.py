"""Label times for lead lists: each lead is judged once, in the snapshot period it arrived in.

A lead list is a table of attributes with an outcome and no event log (a CRM
export, a marketing list, a table of opportunities). Nobody is *active*
before a snapshot, so activity eligibility (``label_times``) yields nothing.
Here, with ``eligibility: arrival`` (or ``auto`` and no events loaded):

* a lead **arrives** at its ``account_created_column`` date, else at its first
  opportunity's ``created_at``; leads with neither cannot be placed in time
  and are left out;
* the lead is **eligible** once, at the snapshot ``D`` whose period holds its
  arrival (``D <= arrived_at < next snapshot``), unless it already had a sales
  opportunity created before it arrived that was open or won at arrival;
* it is **labelled 1** when a sales opportunity created in
  ``[arrived_at, arrived_at + horizon_days)`` was won; a lead whose only sales
  opportunity in that window is still open is dropped (outcome unknown).

Features are the lead's attributes (behaviour features need events), so the
model learns "which leads convert" from earlier arrivals and is measured on
later ones: the training split still runs by snapshot, and a snapshot's label
window reaches ``period + horizon_days`` past it (``reach``), which is what the
split purges by.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from leadlight.config.model import ModelConfig
from leadlight.labels.calendar import ACTIVITY, ARRIVAL, next_snapshot
from leadlight.signals.activity import named_events
from leadlight.storage.engine import Engine

def has_events(engine: Engine) -> bool:
    """True when any named event (track call or page view) is loaded."""
    return int(named_events(engine).limit(1).count().execute()) > 0


def eligibility(engine: Engine, config: ModelConfig) -> str:
    """``activity`` or ``arrival``: the configured mode, ``auto`` resolved by whether events exist."""
    if config.eligibility != "auto":
        return config.eligibility
    return ACTIVITY if has_events(engine) else ARRIVAL


def arrival_times(attributes: pd.DataFrame, opps: pd.DataFrame, column: str) -> pd.Series:
    """When each lead arrived: ``column`` of the accounts table, else its first opportunity (index account_id)."""
    given = pd.Series(dtype="datetime64[us]")
    if column in attributes.columns:
        given = pd.to_datetime(attributes[column], errors="coerce", format="mixed")
        given = given.dt.tz_localize(None) if given.dt.tz is not None else given
        given.index = attributes.index.astype("string")
    first_opp = opps.groupby(opps.account_id.astype("string")).created_at.min()
    arrived = given.dropna().combine_first(pd.to_datetime(first_opp)) if len(given) else pd.to_datetime(first_opp)
    arrived = arrived.dropna().astype("datetime64[us]")
    arrived.index = pd.Index(arrived.index, dtype="string", name="account_id")
    return arrived.sort_index()


def label_arrivals(arrived: pd.Series, opps: pd.DataFrame, snapshots: list[datetime], every: str,
                   horizon: timedelta, columns: list[str], sources: tuple[str, ...] = ("sales",)) -> pd.DataFrame:
    """One row per lead that arrived in a snapshot's period: ``account_id, as_of, label, self_serve, won_at, amount``."""
    starts = np.array(sorted(snapshots), dtype="datetime64[us]")
    if not len(starts) or arrived.empty:
        return pd.DataFrame(columns=columns)
    ends = np.array([next_snapshot(pd.Timestamp(d).to_pydatetime(), every) for d in starts], dtype="datetime64[us]")
    at = arrived.to_numpy(dtype="datetime64[us]")
    slot = np.searchsorted(starts, at, side="right") - 1
    inside = (slot >= 0) & (at < ends[slot.clip(0)])
    leads = pd.DataFrame({"account_id": arrived.index[inside].astype("string"), "arrived_at": at[inside],
                          "as_of": starts[slot[inside]]})
    o = opps.assign(account_id=opps.account_id.astype("string")).merge(leads, on="account_id")
    sales = o.source == "sales"
    before = sales & (o.created_at < o.arrived_at)
    lost_before = (o.stage == "lost") & o.closed_at.notna() & (o.closed_at < o.arrived_at)
    blocked = set(o.loc[before & ~lost_before, "account_id"])
    window = (o.created_at >= o.arrived_at) & (o.created_at < o.arrived_at + horizon)
    counted = o.source.isin(sources)
    won = o[window & counted & (o.stage == "won")].sort_values("created_at")
    first_won = won.groupby("account_id").agg(won_at=("created_at", "first"), amount=("amount", "first"))
    pending = set(o.loc[window & counted & (o.stage == "open"), "account_id"]) - set(first_won.index)
    upgraded = set(o.loc[window & (o.source == "self_serve") & (o.stage == "won"), "account_id"])
    leads = leads[~leads.account_id.isin(blocked | pending)].join(first_won, on="account_id")
    leads["label"] = leads.won_at.notna().astype("int8")
    leads["self_serve"] = leads.account_id.isin(upgraded).astype("int8")
    return leads.sort_values(["as_of", "account_id"])[columns].reset_index(drop=True)
