"""Playbooks fire on entering a state, never on staying in it; leaving and re-entering is a new change."""

from __future__ import annotations

import pytest

from leadlight.config import parse_config
from leadlight.contract import AccountObject, LeadObject, Person
from leadlight.errors import ConfigError
from leadlight.playbooks.conditions import holds
from leadlight.playbooks.matching import match
from leadlight.playbooks.routing import route
from leadlight.playbooks.triggers import Subject

CONFIG = """
playbooks:
  - name: hot
    trigger: {kind: enters, state: pqa}
  - name: pricing
    trigger: {kind: conditions, all: [{signal: pricing_views, op: ">=", value: 3}]}
  - name: expansion
    trigger: {kind: conditions, light: green, all: [{signal: seats_growth, op: ">=", value: 2}]}
    audience: [customer]
  - name: committee
    trigger: {kind: many_pqls, min: 2, within: 14d}
  - name: signals
    trigger: {kind: k_of_n, k: 2}
routing:
  - {when: [{field: employees, op: ">=", value: 500}], team: ae}
  - {team: sdr}
teams:
  ae: {members: [ann, bob]}
  sdr: {members: [sam], use_owner: false}
"""


def subject(account_id="a1", *, pqa=False, status="prospect", owner=None, signals=None, new_pqls=0, fired=0,
            employees=10):
    account = AccountObject(account_id=account_id, pqa=pqa, status=status, owner=owner,
                            champion=Person(user_id="u1", email="u1@a.com"))
    values = {"pricing_views": 0, "seats_growth": 0, **(signals or {})}
    return Subject(account=account, people=[LeadObject(user_id="u1", pql=True)], signals=values,
                   facts={"employees": employees, "triggers_fired": fired}, new_pqls=new_pqls)


def fired(hits):
    return sorted((h.playbook.name, h.subject.account.account_id, h.version) for h in hits)


def test_entering_fires_staying_does_not_and_re_entering_is_a_new_version():
    playbooks = parse_config(CONFIG).playbooks
    hits, state = match(playbooks, [subject(pqa=True)], {})
    assert fired(hits) == [("hot", "a1", 1)]
    hits, state = match(playbooks, [subject(pqa=True)], state)
    assert hits == []  # still a PQA: no second alert
    hits, state = match(playbooks, [subject(pqa=False)], state)
    assert hits == [] and state[("hot", "a1")] == (False, 1)
    hits, state = match(playbooks, [subject(pqa=True)], state)
    assert fired(hits) == [("hot", "a1", 2)]


def test_thresholds_audiences_many_pqls_and_k_of_n():
    playbooks = parse_config(CONFIG).playbooks
    hits, _ = match(playbooks, [subject(signals={"pricing_views": 3, "seats_growth": 5}, new_pqls=3, fired=2)], {})
    assert fired(hits) == [("committee", "a1", 1), ("pricing", "a1", 1), ("signals", "a1", 1)]
    # the expansion playbook is for customers only; a customer is never "hot" (not a PQA) but can expand
    hits, _ = match(playbooks, [subject(status="customer", signals={"pricing_views": 0, "seats_growth": 2})], {})
    assert fired(hits) == [("expansion", "a1", 1)]
    hits, _ = match(playbooks, [subject(signals={"pricing_views": 2}, new_pqls=2, fired=1)], {})
    assert hits == []  # 2 new PQLs is not "more than 2"; 2 views is below 3; 1 of k=2


def test_an_unknown_name_in_a_condition_is_a_config_error_naming_the_playbook():
    playbooks = parse_config(CONFIG).playbooks
    with pytest.raises(ConfigError, match="playbook 'pricing' reads 'pricing_views'"):
        bare = subject()
        bare.signals = {"seats_growth": 1}
        match(playbooks, [bare], {})


def test_routing_first_match_owner_first_then_round_robin():
    config = parse_config(CONFIG)
    given: dict[str, int] = {}
    big = [route(subject(f"a{i}", employees=900), config.routing, config.teams, given) for i in range(3)]
    assert [(a.team, a.rep) for a in big] == [("ae", "ann"), ("ae", "bob"), ("ae", "ann")]
    owned = route(subject(employees=900, owner="olga"), config.routing, config.teams, given)
    assert (owned.team, owned.rep) == ("ae", "olga")
    small = route(subject(owner="olga"), config.routing, config.teams, given)
    assert (small.team, small.rep) == ("sdr", "sam")  # this team does not hand accounts to their owner


@pytest.mark.parametrize("op,actual,expected,result", [
    (">=", 3, 3, True), (">", 3, 3, False), ("==", "Pro", "pro", True), ("in", "pro", ["team", "pro"], True),
    ("not_in", None, ["x"], False), ("missing", None, None, True), (">=", None, 1, False), ("==", "true", True, True),
    (">=", "abc", 1, False),
])
def test_conditions_read_like_scoring_rules(op, actual, expected, result):
    assert holds(op, actual, expected) is result
