"""From a project's history to trained, checked models: labels, features, leakage check, training.

``build_and_train`` is what ``leadlight train`` runs; the backtest reuses
``training_frame`` to replay the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pandas as pd

from leadlight.config.model import ModelConfig
from leadlight.errors import TrainingRefused
from leadlight.labels import arrivals
from leadlight.labels.label_times import label_times, training_snapshots
from leadlight.scoring.models.leakage import leak_warnings
from leadlight.progress import SILENT, Progress
from leadlight.scoring.models.features import FeatureSpec, load_attributes, plan_features, training_set
from leadlight.scoring.models.train import Split, TrainedModels, split_snapshots, train_models
from leadlight.storage.engine import Engine


@dataclass
class TrainingRun:
    split: Split
    frame: pd.DataFrame
    models: TrainedModels
    warnings: list[dict]


def refuse_if_too_few(labels: pd.DataFrame, config: ModelConfig) -> None:
    positives = int(labels.label.sum()) if len(labels) else 0
    if positives < config.min_positives:
        raise TrainingRefused(
            f"history holds {positives} won sales opportunities created within {config.horizon_days} days of a "
            f"snapshot, fewer than the {config.min_positives} needed to learn from",
            hint="scoring stays rule-only; load more history or opportunities, or lower model.min_positives "
            "(estimates from few buyers are unreliable)",
        )


def build_and_train(engine: Engine, config: Any, progress: Progress = SILENT,
                    start: date | None = None, end: date | None = None) -> TrainingRun:
    """Label history, build point-in-time features, drop leaking attributes, train, measure out of time."""
    mc: ModelConfig = config.model
    with progress.step("finding snapshots and labels"):
        snapshots = training_snapshots(engine, mc, start, end)
        labels = label_times(engine, mc, snapshots)
    refuse_if_too_few(labels, mc)
    reach = arrivals.reach(mc, arrivals.eligibility(engine, mc))
    split = split_snapshots([d for d in snapshots if (labels.as_of == d).any()], mc, reach)
    attributes = load_attributes(engine)
    specs = list(config.signals)
    spec = plan_features(engine, mc, specs, max(split.train + split.valid), attributes)
    frame = training_set(engine, spec, specs, labels, attributes, progress)
    train_rows = frame[frame.as_of.isin(split.train)]
    warnings = leak_warnings(train_rows, train_rows.label.to_numpy(), spec.fit_columns, spec.intent_columns)
    leaking = [w["feature"] for w in warnings if w["attribute"]]
    if leaking and mc.drop_detected_leaks:
        for w in warnings:
            if w["attribute"]:
                w["dropped"] = True
        spec = drop_columns(spec, leaking, "the leakage check flagged it")
    models = train_models(frame, spec, split, mc, progress)
    return TrainingRun(split, frame, models, warnings)


def drop_columns(spec: FeatureSpec, columns: list[str], why: str) -> FeatureSpec:
    return replace(
        spec,
        numeric_attributes=tuple(c for c in spec.numeric_attributes if c not in columns),
        categories={c: v for c, v in spec.categories.items() if c not in columns},
        dropped={**spec.dropped, **{c: why for c in columns}},
    )
