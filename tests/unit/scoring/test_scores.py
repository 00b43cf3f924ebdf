"""Points, required conditions, disqualifiers, decay, k-of-N, thresholds and quadrants, checked by hand.

Expected values are worked out in the docstring of ``fixtures`` (as of D = 2026-02-01).
"""

from __future__ import annotations

import pandas as pd
import pytest

from leadlight.config.project import IdentityConfig
from leadlight.scoring import score_frames
from leadlight.scoring.flags import person_flags, self_serve_buyers
from leadlight.signals import compute_signals
from tests.unit.scoring import fixtures
from tests.unit.scoring.fixtures import D


def scored(engine, scoring: str = fixtures.SCORING, as_of=D):
    config = fixtures.config(scoring)
    frames = compute_signals(engine, config.signals, as_of)
    accounts, users = score_frames(frames, person_flags(engine), config.scoring, self_serve_buyers(engine, as_of))
    return _by(accounts.to_pandas(), "account_id"), _by(users.to_pandas(), "user_id")


def _by(frame: pd.DataFrame, key: str) -> dict:
    frame = frame.astype(object).where(pd.notna(frame), None)
    return {r[key]: r for r in frame.to_dict("records")}


def test_points_per_condition_and_threshold(company):
    _, _, engine = company
    _, users = scored(engine)
    assert users["ann"]["score"] == 40.0  # 2 invites -> 40; 1 document < 3
    assert users["bob"]["score"] == 60.0  # 3 documents in 14 days -> 60
    assert users["ann"]["pql"] is False  # below the threshold of 50
    assert users["bob"]["pql"] is True


def test_events_at_or_after_as_of_never_count(company):
    _, _, engine = company
    _, users = scored(engine)
    assert users["ann"]["invites_28d"] == 2  # the invite a day after D is the future


def test_each_disqualifier(company):
    _, _, engine = company
    _, users = scored(engine)
    assert users["pat"]["score"] == 60.0 and users["pat"]["personal_email"] and not users["pat"]["pql"]
    # A customer's Account Executive is a lead like anyone else: the title rule is opt-in.
    assert users["rep"]["sales_persona"] and not users["rep"]["internal"] and not users["rep"]["disqualified"]
    assert users["cy"]["bought_self_serve"] and users["cy"]["disqualified"]
    assert not users["ann"]["bought_self_serve"]  # a1's self-serve deal closes after D
    assert {u for u, r in users.items() if r["disqualified"]} == {"pat", "cy"}


def test_the_vendors_own_staff_are_internal_and_disqualified(company):
    _, con, engine = company
    con.execute("UPDATE identities SET is_internal = true WHERE user_id = 'bob'")  # identity.internal_domains found him
    _, users = scored(engine)
    assert users["bob"]["internal"] and users["bob"]["disqualified"] and not users["bob"]["pql"]
    assert not users["rep"]["internal"]
    engine.identity = IdentityConfig(sales_titles_are_internal=True)  # the old title rule, asked for
    _, users = scored(engine)
    assert users["rep"]["internal"] and users["rep"]["disqualified"]


def test_condition_disqualifier_and_student_and_disposable(company):
    _, con, engine = company
    con.execute("UPDATE identities SET is_student = true WHERE user_id = 'bob'")
    con.execute("UPDATE identities SET is_disposable = true WHERE user_id = 'ann'")
    scoring = fixtures.SCORING.replace("    threshold: 50\n", "    threshold: 50\n    disqualifiers: [student, "
                                       "disposable_email, {signal: docs_14d, op: '>', value: 5, label: too busy}]\n", 1)
    _, users = scored(engine, scoring)
    assert users["bob"]["disqualified"] and users["bob"]["disq_0"] and not users["bob"]["pql"]
    assert users["ann"]["disq_1"]
    assert users["pat"]["disq_2"] and not users["pat"]["disq_0"]  # 7 documents > 5; not a student
    assert not users["rep"]["disqualified"]  # sales_persona is not listed any more


def test_required_conditions(company):
    _, _, engine = company
    scoring = fixtures.SCORING.replace("    threshold: 50\n", "    threshold: 0\n    required: [confirmed_email, "
                                       "{signal: docs_14d, op: '>=', value: 1}]\n    disqualifiers: []\n", 1)
    _, users = scored(engine, scoring)
    assert users["cy"]["qualified"] is False and users["cy"]["pql"] is False  # unconfirmed, and no documents
    assert users["rep"]["qualified"] is True and users["rep"]["pql"] is True  # threshold 0, no disqualifiers now
    assert users["ann"]["req_0"] and users["ann"]["req_1"]


@pytest.mark.parametrize(
    "decay, bob, ann",
    [
        ("{kind: half_life, days: 7, signal: last_seen}", round(60 * 0.5 ** (8 / 7), 1), round(40 * 0.5 ** (1 / 7), 1)),
        ("{kind: linear, days: 10, signal: last_seen}", 12.0, 36.0),
    ],
)
def test_decay_multiplies_points(company, decay, bob, ann):
    _, _, engine = company
    scoring = fixtures.SCORING.replace("    threshold: 50\n", f"    threshold: 50\n    decay: {decay}\n", 1)
    _, users = scored(engine, scoring)
    assert users["bob"]["score"] == bob  # last seen 8 days before D
    assert users["ann"]["score"] == ann  # last seen 1 day before D
    assert users["cy"]["score"] == 0.0


