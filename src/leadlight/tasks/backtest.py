"""``leadlight backtest``: judge the rule definition and the active model at past snapshots, on the same rows.

The rule definition is replayed: scores and PQA flags are recomputed as of
each snapshot from the signals and ``scoring:`` as they are written now. The
model is judged by its out-of-fold probabilities saved at training (each
predicted by models trained only on earlier snapshots) and, at snapshots after
its training, by a live replay. By default both definitions are judged on the
same snapshots, the model's out-of-time ones (``judged_on`` says which).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from leadlight.config import load_config
from leadlight.errors import NotReady, UsageError
from leadlight.evaluation.backtest import judge
from leadlight.labels.label_times import label_times, training_snapshots
from leadlight.evaluation.oracle import compare, read_truth
from leadlight.evaluation.replay import replay_model, replay_out_of_time, replay_rules
from leadlight.progress import SILENT, Progress
from leadlight.scoring.models.settings import fit_to_history
from leadlight.storage.backtests import store_backtest
from leadlight.storage.database import connect
from leadlight.storage.engine import Engine
from leadlight.tasks.derived import open_current_engine
from leadlight.storage.project import Project
from leadlight.timeutil import iso

RULES = "rules"
MODEL = "model"


def run_backtest(project: Project, *, start: date | None = None, end: date | None = None,
                 truth: str | Path | None = None, same_snapshots: bool = True,
                 progress: Progress = SILENT) -> dict[str, Any]:
    """The ``backtest --json`` document: one entry per definition (rules, and the model when trained).

    ``same_snapshots`` (default): rules and model are judged on the same rows, the model's out-of-time
    snapshots, so their figures compare like with like; ``judged_on`` says which."""
    from leadlight.scoring.models import active_model

    if start is not None and end is not None and start > end:
        raise UsageError(f"--from {start} is after --to {end}", hint="give the earlier date to --from")
    config = load_config(project)
    truth_rows = read_truth(truth) if truth else None
    engine = open_current_engine(project, config)
    try:
        with progress.step("finding snapshots and labels"):
            mc = fit_to_history(engine, config.model).config  # the horizon and lead-in `train` picks
            snapshots = training_snapshots(engine, mc, start, end)
            if not snapshots:
                raise _no_snapshots(mc, start, end)
            labels = label_times(engine, mc, snapshots)
        model = active_model(project, config.model.target)
        judged_on = "every labelled snapshot in range (no model is trained)"
        replays: dict[str, tuple[pd.DataFrame, Any]] = {}
        if model is not None:
            model_replay, model_signals = _model_replay(engine, model, labels, progress)
            replays[MODEL] = (model_replay, model_signals)
            if same_snapshots:
                labels = labels[labels.as_of.isin(set(model_replay.as_of))]
                judged_on = ("the model's out-of-time snapshots, for both definitions: its walk-forward folds "
                             "(predicted by models trained only on earlier snapshots) and any after its training")
            else:
                judged_on = "rules: every labelled snapshot in range; model: its out-of-time snapshots only"
        replays = {RULES: replay_rules(engine, config, labels, progress), **replays}
    finally:
        engine.close()
    definitions = []
    for name, (replay, signals_of) in replays.items():
        entry = judge(name, replay, signals_of)
        entry["score_scale"] = "0-1 probability" if name == MODEL else "0-100 points"
        if name == MODEL and model is not None:
            entry["model_id"] = model.model_id
            entry["flag_threshold"] = round(model.flag_threshold, 6)
        if truth_rows is not None and len(replay):
            entry.update(compare(replay, replay.score.to_numpy(dtype=float), truth_rows))
        definitions.append(entry)
    document = {
        "definitions": definitions,
        "from": iso(snapshots[0]) if snapshots else None,
        "to": iso(snapshots[-1]) if snapshots else None,
        "judged_on": judged_on,
        "snapshots_judged": sorted({iso(pd.Timestamp(d).to_pydatetime()) for d in labels.as_of.unique()}),
        "horizon_days": mc.horizon_days,
        "targets": {"share_flagged": [0.15, 0.35], "share_conversions_flagged": 0.6},
    }
    from leadlight.scoring.snapshot import definition_hash

    con = connect(project)
    try:
        document["run_id"] = store_backtest(con, document, definition_hash(config))
    finally:
        con.close()
    return document


def _no_snapshots(model: Any, start: date | None, end: date | None) -> NotReady:
    """Nothing to judge: say why a snapshot needs history on both sides, and what to change."""
    span = "between --from and --to" if start or end else "in the loaded history"
    return NotReady(
        f"no snapshot to judge {span}: each needs {model.lead_in_days} days of events before it "
        f"(model.lead_in_days) and a complete {model.horizon_days}-day outcome window after it (model.horizon_days)",
        hint="load more history (events and opportunities)" + (", or widen --from/--to" if start or end else ""),
    )


def _model_replay(engine: Engine, model: Any, labels: pd.DataFrame, progress: Progress) -> tuple[pd.DataFrame, Any]:
    """Saved out-of-fold predictions where training made them; a live replay at snapshots after training."""
    trained = [pd.Timestamp(d.rstrip("Z")) for d in model.manifest["snapshots"]["train"]]
    oot = replay_out_of_time(model, labels)
    later = labels[labels.as_of > max(trained)] if trained else labels.iloc[0:0]
    if later.empty:
        return oot, None
    live, signals_of = replay_model(engine, model, later, progress)
    return pd.concat([oot, live], ignore_index=True), signals_of
