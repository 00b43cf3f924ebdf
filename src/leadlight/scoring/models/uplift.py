"""Does a sales touch help? A two-model (T-learner) estimate of its uplift per account, and how far to trust it.

A row of the training frame (account, snapshot) is **touched** when sales
opened an opportunity for the account within the label horizon after the
snapshot, and **bought** when it converted in that window either way (a won
sales deal or a self-serve upgrade). One model learns P(bought | touched, x)
from touched rows, another P(bought | not touched, x) from the others, on the
same features; an account's uplift is the difference. Cross-fitted: accounts
are split in ``FOLDS`` groups, each group is predicted by models trained on the
others (the report's figures), and scoring averages those models (no refit: it
would double the cost of the step). The arms are the supporting models' size
(half the trees at twice the rate: on the speed bench's 18,848 rows the
average effect moved by 0.001, inside its interval) and the six fits of the
cross-fit share the cores.

This is observational: sales chose whom to touch. The features adjust for what
they record (activity, firmographics), not for what a rep knew besides. So the
estimate is trusted (``reliable``) only when both arms hold enough buyers and
touched and untouched accounts look alike (overlap: a propensity model rarely
sure either way); otherwise it is reported, stored and not used.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from leadlight import metrics
from leadlight.scoring.models.calibrate import Calibrator
from leadlight.scoring.models.learners import Learner, make_learner
from leadlight.scoring.models.train import WORKERS

FOLDS = 2
MIN_ARM_BUYERS = 30  # buying accounts each arm needs before the estimate steers motions
OVERLAP = (0.05, 0.95)  # propensities outside this band mean touched and untouched accounts barely compare
MIN_OVERLAP_SHARE = 0.8
MOSTLY_WON = 0.5  # touched rows converting this often suggest opportunities record purchases, not touches
HELPS = 0.02  # a touch must add at least 2 points of probability to send a rep


@dataclass
class Arm:
    learners: list[Learner]  # one per fold, each trained on the other folds' rows of this arm
    calibrator: Calibrator

    def probability(self, X: pd.DataFrame) -> np.ndarray:
        return self.calibrator.probability(np.mean([learner.raw(X) for learner in self.learners], axis=0))


@dataclass
class Uplift:
    """P(bought) with and without a sales touch; ``effect`` is their difference per account."""

    touched: Arm
    untouched: Arm
    reliable: bool
    report: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(P(bought | touched), P(bought | not touched)) per row of ``X``."""
        return self.touched.probability(X), self.untouched.probability(X)


def from_history(opps: pd.DataFrame, frame: pd.DataFrame, columns: list[str], target: str, horizon_days: int,
                 learner: str, workers: int = WORKERS) -> tuple[Uplift | None, dict]:
    """The uplift of a sales touch learned from the training frame and every opportunity (sales target only).

    ``workers``: its fits at once (training runs it beside its own two workers: one, not a third and fourth
    thread competing for two cores; the same fits, so the same estimate)."""
    if target != "sales":
        return None, {"estimated": False, "reliable": False, "why": f"model.target is {target}, not sales"}
    return estimate(frame, columns, touched_rows(frame, opps, horizon_days), learner, workers)


def touched_rows(frame: pd.DataFrame, opps: pd.DataFrame, horizon_days: int) -> np.ndarray:
    """Per row of ``frame`` (account_id, as_of): did sales open an opportunity in [as_of, as_of + horizon)?"""
    sales = opps.loc[opps.source == "sales", ["account_id", "created_at"]]
    rows = frame[["account_id", "as_of"]].astype({"account_id": "string"}).reset_index(drop=True)
    rows["row"] = np.arange(len(rows))
    pairs = rows.merge(sales.astype({"account_id": "string"}), on="account_id")
    end = pairs.as_of + timedelta(days=horizon_days)
    hit = pairs.loc[(pairs.created_at >= pairs.as_of) & (pairs.created_at < end), "row"].unique()
    out = np.zeros(len(rows), dtype=bool)
    out[hit.astype(int)] = True
    return out