def test_pqa_rollup_rules_and_k_of_n(company):
    _, _, engine = company
    accounts, _ = scored(engine)
    a1 = accounts["a1"]
    # best eligible person: bob 60 (pat is disqualified) -> 50 * 0.6 = 30; 4 active users -> 25;
    # 2 of 3 triggers (2 invites, 12 documents; no pricing) -> 25. Max points 100.
    assert (a1["pqa_rollup"], a1["pqa_rule_0"], a1["triggers_fired"], a1["pqa_trigger"]) == (30.0, 25.0, 2, 25.0)
    assert a1["score"] == 80.0 and a1["pqa"] is True
    assert accounts["a2"]["score"] == 0.0 and accounts["a2"]["best_score"] == 0.0  # cy is disqualified
    assert accounts["a3"]["people"] == 0 and accounts["a3"]["pqa"] is False


def test_k_of_n_needs_k(company):
    _, _, engine = company
    accounts, _ = scored(engine, fixtures.SCORING.replace("k: 2", "k: 3"))
    assert accounts["a1"]["triggers_fired"] == 2 and accounts["a1"]["pqa_trigger"] == 0.0
    assert accounts["a1"]["score"] == 55.0 and accounts["a1"]["pqa"] is False  # threshold 60


def test_trigger_that_qualifies_alone(company):
    _, _, engine = company
    scoring = fixtures.SCORING.replace("points: 25\n      of:", "points: 0\n      qualifies: true\n      of:")
    scoring = scoring.replace("    threshold: 60", "    threshold: 100")
    accounts, _ = scored(engine, scoring)
    assert accounts["a1"]["pqa"] is True and accounts["a1"]["score"] < 100
    assert accounts["a3"]["pqa"] is False


def test_pql_count_rollup(company):
    _, _, engine = company
    accounts, _ = scored(engine, fixtures.SCORING.replace("{method: max, points: 50}", "{method: pql_count, points: 30, cap: 2}"))
    a1 = accounts["a1"]
    assert a1["pql_users"] == 1 and a1["pqa_rollup"] == 15.0  # 1 PQL of a cap of 2 -> half of 30


def test_fit_intent_and_quadrants(company):
    _, _, engine = company
    accounts, _ = scored(engine)
    assert {a: (r["fit_score"], r["fit"], r["intent"], r["quadrant"], r["priority"]) for a, r in accounts.items()} == {
        "a1": (100.0, "high", "high", "high_fit_high_intent", 0),
        "a2": (0.0, "low", "low", "low_fit_low_intent", 3),
        "a3": (100.0, "high", "low", "high_fit_low_intent", 1),
    }


def test_intent_rules_replace_the_pqa_score(company):
    _, _, engine = company
    scoring = fixtures.SCORING + "  intent:\n    rules: [{signal: pricing_28d, op: '>=', value: 1, points: 10}]\n"
    accounts, _ = scored(engine, scoring)
    assert accounts["a1"]["intent"] == "low" and accounts["a1"]["quadrant"] == "high_fit_low_intent"


def test_unknown_signal_in_a_rule_is_a_config_error(company):
    from leadlight.errors import ConfigError

    _, _, engine = company
    with pytest.raises(ConfigError, match=r"scoring.pqa.rules\[0\].*nope"):
        scored(engine, fixtures.SCORING.replace("{signal: active_users_28d,", "{signal: nope,"))


def test_numeric_comparison_on_text_signal_is_a_config_error(company):
    from leadlight.errors import ConfigError

    _, _, engine = company
    with pytest.raises(ConfigError, match="not a number"):
        scored(engine, fixtures.SCORING.replace('{signal: industry, op: "==", value: software', '{signal: industry, op: ">=", value: 3'))


@pytest.mark.parametrize("rule, message", [
    ('{signal: employees, op: "==", value: true', 'is a number but the value true is yes/no'),
    ('{signal: employees, op: in, value: [100, big]', 'is a number but the value "big" is text'),
])
def test_a_value_of_the_wrong_kind_is_a_config_error_not_a_crash(company, rule, message):
    from leadlight.errors import ConfigError

    _, _, engine = company
    wrong = fixtures.SCORING.replace('{signal: employees, op: ">=", value: 100', rule)
    assert wrong != fixtures.SCORING
    with pytest.raises(ConfigError, match=message):
        scored(engine, wrong)


def test_points_that_do_not_divide_100_evenly(company):
    _, _, engine = company
    uneven = fixtures.SCORING.replace(
        '      - {signal: employees, op: ">=", value: 100, points: 50}\n'
        '      - {signal: industry, op: "==", value: software, points: 50}\n',
        '      - {signal: employees, op: ">=", value: 100, points: 60}\n'
        '      - {signal: industry, op: "==", value: software, points: 30}\n',
    )
    assert uneven != fixtures.SCORING
    accounts, _ = scored(engine, uneven)
    # 90 points available; an account with only one of the two conditions scores 60/90 or 30/90 of 100
    assert {r["fit_score"] for r in accounts.values()} <= {0.0, 33.3, 66.7, 100.0}
    assert accounts["a1"]["fit_score"] == 100.0
