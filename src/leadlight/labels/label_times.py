"""Label times: which account, at which snapshot, went on to convert (``model.target``; sales by default).

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

Other targets (``model.target``): ``self_serve`` labels a self-serve upgrade
and ``any`` either kind of win, both among accounts not yet paying and not in a
sales cycle; ``expansion`` labels any new won opportunity among accounts that
already pay (and are not in a sales cycle). See ``label_one``.

Snapshots start once ``lead_in_days`` of history exist and end when the label
window of the last one has fully passed (``D + horizon <= the latest data``).
``snapshot_every: auto`` resolves to monthly snapshots when history holds at
least ``MONTHLY_AT_LEAST`` of them, else weekly (``resolve``).

Trial products (``model.trial``) are labelled by trial instead: see
``leadlight.labels.trials``.

Lead lists, with no event log, are labelled by arrival instead
(``model.eligibility``): see ``leadlight.labels.arrivals``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import ibis
import pandas as pd

from leadlight.config.model import ModelConfig
from leadlight.identity import as_of as identity_as_of
from leadlight.labels import arrivals, trials
from leadlight.labels.calendar import OUTCOME_SOURCES, Facts, History, full_history_defaults, resolved, snapshots_of
from leadlight.labels.stored_facts import read_facts
from leadlight.signals import asof
from leadlight.signals.activity import named_events, raw_events
from leadlight.storage.engine import Engine
from leadlight.storage.opportunities import opportunities_by_account
from leadlight.storage.schema import ACCOUNTS, OPPORTUNITIES

LABEL_COLUMNS = ["account_id", "as_of", "label", "self_serve", "won_at", "amount"]


def data_range(engine: Engine) -> tuple[datetime | None, datetime | None]:
    """First and last moment of known history: events and opportunities."""
    rows = named_events(engine)
    ev = rows.aggregate(lo=rows.timestamp.min(), hi=rows.timestamp.max()).to_pandas().iloc[0]
    opp = engine.table(OPPORTUNITIES)
    op = opp.aggregate(lo=opp.created_at.min(), hi=opp.created_at.max()).to_pandas().iloc[0]
    los = [pd.Timestamp(x).to_pydatetime() for x in (ev.lo, op.lo) if pd.notna(x)]
    his = [pd.Timestamp(x).to_pydatetime() for x in (ev.hi, op.hi, ev.lo) if pd.notna(x)]
    return (min(los) if los else None, max(his) if his else None)


def history(engine: Engine, config: ModelConfig) -> History:
    """Read once, then reused to plan snapshots under any cadence or horizon (``snapshots_of``)."""
    if arrivals.eligibility(engine, config) == arrivals.ARRIVAL:
        opps = opportunities(engine)
        arrived = lead_arrivals(engine, config, opps)
        if arrived.empty:
            return History(None, None, True)
        last = max(arrived.max(), opps.created_at.max()) if len(opps) else arrived.max()
        return History(pd.Timestamp(arrived.min()).to_pydatetime(), pd.Timestamp(last).to_pydatetime(), True)
    return History(*data_range(engine), False)


def facts(engine: Engine, config: ModelConfig, known: History | None = None) -> Facts:
    """What ``train``'s preconditions read from history: on DuckDB with plain SQL (``stored_facts``), else (Spark,
    lead lists) through the engine."""
    if engine.name == "duckdb" and engine.connection is not None:
        found = read_facts(engine.connection, config)
        if found is not None:
            return found
    mode = arrivals.eligibility(engine, config)
    known = known or history(engine, config)
    opps = opportunities(engine)
    won = opps[opps.source.isin(OUTCOME_SOURCES[config.target]) & (opps.stage == "won")]
    return Facts(known, mode, tuple(sorted(pd.Timestamp(x).to_pydatetime() for x in won.created_at.dropna())))


def resolve(engine: Engine, config: ModelConfig, known: History | None = None) -> ModelConfig:
    """``config`` with every ``auto`` of cadence, horizon and lead-in resolved for a long history
    (``calendar.resolved``); history is read only when the cadence is ``auto`` and ``known`` is not given."""
    config = full_history_defaults(config)
    if config.snapshot_every != "auto":
        return config
    return resolved(config, known or history(engine, config))


def training_snapshots(engine: Engine, config: ModelConfig, start: date | None = None, end: date | None = None) -> list[datetime]:
    """Every snapshot with enough history before it and a complete label window after it."""
    known = history(engine, config)
    return snapshots_of(known, resolve(engine, config, known), start, end)


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


def active_accounts(engine: Engine, moments: list[datetime], days: int) -> dict[datetime, set[str]]:
    """Accounts with activity in the ``days`` before each moment (identity as known then), a batch per query."""
    out: dict[datetime, set[str]] = {d: set() for d in moments}
    for batch in identity_as_of.batches(engine, moments):
        parts = []
        for d in batch:
            rows = asof.in_window(raw_events(engine, d), d, timedelta(days=days))
            rows = rows.filter(rows.account_id.notnull())
            parts.append(rows.select(as_of=asof.at(d), account_id=rows.account_id.cast("string")).distinct())
        found = ibis.union(*parts).to_pandas()
        moment = {asof.moment_of(d): d for d in batch}
        for d, accounts in found.groupby("as_of").account_id:
            out[moment[pd.Timestamp(d)]] = set(accounts)
    return out


def label_times(
    engine: Engine, config: ModelConfig, snapshots: list[datetime], opps: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per eligible (account, snapshot): ``account_id, as_of, label, self_serve, won_at, amount``."""
    config = resolve(engine, config)
    opps = opportunities(engine) if opps is None else opps
    horizon = timedelta(days=config.horizon_days)
    if config.trial is not None:
        accounts = engine.table(ACCOUNTS).to_pandas()
        accounts = accounts.assign(account_id=accounts.account_id.astype("string")).drop_duplicates(
            "account_id", keep="last").set_index("account_id")
        return trials.label_trials(trials.trial_starts(accounts, config.trial.started_column), opps, snapshots,
                                   config.trial, OUTCOME_SOURCES[config.target], LABEL_COLUMNS)
    if arrivals.eligibility(engine, config) == arrivals.ARRIVAL:
        return arrivals.label_arrivals(lead_arrivals(engine, config, opps), opps, snapshots,
                                       config.snapshot_every, horizon, LABEL_COLUMNS, OUTCOME_SOURCES[config.target])
    active = active_accounts(engine, snapshots, config.eligible_active_days)
    parts = [label_one(active[d], opps, d, horizon, config.target) for d in snapshots]
    if not parts:
        return pd.DataFrame(columns=LABEL_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def label_one(active: set[str], opps: pd.DataFrame, as_of: datetime, horizon: timedelta,
              target: str = "sales") -> pd.DataFrame:
    """Labels at one snapshot, from the set of recently active accounts and every opportunity.

    ``target`` (``model.target``) says which conversion is the outcome and who may still make it:
    ``sales`` a won sales opportunity, for accounts not already sales customers or in a sales cycle;
    ``self_serve`` / ``any`` a self-serve upgrade / any won opportunity, for accounts not yet paying
    and not in a sales cycle; ``expansion`` any won opportunity of an account already paying."""
    sales = opps[opps.source == "sales"]
    before = sales[sales.created_at < as_of]
    closed_lost = (before.stage == "lost") & before.closed_at.notna() & (before.closed_at < as_of)
    in_cycle = set(before.loc[~closed_lost & (before.stage != "won"), "account_id"])
    blocked = set(before.loc[~closed_lost, "account_id"])
    earlier = opps[(opps.created_at < as_of) & (opps.stage == "won")]
    paying = set(earlier.account_id)
    if target in ("self_serve", "any"):
        blocked |= paying
    elif target == "expansion":
        active, blocked = active & paying, in_cycle
    inside = opps[(opps.created_at >= as_of) & (opps.created_at < as_of + horizon)]
    counted = inside.source.isin(OUTCOME_SOURCES[target])
    won = inside[counted & (inside.stage == "won")].sort_values("created_at")
    first_won = won.groupby("account_id").agg(won_at=("created_at", "first"), amount=("amount", "first"))
    pending = set(inside.loc[counted & (inside.stage == "open"), "account_id"]) - set(first_won.index)
    upgraded = set(inside.loc[(inside.source == "self_serve") & (inside.stage == "won"), "account_id"])
    accounts = sorted(active - blocked - pending)
    frame = pd.DataFrame({"account_id": pd.Series(accounts, dtype="string"), "as_of": as_of})
    frame = frame.join(first_won, on="account_id")
    frame["label"] = frame.won_at.notna().astype("int8")
    frame["self_serve"] = frame.account_id.isin(upgraded).astype("int8")
    return frame[LABEL_COLUMNS]