def estimate(frame: pd.DataFrame, columns: list[str], touched: np.ndarray, learner: str,
             workers: int = WORKERS) -> tuple[Uplift | None, dict]:
    """The T-learner and its report; ``(None, report saying why)`` when history cannot support one."""
    bought = ((frame.label.to_numpy() == 1) | (frame.self_serve.to_numpy() == 1)).astype(int)
    accounts = frame.account_id.astype(str).to_numpy()
    counts = _counts(bought, touched, accounts)
    if min(counts["touched_buyers"], counts["untouched_buyers"]) < 2 or counts["touched_rows"] == bought[touched].sum():
        return None, {**counts, "estimated": False, "reliable": False,
                      "why": "history holds too few sales touches with and without a purchase to compare"}
    from threadpoolctl import threadpool_limits

    # One BLAS thread, as in ``train_models``: threads spinning against each other made the propensity fits
    # 4x costlier on a busy 2-core machine (4.0 CPU-s with two, 0.9 with one, on 18,848 rows).
    with threadpool_limits(limits=1):
        return _cross_fitted(frame, columns, touched, learner, bought, accounts, counts, workers)


def _cross_fitted(frame: pd.DataFrame, columns: list[str], touched: np.ndarray, learner: str, bought: np.ndarray,
                  accounts: np.ndarray, counts: dict[str, int], workers: int) -> tuple[Uplift | None, dict]:
    group = pd.util.hash_array(accounts) % FOLDS

    def fit(k: int, role: str) -> tuple[Learner | None, np.ndarray | None]:
        """One group's scores from a model fitted on the other groups: an arm's, or the touch propensity."""
        test, train = group == k, group != k
        if role == "propensity":
            if len(np.unique(touched[train])) < 2:  # every touch fell in this group: the base rate stands in
                return None, np.zeros(int(test.sum()))
            return None, make_learner("logistic", columns).fit(frame[train], touched[train].astype(int)).raw(frame[test])
        rows = train & (touched if role == "touched" else ~touched)
        if len(np.unique(bought[rows])) < 2:
            return None, None
        model = make_learner(learner, columns, supporting=True).fit(frame[rows], bought[rows])
        return model, model.raw(frame[test])

    jobs = [(k, role) for k in range(FOLDS) for role in ("touched", "untouched", "propensity")]
    with ThreadPoolExecutor(workers) as pool:  # each fit runs on one core: two at once on two cores
        results = list(pool.map(lambda job: fit(*job), jobs))
    raws = {role: np.full(len(frame), np.nan) for role in ("touched", "untouched", "propensity")}
    fitted: dict[str, list[Learner]] = {"touched": [], "untouched": []}
    for (k, role), (model, raw) in zip(jobs, results):
        if raw is not None:
            raws[role][group == k] = raw
        if model is not None:
            fitted[role].append(model)
    raw1, raw0, raw_t = raws["touched"], raws["untouched"], raws["propensity"]
    if not all(fitted.values()):
        return None, {**counts, "estimated": False, "reliable": False,
                      "why": "a group of accounts held no purchase in one of the two arms"}
    arms = [Arm(kept, Calibrator("platt").fit(raw[arm & ~np.isnan(raw)], bought[arm & ~np.isnan(raw)]))
            for raw, arm, kept in ((raw1, touched, fitted["touched"]), (raw0, ~touched, fitted["untouched"]))]
    known = ~np.isnan(raw1) & ~np.isnan(raw0)
    p1, p0 = arms[0].calibrator.probability(raw1), arms[1].calibrator.probability(raw0)
    e = Calibrator("platt").fit(raw_t, touched.astype(int)).probability(raw_t)
    report = {**counts, "estimated": True, "learner": learner, **_effects(bought, touched, accounts, p1, p0, e, known)}
    report["warnings"] = _warnings(report)
    report["reliable"] = not report["warnings"]
    return Uplift(arms[0], arms[1], report["reliable"], report), report


