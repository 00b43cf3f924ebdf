"""A planted leaking attribute is caught; snapshots are split by time with purged label windows."""

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from leadlight.config.model import ModelConfig
from leadlight.errors import TrainingRefused
from leadlight.scoring.models.leakage import leak_warnings
from leadlight.scoring.models.learners import LightGBMLearner, LogisticLearner
from leadlight.scoring.models.train import split_snapshots


def planted(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    employees = rng.lognormal(4, 1, n)
    invites = rng.poisson(2, n).astype(float)
    z = -4 + 0.8 * np.log1p(invites) + 0.5 * (np.log(employees) - 4)
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    frame = pd.DataFrame({
        "employees": employees,
        "industry": pd.Categorical(rng.choice(["Software", "Retail"], n)),
        # filled in by the CRM after the sale, for buyers (and a few others)
        "contract_value": np.where((y == 1) | (rng.random(n) < 0.02), rng.uniform(1e3, 1e5, n), np.nan),
        # a copy of the outcome with a little noise
        "renewal_score": y + rng.normal(0, 0.05, n),
        "ev__teammate_invited__count_28d": invites,
        "label": y,
    })
    return frame, y


def test_planted_leaks_are_detected_and_real_drivers_are_not():
    frame, y = planted()
    warnings = leak_warnings(frame, y, ["employees", "industry", "contract_value", "renewal_score"],
                             ["ev__teammate_invited__count_28d"])
    flagged = {w["feature"]: w["check"] for w in warnings}
    assert flagged == {"contract_value": "nulls", "renewal_score": "alone"}
    assert all(w["message"] for w in warnings)


@pytest.mark.parametrize("learner", [LogisticLearner, LightGBMLearner])
def test_learners_rank_planted_drivers_first_and_explain_rows(learner):
    frame, y = planted(4000, 1)
    columns = ["employees", "industry", "ev__teammate_invited__count_28d"]
    model = learner(columns).fit(frame, y)
    importance = model.importance()
    assert importance["industry"] < min(importance["employees"], importance["ev__teammate_invited__count_28d"])
    contrib = model.contributions(frame.head(5))
    assert list(contrib.columns) == columns and len(contrib) == 5
    if learner is LogisticLearner:  # contributions add up to the log-odds (up to the intercept)
        total = contrib.sum(axis=1).to_numpy() + model.model.intercept_[0]
        assert np.allclose(total, model.raw(frame.head(5)))


def months(n):
    return [datetime(2026, 1 + i, 1) if i < 12 else datetime(2027, i - 11, 1) for i in range(n)]


def test_split_is_by_time_and_purges_overlapping_label_windows():
    s = split_snapshots(months(10), ModelConfig())
    assert max(s.train) < min(s.valid) and max(s.valid) < min(s.test)
    assert len(s.test) == 3 and len(s.valid) == 2
    weekly = [datetime(2026, 1, 5) + pd.Timedelta(weeks=i) for i in range(20)]
    s = split_snapshots(weekly, ModelConfig(horizon_days=30))
    assert all(d + pd.Timedelta(days=30) <= min(s.valid) for d in s.train)
    assert all(d + pd.Timedelta(days=30) <= min(s.test) for d in s.valid)
    assert s.purged


def test_too_little_history_is_refused():
    with pytest.raises(TrainingRefused):
        split_snapshots(months(2), ModelConfig())
