"""Ranking and calibration metrics, small enough to read (tested against scikit-learn's).

Every function takes ``y`` (1 = converted) and ``score`` (higher = more likely)
as array-likes and returns ``None`` when the metric is undefined (no positives
or no negatives), so reports can say "n/a" instead of inventing a number.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def _arrays(y, score) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float)
    s = np.asarray(score, dtype=float)
    if y.shape != s.shape:
        raise ValueError(f"labels and scores differ in length ({len(y)} vs {len(s)})")
    keep = ~np.isnan(s)
    return y[keep], s[keep]


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
