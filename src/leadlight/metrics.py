"""Ranking and calibration metrics, small enough to read (tested against scikit-learn's).

Every function takes ``y`` (1 = converted) and ``score`` (higher = more likely)
as array-likes and returns ``None`` when the metric is undefined (no positives
or no negatives), so reports can say "n/a" instead of inventing a number.
"""

from __future__ import annotations

import numpy as np


def _arrays(y, score) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float)
    s = np.asarray(score, dtype=float)
    if y.shape != s.shape:
        raise ValueError(f"labels and scores differ in length ({len(y)} vs {len(s)})")
    keep = ~np.isnan(s)
    return y[keep], s[keep]


def rankdata(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing their average rank (scipy's default, without importing scipy.stats)."""
    order = np.argsort(values)  # any order within ties: each tied value gets the same average rank
    ordered = values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ordered)) + 1]
    ends = np.r_[starts[1:], len(values)]
    average = (starts + ends + 1) / 2.0
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(average, ends - starts)
    return ranks


def auc(y, score) -> float | None:
    """ROC AUC: the chance a random positive outranks a random negative (ties count half)."""
    y, s = _arrays(y, score)
    pos = int(y.sum())
    neg = len(y) - pos
    if pos == 0 or neg == 0:
        return None
    ranks = rankdata(s)
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def pr_auc(y, score) -> float | None:
    """Average precision: the precision at each positive, averaged over positives (step-wise PR area)."""
    y, s = _arrays(y, score)
    pos = y.sum()
    if pos == 0:
        return None
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    # Thresholds at distinct scores only, as tied rows are flagged together.
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tp = np.cumsum(y)[last]
    precision = tp / (last + 1)
    recall_step = np.diff(np.r_[0.0, tp]) / pos
    return float((precision * recall_step).sum())


def lift_at(y, score, share: float = 0.1) -> float | None:
    """Conversion rate in the top ``share`` of rows by score, over the overall rate."""
    y, s = _arrays(y, score)
    base = y.mean() if len(y) else 0.0
    if base == 0:
        return None
    k = max(1, int(round(len(y) * share)))
    top = np.argsort(-s, kind="mergesort")[:k]
    return float(y[top].mean() / base)


def calibration_error(y, probability, bins: int = 10) -> float | None:
    """Expected calibration error: |mean predicted - observed rate| per equal-width bin, weighted by rows."""
    y, p = _arrays(y, probability)
    if len(y) == 0:
        return None
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            total += inside.sum() * abs(p[inside].mean() - y[inside].mean())
    return float(total / len(y))


def rate(y) -> float | None:
    y = np.asarray(y, dtype=float)
    return float(y.mean()) if len(y) else None


def rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def bootstrap_interval(y, score, groups, metric, *, reps: int = 200, level: float = 0.9,
                       seed: int = 0) -> tuple[float, float] | None:
    """A ``level`` percentile interval of ``metric(y, score)`` resampling whole ``groups`` (accounts).

    Rows of one account across snapshots are not independent, so accounts are drawn with replacement,
    each bringing all its rows. None when fewer than 10 replicates give a value."""
    y, s = np.asarray(y, dtype=float), np.asarray(score, dtype=float)
    codes = np.unique(np.asarray(groups).astype(str), return_inverse=True)[1]
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    if n_groups < 2:
        return None
    rng = np.random.default_rng(seed)
    rows = np.arange(len(y))
    values = []
    for _ in range(reps):
        weight = np.bincount(rng.integers(0, n_groups, n_groups), minlength=n_groups)[codes]
        pick = np.repeat(rows, weight)
        v = metric(y[pick], s[pick])
        if v is not None:
            values.append(v)
    if len(values) < 10:
        return None
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return float(lo), float(hi)


def by_fold(y, score, fold, metric) -> float | None:
    """``metric`` on each fold's rows, averaged with each fold weighted by its positives.

    Walk-forward folds each have their own model, whose scores rank only its own rows: pooling the folds'
    rows would also judge how well the models' scales agree, which no single model is asked to do."""
    y, s, fold = np.asarray(y, dtype=float), np.asarray(score, dtype=float), np.asarray(fold)
    values, weights = [], []
    for f in np.unique(fold):
        inside = fold == f
        value = metric(y[inside], s[inside])
        if value is not None:
            values.append(value)
            weights.append(y[inside].sum())
    if not values or sum(weights) == 0:
        return None
    return float(np.average(values, weights=weights))


def by_fold_interval(y, score, fold, groups, metric, **kwargs) -> tuple[float, float] | None:
    """``bootstrap_interval`` of ``by_fold``: whole groups (accounts) resampled, every fold judged on its rows."""
    s, fold = np.asarray(score, dtype=float), np.asarray(fold)

    def resampled(y_picked: np.ndarray, rows: np.ndarray) -> float | None:
        rows = rows.astype(int)
        return by_fold(y_picked, s[rows], fold[rows], metric)

    return bootstrap_interval(y, np.arange(len(s)), groups, resampled, **kwargs)

