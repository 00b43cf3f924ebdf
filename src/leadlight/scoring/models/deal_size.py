"""Predicted deal size: what a won deal with this account is likely worth, learned from won amounts.

A ridge regression of ``log(1 + amount)`` on the fit features (firmographics)
of the rows that won, so expected value = probability x predicted size puts
six- and seven-figure accounts first. With fewer than ``MIN_DEALS`` amounts it
falls back to the median won amount (and says so). ``r2`` is the 5-fold
cross-validated R^2 on the log scale: how much of the spread in deal sizes the
firmographics explain (0 = no better than the median).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leadlight.scoring.models.learners import Design

MIN_DEALS = 20


@dataclass
class DealSize:
    columns: list[str]
    median: float = 0.0
    deals: int = 0
    r2: float | None = None
    design: Design | None = None
    model: object | None = None
    note: str = field(default="")

    def fit(self, X: pd.DataFrame, amounts: np.ndarray) -> "DealSize":
        amounts = np.asarray(amounts, dtype=float)
        keep = ~np.isnan(amounts) & (amounts > 0)
        self.deals = int(keep.sum())
        self.median = float(np.median(amounts[keep])) if keep.any() else 0.0
        if self.deals < MIN_DEALS or not self.columns:
            self.note = f"median won amount: only {self.deals} won amounts (or no firmographics) to learn sizes from"
            return self
        from sklearn.linear_model import Ridge
        from sklearn.model_selection import cross_val_score

        rows = X[keep][self.columns]
        self.design = Design(list(self.columns)).fit(rows)
        Z, target = self.design.transform(rows), np.log1p(amounts[keep])
        self.model = Ridge(alpha=10.0).fit(Z, target)
        self.r2 = round(float(np.mean(cross_val_score(Ridge(alpha=10.0), Z, target, cv=5, scoring="r2"))), 4)
        self.note = f"ridge on firmographics from {self.deals} won amounts (cross-validated R^2 {self.r2})"
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        if self.model is None or self.design is None:
            return np.full(len(X), self.median)
        return np.expm1(self.model.predict(self.design.transform(X[self.columns])))  # type: ignore[union-attr]
