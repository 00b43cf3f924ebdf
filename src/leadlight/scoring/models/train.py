"""Training the fit, intent and combined models: walk-forward cross-validation, then a fit on all history.

Each candidate learner (the logistic baseline, and LightGBM in each of its
``learners.SETTINGS``, strong to light regularisation) is trained once per fold
(``folds.walk_forward``) and predicts the fold's later, purged block of
snapshots. Those out-of-fold predictions choose the learner and setting, fit the
calibration (Platt or isotonic) and give the reported out-of-time metrics,
with bootstrap intervals over accounts. The saved model is the chosen learner
refitted on every labelled snapshot, with that calibration.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from leadlight import metrics
from leadlight.config.model import ModelConfig
from leadlight.progress import SILENT, Progress
from leadlight.scoring.models.calibrate import Calibrator
from leadlight.scoring.models.deal_size import DealSize
from leadlight.scoring.models.features import FeatureSpec
from leadlight.scoring.models.folds import Fold
from leadlight.scoring.models.learners import SETTINGS, Learner, make_learner

FEW_BUYERS = 30
WORKERS = max(1, min(2, os.cpu_count() or 1))


@dataclass
class ModelPart:
    """One trained, calibrated model over a subset of the features (fit, intent or combined)."""

    role: str
    learner: Learner
    calibrator: Calibrator
    validation: dict[str, float | None]  # walk-forward AUC of every candidate tried, by its label
    candidate: Candidate | None = None  # the one chosen (None in models saved before settings were chosen)

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
    # account_id, as_of, label, fold, probability, fit_probability, intent_probability: calibrated, out of fold
    out_of_time: pd.DataFrame | None = None
    self_serve: ModelPart | None = None  # P(self-serve upgrade in the horizon), for the "needs a human" motion
    self_serve_threshold: float = 1.0
    deal_size: DealSize | None = None
    uplift: Any = None  # scoring.models.uplift.Uplift: does a sales touch help (set by the pipeline)
    alongside: Any = None  # what ``train_models(alongside=...)`` returned


@dataclass(frozen=True)
class Candidate:
    """A learner tried on the folds: an algorithm and, for LightGBM, one of ``learners.SETTINGS``."""

    algorithm: str
    setting: str | None = None

    @property
    def label(self) -> str:
        return f"{self.algorithm}/{self.setting}" if self.setting else self.algorithm

    def learner(self, columns: list[str], supporting: bool = False) -> Learner:
        return make_learner(self.algorithm, columns, supporting, self.setting)


def candidates(algorithms: list[str]) -> list[Candidate]:
    """Every setting of every configured algorithm, LightGBM's from strong to light regularisation."""
    return [Candidate(a, s) for a in algorithms for s in (SETTINGS if a == "lightgbm" else (None,))]


def out_of_fold(frame: pd.DataFrame, folds: list[Fold], options: list[Candidate], columns: list[str],
                label: str = "label", supporting: bool = False) -> list[tuple[np.ndarray, list[float | None]]]:
    """Per candidate: raw scores for the rows of every fold's test block (NaN elsewhere), and each fold's AUC.

    Every (fold, candidate) fit is one task on ``WORKERS`` threads: each learner runs on one core (LightGBM and
    the solvers release the GIL), so a 2-core machine fits two at once; the latest, largest folds go first."""
    with ThreadPoolExecutor(WORKERS) as pool:
        return _FoldFits(pool, frame, folds, options, columns, label, supporting).results()


class _FoldFits:
    """The (fold, candidate) fits of ``out_of_fold``, submitted to a shared pool at once and read later, so
    the fits of several models (and their final refits) keep both cores busy to the end."""

    def __init__(self, pool: ThreadPoolExecutor, frame: pd.DataFrame, folds: list[Fold], options: list[Candidate],
                 columns: list[str], label: str, supporting: bool) -> None:
        self.options, self.folds = options, folds
        self.y = y = frame[label].to_numpy()
        self.blocks = [(frame.as_of.isin(f.train).to_numpy(), frame.as_of.isin(f.test).to_numpy()) for f in folds]
        self.usable = [i for i, (train, inside) in enumerate(self.blocks) if len(np.unique(y[train])) == 2 and inside.any()]

        def one(i: int, candidate: Candidate) -> np.ndarray:
            train, inside = self.blocks[i]
            return candidate.learner(columns, supporting).fit(frame[train], y[train]).raw(frame[inside])

        self.pending = {(i, c): pool.submit(one, i, c) for i in self.usable[::-1] for c in options}

    def results(self) -> list[tuple[np.ndarray, list[float | None]]]:
        out = []
        for candidate in self.options:
            raw = np.full(len(self.y), np.nan)
            aucs: list[float | None] = [None] * len(self.folds)
            for i in self.usable:
                inside = self.blocks[i][1]
                raw[inside] = self.pending[(i, candidate)].result()
                aucs[i] = metrics.auc(self.y[inside], raw[inside])
            out.append((raw, aucs))
        return out


