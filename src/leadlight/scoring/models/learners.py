"""The two candidate learners, each able to say why it scored an account the way it did.

* ``LogisticLearner``: a readable baseline. Counts are ``log1p``-scaled,
  missing numbers become the training median plus a "was missing" column,
  everything is standardised, categories are one-hot; L2-regularised logistic
  regression. Contribution of a feature = coefficient x standardised value
  (summed over its one-hot / missing columns), in log-odds.
* ``LightGBMLearner``: gradient-boosted trees with native categories, in one of
  ``SETTINGS`` (strong to light regularisation, chosen on the walk-forward
  folds); contributions from LightGBM's ``pred_contrib`` (SHAP values, log-odds).

Both return *raw* scores (log-odds); ``calibrate.py`` maps them to probabilities.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

# OpenMP threads that spin while waiting stall each other when the cores are busy (a shared 2-core machine): one
# LightGBM fit of 9,000 rows took over 290 s at load 11 instead of 2.4 s. Read when OpenMP loads, so set it here.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

SKEWED_SUFFIXES = ("count_", "users_", "days_", "known", "new_")


def preload() -> None:
    """Import what fitting needs (LightGBM, scikit-learn's solvers, SciPy): about a CPU-second, which
    ``build_and_train`` spends on a thread while the engine computes labels and features (DuckDB leaves a core
    and the GIL free), not at the start of fitting where every worker would wait for it."""
    import lightgbm  # noqa: F401
    import scipy.special  # noqa: F401
    import sklearn.isotonic  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    import threadpoolctl  # noqa: F401


class Learner(Protocol):
    name: str
    columns: list[str]

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> "Learner": ...

    def raw(self, X: pd.DataFrame) -> np.ndarray: ...

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame: ...

    def importance(self) -> dict[str, float]: ...


def _skewed(column: str, values: np.ndarray) -> bool:
    """Counts and other non-negative, long-tailed numbers are modelled on a log scale."""
    tail = column.rsplit("__", 1)[-1]
    if tail.startswith(SKEWED_SUFFIXES):
        return True
    v = values[~np.isnan(values)]
    return bool(len(v) and v.min() >= 0 and v.max() > 10 * max(np.median(v), 1))


@dataclass
class Design:
    """Numbers ready for a linear model, remembering which input column each came from.

    Built on NumPy arrays, column by column (a table of 250 features is designed once per fit and once per
    prediction: with pandas Series that took more time than the solver)."""

    columns: list[str]
    logged: list[str] = field(default_factory=list)
    medians: dict[str, float] = field(default_factory=dict)
    with_missing: list[str] = field(default_factory=list)
    levels: dict[str, list[str]] = field(default_factory=dict)
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    origin: list[str] = field(default_factory=list)

    def fit(self, X: pd.DataFrame) -> "Design":
        self.levels = {c: [str(x) for x in X[c].cat.categories] for c in self.columns
                       if isinstance(X[c].dtype, pd.CategoricalDtype)}
        for c, values in self._numbers(X).items():
            if _skewed(c, values):
                self.logged.append(c)
                values = _log(values)
            missing = np.isnan(values)
            self.medians[c] = float(np.median(values[~missing])) if (~missing).any() else 0.0
            if missing.any():
                self.with_missing.append(c)
        raw, self.origin = self._raw(X)
        self.mean = raw.mean(axis=0)
        self.scale = raw.std(axis=0)
        self.scale[self.scale == 0] = 1.0
        return self

    def _raw(self, X: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
        blocks, origin = [], []
        numbers = self._numbers(X)
        for c in self.columns:
            if c in self.levels:
                for level, indicator in _indicators(X[c], self.levels[c]):
                    blocks.append(indicator)
                    origin.append(c)
                continue
            values = numbers[c]
            if c in self.logged:
                values = _log(values)
            missing = np.isnan(values)
            if c in self.with_missing:
                blocks.append(missing.astype("float64"))
                origin.append(c)
            blocks.append(np.where(missing, self.medians[c], values))
            origin.append(c)
        matrix = np.column_stack(blocks) if blocks else np.zeros((len(X), 0))
        return matrix, origin

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        raw, _ = self._raw(X)
        return (raw - self.mean) / self.scale

    def _numbers(self, X: pd.DataFrame) -> dict[str, np.ndarray]:
        """Every numeric column as float64, read from one matrix (one copy, not one Series per column)."""
        numeric = [c for c in self.columns if c not in self.levels]
        matrix = X[numeric].to_numpy(dtype="float64", na_value=np.nan) if numeric else np.zeros((len(X), 0))
        return {c: np.ascontiguousarray(matrix[:, j]) for j, c in enumerate(numeric)}


def _indicators(column: pd.Series, levels: list[str]) -> list[tuple[str | None, np.ndarray]]:
    """One 0/1 column per level (the value equals it as text), then one for a missing value."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        names = [str(x) for x in column.cat.categories]
        codes = column.cat.codes.to_numpy()
        out: list[tuple[str | None, np.ndarray]] = [
            (level, np.isin(codes, [i for i, name in enumerate(names) if name == level]).astype("float64"))
            for level in levels]
        return [*out, (None, (codes == -1).astype("float64"))]
    coded = column.astype("string")
    return [*((level, (coded == level).fillna(False).to_numpy(dtype="float64")) for level in levels),
            (None, coded.isna().to_numpy(dtype="float64"))]


def _log(values: np.ndarray) -> np.ndarray:
    return np.sign(values) * np.log1p(np.abs(values))


@dataclass
class LogisticLearner:
    columns: list[str]
    C: float = 0.1
    name: str = "logistic"
    design: Design | None = None
    model: object | None = None

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> "LogisticLearner":
        from sklearn.linear_model import LogisticRegression

        self.design = Design(list(self.columns)).fit(X[self.columns])
        self.model = LogisticRegression(C=self.C, max_iter=5000).fit(self.design.transform(X[self.columns]), y)
        return self

    def raw(self, X: pd.DataFrame) -> np.ndarray:
        return self.model.decision_function(self.design.transform(X[self.columns]))  # type: ignore[union-attr]

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        z = self.design.transform(X[self.columns])  # type: ignore[union-attr]
        per_column = z * self.model.coef_[0]  # type: ignore[union-attr]
        frame = pd.DataFrame(per_column, index=X.index, columns=range(per_column.shape[1]))
        return frame.T.groupby(np.asarray(self.design.origin)).sum().T.reindex(columns=self.columns)  # type: ignore[union-attr]

    def importance(self) -> dict[str, float]:
        weights = pd.Series(np.abs(self.model.coef_[0]), index=self.design.origin)  # type: ignore[union-attr]
        return weights.groupby(level=0).sum().reindex(self.columns).fillna(0).to_dict()


# Every LightGBM setting runs on one thread: on tables of this size LightGBM's OpenMP threads spend longer waiting
# for each other than working, 15-25x slower on a busy 2-core machine (measured); force_col_wise skips its timing probe.
LIGHTGBM_COMMON = {"verbose": -1, "n_jobs": 1, "force_col_wise": True, "random_state": 7}
# The settings training chooses among on the walk-forward folds, strong to light regularisation. "strong": few
# shallow trees on a third of the features, for small or noisy tables whose signal is a few main effects (and
# cheap: about half of "medium"'s time). "medium": the setting every model used before the choice existed.
# "light": scikit-learn HistGradientBoosting's defaults (31-leaf trees on every feature, 255 bins, no penalty),
# for wide tables whose signal lies in interactions. Each costs about one more LightGBM fit per fold.
SETTINGS: dict[str, dict] = {
    "strong": {"n_estimators": 150, "learning_rate": 0.1, "num_leaves": 4, "min_child_samples": 50, "max_bin": 63,
               "subsample": 0.8, "subsample_freq": 1, "colsample_bytree": 0.3, "reg_lambda": 5.0},
    "medium": {"n_estimators": 300, "learning_rate": 0.03, "num_leaves": 15, "min_child_samples": 40, "max_bin": 63,
               "subsample": 0.8, "subsample_freq": 1, "colsample_bytree": 0.3, "reg_lambda": 5.0},
    "light": {"n_estimators": 100, "learning_rate": 0.1, "num_leaves": 31, "min_child_samples": 20, "max_bin": 255,
              "colsample_bytree": 1.0, "reg_lambda": 0.0},
}
DEFAULT_SETTING = "medium"
# How LightGBM lays out its histograms, per setting: the same trees either way (checked: identical scores), only the
# time differs. Column-wise suits the settings that sample 30% of the features per tree; "light" reads every
# feature of every row, where row-wise is about a third cheaper (0.8 instead of 1.2 CPU-s on 11,283 rows x 252).
HISTOGRAMS = {"light": {"force_col_wise": False, "force_row_wise": True}}


@dataclass
class LightGBMLearner:
    columns: list[str]
    name: str = "lightgbm"
    setting: str = DEFAULT_SETTING
    params: dict = field(default_factory=dict)
    model: object | None = None

    def __post_init__(self) -> None:
        self.params = self.params or {**LIGHTGBM_COMMON, **SETTINGS[self.setting], **HISTOGRAMS.get(self.setting, {})}

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> "LightGBMLearner":
        import lightgbm

        self.model = lightgbm.LGBMClassifier(**self.params).fit(X[self.columns], y)
        return self

    def raw(self, X: pd.DataFrame) -> np.ndarray:
        return self.model.predict(X[self.columns], raw_score=True)  # type: ignore[union-attr]

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        values = self.model.predict(X[self.columns], pred_contrib=True)  # type: ignore[union-attr]
        return pd.DataFrame(np.asarray(values)[:, :-1], index=X.index, columns=self.columns)

    def importance(self) -> dict[str, float]:
        gains = self.model.booster_.feature_importance(importance_type="gain")  # type: ignore[union-attr]
        total = gains.sum() or 1.0
        return {c: float(g / total) for c, g in zip(self.columns, gains)}


# The supporting models (fit only, intent only, self-serve): half the trees at twice the rate, about half the
# time for the same shrinkage budget (their walk-forward AUCs moved by under 0.01 on generated companies).
# Settings already at a fast rate keep theirs.
def _supporting(params: dict) -> dict:
    if params["learning_rate"] >= 0.1:
        return params
    return {**params, "n_estimators": max(1, params["n_estimators"] // 2), "learning_rate": 2 * params["learning_rate"]}


def make_learner(name: str, columns: list[str], supporting: bool = False, setting: str | None = None) -> Learner:
    """A fresh learner; ``setting``: which of ``SETTINGS`` a LightGBM learner uses (default: ``DEFAULT_SETTING``)."""
    if name != "lightgbm":
        return LogisticLearner(list(columns))
    learner = LightGBMLearner(list(columns), setting=setting or DEFAULT_SETTING)
    if supporting:
        learner.params = _supporting(learner.params)
    return learner
