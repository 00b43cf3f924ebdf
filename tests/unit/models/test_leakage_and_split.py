"""A planted leaking attribute is caught; snapshots are split by time with purged label windows."""

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from leadlight.config.model import ModelConfig
from leadlight.scoring.models.leakage import leak_warnings
from leadlight.scoring.models.learners import LightGBMLearner, LogisticLearner
from leadlight.scoring.models.folds import walk_forward


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


def test_folds_walk_forward_and_purge_overlapping_label_windows():
    folds = walk_forward(months(10), ModelConfig(cv_folds=4), timedelta(days=30))
    assert len(folds) == 4
    tested = [d for f in folds for d in f.test]
    assert tested == sorted(tested) == months(10)[-len(tested):]  # the later blocks, in order, once each
    for f in folds:
        assert max(f.train) + timedelta(days=30) <= min(f.test)  # never trained on a window reaching the block
    weekly = [datetime(2026, 1, 5) + timedelta(weeks=i) for i in range(20)]
    for f in walk_forward(weekly, ModelConfig(horizon_days=30), timedelta(days=30)):
        assert all(d + timedelta(days=30) <= min(f.test) for d in f.train)
        assert len(f.purged) == 4  # the four weeks before the block see labels inside it


def test_too_little_history_gives_no_fold():
    assert walk_forward(months(1), ModelConfig(), timedelta(days=30)) == []
    weekly = [datetime(2026, 1, 5) + timedelta(weeks=i) for i in range(4)]
    assert walk_forward(weekly, ModelConfig(), timedelta(days=30)) == []
    assert len(walk_forward(weekly, ModelConfig(horizon_days=14), timedelta(days=14))) >= 1
