"""``leadlight train``: learn fit and intent models from history, split by time, and activate them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from leadlight.config import load_config
from leadlight.labels.label_times import data_range
from leadlight.evaluation.oracle import compare, read_truth
from leadlight.progress import SILENT, Progress
from leadlight.scoring.models import artifacts
from leadlight.scoring.models.pipeline import build_and_train
from leadlight.scoring.models.train import top_features
from leadlight.tasks.derived import open_current_engine
from leadlight.storage.project import Project
from leadlight.timeutil import iso


def run_train(project: Project, *, truth: str | Path | None = None, progress: Progress = SILENT) -> dict[str, Any]:
    """Train, save under ``.leadlight/models/<model_id>/``, activate; return the ``train --json`` document."""
    from leadlight.scoring.snapshot import definition_hash

    config = load_config(project)
    truth_rows = read_truth(truth) if truth else None
    engine = open_current_engine(project, config)
    try:
        run = build_and_train(engine, config, progress)
        first, last = data_range(engine)
    finally:
        engine.close()
    m, split = run.models, run.split
    test = run.frame[run.frame.as_of.isin(split.test)]
    n_train = int(run.frame.as_of.isin(split.train).sum())
    n_valid = int(run.frame.as_of.isin(split.valid).sum())
    ranked = top_features(m.combined, n=len(m.spec.columns))
    features = [f["feature"] for f in ranked] + [c for c in m.spec.columns if c not in {f["feature"] for f in ranked}]
    report: dict[str, Any] = {
        "n_train": n_train,
        "n_test": int(len(test)),
        **{k: m.metrics[k] for k in ("auc", "pr_auc", "lift_top_decile")},
        "features": features,
        "calibration_error": m.metrics["calibration_error"],
        "chosen": m.combined.learner.name,
        "validation_auc": m.combined.validation,
        "fit": {"chosen": m.fit.learner.name, "auc": m.metrics.get("fit_auc")} if m.fit else None,
        "intent": {"chosen": m.intent.learner.name, "auc": m.metrics.get("intent_auc")} if m.intent else None,
        "n_validation": n_valid,
        "positives": {"train": int(run.frame[run.frame.as_of.isin(split.train)].label.sum()),
                      "validation": int(run.frame[run.frame.as_of.isin(split.valid)].label.sum()),
                      "test": int(test.label.sum())},
        "snapshots": {name: [iso(d) for d in getattr(split, name)] for name in ("train", "valid", "test", "purged")},
        "data_range": {"from": iso(first), "to": iso(last)},
        "flag_threshold": m.metrics["flag_threshold"],
        "top_features": top_features(m.combined),
        "dropped_attributes": m.spec.dropped,
        "warnings": run.warnings,
        "definition_hash": definition_hash(config),
    }
    if truth_rows is not None:
        report.update(compare(test, m.combined.probability(test), truth_rows))
    manifest = {k: v for k, v in report.items() if k not in ("model_id", "trained_at")}
    manifest["model_config"] = config.model.model_dump(mode="json")
    model_id = artifacts.save_model(project, {"models": m, "specs": list(config.signals)}, manifest)
    saved = artifacts.read_manifest(project, model_id)
    return {"model_id": model_id, "trained_at": saved["trained_at"], **report}
