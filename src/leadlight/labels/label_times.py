"""Label times: which account, at which snapshot, went on to buy through sales.

For each snapshot ``D`` (midnight UTC: the 1st of each month, or each Monday)
an account is **eligible** when

* it has activity in ``[D - eligible_active_days, D)`` (the ``asof`` boundary), and
* it is not already a sales customer nor in a sales cycle at ``D``: every sales
  opportunity it created before ``D`` was closed lost before ``D``.

Self-serve upgraders stay eligible (sales can still expand them). An eligible
account is **labelled 1** when a sales opportunity it created in
``[D, D + horizon_days)`` was won. A self-serve upgrade in that window is a
separate outcome (``self_serve``), never a sales win. Rows whose only sales
opportunity in the window is still open are dropped: their outcome is not known
yet. Features for the row come only from data before ``D`` (see
``leadlight.signals.asof``), so nothing after an opportunity's creation feeds
its features.

Snapshots start once 56 days of history exist and end when the label window
of the last one has fully passed (``D + horizon <= the latest data``).

Lead lists, with no event log, are labelled by arrival instead
(``model.eligibility``): see ``leadlight.labels.arrivals``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from leadlight.config.model import ModelConfig
from leadlight.labels import arrivals
from leadlight.signals import asof
from leadlight.signals.activity import raw_events
from leadlight.storage.engine import Engine
from leadlight.storage.opportunities import opportunities_by_account
from leadlight.storage.schema import ACCOUNTS, OPPORTUNITIES

MIN_HISTORY = timedelta(days=56)
LABEL_COLUMNS = ["account_id", "as_of", "label", "self_serve", "won_at", "amount"]


def snapshot_dates(first: datetime, last: datetime, every: str) -> list[datetime]:
    """Midnights from ``first`` to ``last`` inclusive: the 1st of each month, or each Monday."""
    day = date(first.year, first.month, first.day)
    if datetime(day.year, day.month, day.day) < first:
        day += timedelta(days=1)
    out: list[datetime] = []
    while datetime(day.year, day.month, day.day) <= last:
        if (every == "month" and day.day == 1) or (every == "week" and day.weekday() == 0):
            out.append(datetime(day.year, day.month, day.day))
        day += timedelta(days=1)
    return out


def data_range(engine: Engine) -> tuple[datetime | None, datetime | None]:
    """First and last moment of known history: events and opportunities."""
    rows = raw_events(engine)
    ev = rows.aggregate(lo=rows.ts_first.min(), hi=rows.ts_last.max()).to_pandas().iloc[0]
    opp = engine.table(OPPORTUNITIES)
    op = opp.aggregate(lo=opp.created_at.min(), hi=opp.created_at.max()).to_pandas().iloc[0]
    los = [pd.Timestamp(x).to_pydatetime() for x in (ev.lo, op.lo) if pd.notna(x)]
    his = [pd.Timestamp(x).to_pydatetime() for x in (ev.hi, op.hi, ev.lo) if pd.notna(x)]
    return (min(los) if los else None, max(his) if his else None)


def training_snapshots(engine: Engine, config: ModelConfig, start: date | None = None, end: date | None = None) -> list[datetime]:
    """Every snapshot with enough history before it and a complete label window after it."""
    lead_list = arrivals.eligibility(engine, config) == arrivals.ARRIVAL
    if lead_list:
        opps = opportunities(engine)
        bounds = arrivals.snapshot_bounds(lead_arrivals(engine, config, opps), opps, config)
        first, last = bounds if bounds else (None, None)
    else:
        first, last = data_range(engine)
    if first is None or last is None:
        return []
    lo = first if lead_list else first + MIN_HISTORY
    hi = last - timedelta(days=config.horizon_days)
    for bound in (config.history_from, start):
        if bound is not None:
            lo = max(lo, datetime(bound.year, bound.month, bound.day))
    for bound in (config.history_to, end):
        if bound is not None:
            hi = min(hi, datetime(bound.year, bound.month, bound.day))
    snapshots = snapshot_dates(lo, hi, config.snapshot_every)
    return arrivals.complete(snapshots, last, config) if lead_list else snapshots


def lead_arrivals(engine: Engine, config: ModelConfig, opps: pd.DataFrame) -> pd.Series:
    """When each account arrived (lead lists): ``model.account_created_column``, else its first opportunity."""
    accounts = engine.table(ACCOUNTS)
    wanted = config.account_created_column
    columns = ["account_id", wanted] if wanted in accounts.columns and wanted != "account_id" else ["account_id"]
    frame = accounts.select(*columns).to_pandas()
    frame = frame.assign(account_id=frame.account_id.astype("string")).drop_duplicates("account_id", keep="last")
    return arrivals.arrival_times(frame.set_index("account_id"), opps, wanted)


def opportunities(engine: Engine) -> pd.DataFrame:
    """Every opportunity with an account id (filled from ``domain`` when only that was given)."""
    frame = opportunities_by_account(engine).to_pandas()
    return frame[frame.account_id.notna()].reset_index(drop=True)


def active_accounts(engine: Engine, as_of: datetime, days: int) -> set[str]:
    rows = asof.in_window(raw_events(engine, as_of), as_of, timedelta(days=days))
    rows = rows.filter(rows.account_id.notnull())
    return set(rows.select(account_id=rows.account_id.cast("string")).distinct().to_pandas().account_id)


def label_times(
    engine: Engine, config: ModelConfig, snapshots: list[datetime], opps: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per eligible (account, snapshot): ``account_id, as_of, label, self_serve, won_at, amount``."""
    opps = opportunities(engine) if opps is None else opps
    horizon = timedelta(days=config.horizon_days)
    if arrivals.eligibility(engine, config) == arrivals.ARRIVAL:
        return arrivals.label_arrivals(lead_arrivals(engine, config, opps), opps, snapshots,
                                       config.snapshot_every, horizon, LABEL_COLUMNS)
    parts = []
    for d in snapshots:
        active = active_accounts(engine, d, config.eligible_active_days)
        parts.append(label_one(active, opps, d, horizon))
    if not parts:
        return pd.DataFrame(columns=LABEL_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def label_one(active: set[str], opps: pd.DataFrame, as_of: datetime, horizon: timedelta) -> pd.DataFrame:
    """Labels at one snapshot, from the set of recently active accounts and every opportunity."""
    sales = opps[opps.source == "sales"]
    before = sales[sales.created_at < as_of]
    closed_lost = (before.stage == "lost") & before.closed_at.notna() & (before.closed_at < as_of)
    blocked = set(before.loc[~closed_lost, "account_id"])
    inside = opps[(opps.created_at >= as_of) & (opps.created_at < as_of + horizon)]
    won = inside[(inside.source == "sales") & (inside.stage == "won")].sort_values("created_at")
    first_won = won.groupby("account_id").agg(won_at=("created_at", "first"), amount=("amount", "first"))
    pending = set(inside.loc[(inside.source == "sales") & (inside.stage == "open"), "account_id"]) - set(first_won.index)
    upgraded = set(inside.loc[(inside.source == "self_serve") & (inside.stage == "won"), "account_id"])
    accounts = sorted(active - blocked - pending)
    frame = pd.DataFrame({"account_id": pd.Series(accounts, dtype="string"), "as_of": as_of})
    frame = frame.join(first_won, on="account_id")
    frame["label"] = frame.won_at.notna().astype("int8")
    frame["self_serve"] = frame.account_id.isin(upgraded).astype("int8")
    return frame[LABEL_COLUMNS]
