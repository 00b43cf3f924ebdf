"""The snapshot calendar: which snapshots a history yields under a cadence, horizon and lead-in, in plain Python.

Everything here works from a few facts about the stored history (``Facts``:
its first and last moments, whether it is a lead list, when the target's won
opportunities were created), never from a frame or a query, so ``train`` can
check every precondition before pandas, Ibis or a learner is imported
(``scoring.models.preflight``). ``label_times`` and ``arrivals`` use the same
functions on the frames they build.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from leadlight.config.model import ModelConfig

MONTHLY_AT_LEAST = 8
# ``horizon_days`` / ``lead_in_days: auto`` on a history long enough for them (``scoring.models.settings`` shortens
# them on a short history before anything here runs).
FULL_HORIZON_DAYS = 30
FULL_LEAD_IN_DAYS = 28
# Which opportunities count as the outcome, per ``model.target``.
OUTCOME_SOURCES = {"sales": ("sales",), "self_serve": ("self_serve",), "any": ("sales", "self_serve"),
                   "expansion": ("sales", "self_serve")}
ARRIVAL = "arrival"
ACTIVITY = "activity"
LONGEST_PERIOD = {"month": timedelta(days=31), "week": timedelta(days=7)}


@dataclass(frozen=True)
class History:
    """What bounds the snapshots: the first and last known moments, and whether this is a lead list.

    For a lead list ``first`` is the earliest arrival; for an event log, the first event or opportunity."""

    first: datetime | None
    last: datetime | None
    lead_list: bool


@dataclass(frozen=True)
class Facts:
    """All the preconditions of ``train`` read from history: its bounds, the eligibility ``mode``
    (``activity`` or ``arrival``), and when the target's won opportunities (with an account) were created."""

    known: History
    mode: str
    won: tuple[datetime, ...]  # sorted

    def won_between(self, lo: datetime, hi: datetime) -> int:
        """Won opportunities created in ``[lo, hi)``."""
        return max(0, bisect_left(self.won, hi) - bisect_left(self.won, lo))


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


def full_history_defaults(config: ModelConfig) -> ModelConfig:
    """``horizon_days`` / ``lead_in_days`` left ``auto`` set to the values a long history gets."""
    update = {key: value for key, value in (("horizon_days", FULL_HORIZON_DAYS), ("lead_in_days", FULL_LEAD_IN_DAYS))
              if getattr(config, key) == "auto"}
    return config.model_copy(update=update) if update else config


def resolved(config: ModelConfig, known: History) -> ModelConfig:
    """``config`` with ``snapshot_every: auto`` replaced by the cadence ``known`` history supports (monthly from
    ``MONTHLY_AT_LEAST`` monthly snapshots on), and ``horizon_days`` / ``lead_in_days`` still ``auto`` by their
    full-history values."""
    config = full_history_defaults(config)
    if config.snapshot_every != "auto":
        return config
    monthly = snapshots_of(known, config.model_copy(update={"snapshot_every": "month"}))
    return config.model_copy(update={"snapshot_every": "month" if len(monthly) >= MONTHLY_AT_LEAST else "week"})


def snapshots_of(known: History, config: ModelConfig, start: date | None = None, end: date | None = None) -> list[datetime]:
    """The snapshots ``config`` (a concrete cadence) cuts from ``known`` history."""
    if known.first is None or known.last is None:
        return []
    every = config.snapshot_every
    lo = period_start(known.first, every) if known.lead_list else known.first + timedelta(days=config.lead_in_days)
    outcome_days = config.trial.length_days + config.trial.grace_days if config.trial else config.horizon_days
    hi = known.last - timedelta(days=outcome_days)
    for bound in (config.history_from, start):
        if bound is not None:
            lo = max(lo, datetime(bound.year, bound.month, bound.day))
    for bound in (config.history_to, end):
        if bound is not None:
            hi = min(hi, datetime(bound.year, bound.month, bound.day))
    snapshots = snapshot_dates(lo, hi, every)
    return complete(snapshots, known.last, config) if known.lead_list else snapshots


def reach(config: ModelConfig, mode: str) -> timedelta:
    """How far past a snapshot its labels may look: what the time split must keep apart."""
    if config.trial is not None:
        return timedelta(days=config.trial.length_days + config.trial.grace_days)
    horizon = timedelta(days=config.horizon_days)
    return horizon + LONGEST_PERIOD[config.snapshot_every] if mode == ARRIVAL else horizon


def period_start(moment: datetime, every: str) -> datetime:
    """The snapshot whose period holds ``moment``: the 1st of its month, or the Monday of its week."""
    day = date(moment.year, moment.month, 1 if every == "month" else moment.day)
    if every == "week":
        day -= timedelta(days=day.weekday())
    return datetime(day.year, day.month, day.day)


def next_snapshot(d: datetime, every: str) -> datetime:
    """The snapshot after ``d`` (which is itself a snapshot date)."""
    if every == "week":
        return d + timedelta(days=7)
    return datetime(d.year + d.month // 12, d.month % 12 + 1, 1)


def complete(snapshots: list[datetime], last: datetime, config: ModelConfig) -> list[datetime]:
    """Snapshots whose every lead's label window has passed by ``last``."""
    horizon = timedelta(days=config.horizon_days)
    return [d for d in snapshots if next_snapshot(d, config.snapshot_every) + horizon <= last]
