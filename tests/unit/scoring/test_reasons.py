"""Reasons: top positive and negative contributions, in each signal's sentence."""

from __future__ import annotations

import json

from leadlight.scoring import explain
from leadlight.scoring.snapshot import score_snapshot
from tests.unit.scoring import fixtures

DECAYED = fixtures.SCORING.replace(
    "    threshold: 50\n", "    threshold: 50\n    decay: {kind: linear, days: 10, signal: last_seen}\n", 1)


def test_top_orders_and_cuts():
    rs = [explain.reason(s, 1, c, s) for s, c in [("a", 5), ("b", -3), ("c", 20), ("d", 0), ("e", -9), ("f", 1)]]
    assert [r["signal"] for r in explain.top(rs, 2, 1)] == ["d", "c", "e"]
    # d is worth no points, so it is there for what it decides (a trigger that qualifies): it comes first.
    assert [r["signal"] for r in explain.top(rs, 3, 2)] == ["d", "c", "a", "e", "b"]


def test_account_reasons_read_as_sentences(company):
    _, _, engine = company
    snap = score_snapshot(engine, fixtures.config(), fixtures.D)
    a1 = snap.accounts.set_index("account_id").loc["a1"]


    assert json.loads(a1.reasons) == [
        {"signal": "best_person_score", "value": 60, "contribution": 30.0,
         "text": "its top lead scores 60 of 100"},
        {"signal": "active_users_28d", "value": 4, "contribution": 25.0, "text": "4 active users in the last 28 days"},
        {"signal": "triggers", "value": 2, "contribution": 25.0,
         "text": "2 of 3 buying signals: teammates invited, documents created"},
    ]
    assert json.loads(a1.fit_reasons) == [
        {"signal": "employees", "value": 200, "contribution": 50.0, "text": "employees: 200"},
        {"signal": "industry", "value": "software", "contribution": 50.0, "text": "industry: software"},
    ]


def test_person_reasons_show_what_decay_took(company):
    _, _, engine = company
    snap = score_snapshot(engine, fixtures.config(DECAYED), fixtures.D)


    bob = snap.users.set_index("user_id").loc["bob"]
    # 3 documents -> 60 points x (1 - 8/10) = 12: the rule's 60, less the 48 decay took, add up to 12.
    assert bob.score == 12.0
    assert json.loads(bob.reasons) == [
        {"signal": "docs_14d", "value": 3, "contribution": 60.0, "text": "3 documents created in the last 14 days"},
        {"signal": "last_seen", "value": 8, "contribution": -48.0, "text": "last active 8 days ago"},
    ]
    assert json.loads(snap.users.set_index("user_id").loc["pat"].disqualifiers) == ["personal_email"]