def _weighted(aucs: list[float | None], y: pd.Series, frame: pd.DataFrame, folds: list[Fold]) -> float:
    """Fold AUCs averaged, each weighted by its buyers (a fold of 3 buyers says little)."""
    pairs = [(a, int(y[frame.as_of.isin(f.test)].sum())) for a, f in zip(aucs, folds) if a is not None]
    total = sum(w for _, w in pairs)
    return sum(a * w for a, w in pairs) / total if total else 0.0


def _choose(role: str, fits: _FoldFits, frame: pd.DataFrame, folds: list[Fold], progress: Progress,
            label: str) -> tuple[list[tuple[float, Candidate, np.ndarray]], Candidate, np.ndarray]:
    """Every candidate's walk-forward AUC, the best candidate and its out-of-fold raw scores."""
    scored = []
    for candidate, (raw, aucs) in zip(fits.options, fits.results()):
        scored.append((_weighted(aucs, frame[label], frame, folds), candidate, raw))
        progress.log(f"{role} model, {candidate.label}: walk-forward AUC {scored[-1][0]:.3f}")
    _, chosen, raw = max(scored, key=lambda c: c[0])
    return scored, chosen, raw


def _part(role: str, choice: tuple[list, Candidate, np.ndarray], refit: Future, config: ModelConfig,
          frame: pd.DataFrame, label: str = "label") -> tuple[ModelPart, np.ndarray]:
    """The chosen learner calibrated on its out-of-fold scores, with ``refit``: it fitted on all rows."""
    scored, chosen, raw = choice
    seen = ~np.isnan(raw)
    calibrator = Calibrator(config.calibration).fit(raw[seen], frame[label].to_numpy()[seen])
    part = ModelPart(role, refit.result(), calibrator, {c.label: round(a, 4) for a, c, _ in scored}, chosen)
    return part, calibrator.probability(raw)


def _refit(candidate: Candidate, columns: list[str], role: str, frame: pd.DataFrame, label: str) -> Learner:
    """The saved model: ``candidate`` fitted on every labelled row."""
    return candidate.learner(columns, role != "combined").fit(frame, frame[label].to_numpy())


