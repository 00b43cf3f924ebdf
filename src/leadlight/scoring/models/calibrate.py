"""Turning raw model scores into probabilities, fitted on a slice of time *after* the training data.

Platt scaling (a logistic curve over the raw log-odds; default) keeps the
ranking intact and needs few positives; isotonic regression is more flexible
but steps (ties lower AUC a little) and wants a few hundred positives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Calibrator:
    method: str = "platt"
    a: float = 1.0
    b: float = 0.0
    isotonic: object | None = None

    def fit(self, raw: np.ndarray, y: np.ndarray) -> "Calibrator":
        raw = np.asarray(raw, dtype=float).reshape(-1, 1)
        y = np.asarray(y, dtype=int)
        if len(np.unique(y)) < 2:
            return self  # nothing to learn from: identity on the log-odds
        if self.method == "isotonic":
            from sklearn.isotonic import IsotonicRegression

            self.isotonic = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw[:, 0], y)
        else:
            from sklearn.linear_model import LogisticRegression

            model = LogisticRegression(C=1e6, max_iter=1000).fit(raw, y)
            self.a, self.b = float(model.coef_[0][0]), float(model.intercept_[0])
            if self.a <= 0:
                # A calibration must never reverse the ranking. Out-of-fold scores pooled from different fold
                # models can disagree in scale so much that the pooled slope comes out flat or negative; then
                # keep the model's own log-odds and fit only the level.
                self.a, self.b = 1.0, _level(raw[:, 0], y)
        return self

    def probability(self, raw: np.ndarray) -> np.ndarray:
        raw = np.asarray(raw, dtype=float)
        if self.isotonic is not None:
            return np.asarray(self.isotonic.predict(raw), dtype=float)  # type: ignore[attr-defined]
        return 1.0 / (1.0 + np.exp(-(self.a * raw + self.b)))


def _level(raw: np.ndarray, y: np.ndarray) -> float:
    """The intercept b that makes sigmoid(raw + b) match the labels on average (the maximum-likelihood b), by
    bisection: the expected count of buyers only grows with b, and bisection cannot overshoot as Newton can."""
    from scipy.special import expit

    lo, hi = -60.0 - float(raw.max()), 60.0 - float(raw.min())
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if expit(raw + mid).sum() < y.sum() else (lo, mid)
    return (lo + hi) / 2
