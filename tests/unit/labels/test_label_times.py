"""Label times on the tiny fixture, checked by hand (see tests/unit/models/tiny.py)."""

from datetime import datetime, timedelta

import pandas as pd

from leadlight.config.model import ModelConfig
from leadlight.labels.calendar import snapshot_dates
from leadlight.labels.label_times import label_one, label_times, opportunities
from tests.unit.models import tiny

MARCH = datetime(2026, 3, 1)


def by_account(frame):
    return {r.account_id: r for r in frame.itertuples()}


def test_snapshot_dates_monthly_and_weekly():
    assert snapshot_dates(datetime(2026, 1, 15), datetime(2026, 4, 1), "month") == [
        datetime(2026, 2, 1), datetime(2026, 3, 1), datetime(2026, 4, 1)]
    weeks = snapshot_dates(datetime(2026, 3, 1), datetime(2026, 3, 20), "week")
    assert weeks == [datetime(2026, 3, 2), datetime(2026, 3, 9), datetime(2026, 3, 16)]
    assert all(d.weekday() == 0 for d in weeks)


def test_labels_at_march_first(tmp_path):
    _, con, engine = tiny.build(tmp_path)
    rows = by_account(label_times(engine, ModelConfig(), [MARCH]))
    assert set(rows) == {"a1", "a2", "a3"}
    assert rows["a1"].label == 1 and rows["a1"].amount == 12000  # won sales deal created March 10
    assert rows["a1"].won_at == pd.Timestamp("2026-03-10 10:00:00")
    assert rows["a2"].label == 0  # its sales deal was lost before March
    assert rows["a3"].label == 0 and rows["a3"].self_serve == 1  # self-serve is never a sales win
    con.close()


def test_eligibility_needs_recent_activity_and_no_open_sales_cycle(tmp_path):
    _, con, engine = tiny.build(tmp_path)
    feb = by_account(label_times(engine, ModelConfig(), [datetime(2026, 2, 1)]))
    assert set(feb) == {"a1", "a2"}  # a3's first event is on February 27
    mid_feb = by_account(label_times(engine, ModelConfig(), [datetime(2026, 2, 15)]))
    assert "a2" not in mid_feb  # in a sales cycle: opportunity open from Feb 1 to Feb 20
    short = by_account(label_times(engine, ModelConfig(eligible_active_days=10), [MARCH]))
    assert set(short) == {"a1", "a3"}  # a2 was last active on January 10
    con.close()


def test_domain_only_opportunity_is_matched_to_its_account(tmp_path):
    _, con, engine = tiny.build(tmp_path)
    opps = opportunities(engine)
    assert opps.set_index("account_id").loc["a3", "source"] == "self_serve"
    con.close()


def test_boundary_and_open_deals():
    opps = pd.DataFrame({
        "account_id": ["a", "b", "c"],
        "created_at": [MARCH, MARCH + timedelta(days=30), MARCH + timedelta(days=5)],
        "closed_at": [MARCH + timedelta(days=9), MARCH + timedelta(days=40), None],
        "stage": ["won", "won", "open"], "source": ["sales", "sales", "sales"], "amount": [1.0, 2.0, 3.0],
    })
    rows = by_account(label_one({"a", "b", "c", "d"}, opps, MARCH, timedelta(days=30)))
    assert rows["a"].label == 1  # created exactly at the snapshot: the future, so it is the label
    assert rows["b"].label == 0  # created exactly at snapshot + horizon: outside [D, D + 30d)
    assert "c" not in rows  # outcome still open: not known yet, left out
    assert rows["d"].label == 0


def test_each_target_labels_its_own_conversion_and_eligibility():
    day = timedelta(days=1)
    opps = pd.DataFrame({
        "account_id": ["s", "u", "p", "p", "c", "c"],
        "created_at": [MARCH + 3 * day, MARCH + 4 * day, MARCH - 60 * day, MARCH + 6 * day, MARCH - 90 * day,
                       MARCH - 10 * day],
        "closed_at": [MARCH + 9 * day, MARCH + 4 * day, MARCH - 50 * day, MARCH + 6 * day, MARCH - 80 * day, None],
        "stage": ["won", "won", "won", "won", "won", "open"],
        "source": ["sales", "self_serve", "self_serve", "sales", "sales", "sales"],
        "amount": [10.0, 1.0, 1.0, 50.0, 5.0, None],
    })
    active = {"s", "u", "p", "c", "n"}  # s: sales win; u: self-serve upgrade; p: paying, then a sales deal;
    horizon = timedelta(days=30)        # c: customer in an open renewal cycle; n: nothing happens

    def labels(target):
        return {r.account_id: r.label for r in label_one(active, opps, MARCH, horizon, target).itertuples()}

    assert labels("sales") == {"s": 1, "u": 0, "p": 1, "n": 0}  # c: a sales customer, not eligible
    assert labels("self_serve") == {"s": 0, "u": 1, "n": 0}  # p and c already pay
    assert labels("any") == {"s": 1, "u": 1, "n": 0}
    assert labels("expansion") == {"p": 1}  # paying accounts only; c is in a sales cycle
