"""The two-model uplift of a sales touch: recovered where it is planted, distrusted where history is thin."""

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from leadlight.scoring.models import uplift

AS_OF = datetime(2026, 3, 1)


def history(n: int, *, touched_share: float = 0.4, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Accounts whose purchase a touch raises by 30 points when ``big`` > 0 and not at all otherwise."""
    rng = np.random.default_rng(seed)
    big, active = rng.normal(size=n), rng.normal(size=n)
    touched = rng.random(n) < touched_share / (1 + np.exp(-0.5 * big)) * 2 * 0.9
    base = 1 / (1 + np.exp(-(-1.2 + 1.2 * active)))
    helps = np.where(big > 0, 0.3, 0.0)
    bought = rng.random(n) < np.clip(base + touched * helps, 0, 1)
    frame = pd.DataFrame({"account_id": [f"a{i}" for i in range(n)], "as_of": AS_OF, "big": big, "active": active,
                          "label": (bought & touched).astype("int8"), "self_serve": (bought & ~touched).astype("int8")})
    return frame, touched, helps


def test_a_planted_uplift_is_found_where_it_is_and_not_elsewhere():
    frame, touched, helps = history(4000)
    model, report = uplift.estimate(frame, ["big", "active"], touched, "logistic")
    assert model is not None and report["reliable"] and report["warnings"] == []
    assert report["touched_buyers"] >= 30 and report["untouched_buyers"] >= 30
    low, high = report["interval_90"]
    assert low <= helps.mean() <= high and low > 0  # the average effect (15 points) is inside and clearly positive
    with_rep, without = model.probabilities(frame)
    effect = with_rep - without
    assert effect[helps > 0].mean() - effect[helps == 0].mean() > 0.15
    assert 0 < report["overlap_share"] <= 1 and report["conversion_touched"] > report["conversion_untouched"]


def test_with_a_reliable_uplift_sales_gets_only_likely_buyers_a_touch_helps():
    frame, touched, helps = history(4000)
    model, _ = uplift.estimate(frame, ["big", "active"], touched, "logistic")
    X = frame.set_index("account_id")[["big", "active"]]
    before = pd.DataFrame({"motion": "sales", "motion_reason": "likely to buy through sales"}, index=range(len(X)))
    likely = (frame.active > 0.5).to_numpy()
    out = uplift.steer(before, model, X, likely)
    steered = out[likely]
    assert set(steered.motion) == {"sales", "self_serve"}
    assert (steered.uplift[steered.motion == "sales"] >= uplift.HELPS).all()
    assert (steered.uplift[steered.motion == "self_serve"] < uplift.HELPS).all()
    assert steered.motion_reason[steered.motion == "self_serve"].str.startswith("would buy anyway").all()
    assert steered.motion_reason[steered.motion == "sales"].str.contains("a sales touch helps").all()
    assert (out.motion[~likely] == "sales").all()  # accounts not likely to buy keep the motion they had
    assert frame.big[likely][out.motion[likely] == "sales"].mean() > frame.big[likely][out.motion[likely] == "self_serve"].mean()


def test_few_touched_buyers_give_a_warning_and_leave_motions_alone():
    frame, touched, _ = history(600, touched_share=0.05, seed=1)
    model, report = uplift.estimate(frame, ["big", "active"], touched, "logistic")
    assert report["touched_buyers"] < uplift.MIN_ARM_BUYERS
    assert model is not None and not report["reliable"]
    assert any("touched accounts bought" in w for w in report["warnings"])
    X = frame.set_index("account_id")[["big", "active"]]
    before = pd.DataFrame({"motion": "sales", "motion_reason": "x"}, index=range(len(X)))
    out = uplift.steer(before, model, X, np.ones(len(X), dtype=bool))
    assert (out.motion == "sales").all() and out.uplift.notna().all() and not out.uplift_reliable.any()


def test_no_touches_at_all_means_no_estimate_and_says_why():
    frame, _, _ = history(300)
    model, report = uplift.estimate(frame, ["big", "active"], np.zeros(len(frame), dtype=bool), "logistic")
    assert model is None and report["estimated"] is False and "too few sales touches" in report["why"]


@pytest.mark.parametrize("created, expected", [("2026-03-01 00:00:00", True), ("2026-03-30 23:00:00", True),
                                               ("2026-03-31 00:00:00", False), ("2026-02-28 23:59:59", False)])
def test_a_touch_is_a_sales_opportunity_opened_inside_the_horizon(created, expected):
    frame = pd.DataFrame({"account_id": ["a1", "a2"], "as_of": [AS_OF, AS_OF]})
    opps = pd.DataFrame({"account_id": ["a1", "a2"], "created_at": pd.to_datetime([created, created]),
                         "source": ["sales", "self_serve"]})
    assert uplift.touched_rows(frame, opps, 30).tolist() == [expected, False]


def test_touches_all_in_one_group_of_accounts_still_give_a_rough_estimate():
    """The cross-fit then has a fold with no touch to learn from (no propensity, no touched model) and must cope."""
    frame, _, _ = history(400, seed=2)
    names = np.array([f"t{i}" for i in range(40)], dtype=object)
    same = names[pd.util.hash_array(names) % uplift.FOLDS == 0][:4]
    touched = np.zeros(len(frame), dtype=bool)
    touched[:4] = True
    frame["account_id"] = np.concatenate([same, frame.account_id.to_numpy()[4:]])
    frame["label"] = np.concatenate([[1, 1, 0, 0], frame.label.to_numpy()[4:]]).astype("int8")
    frame["self_serve"] = np.concatenate([[0, 0, 0, 0], frame.self_serve.to_numpy()[4:]]).astype("int8")
    model, report = uplift.estimate(frame, ["big", "active"], touched, "logistic")
    assert model is not None and report["estimated"] and not report["reliable"]
    assert report["touched_buyers"] == 2 and any("only 2 touched accounts bought" in w for w in report["warnings"])


def test_fits_one_at_a_time_give_the_estimate_of_two_at_a_time():
    """Training runs the estimate beside its own workers with ``workers=1``: the same fits, the same report."""
    frame, touched, _ = history(3000)
    _, two = uplift.estimate(frame, ["big", "active"], touched, "lightgbm", workers=2)
    _, one = uplift.estimate(frame, ["big", "active"], touched, "lightgbm", workers=1)
    assert two["estimated"] and one == two