def train_models(frame: pd.DataFrame, spec: FeatureSpec, folds: list[Fold], config: ModelConfig,
                 progress: Progress = SILENT, alongside: Callable[[str], Any] | None = None) -> TrainedModels:
    """Cross-validate walk-forward, keep the out-of-fold probabilities, fit the saved models on every row.

    ``alongside``: work that needs only the chosen algorithm's name (the uplift estimate), run on its own
    thread while the supporting models fit; its result is ``TrainedModels.alongside``.

    BLAS runs single-threaded meanwhile: the folds already use the cores (``WORKERS``), and BLAS threads
    spinning against them made the logistic fits 6x costlier on a 2-core machine (measured)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _train_models(frame, spec, folds, config, progress, alongside)


def _train_models(frame: pd.DataFrame, spec: FeatureSpec, folds: list[Fold], config: ModelConfig,
                  progress: Progress, alongside: Callable[[str], Any] | None) -> TrainedModels:
    with progress.step("training fit, intent and combined models"), ThreadPoolExecutor(WORKERS) as pool, \
            ThreadPoolExecutor(1) as side, ThreadPoolExecutor(1) as judge:
        options = candidates(list(config.algorithms))
        choice = _choose("combined", _FoldFits(pool, frame, folds, options, spec.columns, "label", False), frame, folds,
                         progress, "label")
        chosen = choice[1]
        beside = side.submit(alongside, chosen.algorithm) if alongside is not None else None
        # Every other model uses the chosen learner: every fit left (the final refits, longest first, then the
        # supporting models' folds) is queued at once and read back in order. The same fits as one after another.
        roles = {"fit": (spec.fit_columns, "label"), "intent": (spec.intent_columns, "label")}
        if config.target == "sales" and frame.self_serve.nunique() == 2:
            roles["self_serve"] = (spec.columns, "self_serve")
        roles = {role: (columns, label) for role, (columns, label) in roles.items() if columns}
        longest_first = sorted(roles.items(), key=lambda kv: -len(kv[1][0]))
        refits = {role: pool.submit(_refit, chosen, columns, role, frame, label)
                  for role, (columns, label) in [("combined", (spec.columns, "label")), *longest_first]}
        pending = {role: _FoldFits(pool, frame, folds, [chosen], columns, label, True)
                   for role, (columns, label) in roles.items()}
        parts = {"combined": _part("combined", choice, refits["combined"], config, frame)}
        judged = judge.submit(_judged, frame, folds, parts["combined"][1])
        for role, (columns, label) in roles.items():
            parts[role] = _part(role, _choose(role, pending[role], frame, folds, progress, label), refits[role],
                                config, frame, label)
        combined, p = parts["combined"]
        fit, p_fit = parts.get("fit", (None, None))
        intent, p_intent = parts.get("intent", (None, None))
        self_serve, p_self = parts.get("self_serve", (None, None))
        won = frame.label.to_numpy() == 1
        deal_size = DealSize(spec.fit_columns).fit(frame[won], frame.amount.to_numpy(dtype=float)[won])
        extra = beside.result() if beside is not None else None
    oot, report = judged.result()
    seen = ~np.isnan(p)
    nothing = np.full(int(seen.sum()), np.nan)
    oot = oot.assign(fit_probability=p_fit[seen] if p_fit is not None else nothing,
                     intent_probability=p_intent[seen] if p_intent is not None else nothing)
    threshold = float(np.quantile(p[seen], 1 - config.flag_share)) if seen.any() else 0.5
    self_threshold = float(np.quantile(p_self[seen], 1 - config.flag_share)) if p_self is not None and seen.any() else 1.0
    for role, values in (("fit", p_fit), ("intent", p_intent)):
        if values is not None:
            report[f"{role}_auc"] = metrics.rounded(metrics.auc(oot.label, values[seen]))
    report["flag_threshold"] = round(threshold, 6)
    if p_self is not None:
        report["self_serve_auc"] = metrics.rounded(metrics.auc(frame.self_serve.to_numpy()[seen], p_self[seen]))
        report["self_serve_threshold"] = round(self_threshold, 6)
    report["deal_size"] = {"deals": deal_size.deals, "median": round(deal_size.median, 2), "r2": deal_size.r2,
                           "how": deal_size.note}
    report["learner"] = describe_choice(combined)
    report["folds"] = [_fold_report(frame, f) for f in folds]
    return TrainedModels(spec, combined, fit, intent, threshold, report, oot.reset_index(drop=True),
                         self_serve, self_threshold, deal_size, alongside=extra)


def _judged(frame: pd.DataFrame, folds: list[Fold], p: np.ndarray) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The combined model's out-of-fold rows (``account_id, as_of, label, fold, probability``) and their figures:
    the headline folds' metrics with intervals, and every fold pooled. Run while the supporting models fit."""
    seen = ~np.isnan(p)
    fold_of = np.full(len(frame), -1)
    for i, fold in enumerate(folds):
        fold_of[frame.as_of.isin(fold.test).to_numpy()] = i
    oot = frame.loc[seen, ["account_id", "as_of", "label"]].assign(fold=fold_of[seen], probability=p[seen])
    pooled = evaluate(oot.label.to_numpy(), oot.probability.to_numpy(), oot.account_id.to_numpy())
    fold_aucs = [metrics.rounded(metrics.auc(oot.label[oot.fold == i], oot.probability[oot.fold == i]))
                 if oot.label[oot.fold == i].nunique() == 2 else None for i in range(len(folds))]
    headline = headline_folds(oot, fold_aucs)
    latest = oot[oot.fold.isin(headline)] if headline else oot
    report = evaluate(latest.label.to_numpy(), latest.probability.to_numpy(), latest.account_id.to_numpy(),
                      latest.fold.to_numpy())
    report.update(pooled_auc=pooled["auc"], pooled_intervals_90=pooled["intervals_90"],
                  pooled_buyers=pooled["buyers"], fold_aucs=fold_aucs, headline_folds=headline,
                  headline="the latest walk-forward fold" if len(headline) <= 1 else
                  f"the latest {len(headline)} walk-forward folds, each fold's figures weighted by its buyers (the "
                  f"latest alone held under {FEW_BUYERS} buying accounts)")
    report["judged_rows"] = int(len(latest))
    return oot, report


