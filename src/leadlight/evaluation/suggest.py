"""Discovering a definition from history: which behaviours and traits come before a purchase.

For every candidate condition (an event count, users or active days in a
window at a threshold, recency, an attribute's value) on the discovery rows:

* **lift**: conversion of accounts meeting it over those that don't;
* **coverage**: the share of rows meeting it; **support**: buyers meeting it;
* **z**: a two-proportion z statistic, so a huge lift from five doers ranks
  below a solid lift from five hundred (few doers = weak).

``shortlist`` keeps the strongest condition per event or attribute (by z),
about ten of them; ``choose_k`` picks the k of a k-of-N trigger that lands
in the target band (15-35% flagged holding >= 60% of conversions) with the
highest conversion multiple; ``half_life`` fits how fast a behaviour's lift
fades with the days since it was last done.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

TARGET_FLAGGED = (0.15, 0.35)
TARGET_CONVERSIONS = 0.60
QUANTILES = (0.5, 0.75, 0.9)
MIN_SUPPORT = 5
MIN_Z = 3.0  # weaker conditions are noise at the sizes history gives


@dataclass(frozen=True)
class Condition:
    column: str
    op: str  # ">=", "<=", "in"
    value: float | list[str]
    lift: float
    coverage: float
    support: int
    z: float

    def holds(self, frame: pd.DataFrame) -> np.ndarray:
        values = frame[self.column]
        if self.op == "in":
            return values.astype("string").isin([str(v) for v in self.value]).fillna(False).to_numpy(dtype=bool)
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            held = numbers >= self.value if self.op == ">=" else numbers <= self.value
        return np.nan_to_num(held, nan=0).astype(bool)

    def as_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def score_condition(column: str, op: str, value, held: np.ndarray, y: np.ndarray) -> Condition | None:
    n_do, n = int(held.sum()), len(y)
    if n_do == 0 or n_do == n:
        return None
    rate_do, rate_not = y[held].mean(), y[~held].mean()
    pooled = y.mean()
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_do + 1 / (n - n_do))) or 1e-12
    lift = rate_do / rate_not if rate_not > 0 else float("inf")
    return Condition(column, op, value, float(min(lift, 1e6)), n_do / n, int(y[held].sum()),
                     float((rate_do - rate_not) / se))


def candidates(frame: pd.DataFrame, columns: list[str], y: np.ndarray) -> list[Condition]:
    """Every condition worth testing on ``columns`` of ``frame``, scored (lift > 1 and support >= 5 only)."""
    out: list[Condition] = []
    for column in columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(values):
            text = values.astype("string")
            for level in text.dropna().unique():
                c = score_condition(column, "in", [str(level)], text.eq(level).fillna(False).to_numpy(bool), y)
                out.append(c) if c else None
            continue
        numbers = values.to_numpy(dtype=float)
        lower_is_better = column.endswith("__days_since")
        present = numbers[~np.isnan(numbers)]
        if lower_is_better:
            thresholds, op = np.unique(np.quantile(present, (0.1, 0.25, 0.5))) if len(present) else [], "<="
        else:
            positive = present[present > 0]
            thresholds = np.unique(np.r_[[positive.min()] if len(positive) else [],
                                         np.quantile(positive, QUANTILES) if len(positive) else []])
            op = ">="
        for t in thresholds:
            t = float(np.round(t, 2))
            t = int(t) if t.is_integer() else t
            with np.errstate(invalid="ignore"):
                held = np.nan_to_num(numbers <= t if op == "<=" else numbers >= t, nan=0).astype(bool)
            c = score_condition(column, op, t, held, y)
            out.append(c) if c else None
    return [c for c in out if c.lift > 1 and c.support >= MIN_SUPPORT]


def shortlist(conditions: list[Condition], family, n: int = 10) -> list[Condition]:
    """The strongest condition (by z) per family (event or attribute), the best ``n`` significant families."""
    best: dict[str, Condition] = {}
    for c in sorted((c for c in conditions if c.z >= MIN_Z), key=lambda c: -c.z):
        best.setdefault(family(c.column), c)
    return sorted(best.values(), key=lambda c: -c.z)[:n]


def trigger_score(fired: np.ndarray, conditions: list[Condition]) -> np.ndarray:
    """0-100: the log-lift of the conditions that hold, over the most they could add up to."""
    weights = np.array([math.log(min(c.lift, 100.0)) for c in conditions])
    return 100.0 * (fired.astype(float) @ weights) / weights.sum() if len(weights) else np.zeros(len(fired))


def choose_k(fired: np.ndarray, y: np.ndarray) -> dict:
    """The k of a k-of-N trigger: in the band and holding >= 60% of conversions if any k does; among
    those the highest conversion multiple; otherwise the k whose share flagged is nearest the band."""
    counts = fired.sum(axis=1)
    rows = []
    for k in range(1, fired.shape[1] + 1):
        flag = counts >= k
        share = float(flag.mean())
        held = float(y[flag].sum() / y.sum()) if y.sum() else 0.0
        off = y[~flag].mean() if (~flag).any() else 0.0
        multiple = float(y[flag].mean() / off) if flag.any() and off > 0 else None
        in_band = TARGET_FLAGGED[0] <= share <= TARGET_FLAGGED[1]
        rows.append({"k": k, "share_flagged": round(share, 4), "share_conversions": round(held, 4),
                     "conversion_multiple": None if multiple is None else round(multiple, 3),
                     "meets_target": in_band and held >= TARGET_CONVERSIONS})
    meeting = [r for r in rows if r["meets_target"]]
    if meeting:
        return max(meeting, key=lambda r: r["conversion_multiple"] or 0)
    middle = sum(TARGET_FLAGGED) / 2
    return min(rows, key=lambda r: abs(r["share_flagged"] - middle))


def half_life(days_since: np.ndarray, y: np.ndarray,
              edges=(0, 2, 4, 7, 10, 14, 21, 28, 42, 56, 90)) -> float | None:
    """Days for a behaviour's extra conversion to halve with the days since it was last done.

    Conversion per bucket of days is fitted as ``base + extra * 0.5 ** (days / h)`` (least squares,
    weighted by rows, ``h`` on a grid of whole days). None when the extra does not fade within the
    grid, when recent doers do not convert clearly (2 standard errors) more than long-ago ones, or too few
    buckets hold buyers to say."""
    mids, rates, weights = [], [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (days_since >= lo) & (days_since < hi)
        if inside.sum() >= 20:
            mids.append((lo + hi) / 2)
            rates.append(y[inside].mean())
            weights.append(inside.sum())
    if len(mids) < 3 or sum(r > 0 for r in rates) < 2:
        return None
    d, r, w = np.array(mids), np.array(rates), np.sqrt(np.array(weights, dtype=float))
    n_near, n_far = weights[0], weights[-1]
    pooled = (r[0] * n_near + r[-1] * n_far) / (n_near + n_far)
    if r[0] - r[-1] <= 2 * math.sqrt(pooled * (1 - pooled) * (1 / n_near + 1 / n_far)):
        return None  # recent doers convert no more than long-ago ones: nothing fades
    best = None
    for h in range(1, 121):
        X = np.column_stack([np.ones_like(d), 0.5 ** (d / h)])
        coef, *_ = np.linalg.lstsq(X * w[:, None], r * w, rcond=None)
        error = float((((X @ coef) - r) * w) @ (((X @ coef) - r) * w))
        if coef[1] > 0 and (best is None or error < best[0]):
            best = (error, h)
    return None if best is None or best[1] >= 120 else float(best[1])
