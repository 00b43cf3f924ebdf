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
from leadlight.evaluation.label_times import MIN_HISTORY, label_times, training_snapshots
from leadlight.evaluation.oracle import compare, read_truth
from leadlight.progress import SILENT, Progress
from leadlight.storage.engine import Engine
from leadlight.tasks.derived import open_current_engine
from leadlight.storage.project import Project
from leadlight.timeutil import iso

RULES = "rules"
MODEL = "model"
HIGH_SHARE = 0.3  # the model's fit / intent are "high" for the top 30% of a snapshot


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


def replay_rules(engine: Engine, config: Any, labels: pd.DataFrame, progress: Progress) -> tuple[pd.DataFrame, Any]:
    """Scores, PQA flags and quadrants of the rule definition at every labelled snapshot."""
    from leadlight.scoring import score_frames
    from leadlight.scoring.flags import person_flags, self_serve_buyers
    from leadlight.signals import compute_signals

    specs = list(config.signals)
    names = [s.name for s in specs if s.level == "account"]
    parts = []
    snapshots = sorted(labels.as_of.unique())
    with progress.step("replaying the rule definition", total=len(snapshots)) as bar:
        for d in snapshots:
            as_of = pd.Timestamp(d).to_pydatetime()
            rows = labels[labels.as_of == d]
            frames = compute_signals(engine, specs, as_of)
            scored, _ = score_frames(frames, person_flags(engine, as_of), config.scoring, self_serve_buyers(engine, as_of))
            table = scored.select("account_id", "score", "pqa", "quadrant", *names).to_pandas()
            table["account_id"] = table.account_id.astype("string")
            parts.append(rows.merge(table.rename(columns={"pqa": "flag"}), on="account_id", how="left"))
            bar.advance()
    replay = _concat(parts, labels)
    replay["score"] = replay.score.astype("float64").fillna(0.0)

    def signals_of(row: pd.Series) -> dict:
        return {n: _plain(row[n]) for n in names}

    return replay, signals_of


def replay_model(engine: Engine, model: Any, labels: pd.DataFrame, progress: Progress) -> tuple[pd.DataFrame, Any]:
    """The active model's probability and flag at each snapshot it never saw in training."""
    top = [f["feature"] for f in model.manifest.get("top_features", [])[:5]]
    parts = []
    snapshots = sorted(labels.as_of.unique())
    with progress.step("replaying the model", total=len(snapshots)) as bar:
        for d in snapshots:
            rows = labels[labels.as_of == d]
            feats = model.features(engine, pd.Timestamp(d).to_pydatetime(), rows[["account_id"]])
            pred = model.predict(feats, reasons_for=0)
            high_fit = _top_share(pred.fit_probability)
            high_intent = _top_share(pred.intent_probability)
            pred["quadrant"] = [f"{'high' if f else 'low'}_fit_{'high' if i else 'low'}_intent"
                                for f, i in zip(high_fit, high_intent)]
            pred = pred.rename(columns={"probability": "score", "flagged": "flag"})
            pred = pd.concat([pred[["score", "flag", "quadrant"]], feats[top].reset_index(drop=True)], axis=1)
            pred["account_id"] = feats.account_id.astype("string").to_numpy()
            parts.append(rows.merge(pred, on="account_id", how="left"))
            bar.advance()
    replay = _concat(parts, labels)

    def signals_of(row: pd.Series) -> dict:
        return {n: _plain(row[n]) for n in top}

    return replay, signals_of


def _top_share(values: pd.Series) -> np.ndarray:
    v = values.to_numpy(dtype=float)
    if np.isnan(v).all():
        return np.zeros(len(v), dtype=bool)
    return v >= np.nanquantile(v, 1 - HIGH_SHARE)


def _concat(parts: list[pd.DataFrame], labels: pd.DataFrame) -> pd.DataFrame:
    if not parts:
        return labels.assign(score=pd.Series(dtype="float64"), flag=pd.Series(dtype="bool"), quadrant=None)
    replay = pd.concat(parts, ignore_index=True)
    replay["flag"] = replay.flag.astype("boolean").fillna(False).astype(bool)
    return replay


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, datetime):
        return iso(value)
    return value
