"""``leadlight backtest``: replay the rule definition and the active model at past snapshots.

The rule definition is replayed everywhere in range: scores and PQA flags are
recomputed as of each snapshot from the signals and ``scoring:`` as they are
written now. The model is judged only at snapshots it was *not* trained or
calibrated on (from its first test snapshot on), so its figures are out of
time; ``snapshots`` in each entry says how many were used.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadlight.config import load_config
from leadlight.errors import NotReady, UsageError
from leadlight.evaluation.backtest import judge
from leadlight.labels.label_times import MIN_HISTORY, label_times, training_snapshots
from leadlight.evaluation.oracle import compare, read_truth
from leadlight.evaluation.replay import replay_model, replay_rules
from leadlight.progress import SILENT, Progress
from leadlight.storage.engine import Engine
from leadlight.tasks.derived import open_current_engine
from leadlight.storage.project import Project
from leadlight.timeutil import iso

RULES = "rules"
MODEL = "model"


def run_backtest(project: Project, *, start: date | None = None, end: date | None = None,
                 truth: str | Path | None = None, progress: Progress = SILENT) -> dict[str, Any]:
    """The ``backtest --json`` document: one entry per definition (rules, and the model when trained)."""
    from leadlight.scoring.models import active_model

    if start is not None and end is not None and start > end:
        raise UsageError(f"--from {start} is after --to {end}", hint="give the earlier date to --from")
    config = load_config(project)
    truth_rows = read_truth(truth) if truth else None
    engine = open_current_engine(project, config)
    try:
        with progress.step("finding snapshots and labels"):
            snapshots = training_snapshots(engine, config.model, start, end)
            if not snapshots:
                raise _no_snapshots(config.model.horizon_days, start, end)
            labels = label_times(engine, config.model, snapshots)
        replays = {RULES: replay_rules(engine, config, labels, progress)}
        model = active_model(project)
        if model is not None:
            first_test = pd.Timestamp(model.manifest["snapshots"]["test"][0].rstrip("Z"))
            unseen = labels[labels.as_of >= first_test]
            replays[MODEL] = replay_model(engine, model, unseen, progress)
    finally:
        engine.close()
    definitions = []
    for name, (replay, signals_of) in replays.items():
        entry = judge(name, replay, signals_of)
        if name == MODEL and model is not None:
            entry["model_id"] = model.model_id
            entry["flag_threshold"] = round(model.flag_threshold, 6)
        if truth_rows is not None and len(replay):
            entry.update(compare(replay, replay.score.to_numpy(dtype=float), truth_rows))
        definitions.append(entry)
    return {
        "definitions": definitions,
        "from": iso(snapshots[0]) if snapshots else None,
        "to": iso(snapshots[-1]) if snapshots else None,
        "horizon_days": config.model.horizon_days,
        "targets": {"share_flagged": [0.15, 0.35], "share_conversions_flagged": 0.6},
    }


def _no_snapshots(horizon_days: int, start: date | None, end: date | None) -> NotReady:
    """Nothing to judge: say why a snapshot needs history on both sides, and what to change."""
    span = "between --from and --to" if start or end else "in the loaded history"
    return NotReady(
        f"no snapshot to judge {span}: each needs {MIN_HISTORY.days} days of events before it "
        f"and a complete {horizon_days}-day outcome window after it",
        hint="load more history (events and opportunities)" + (", or widen --from/--to" if start or end else ""),
    )
