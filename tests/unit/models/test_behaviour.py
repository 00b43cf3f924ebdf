"""Zero-config behaviour features on the tiny fixture, by hand; and their point-in-time guarantee."""

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from leadlight.config.model import ModelConfig
from leadlight.labels.label_times import label_times
from leadlight.scoring.models.features import load_attributes, plan_features, training_set
from leadlight.signals.behaviour import OTHER, Vocabulary, describe, vocabulary
from leadlight.signals.behaviour_frames import behaviour_features
from tests.unit.models import tiny

MARCH = datetime(2026, 3, 1)
VOCAB = Vocabulary(("Teammate Invited", "Pricing"), ("Signed Up",), (7, 28, 90))


def test_counts_users_days_recency_trend_by_hand(tmp_path):
    _, con, engine = tiny.build(tmp_path)
    f = behaviour_features(engine, MARCH, VOCAB)
    a1 = f.loc["a1"]
    # Teammate Invited for a1: Feb 10, Feb 25, Feb 28 23:59:59 (u2)
    assert (a1["ev__teammate_invited__count_7d"], a1["ev__teammate_invited__count_28d"]) == (2, 3)
    assert (a1["ev__teammate_invited__users_7d"], a1["ev__teammate_invited__days_28d"]) == (2, 3)
    assert a1["ev__teammate_invited__days_since"] == 0
    assert a1["ev__teammate_invited__trend"] == pytest.approx(np.log1p(2) - np.log1p(1 / 3))
    assert a1["ev__pricing__count_7d"] == 1  # the Pricing view at exactly March 1 00:00 is the future
    assert a1["ev__other_events__count_90d"] == 1  # Signed Up is pooled
    assert (a1["ev__any__count_90d"], a1["ev__any__users_90d"], a1["ev__any__days_90d"]) == (5, 2, 4)
    # people: u1 (Jan 5) and u2 (Feb 20, 8 whole days before March 1)
    assert (a1["people__known"], a1["people__new_7d"], a1["people__new_prior_28d"]) == (2, 0, 1)
    assert f.loc["a2", "people__personal_share"] == 1.0  # cy@gmail.com
    a3 = f.loc["a3"]
    assert a3["ev__teammate_invited__count_90d"] == 0 and np.isnan(a3["ev__teammate_invited__days_since"])
    assert a3["people__new_7d"] == 1
    con.close()


def test_rare_events_are_pooled(tmp_path):
    _, con, engine = tiny.build(tmp_path)
    v = vocabulary(engine, MARCH, min_accounts=2, windows=(7, 28))
    # before March: Signed Up by a1, a2, a3; Pricing by a1, a2; Teammate Invited by a1 only (a3's is March 5)
    assert set(v.events) == {"Signed Up", "Pricing"} and v.pooled == ("Teammate Invited",)
    v = vocabulary(engine, MARCH, min_accounts=3, windows=(7, 28))
    assert v.events == ("Signed Up",) and set(v.pooled) == {"Pricing", "Teammate Invited"}
    assert v.label("Pricing") == OTHER
    con.close()


def later_events(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "user_id": rng.choice(["u1", "u2", "u3", "u4"], n),
        "event": rng.choice(["Teammate Invited", "Pricing", "Signed Up", "Brand New Event"], n),
        "timestamp": [str(MARCH + pd.Timedelta(seconds=int(s))) for s in rng.integers(0, 90 * 86400, n)],
    })


def build_training_set(root, events):
    _, con, engine = tiny.build(root, events=events)
    config = ModelConfig(min_accounts_per_event=1)
    labels = label_times(engine, config, [datetime(2026, 2, 1), MARCH])
    attributes = load_attributes(engine)
    spec = plan_features(engine, config, [], MARCH, attributes)
    frame = training_set(engine, spec, [], labels, attributes)
    con.close()
    return frame.sort_values(["as_of", "account_id"]).reset_index(drop=True)


def test_events_after_the_cutoff_and_row_order_leave_the_training_set_unchanged(tmp_path):
    base = tiny.frame(tiny.EVENTS)
    before = base[pd.to_datetime(base.timestamp) < MARCH]
    reference = build_training_set(tmp_path / "a", before)
    with_future = pd.concat([before, later_events(200, 1)])
    shuffled = with_future.sample(frac=1.0, random_state=5)
    for name, events in (("future", with_future), ("shuffled", shuffled)):
        got = build_training_set(tmp_path / name, events)
        pd.testing.assert_frame_equal(got, reference, check_dtype=False)


def test_describe_reads_like_a_sentence():
    assert describe("ev__teammate_invited__count_28d", 7.0, ["Teammate Invited"]) == (
        "7 Teammate Invited events in the last 28 days")
    assert describe("people__personal_share", 0.25) == "25% of people use personal emails"
