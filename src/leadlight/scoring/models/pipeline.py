"""From a project's history to trained, checked models: preflight, labels, features, leakage check, training.

``build_and_train`` is what ``leadlight train`` runs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pandas as pd

from leadlight.config.model import ModelConfig
from leadlight.errors import TrainingRefused
from leadlight.labels.calendar import snapshots_of
from leadlight.labels.label_times import facts, opportunities
from leadlight.progress import SILENT, Progress
from leadlight.scoring.models.features import FeatureSpec
from leadlight.scoring.models.folds import Fold
from leadlight.scoring.models.leakage import leak_warnings
from leadlight.scoring.models.preflight import check_history
from leadlight.scoring.models import learners, uplift
from leadlight.scoring.models.settings import Settings, choose
from leadlight.scoring.models.train import FEW_BUYERS, TrainedModels, train_models
from leadlight.scoring.models.training_rows import training_rows
from leadlight.storage.engine import Engine


@dataclass
class TrainingRun:
    config: ModelConfig  # with snapshot_every, horizon_days and lead_in_days resolved
    folds: list[Fold]
    frame: pd.DataFrame
    models: TrainedModels
    warnings: list[dict]
    settings: Settings | None = None


def refuse_if_too_few(labels: pd.DataFrame, config: ModelConfig, folds: list[Fold]) -> None:
    """The exact counts, once labels exist: positives overall, and buyers the folds can learn from."""
    positives = int(labels.label.sum()) if len(labels) else 0
    problems = []
    if positives < config.min_positives:
        problems.append(f"history holds {positives} eligible (account, snapshot) rows converting "
                        f"(model.target: {config.target}) within {config.horizon_days} days, fewer than model.min_positives "
                        f"({config.min_positives})")
    trainable = [f for f in folds if labels[labels.as_of.isin(f.train)].label.nunique() == 2
                 and labels[labels.as_of.isin(f.test)].label.sum() > 0]
    if not trainable:
        problems.append("no walk-forward fold has buyers both in its training snapshots and in the ones it predicts")
    if problems:
        raise TrainingRefused("; ".join(problems), hint="scoring stays rule-only; load more history or "
                              "opportunities" + (f", or set model.min_positives: {positives}" if 10 <= positives < config.min_positives else ""))


def build_and_train(engine: Engine, config: Any, progress: Progress = SILENT,
                    start: date | None = None, end: date | None = None) -> TrainingRun:
    """Check history, label it, build point-in-time features, drop leaking attributes, cross-validate, fit."""
    with progress.step("checking history"):
        known = facts(engine, config.model)
        settings = choose(config.model, known)
        mc = settings.config
        snapshots = snapshots_of(known.known, mc, start, end)
        folds = check_history(mc, snapshots, known, settings.automatic)
    threading.Thread(target=learners.preload, name="preload-learners", daemon=True).start()
    specs = list(config.signals)
    labels, spec, frame, attributes = training_rows(engine, mc, specs, snapshots,
                                                    lambda labels: refuse_if_too_few(labels, mc, folds), progress)
    warnings = leak_warnings(frame, frame.label.to_numpy(), spec.fit_columns, spec.intent_columns)
    leaking = [w["feature"] for w in warnings if w["attribute"]]
    if leaking and mc.drop_detected_leaks:
        for w in warnings:
            if w["attribute"]:
                w["dropped"] = True
        spec = drop_columns(spec, leaking, "the leakage check flagged it")
    opps = opportunities(engine)

    def estimate_uplift(learner: str) -> tuple[Any, dict]:  # on its own thread, beside the supporting fits
        return uplift.from_history(opps, frame, spec.columns, mc.target, mc.horizon_days, learner, workers=1)

    models = train_models(frame, spec, folds, mc, progress, alongside=estimate_uplift)
    (models.uplift, models.metrics["uplift"]), models.alongside = models.alongside, None
    if models.metrics["few_buyers"]:
        buyers = models.metrics["buyers"]
        warnings.append({"feature": None, "check": "few_buyers", "auc": None, "attribute": False,
                         "message": f"the out-of-time metrics rest on {buyers} buyers (under {FEW_BUYERS}): "
                         "read them as rough, and look at the intervals"})
    return TrainingRun(mc, folds, frame, models, warnings, settings)


def drop_columns(spec: FeatureSpec, columns: list[str], why: str) -> FeatureSpec:
    return replace(
        spec,
        numeric_attributes=tuple(c for c in spec.numeric_attributes if c not in columns),
        categories={c: v for c, v in spec.categories.items() if c not in columns},
        dropped={**spec.dropped, **{c: why for c in columns}},
    )
