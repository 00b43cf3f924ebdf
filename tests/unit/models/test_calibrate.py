"""Calibration turns raw scores into probabilities without ever reversing their order."""

import numpy as np

from leadlight.metrics import auc
from leadlight.scoring.models.calibrate import Calibrator


def test_platt_follows_the_scores_when_they_rank_buyers_first():
    rng = np.random.default_rng(1)
    raw = rng.normal(size=2000)
    y = (rng.random(2000) < 1 / (1 + np.exp(-(2 * raw - 3)))).astype(int)
    calibrator = Calibrator("platt").fit(raw, y)
    assert 1.5 < calibrator.a < 2.5
    assert abs(calibrator.probability(raw).mean() - y.mean()) < 0.01


def test_pooled_scores_whose_slope_comes_out_negative_keep_their_ranking():
    # two fold models on different scales: within each fold higher means likelier, pooled the slope is negative
    rng = np.random.default_rng(2)
    low_scale = rng.normal(size=1000)
    high_scale = rng.normal(size=1000) * 0.1 + 8
    y_low = (rng.random(1000) < 1 / (1 + np.exp(-(3 * low_scale - 1)))).astype(int)
    y_high = (rng.random(1000) < 1 / (1 + np.exp(-(30 * (high_scale - 8) - 5)))).astype(int)
    raw, y = np.concatenate([low_scale, high_scale]), np.concatenate([y_low, y_high])
    calibrator = Calibrator("platt").fit(raw, y)
    p = calibrator.probability(raw)
    assert calibrator.a > 0
    assert auc(y_low, p[:1000]) > 0.75 and auc(y_high, p[1000:]) > 0.75  # each fold's ranking kept
    assert abs(p.mean() - y.mean()) < 0.05 * max(p.mean(), y.mean()) + 0.05  # the level still fitted