def _counts(bought: np.ndarray, touched: np.ndarray, accounts: np.ndarray) -> dict[str, int]:
    return {"touched_rows": int(touched.sum()), "untouched_rows": int((~touched).sum()),
            "touched_buyers": len(set(accounts[touched & (bought == 1)])),
            "untouched_buyers": len(set(accounts[~touched & (bought == 1)]))}


def _effects(bought, touched, accounts, p1, p0, e, known) -> dict[str, Any]:
    """Average effects (T-learner), a 90% interval from the doubly robust score resampled by account, overlap."""
    y, t, p1, p0, accounts = bought[known], touched[known], p1[known], p0[known], accounts[known]
    clipped = np.clip(e[known], *OVERLAP)
    # AIPW: the model's difference corrected by each row's residual, weighted by how (un)usual its touch was
    score = p1 - p0 + t * (y - p1) / clipped - (~t) * (y - p0) / (1 - clipped)
    ci = metrics.bootstrap_interval(score, score, accounts, lambda _, s: float(np.mean(s)))
    inside = (e[known] >= OVERLAP[0]) & (e[known] <= OVERLAP[1])
    return {
        "conversion_touched": round(float(y[t].mean()), 4), "conversion_untouched": round(float(y[~t].mean()), 4),
        "average_effect": round(float(np.mean(p1 - p0)), 4),
        "effect_on_touched": round(float(np.mean((p1 - p0)[t])), 4) if t.any() else None,
        "average_effect_doubly_robust": round(float(np.mean(score)), 4),
        "interval_90": None if ci is None else [round(ci[0], 4), round(ci[1], 4)],
        "share_helped": round(float(np.mean(p1 - p0 >= HELPS)), 4),
        "overlap_share": round(float(inside.mean()), 4),
        "propensity_range": [round(float(np.quantile(e[known], q)), 4) for q in (0.05, 0.95)],
        "rows_judged": int(known.sum()),
    }


def _warnings(report: dict[str, Any]) -> list[str]:
    out = []
    for arm in ("touched", "untouched"):
        if report[f"{arm}_buyers"] < MIN_ARM_BUYERS:
            out.append(f"only {report[f'{arm}_buyers']} {arm} accounts bought (under {MIN_ARM_BUYERS}): the uplift is "
                       "rough and does not steer motions")
    if report["overlap_share"] < MIN_OVERLAP_SHARE:
        out.append(f"touched and untouched accounts differ a lot (only {report['overlap_share']:.0%} of rows have a "
                   f"touch propensity in {OVERLAP[0]:.0%}-{OVERLAP[1]:.0%}): sales picks accounts too unlike the rest "
                   "to compare")
    if report["conversion_touched"] >= MOSTLY_WON:
        out.append(f"{report['conversion_touched']:.0%} of touched accounts bought: sales may open opportunities only "
                   "once a deal is coming, so the difference measures that choice as much as the touch's help")
    if report["interval_90"] is None:
        out.append("no bootstrap interval could be computed for the average effect")
    return out


def steer(out: pd.DataFrame, uplift: Uplift | None, X: pd.DataFrame, likely: np.ndarray) -> pd.DataFrame:
    """Add ``uplift`` and ``uplift_reliable`` to the motions in ``out``; where the estimate is reliable, an account
    likely to buy goes to sales only when a touch helps, else to self-serve nurture (it would buy anyway)."""
    out = out.copy()
    if uplift is None:
        out["uplift"], out["uplift_reliable"] = np.nan, None
        return out
    with_rep, without = uplift.probabilities(X)
    effect = with_rep - without
    out["uplift"], out["uplift_reliable"] = effect, uplift.reliable
    if not uplift.reliable:
        return out
    for i in np.flatnonzero(likely):
        odds = f"{with_rep[i]:.0%} with a rep, {without[i]:.0%} without"
        if effect[i] >= HELPS:
            out.loc[i, ["motion", "motion_reason"]] = ["sales", f"likely to buy and a sales touch helps: {odds}"]
        else:
            out.loc[i, ["motion", "motion_reason"]] = [
                "self_serve", f"would buy anyway: {odds}, a touch adds little; nurture self-serve, no rep needed"]
    return out
