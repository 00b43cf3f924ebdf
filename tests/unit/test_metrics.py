"""Our metric functions agree with scikit-learn's (and with hand arithmetic where sklearn has none)."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from leadlight import metrics


@pytest.mark.parametrize("seed", range(8))
def test_auc_and_pr_auc_match_sklearn_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.random(300) < 0.1
    score = np.round(rng.random(300) + y * 0.3, 1)  # rounding makes many ties
    assert metrics.auc(y, score) == pytest.approx(roc_auc_score(y, score))
    assert metrics.pr_auc(y, score) == pytest.approx(average_precision_score(y, score))


def test_undefined_metrics_are_none():
    assert metrics.auc([0, 0, 0], [0.1, 0.2, 0.3]) is None
    assert metrics.pr_auc([0, 0], [0.1, 0.2]) is None
    assert metrics.lift_at([0, 0], [0.1, 0.2]) is None


def test_lift_top_decile_by_hand():
    # 20 rows, 4 buyers; the top 2 rows (10%) hold 1 buyer: 50% vs 20% overall -> lift 2.5
    y = np.zeros(20)
    y[[0, 5, 9, 14]] = 1
    score = -np.arange(20.0)  # row 0 is the highest
    assert metrics.lift_at(y, score, 0.1) == pytest.approx(0.5 / 0.2)


def test_calibration_error_by_hand():
    p = np.array([0.05, 0.05, 0.05, 0.05, 0.95, 0.95])
    y = np.array([0, 0, 0, 1, 1, 1])
    # bin [0,0.1]: predicted 0.05, observed 0.25 (4 rows); bin (0.9,1]: 0.95 vs 1.0 (2 rows)
    expected = (4 * 0.20 + 2 * 0.05) / 6
    assert metrics.calibration_error(y, p) == pytest.approx(expected)


def test_calibration_error_matches_sklearn_calibration_curve():
    from sklearn.calibration import calibration_curve

    rng = np.random.default_rng(3)
    p = rng.random(2000)
    y = (rng.random(2000) < p ** 1.5).astype(int)
    observed, predicted = calibration_curve(y, p, n_bins=10, strategy="uniform")
    counts = np.histogram(p, bins=np.linspace(0, 1, 11))[0]
    counts = counts[counts > 0]
    assert metrics.calibration_error(y, p) == pytest.approx((counts * np.abs(observed - predicted)).sum() / len(p))


def test_rankdata_matches_scipy_on_ties():
    from scipy.stats import rankdata as scipy_rank

    values = np.array([3.0, 1.0, 3.0, 2.0, 2.0, 2.0, 5.0])
    assert np.allclose(metrics.rankdata(values), scipy_rank(values))


def test_bootstrap_interval_resamples_accounts_and_brackets_the_estimate():
    rng = np.random.default_rng(1)
    accounts = np.repeat(np.arange(300), 3)
    y = (rng.random(900) < 0.2).astype(int)
    score = y + rng.normal(0, 1.0, 900)
    lo, hi = metrics.bootstrap_interval(y, score, accounts, metrics.auc, reps=100)
    assert lo < metrics.auc(y, score) < hi and hi - lo < 0.2
    assert metrics.bootstrap_interval([1, 0], [1, 0], ["a", "a"], metrics.auc) is None  # one account: no interval
