"""The logistic learner's design matrix (NumPy) equals the pandas, column-by-column construction it replaced."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadlight.scoring.models.learners import Design, LogisticLearner

SKEWED_SUFFIXES = ("count_", "users_", "days_", "known", "new_")


def reference(columns: list[str], fit_on: pd.DataFrame, X: pd.DataFrame) -> np.ndarray:
    """The former pandas construction: per column, log scale for long tails, median fill plus a missing flag,
    one-hot levels plus a missing flag, then standardised with the fitted mean and scale."""
    def log(v):
        return np.sign(v) * np.log1p(v.abs())

    logged, medians, with_missing, levels = [], {}, [], {}
    for c in columns:
        if isinstance(fit_on[c].dtype, pd.CategoricalDtype):
            levels[c] = [str(x) for x in fit_on[c].cat.categories]
            continue
        values = fit_on[c].astype("float64")
        v = values.dropna()
        if c.rsplit("__", 1)[-1].startswith(SKEWED_SUFFIXES) or bool(
                len(v) and v.min() >= 0 and v.max() > 10 * max(v.median(), 1)):
            logged.append(c)
            values = log(values)
        median = values.median()
        medians[c] = 0.0 if pd.isna(median) else float(median)
        if values.isna().any():
            with_missing.append(c)

    def raw(frame):
        blocks = []
        for c in columns:
            if c in levels:
                coded = frame[c].astype("string")
                blocks += [(coded == level).fillna(False).to_numpy(dtype="float64") for level in levels[c]]
                blocks.append(coded.isna().to_numpy(dtype="float64"))
                continue
            values = frame[c].astype("float64")
            values = log(values) if c in logged else values
            if c in with_missing:
                blocks.append(values.isna().to_numpy(dtype="float64"))
            blocks.append(values.fillna(medians[c]).to_numpy(dtype="float64"))
        return np.column_stack(blocks)

    base = raw(fit_on)
    scale = base.std(axis=0)
    scale[scale == 0] = 1.0
    return (raw(X) - base.mean(axis=0)) / scale


def frame(n: int, seed: int, levels: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    counts = rng.poisson(2, n).astype("float64") * rng.integers(1, 200, n)
    counts[rng.random(n) < 0.2] = np.nan
    return pd.DataFrame({
        "ev__signup__count_7d": counts,
        "employees": np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(3, 2, n)),  # long tail: logged
        "trend": rng.normal(0, 1, n),  # negative values: not logged
        "constant": np.ones(n),
        "never": np.full(n, np.nan),
        "industry": pd.Categorical(rng.choice([*levels, None], n), categories=levels),
        "country": pd.Categorical(rng.choice(["us", "de", "1"], n), categories=["us", "de", "1"]),
    })


def test_the_numpy_design_is_the_pandas_one_bit_for_bit():
    train = frame(500, 1, ["software", "retail", "other"])
    later = frame(300, 2, ["software", "retail", "other"])
    unseen = frame(200, 3, ["software", "health", "other"])  # a level the fit never saw, one it saw is gone
    columns = list(train.columns)
    design = Design(list(columns)).fit(train)
    assert design.logged and design.with_missing and design.levels
    for X in (train, later, unseen):
        np.testing.assert_array_equal(design.transform(X), reference(columns, train, X))
    y = (np.random.default_rng(4).random(500) < 0.3).astype(int)
    model = LogisticLearner(columns).fit(train, y)
    assert np.isfinite(model.raw(unseen)).all() and set(model.importance()) == set(columns)
