"""``horizon_days`` / ``lead_in_days: auto``: the label horizon and lead-in a history supports.

A history of a few months gets the full values: a 30-day horizon and 28 days
of lead-in. A short one (a new user's first weeks) gets the longest horizon,
then the longest lead-in (down to a week: early snapshots then see part of their
behaviour windows, honestly), of ``HORIZONS`` x ``LEAD_INS`` that still leaves
``MIN_FOLDS`` walk-forward folds with won deals in the snapshots they predict:
honest out-of-time metrics (every fold purged of overlapping label windows)
from a shorter question ("buys within 14 days") rather than no model at all.
Failing that, one such fold; failing that, the shortest settings, and the
preflight refuses naming every problem. The choice, and why, is reported by ``train``
and kept in the model card. Values set in ``leadlight.yml`` are never changed.

Only the data range and the won opportunities are read: no snapshot is labelled
or featurised to decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from leadlight.config.model import ModelConfig
from leadlight.labels.calendar import (FULL_HORIZON_DAYS, FULL_LEAD_IN_DAYS, Facts, History, reach, resolved,
                                       snapshots_of)
from leadlight.scoring.models.folds import walk_forward

if TYPE_CHECKING:  # pandas and Ibis load only when an engine is read: ``choose`` works from the facts alone
    from leadlight.storage.engine import Engine

HORIZONS = (FULL_HORIZON_DAYS, 21, 14)
LEAD_INS = (FULL_LEAD_IN_DAYS, 21, 14, 7)
MIN_FOLDS = 2


@dataclass(frozen=True)
class Settings:
    """The concrete ``model:`` settings training runs with, and why the automatic ones were chosen."""

    config: ModelConfig  # snapshot_every, horizon_days and lead_in_days all concrete
    automatic: tuple[str, ...]  # which of them were ``auto`` in leadlight.yml
    why: str | None  # None when horizon and lead-in were both set

    def describe(self) -> dict:
        c = self.config
        return {"snapshot_every": c.snapshot_every, "horizon_days": c.horizon_days, "lead_in_days": c.lead_in_days,
                "automatic": list(self.automatic), "why": self.why}


def fit_to_history(engine: Engine, config: ModelConfig, known: History | None = None) -> Settings:
    """Resolve every ``auto`` of cadence, horizon and lead-in against this history."""
    from leadlight.labels.label_times import facts

    return choose(config, facts(engine, config, known))


def choose(config: ModelConfig, facts: Facts) -> Settings:
    """``fit_to_history`` from the facts about history (``label_times.facts``, ``stored_facts.read_facts``)."""
    known = facts.known
    automatic = tuple(k for k in ("snapshot_every", "horizon_days", "lead_in_days") if getattr(config, k) == "auto")
    horizons = HORIZONS if config.horizon_days == "auto" and config.trial is None else (config.horizon_days,)
    lead_ins = LEAD_INS if config.lead_in_days == "auto" and not known.lead_list else (config.lead_in_days,)
    if len(horizons) * len(lead_ins) == 1:
        return Settings(resolved(config, known), automatic, None)
    best, best_folds = None, 0
    for horizon in horizons:
        for lead_in in lead_ins:
            candidate = resolved(config.model_copy(update={"horizon_days": horizon, "lead_in_days": lead_in}), known)
            folds = _folds_with_buyers(candidate, facts)
            if folds >= MIN_FOLDS:
                return Settings(candidate, automatic, _why(known, candidate, folds, horizons, lead_ins))
            if folds > best_folds:
                best, best_folds = candidate, folds
    if best is not None:
        return Settings(best, automatic, _why(known, best, best_folds, horizons, lead_ins))
    shortest = config.model_copy(update={"horizon_days": horizons[-1], "lead_in_days": lead_ins[-1]})
    return Settings(resolved(shortest, known), automatic,
                    f"no walk-forward fold with buyers, even with a {horizons[-1]}-day horizon and {lead_ins[-1]}-day lead-in")


def _folds_with_buyers(config: ModelConfig, facts: Facts) -> int:
    """Walk-forward folds whose predicted snapshots have won deals in their outcome windows."""
    snapshots = snapshots_of(facts.known, config)
    if not snapshots:
        return 0
    window = reach(config, facts.mode)
    return sum(facts.won_between(f.test[0], f.test[-1] + window) > 0 for f in walk_forward(snapshots, config, window))


def _why(known: History, chosen: ModelConfig, folds: int, horizons: tuple, lead_ins: tuple) -> str:
    span = (known.last - known.first).days if known.first and known.last else 0
    if (chosen.horizon_days, chosen.lead_in_days) == (horizons[0], lead_ins[0]):
        return f"the full {chosen.horizon_days}-day horizon and {chosen.lead_in_days}-day lead-in fit this {span}-day history"
    return (f"this {span}-day history is too short for a {horizons[0]}-day horizon and {lead_ins[0]}-day lead-in; "
            f"a {chosen.horizon_days}-day horizon and {chosen.lead_in_days}-day lead-in are the longest that leave "
            f"{folds} walk-forward fold{'s' if folds > 1 else ''} with buyers (about {_full_needs(horizons[0], lead_ins[0])} "
            "weeks of history give the full ones)")


def _full_needs(horizon: int, lead_in: int) -> int:
    """Weeks of history the full settings need for two weekly folds: the lead-in, a training snapshot, the purge
    gap, two predicted snapshots and the last one's outcome window."""
    return -(-(lead_in + 7 * -(-horizon // 7) + 7 + horizon) // 7)
