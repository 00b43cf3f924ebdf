"""Everything ``train`` needs from history, checked before any feature is computed, refused in one message.

The checks read only the data range and the won opportunities (``labels.calendar.Facts``;
no per-snapshot query), and this module imports neither pandas nor Ibis: ``refusal`` checks a
project with a few plain DuckDB queries before ``train`` loads anything heavy. Each problem comes with
a fix computed from the *current* configuration: a cadence that is already
weekly is never suggested again, and a shorter horizon is only offered when
it actually yields folds on this history.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from leadlight.config.model import ModelConfig
from leadlight.config.project import ProjectConfig
from leadlight.errors import TrainingRefused
from leadlight.labels.calendar import Facts, History, reach, snapshots_of
from leadlight.labels.stored_facts import read_facts
from leadlight.scoring.models.folds import Fold, snapshots_needed, walk_forward
from leadlight.scoring.models.settings import choose
from leadlight.storage.database import connect
from leadlight.storage.project import Project

SHORTER_HORIZONS = (60, 45, 30, 21, 14, 10, 7)
FEWEST_TO_SUGGEST = 10
OUTCOMES = {"sales": "sales opportunities", "self_serve": "self-serve upgrades",
            "any": "opportunities (sales or self-serve)", "expansion": "opportunities of paying accounts"}


def refusal(project: Project, config: ProjectConfig) -> None:
    """``TrainingRefused`` when the project's history cannot train a model, read with plain SQL (DuckDB projects
    with an event log; others are checked by ``check_history`` once the engine is open). The same checks, in
    the same words, as training runs first."""
    if config.engine != "duckdb" or not project.database_path.exists():
        return
    con = connect(project, read_only=True)
    try:
        facts = read_facts(con, config.model)
    finally:
        con.close()
    if facts is not None:
        settings = choose(config.model, facts)
        check_history(settings.config, snapshots_of(facts.known, settings.config), facts, settings.automatic)


def check_history(config: ModelConfig, snapshots: list[datetime], facts: Facts,
                  automatic: tuple[str, ...] = ()) -> list[Fold]:
    """The walk-forward folds, or ``TrainingRefused`` listing every problem with its fix.

    ``automatic``: the settings that were ``auto`` (already shortened as far as ``settings`` goes)."""
    problems: list[str] = []
    hints: list[str] = []
    mode, known = facts.mode, facts.known
    folds = walk_forward(snapshots, config, reach(config, mode)) if snapshots else []
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
    buyers = _won_in_range(config, snapshots, facts)
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
                if snaps and walk_forward(snaps, candidate, reach(candidate, mode)):
                    changes = [f"model.{key}: {getattr(candidate, key)}" for key in
                               ("snapshot_every", "lead_in_days", "horizon_days")
                               if getattr(candidate, key) != getattr(config, key)]
                    return [f"set {', '.join(changes)} ({len(snaps)} snapshots)", "load a longer history"]
    return ["load a longer history"]


def _won_in_range(config: ModelConfig, snapshots: list[datetime], facts: Facts) -> int:
    """Won opportunities of the target's kind created in the labelled snapshots' outcome windows (an upper
    bound on buyers)."""
    if not snapshots:
        return len(facts.won)
    return facts.won_between(snapshots[0] - timedelta(days=config.eligible_active_days),
                             snapshots[-1] + reach(config, facts.mode))
