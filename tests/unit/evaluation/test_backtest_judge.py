"""The backtest report on a replay small enough to check by hand."""

from datetime import datetime

import pandas as pd

from leadlight.evaluation.backtest import judge, suggest_threshold

JAN, FEB = datetime(2026, 1, 1), datetime(2026, 2, 1)


def replay():
    rows = [
        # account, as_of, label, self_serve, won_at, amount, score, flag
        ("a", JAN, 0, 0, None, None, 90, True),
        ("a", FEB, 1, 0, datetime(2026, 2, 11), 10000, 95, True),   # flagged in Jan, won Feb 11: 41 days
        ("b", JAN, 1, 0, datetime(2026, 1, 20), 4000, 10, False),   # a missed buyer
        ("c", JAN, 0, 1, None, None, 80, True),                     # flagged, bought self-serve
        ("d", JAN, 0, 0, None, None, 20, False),
        ("d", FEB, 0, 0, None, None, 30, False),
        ("e", FEB, 0, 0, None, None, 40, False),
        ("f", FEB, 0, 0, None, None, 5, False),
    ]
    frame = pd.DataFrame(rows, columns=["account_id", "as_of", "label", "self_serve", "won_at", "amount", "score", "flag"])
    frame["quadrant"] = ["high_fit_high_intent"] * 2 + ["low_fit_low_intent"] + ["high_fit_high_intent"] + ["low_fit_low_intent"] * 4
    return frame


def test_judge_by_hand():
    r = judge("rules", replay(), lambda row: {"score": row.score})
    assert r["precision"] == round(1 / 3, 4) and r["recall"] == 0.5
    assert r["pql_conversion_rate"] == round(1 / 3, 4) and r["non_pql_conversion_rate"] == 0.2
    assert r["share_flagged"] == round(3 / 8, 4)
    assert [m["account_id"] for m in r["missed_buyers"]] == ["b"]
    assert r["missed_buyers"][0]["signals"] == {"score": 10}
    assert r["missed_buyers"][0]["as_of"].endswith("Z")  # the same timestamp form as score --json
    assert r["self_serve_flagged"]["accounts"] == ["c"]
    assert r["median_days_flag_to_opportunity"] == 41.0
    assert r["median_amount_flagged_wins"] == 10000 and r["median_amount_unflagged_wins"] == 4000
    quadrants = {q["quadrant"]: q["conversion_rate"] for q in r["by_quadrant"]}
    assert quadrants == {"high_fit_high_intent": round(1 / 3, 4), "low_fit_low_intent": 0.2}
    assert sum(d["rows"] for d in r["by_decile"]) == 8


def test_suggested_threshold_lands_in_the_band():
    n = 100
    frame = pd.DataFrame({"score": range(n), "label": [1 if i >= 80 and i % 2 == 0 else 0 for i in range(n)]})
    s = suggest_threshold(frame)
    assert 0.15 <= s["share_flagged"] <= 0.35
    assert s["meets_target"] and s["share_conversions"] >= 0.6