def _fold_report(frame: pd.DataFrame, fold: Fold) -> dict[str, Any]:
    """One fold in figures: snapshots and rows it trained on, the snapshots and rows it predicted, their buyers."""
    train, test = frame[frame.as_of.isin(fold.train)], frame[frame.as_of.isin(fold.test)]
    return {"train": len(fold.train), "train_rows": int(len(train)), "train_buyers": int(train.label.sum()),
            "test": [str(d.date()) for d in fold.test], "rows": int(len(test)), "buyers": int(test.label.sum()),
            "purged": len(fold.purged)}


def describe_choice(part: ModelPart) -> dict[str, Any]:
    """Which learner and setting the folds chose, with what, and every candidate's walk-forward AUC."""
    chosen = part.candidate or Candidate(part.learner.name)
    params = (SETTINGS.get(chosen.setting or "", {}) if chosen.algorithm == "lightgbm"
              else {"C": getattr(part.learner, "C", None)})
    return {"chosen": chosen.label, "algorithm": chosen.algorithm, "setting": chosen.setting, "params": params,
            "walk_forward_auc": part.validation,
            "how": "the highest walk-forward AUC (each fold's AUC weighted by its buyers) of the candidates, fitted on "
                   "the same purged folds; the fit, intent and self-serve models use the same learner and setting"}


def headline_folds(oot: pd.DataFrame, fold_aucs: list[float | None]) -> list[int]:
    """The folds the headline figures are read on: the latest judged one, which learned from the most history and
    so says most about the saved model; when it holds under ``FEW_BUYERS`` buying accounts, earlier folds join,
    latest first, until they do, each judged on its own rows (``evaluate``; every fold's AUC is in ``fold_aucs``)."""
    chosen: list[int] = []
    for i in [i for i, a in enumerate(fold_aucs) if a is not None][::-1]:
        chosen.insert(0, i)
        rows = oot[oot.fold.isin(chosen)]
        if rows.account_id[rows.label == 1].nunique() >= FEW_BUYERS:
            break
    return chosen


def evaluate(y: np.ndarray, p: np.ndarray, accounts: np.ndarray, fold: np.ndarray | None = None) -> dict[str, Any]:
    """Out-of-time metrics with 90% bootstrap intervals over accounts, and the buyers they rest on.

    ``fold``: rows of several walk-forward folds; ranking metrics are then each fold's, weighted by its
    positives (``metrics.by_fold``), and resampled the same way."""
    several = fold is not None and len(np.unique(fold)) > 1
    lift = lambda a, b: metrics.lift_at(a, b, 0.1)  # noqa: E731
    ranking = {"auc": metrics.auc, "pr_auc": metrics.pr_auc, "lift_top_decile": lift}
    judged = {k: metrics.by_fold(y, p, fold, fn) if several else fn(y, p) for k, fn in ranking.items()}
    out: dict[str, Any] = {
        "auc": metrics.rounded(judged["auc"]),
        "pr_auc": metrics.rounded(judged["pr_auc"]),
        "lift_top_decile": metrics.rounded(judged["lift_top_decile"], 3),
        "calibration_error": metrics.rounded(metrics.calibration_error(y, p)),
        "mean_probability": metrics.rounded(float(p.mean()) if len(p) else None),
        "conversion_rate": metrics.rounded(metrics.rate(y)),
        "buyers": int(len(set(accounts[np.asarray(y) == 1]))),
    }
    intervals = {}
    for key in ("auc", "lift_top_decile"):
        ci = (metrics.by_fold_interval(y, p, fold, accounts, ranking[key]) if several
              else metrics.bootstrap_interval(y, p, accounts, ranking[key]))
        intervals[key] = None if ci is None else [round(ci[0], 4), round(ci[1], 4)]
    out["intervals_90"] = intervals
    out["few_buyers"] = out["buyers"] < FEW_BUYERS
    return out


def top_features(part: ModelPart, n: int = 15) -> list[dict]:
    """The features the model leans on most (gain share for LightGBM, |coefficient| for logistic)."""
    ranked = sorted(part.learner.importance().items(), key=lambda kv: -kv[1])[:n]
    return [{"feature": k, "importance": round(float(v), 4)} for k, v in ranked if v > 0]
