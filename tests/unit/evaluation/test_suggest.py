"""Condition lifts, the shortlist, the trigger's k and half-lives on small frames checked by hand."""

import numpy as np
import pandas as pd

from leadlight.evaluation.suggest import candidates, choose_k, half_life, score_condition, shortlist


def test_lift_coverage_support_and_significance_by_hand():
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    held = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
    c = score_condition("x", ">=", 1, held, y)
    assert c.lift == (2 / 3) / (1 / 7) and c.coverage == 0.3 and c.support == 2 and c.z > 0


def test_a_planted_driver_outranks_noise_and_a_tiny_lucky_group():
    rng = np.random.default_rng(0)
    n = 3000
    driver = rng.poisson(1.0, n).astype(float)
    y = (rng.random(n) < np.where(driver >= 2, 0.3, 0.03)).astype(int)
    lucky = np.zeros(n)
    lucky[np.flatnonzero(y)[:3]] = 1  # three buyers, nobody else: a huge lift on no evidence
    frame = pd.DataFrame({"ev__driver__count_28d": driver, "ev__noise__count_28d": rng.poisson(1.0, n).astype(float),
                          "ev__lucky__count_28d": lucky, "plan": pd.Categorical(rng.choice(["a", "b"], n))})
    found = shortlist(candidates(frame, list(frame.columns), y), lambda col: col.split("__")[1] if "__" in col else col)
    assert found[0].column == "ev__driver__count_28d" and found[0].value == 2
    assert all(c.column != "ev__lucky__count_28d" for c in found)  # support below 5
    assert all(c.column != "ev__noise__count_28d" for c in found)  # not significant


def test_k_lands_in_the_target_band():
    rng = np.random.default_rng(1)
    y = (rng.random(2000) < 0.1).astype(int)
    fired = np.column_stack([(rng.random(2000) < np.where(y == 1, 0.7, 0.15)) for _ in range(4)])
    k = choose_k(fired, y)
    assert k["meets_target"] and 0.15 <= k["share_flagged"] <= 0.35 and k["share_conversions"] >= 0.6


def test_half_life_of_a_fading_lift():
    rng = np.random.default_rng(2)
    days = rng.uniform(0, 90, 20000)
    y = (rng.random(20000) < 0.05 * (1 + 8 * 0.5 ** (days / 10))).astype(int)
    assert 6 < half_life(days, y) < 16
    assert half_life(days, (rng.random(20000) < 0.05).astype(int)) is None  # no fading lift: no half-life
