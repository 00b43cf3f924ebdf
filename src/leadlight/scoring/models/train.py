"""Training the fit, intent and combined models on a point-in-time training set, split by time.

Snapshots are split in order, never at random: the earliest train the
candidates, the next ones (*validation*) choose between LightGBM and the
logistic baseline and calibrate probabilities, the latest (*test*) are only
ever used for the reported metrics. A snapshot whose label window would reach
past the start of the next slice is purged, so no training label knows about
days that the validation or test features already cover.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from leadlight.config.model import ModelConfig
from leadlight.errors import TrainingRefused
from leadlight import metrics
from leadlight.progress import SILENT, Progress
from leadlight.scoring.models.calibrate import Calibrator
from leadlight.scoring.models.features import FeatureSpec
from leadlight.scoring.models.learners import Learner, make_learner

MIN_SNAPSHOTS = 3


@dataclass
class Split:
    train: list[datetime]
    valid: list[datetime]
    test: list[datetime]
    purged: list[datetime] = field(default_factory=list)


def split_snapshots(snapshots: list[datetime], config: ModelConfig, reach: timedelta | None = None) -> Split:
    """Earliest -> train, next -> validation, latest -> test; purge label windows crossing a boundary.

    ``reach``: how far past a snapshot its labels look (default ``horizon_days``; lead lists add a period).
    """
    snaps = sorted(snapshots)
    n = len(snaps)
    if n < MIN_SNAPSHOTS:
        raise TrainingRefused(
            f"only {n} snapshot(s) of history with a complete {config.horizon_days}-day outcome window",
            hint=f"a time split needs at least {MIN_SNAPSHOTS}; load more history, or use model.snapshot_every: week",
        )
    n_test = min(config.test_snapshots or max(1, math.ceil(n / 4)), n - 2)
    n_valid = max(1, min(n // 5, n - n_test - 1))
    horizon = reach if reach is not None else timedelta(days=config.horizon_days)
    test = snaps[n - n_test:]
    before_test = [d for d in snaps[: n - n_test] if d + horizon <= test[0]]
    valid = before_test[-n_valid:]
    train = [d for d in before_test if valid and d + horizon <= valid[0]]
    if not train:
        raise TrainingRefused(
            f"{n} snapshots are too few to keep training, validation and test {config.horizon_days}-day "
            "label windows apart",
            hint="load more history, or shorten model.horizon_days",
        )
    purged = [d for d in snaps if d not in train and d not in valid and d not in test]
    return Split(train, valid, test, purged)


@dataclass
class ModelPart:
    """One trained, calibrated model over a subset of the features (fit, intent or combined)."""

    role: str
    learner: Learner
    calibrator: Calibrator
    validation: dict[str, float | None]

    def probability(self, X: pd.DataFrame) -> np.ndarray:
        return self.calibrator.probability(self.learner.raw(X))


@dataclass
class TrainedModels:
    spec: FeatureSpec
    combined: ModelPart
    fit: ModelPart | None
    intent: ModelPart | None
    flag_threshold: float
    metrics: dict[str, Any]


def _choose(role: str, columns: list[str], config: ModelConfig, train: pd.DataFrame, valid: pd.DataFrame,
            progress: Progress) -> ModelPart:
    y_train, y_valid = train.label.to_numpy(), valid.label.to_numpy()
    candidates = []
    for name in config.algorithms:
        learner = make_learner(name, columns).fit(train, y_train)
        raw = learner.raw(valid)
        candidates.append((metrics.auc(y_valid, raw) or 0.0, name, learner, raw))
        progress.log(f"{role} model, {name}: validation AUC {candidates[-1][0]:.3f}")
    best = max(candidates, key=lambda c: c[0])
    calibrator = Calibrator(config.calibration).fit(best[3], y_valid)
    return ModelPart(role, best[2], calibrator, {name: round(a, 4) for a, name, *_ in candidates})


def train_models(frame: pd.DataFrame, spec: FeatureSpec, split: Split, config: ModelConfig,
                 progress: Progress = SILENT) -> TrainedModels:
    """Fit every model on the train slice, choose and calibrate on validation, measure on test."""
    train = frame[frame.as_of.isin(split.train)]
    valid = frame[frame.as_of.isin(split.valid)]
    test = frame[frame.as_of.isin(split.test)]
    for slice_name, rows in (("training", train), ("validation", valid)):
        if rows.label.nunique() < 2:
            raise TrainingRefused(
                f"the {slice_name} snapshots hold no {'buyers' if rows.label.sum() == 0 else 'non-buyers'}",
                hint="load more history, or set model.snapshot_every: week to get more snapshots",
            )
    with progress.step("training fit, intent and combined models"):
        combined = _choose("combined", spec.columns, config, train, valid, progress)
        fit = _choose("fit", spec.fit_columns, config, train, valid, progress) if spec.fit_columns else None
        intent = _choose("intent", spec.intent_columns, config, train, valid, progress) if spec.intent_columns else None
    threshold = float(np.quantile(combined.probability(valid), 1 - config.flag_share))
    report = evaluate_parts(test, combined, fit, intent)
    report["flag_threshold"] = round(threshold, 6)
    return TrainedModels(spec, combined, fit, intent, threshold, report)


def evaluate_parts(test: pd.DataFrame, combined: ModelPart, fit: ModelPart | None, intent: ModelPart | None) -> dict:
    y = test.label.to_numpy()
    p = combined.probability(test)
    out: dict[str, Any] = {
        "auc": metrics.rounded(metrics.auc(y, p)),
        "pr_auc": metrics.rounded(metrics.pr_auc(y, p)),
        "lift_top_decile": metrics.rounded(metrics.lift_at(y, p, 0.1), 3),
        "calibration_error": metrics.rounded(metrics.calibration_error(y, p)),
        "mean_probability": metrics.rounded(float(p.mean()) if len(p) else None),
        "conversion_rate": metrics.rounded(metrics.rate(y)),
    }
    for part in (fit, intent):
        if part is not None:
            out[f"{part.role}_auc"] = metrics.rounded(metrics.auc(y, part.probability(test)))
    return out


def top_features(part: ModelPart, n: int = 15) -> list[dict]:
    """The features the model leans on most (gain share for LightGBM, |coefficient| for logistic)."""
    ranked = sorted(part.learner.importance().items(), key=lambda kv: -kv[1])[:n]
    return [{"feature": k, "importance": round(float(v), 4)} for k, v in ranked if v > 0]
