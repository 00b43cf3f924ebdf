"""``leadlight train``: learn fit and intent models from history (walk-forward folds), and activate them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from leadlight.config import load_config
from leadlight.config.project import ProjectConfig
from leadlight.progress import SILENT, Progress
from leadlight.scoring.models.preflight import refusal
from leadlight.storage.project import Project


def run_train(project: Project, *, truth: str | Path | None = None, progress: Progress = SILENT) -> dict[str, Any]:
    """Train, save under ``.leadlight/models/<model_id>/``, activate; return the ``train --json`` document.

    Every precondition is checked first with plain SQL (``preflight.refusal``): a refusal loads no pandas,
    Ibis or learner."""
    config = load_config(project)
    refusal(project, config)
    return _train(project, config, truth, progress)


def _train(project: Project, config: ProjectConfig, truth: str | Path | None, progress: Progress) -> dict[str, Any]:
    import pandas as pd

    from leadlight.evaluation.oracle import compare, read_truth
    from leadlight.labels.label_times import data_range
    from leadlight.scoring.models import artifacts
    from leadlight.scoring.models.pipeline import build_and_train
    from leadlight.scoring.models.train import top_features
    from leadlight.scoring.snapshot import definition_hash
    from leadlight.tasks.derived import open_current_engine
    from leadlight.timeutil import iso

    truth_rows = read_truth(truth) if truth else None
    engine = open_current_engine(project, config)
    try:
        run = build_and_train(engine, config, progress)
        first, last = data_range(engine)
    finally:
        engine.close()
    m, frame, oot = run.models, run.frame, run.models.out_of_time
    tested = sorted({d for f in run.folds for d in f.test})
    ranked = top_features(m.combined, n=len(m.spec.columns))
    features = [f["feature"] for f in ranked] + [c for c in m.spec.columns if c not in {f["feature"] for f in ranked}]
    report: dict[str, Any] = {
        "n_train": int(len(frame)),
        "n_test": int(len(oot)),
        **{k: m.metrics[k] for k in ("auc", "pr_auc", "lift_top_decile")},
        "intervals_90": m.metrics["intervals_90"],
        "buyers": m.metrics["buyers"],
        "few_buyers": m.metrics["few_buyers"],
        "features": features,
        "calibration_error": m.metrics["calibration_error"],
        "chosen": m.combined.learner.name,
        "validation_auc": m.combined.validation,
        "learner": m.metrics.get("learner"),
        "fit": {"chosen": m.fit.learner.name, "auc": m.metrics.get("fit_auc")} if m.fit else None,
        "self_serve_auc": m.metrics.get("self_serve_auc"),
        "deal_size": m.metrics.get("deal_size"),
        "uplift": m.metrics.get("uplift"),
        "intent": {"chosen": m.intent.learner.name, "auc": m.metrics.get("intent_auc")} if m.intent else None,
        "n_validation": int(len(oot)),
        "positives": {"train": int(frame.label.sum()), "validation": int(oot.label.sum()), "test": int(oot.label.sum())},
        "target": run.config.target,
        "snapshot_every": run.config.snapshot_every,
        "horizon_days": run.config.horizon_days, "lead_in_days": run.config.lead_in_days,
        "settings": run.settings.describe() if run.settings else None,
        "validation": "walk-forward: each fold predicted by models trained only on earlier snapshots whose label "
                      "windows had closed; the saved model is refitted on every labelled snapshot",
        "folds": m.metrics["folds"],
        "fold_aucs": m.metrics.get("fold_aucs"), "pooled_auc": m.metrics.get("pooled_auc"),
        "pooled_buyers": m.metrics.get("pooled_buyers"), "pooled_intervals_90": m.metrics.get("pooled_intervals_90"),
        "judged_rows": m.metrics.get("judged_rows"),
        "snapshots": {"train": [iso(pd.Timestamp(d).to_pydatetime()) for d in sorted(frame.as_of.unique())], "valid": [iso(d) for d in tested],
                      "test": [iso(d) for d in tested], "purged": []},
        "data_range": {"from": iso(first), "to": iso(last)},
        "flag_threshold": m.metrics["flag_threshold"],
        "top_features": top_features(m.combined),
        "dropped_attributes": m.spec.dropped,
        "warnings": run.warnings,
        "definition_hash": definition_hash(config),
    }
    report.update(headline=m.metrics.get("headline"), headline_folds=m.metrics.get("headline_folds"))
    if truth_rows is not None:
        judged = oot[oot.fold.isin(m.metrics.get("headline_folds") or sorted(oot.fold.unique()))]
        report.update(compare(judged, judged.probability.to_numpy(), truth_rows, by_fold=True),
                      compared=f"on {report['headline']}")
    manifest = {k: v for k, v in report.items() if k not in ("model_id", "trained_at")}
    manifest["model_config"] = run.config.model_dump(mode="json")  # resolved: the horizon the model learned
    model_id = artifacts.save_model(project, {"models": m, "specs": list(config.signals)}, manifest,
                                    target=run.config.target)
    saved = artifacts.read_manifest(project, model_id)
    return {"model_id": model_id, "trained_at": saved["trained_at"], **report}
