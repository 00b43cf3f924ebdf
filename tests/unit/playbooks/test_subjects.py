"""Subjects from a snapshot's frames: what matching counts on the whole frame equals what the people say."""

from __future__ import annotations

import json

import pandas as pd

from leadlight.playbooks.subjects import subjects

ACCOUNTS = pd.DataFrame([
    {"account_id": "a1", "name": "One", "pqa": True, "status": "prospect", "signals": json.dumps({"x": 1}),
     "people": 3, "reasons": "[]"},
    {"account_id": "a2", "name": "Two", "pqa": False, "status": "customer", "signals": json.dumps({"x": 0}),
     "people": 1, "reasons": "[]"},
    {"account_id": "a3", "name": "Nobody", "pqa": False, "status": "prospect", "signals": None, "people": 0,
     "reasons": "[]"},
])
USERS = pd.DataFrame([
    {"user_id": "u1", "account_id": "a1", "pql": True, "score": 80.0, "reasons": "[]", "email": "u1@one.com"},
    {"user_id": "u2", "account_id": "a1", "pql": True, "score": 70.0, "reasons": "[]", "email": "u2@one.com"},
    {"user_id": "u3", "account_id": "a1", "pql": False, "score": 10.0, "reasons": "[]", "email": None},
    {"user_id": "u4", "account_id": "a2", "pql": False, "score": 5.0, "reasons": "[]", "email": None},
    {"user_id": "u5", "account_id": None, "pql": True, "score": 90.0, "reasons": "[]", "email": None},
])


def test_pql_counts_match_the_people_and_people_are_the_accounts_own():
    found = {s.account.account_id: s for s in subjects(ACCOUNTS, USERS, earlier_pqls={"u1"})}
    assert set(found) == {"a1", "a2", "a3"}
    one, two, nobody = found["a1"], found["a2"], found["a3"]
    assert (one.any_pql, one.new_pqls) == (True, 1)  # u2 became a PQL; u1 already was one
    assert (two.any_pql, two.new_pqls) == (False, 0)
    assert (nobody.any_pql, nobody.new_pqls, nobody.people) == (False, 0, [])
    assert [p.user_id for p in one.people] == ["u1", "u2", "u3"]
    assert [p.user_id for p in two.people] == ["u4"]
    for s in found.values():  # the counts equal what the built people say
        assert s.any_pql == any(p.pql for p in s.people)
    assert one.signals == {"x": 1} and nobody.signals == {}


def test_nobody_earlier_means_every_pql_is_new():
    one = next(s for s in subjects(ACCOUNTS, USERS) if s.account.account_id == "a1")
    assert one.new_pqls == 2


def test_no_people_at_all():
    found = subjects(ACCOUNTS, USERS.iloc[:0])
    assert [(s.any_pql, s.new_pqls, s.people) for s in found] == [(False, 0, [])] * 3
