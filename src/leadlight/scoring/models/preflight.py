"""Everything ``train`` needs from history, checked before any feature is computed, refused in one message.

The checks read only the data range and the opportunities (no per-snapshot
query), so a refusal comes in well under two seconds. Each problem comes with
a fix computed from the *current* configuration: a cadence that is already
weekly is never suggested again, and a shorter horizon is only offered when
it actually yields folds on this history.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from leadlight.config.model import ModelConfig
from leadlight.errors import TrainingRefused
from leadlight.labels import arrivals
from leadlight.labels.label_times import OUTCOME_SOURCES, History, history, opportunities, snapshots_of
from leadlight.scoring.models.folds import Fold, snapshots_needed, walk_forward
from leadlight.storage.engine import Engine

SHORTER_HORIZONS = (60, 45, 30, 21, 14, 10, 7)
FEWEST_TO_SUGGEST = 10
OUTCOMES = {"sales": "sales opportunities", "self_serve": "self-serve upgrades",
            "any": "opportunities (sales or self-serve)", "expansion": "opportunities of paying accounts"}


def check_history(engine: Engine, config: ModelConfig, snapshots: list[datetime],
                  automatic: tuple[str, ...] = (), known: History | None = None) -> list[Fold]:
    """The walk-forward folds, or ``TrainingRefused`` listing every problem with its fix.

    ``automatic``: the settings that were ``auto`` (already shortened as far as ``settings`` goes)."""
    problems: list[str] = []
    hints: list[str] = []
    mode = arrivals.eligibility(engine, config)
    folds = walk_forward(snapshots, config, arrivals.reach(config, mode)) if snapshots else []
    known = known or history(engine, config)
    span = (known.last - known.first).days if known.first and known.last else 0
    if not snapshots:
        problems.append(
            f"history spans {span} days, and a snapshot needs {config.lead_in_days} days before it "
            f"(model.lead_in_days{_auto('lead_in_days', automatic)}) and a complete {config.horizon_days}-day outcome "
            f"window after it (model.horizon_days{_auto('horizon_days', automatic)})")
    elif not folds:
        problems.append(
            f"{len(snapshots)} {config.snapshot_every}ly snapshot(s) cannot keep training labels apart from the "
            f"snapshots they are checked on: with a {config.horizon_days}-day horizon that takes at least "
            f"{snapshots_needed(config)}")
    if problems:
        hints.extend(_history_fixes(known, config, mode))
    buyers = _won_in_range(engine, config, snapshots, mode)
    if buyers < config.min_positives:
        problems.append(f"history holds {buyers} won {OUTCOMES[config.target]} inside the labelled snapshots' outcome "
                        f"windows, fewer than model.min_positives ({config.min_positives})")
        hints.append(f"set model.min_positives: {buyers} (estimates from so few buyers are unreliable)"
                     if buyers >= FEWEST_TO_SUGGEST else "load more opportunities (won and lost)")
    if problems:
        raise TrainingRefused("; ".join(problems),
                              hint="scoring stays rule-only. " + "; or ".join(dict.fromkeys(hints)))
    return folds


def _auto(key: str, automatic: tuple[str, ...]) -> str:
    return ": auto, already the shortest it picks" if key in automatic else ""


def _history_fixes(known: History, config: ModelConfig, mode: str) -> list[str]:
    """The smallest change to the current ``model:`` section that gives this history a fold.

    Weekly snapshots first, then a shorter lead-in, then the longest horizon that works: the horizon
    defines the outcome, so it is shortened last and as little as possible."""
    cadences = ["week"] if config.snapshot_every == "month" else [config.snapshot_every]
    lead_ins = sorted({config.lead_in_days, min(config.lead_in_days, 14)}, reverse=True)
    horizons = [config.horizon_days, *(h for h in SHORTER_HORIZONS if h < config.horizon_days)]
    for horizon in horizons:
        for lead_in in lead_ins:
            for every in cadences:
                candidate = config.model_copy(update={"snapshot_every": every, "lead_in_days": lead_in,
                                                      "horizon_days": horizon})
                snaps = snapshots_of(known, candidate)
                if snaps and walk_forward(snaps, candidate, arrivals.reach(candidate, mode)):
                    changes = [f"model.{key}: {getattr(candidate, key)}" for key in
                               ("snapshot_every", "lead_in_days", "horizon_days")
                               if getattr(candidate, key) != getattr(config, key)]
                    return [f"set {', '.join(changes)} ({len(snaps)} snapshots)", "load a longer history"]
    return ["load a longer history"]


def _won_in_range(engine: Engine, config: ModelConfig, snapshots: list[datetime], mode: str) -> int:
    """Won opportunities of the target's kind created in the labelled snapshots' outcome windows (an upper
    bound on buyers)."""
    opps = opportunities(engine)
    won = opps[opps.source.isin(OUTCOME_SOURCES[config.target]) & (opps.stage == "won")]
    if snapshots:
        created = pd.to_datetime(won.created_at)
        reach = arrivals.reach(config, mode)
        won = won[(created >= snapshots[0] - timedelta(days=config.eligible_active_days))
                  & (created < snapshots[-1] + reach)]
    return int(len(won))
