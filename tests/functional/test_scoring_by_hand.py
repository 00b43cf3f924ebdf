"""Scores a RevOps user configures, checked by hand on a company small enough to work out on paper.

Four accounts and eight people, fifteen events, scored as of the end of 2026-03-10 (2026-03-11T00:00Z):

a1 Acme (pro plan, enterprise "true", ARR 1200, 50 people): u1 alice VP Eng (3 exports, 2 invites, last
   seen 0 days ago), u2 bob "Director, Sales" (1 export, 4 days ago), u3 carol gmail (2 exports, 1 day
   ago), u8 hal CTO (never active)
a2 Beta (free, 8 people): u4 dan co-founder & CEO (1 invite, active today), u5 eve Head of Design
   (email unconfirmed; 1 export 9 days ago), u7 zoë (unicode title, never active)
a3 Gamma (team, 300 people, ARR 99.5): nobody
a4 Delta (free): u6 frank Account Executive (4 exports, 5 days ago): only a disqualified person

Each test pins a number or a sentence worked out in its comments.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import cli

ACCOUNTS = """account_id,domain,name,employees,plan,is_enterprise,arr,sso
a1,acme.com,Acme,50,pro,true,1200,TRUE
a2,beta.io,Beta,8,free,false,0,true
a3,gamma.dev,Gamma,300,team,true,99.5,False
a4,delta.co,Delta,20,free,,,
"""
USERS = """user_id,email,title,account_id,created_at,email_confirmed,seats
u1,alice@acme.com,VP Eng,a1,2026-03-01,true,5
u2,bob@acme.com,"Director, Sales",a1,2026-03-01,true,1
u3,carol@gmail.com,,a1,2026-03-01,true,
u4,dan@beta.io,co-founder & CEO,a2,2026-03-02,true,3
u5,eve@beta.io,Head of Design,a2,2026-03-02,false,2
u6,frank@delta.co,Account Executive,a4,2026-03-03,true,1
u7,zoe@beta.io,Zoë Ärger – Geschäftsführerin,a2,2026-03-02,true,1
u8,hal@acme.com,CTO,a1,2026-03-01,true,1
"""
# user, event, timestamp, properties
EVENTS = [
    ("u1", "Export Run", "2026-03-02T10:00:00Z", {"rows": 50, "dry_run": False, "meta": {"plan": "pro"}}),
    ("u1", "Export Run", "2026-03-05T10:00:00Z", {"rows": 150, "dry_run": True, "meta": {"plan": "pro"}}),
    ("u1", "Export Run", "2026-03-10T10:00:00Z", {"rows": 500, "dry_run": False, "meta": {"plan": "team"}}),
    ("u1", "Teammate Invited", "2026-03-03T10:00:00Z", {}),
    ("u1", "Teammate Invited", "2026-03-04T10:00:00Z", {}),
    ("u2", "Export Run", "2026-03-06T10:00:00Z", {"rows": "200", "dry_run": "false"}),
    ("u3", "Export Run", "2026-03-08T10:00:00Z", {"rows": 10}),
    ("u3", "Export Run", "2026-03-09T10:00:00Z", {"rows": 20}),
    ("u4", "Teammate Invited", "2026-03-10T09:00:00Z", {}),
    ("u4", "Settings Changed", "2026-03-10T23:00:00Z", {}),
    ("u5", "Export Run", "2026-03-01T12:00:00Z", {"rows": 1000, "dry_run": False}),
    *[("u6", "Export Run", f"2026-03-0{d}T10:00:00Z", {"rows": 300}) for d in (2, 3, 4, 5)],
]
SIGNALS = """version: 1
name: by-hand
signals:
  - {name: u_exports, kind: count, level: user, event: Export Run, window: 28d, label: exports}
  - {name: u_invites, kind: count, level: user, event: Teammate Invited}
  - {name: u_last, kind: recency, level: user}
  - {name: u_big, kind: count, level: user, event: Export Run, where: [{property: rows, op: gt, value: 100}]}
  - {name: u_real, kind: count, level: user, event: Export Run, where: {dry_run: false}}
  - {name: u_epi, kind: ratio, level: user, numerator: u_exports, denominator: u_invites}
  - {name: u_seats, kind: attribute, level: user, column: seats}
  - {name: a_plan, kind: attribute, column: plan}
  - {name: a_emp, kind: attribute, column: employees}
  - {name: a_ent, kind: attribute, column: is_enterprise}
  - {name: a_arr, kind: attribute, column: arr}
  - {name: a_sso, kind: attribute, column: sso}
  - {name: a_exports, kind: count, event: Export Run}
  - {name: a_users, kind: distinct_users}
"""
# Every op, on counts, a ratio that is null for 0 invites, a recency that is null for the never active,
# a user attribute that is null for carol, and text attributes. Positive points: 10+10+5+3+2+4+1+6+7+1 = 49.
PQL = """scoring:
  reasons: 10
  pql:
    rules:
      - {signal: u_exports, op: ">=", value: 3, points: 10}
      - {signal: u_invites, op: ">", value: 1, points: 10}
      - {signal: u_big, op: "<=", value: 1, points: 5}
      - {signal: u_exports, op: "<", value: 1, points: -5}
      - {signal: u_seats, op: "==", value: 1, points: 3}
      - {signal: u_seats, op: "!=", value: 1, points: 2}
      - {signal: a_plan, op: in, value: [pro, team], points: 4}
      - {signal: a_plan, op: not_in, value: [pro], points: 1}
      - {signal: u_epi, op: exists, points: 6}
      - {signal: u_last, op: missing, points: -2}
      - {signal: a_ent, op: "==", value: true, points: 7}
      - {signal: u_real, op: ">=", value: 1, points: 1}
    required: [work_email, {signal: u_exports, op: ">=", value: 1}]
    disqualifiers: [personal_email, disposable_email, student, sales_persona, bought_self_serve, unconfirmed_email,
                    {signal: u_last, op: ">", value: 8, label: gone quiet}]
    decay: {kind: half_life, days: 7, signal: u_last}
    threshold: 50
"""
PQA = """  pqa:
    rollup: {method: max, points: 30}
    rules:
      - {signal: a_exports, op: ">=", value: 5, points: 20}
    triggers:
      k: 2
      points: 50
      of:
        - {signal: a_users, op: ">=", value: 2}
        - {signal: a_emp, op: ">=", value: 50}
        - {signal: a_arr, op: ">", value: 100}
    threshold: 60
"""
AS_OF = "2026-03-10"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("by_hand_data")
    (folder / "accounts.csv").write_text(ACCOUNTS)
    (folder / "users.csv").write_text(USERS)
    lines = [json.dumps({"type": "track", "userId": u, "event": e, "timestamp": ts, "messageId": f"m{i}",
                         "properties": p}) for i, (u, e, ts, p) in enumerate(EVENTS)]
    (folder / "events.ndjson").write_text("\n".join(lines) + "\n")
    return folder


def scored(folder: Path, data: Path, scoring: str, *as_of: str) -> str:
    """A project at ``folder`` with this scoring section, loaded and scored at each date (default AS_OF)."""
    folder.mkdir()
    (folder / "leadlight.yml").write_text(SIGNALS + scoring)
    for name, kind in (("accounts.csv", "accounts"), ("users.csv", "users"), ("events.ndjson", "events")):
        assert cli("ingest", str(data / name), "--kind", kind, "--project", str(folder))["rejected"] == 0
    for date in as_of or (AS_OF,):
        cli("score", "--as-of", date, "--project", str(folder))
    return str(folder)


@pytest.fixture(scope="module")
def hand(data, tmp_path_factory) -> str:
    return scored(tmp_path_factory.mktemp("by_hand") / "p", data, PQL + PQA)


def test_pql_points_ops_required_disqualifiers_and_decay(hand):
    leads = {u["user_id"]: u for u in cli("leads", "--project", hand)}
    # alice: 10 + 10 + 2 + 4 + 6 + 7 + 1 = 40 of 49, no decay (seen today) -> 81.6
    # bob: (5 + 3 + 4 + 7 + 1) x 0.5^(4/7) -> 27.5;  carol: (5 + 4 + 7) x 0.5^(1/7) -> 29.6
    # dan: 5 - 5 + 2 + 1 + 6 = 9 -> 18.4;  eve: (5 + 2 + 1 + 1) x 0.5^(9/7) -> 7.5
    # frank: (10 + 3 + 1) x 0.5^(5/7) -> 17.4;  zoë and hal never active: decay 0 -> 0
    assert {k: u["score"] for k, u in leads.items()} == {
        "u1": 81.6, "u2": 27.5, "u3": 29.6, "u4": 18.4, "u5": 7.5, "u6": 17.4, "u7": 0.0, "u8": 0.0}
    assert [k for k, u in leads.items() if u["pql"]] == ["u1"]
    assert {k: u["disqualifiers"] for k, u in leads.items()} == {
        "u1": [], "u2": [], "u3": ["personal_email", "requires work_email"], "u4": ["requires u_exports >= 1"],
        "u5": ["unconfirmed_email", "gone quiet"], "u6": ["sales_persona"],
        "u7": ["requires u_exports >= 1"], "u8": ["requires u_exports >= 1"]}


def test_decayed_reasons_add_up_to_the_score(hand):
    # Rules count in full and decay is one negative reason: bob reads 7, 5, 4, 3, 1 points of 49
    # (+14.3 +10.2 +8.2 +6.1 +2.0) and "last active 4 days ago" for what decay took (-13.3): 27.5.
    leads = {u["user_id"]: u for u in cli("leads", "--project", hand)}
    bob = leads["u2"]["reasons"]
    assert [(r["signal"], r["contribution"]) for r in bob] == [
        ("a_ent", 14.3), ("u_big", 10.2), ("a_plan", 8.2), ("u_seats", 6.1), ("u_real", 2.0), ("u_last", -13.3)]
    assert bob[-1]["text"] == "last active 4 days ago"
    # Listed in full (reasons: 10, and at most 2 negatives, which zoë and hal exceed), they add up to rounding.
    for u in (leads[k] for k in ("u1", "u2", "u3", "u4", "u5", "u6")):
        total = sum(r["contribution"] for r in u["reasons"])
        assert abs(total - u["score"]) <= 0.05 * len(u["reasons"]) + 0.05, u


def test_pqa_rollup_triggers_and_accounts_with_nobody_to_count(hand):
    accounts = cli("accounts", "--project", hand)
    # a1: best eligible 81.6 -> 24.48 of 30, exports 6 >= 5 -> 20, 3 of 3 triggers -> 50: 94.5 of 100.
    # a2: eve is disqualified, so dan's 18.4 -> 5.5. a3 has nobody, a4 only frank (a sales rep): 0.
    assert [(a["account_id"], a["score"], a["pqa"], a["quadrant"]) for a in accounts] == [
        ("a1", 94.5, True, "high_fit_high_intent"), ("a2", 5.5, False, "high_fit_low_intent"),
        ("a3", 0.0, False, "high_fit_low_intent"), ("a4", 0.0, False, "high_fit_low_intent")]
    a1 = accounts[0]
    assert a1["champion"]["user_id"] == "u1"
    assert [p["user_id"] for p in a1["decision_makers"]] == ["u8", "u1", "u2"]  # CTO, VP, a sales director
    assert accounts[2]["champion"] is None and accounts[2]["reasons"] == []


def test_inviters_come_first_only_when_invite_events_are_declared(hand, data, tmp_path):
    # Beta: dan did 2 things in 28 days, eve 1 (an export). By default the most active, dan, is champion;
    # naming Export Run an invite event puts eve first. The roll-up reason names the top lead's score
    # (dan's 18.4; eve is disqualified), not "the most engaged person", who is now eve.
    assert cli("explain", "a2", "--project", hand)["champion"]["user_id"] == "u4"
    project = scored(tmp_path / "p", data, PQL + PQA + "  people:\n    invite_events: [Export Run]\n")
    beta = cli("explain", "a2", "--project", project)
    assert beta["champion"]["user_id"] == "u5"
    assert [r["text"] for r in beta["reasons"]] == ["its top lead scores 18.4 of 100"]


def test_a_trigger_that_qualifies_alone_says_why(data, tmp_path):
    # a3 (300 people, ARR 99.5) holds 2 of 3 with no points: a PQA at score 0, and its reasons must say so.
    pqa = """  pqa:
    rollup: {method: pql_count, points: 30, cap: 2}
    triggers:
      k: 2
      qualifies: true
      of:
        - {signal: a_users, op: ">=", value: 2, label: two or more active people}
        - {signal: a_emp, op: ">=", value: 50, label: 50 or more employees}
        - {signal: a_arr, op: ">", value: 99, label: ARR over 99}
    threshold: 90
"""
    project = scored(tmp_path / "p", data, PQL + pqa)
    a3 = cli("explain", "a3", "--project", project)
    assert (a3["score"], a3["pqa"], a3["triggers_fired"]) == (0.0, True, 2)
    why = "2 of 3 buying signals: 50 or more employees, ARR over 99 (2 or more make a PQA)"
    assert a3["reasons"] == [{"signal": "triggers", "value": 2, "contribution": 0.0, "text": why}]
    a2 = cli("explain", "a2", "--project", project)  # 1 of 3: not a PQA, and no trigger reason
    assert not a2["pqa"] and all(r["signal"] != "triggers" for r in a2["reasons"])


def test_yes_no_text_column_matches_true_in_any_case(data, tmp_path):
    # sso is TRUE / true / False / empty in the accounts file: a1 and a2 hold `== true`, a3 `== false`.
    fit = """  fit:
    rules:
      - {signal: a_sso, op: "==", value: true, points: 1}
    threshold: 100
  intent:
    rules:
      - {signal: a_sso, op: in, value: [false], points: 1}
    threshold: 100
"""
    project = scored(tmp_path / "p", data, PQL + PQA + fit)
    got = {a["account_id"]: (a["fit"], a["intent"]) for a in cli("accounts", "--project", project)}
    assert got == {"a1": ("high", "low"), "a2": ("high", "low"), "a3": ("low", "high"), "a4": ("low", "low")}


def test_explain_as_of_a_stored_snapshot_and_one_never_scored(data, tmp_path):
    project = scored(tmp_path / "p", data, PQL + PQA, "2026-03-05", AS_OF)
    earlier = cli("explain", "a1", "--as-of", "2026-03-05", "--project", project)
    latest = cli("explain", "a1", "--project", project)
    assert (earlier["as_of"], latest["as_of"]) == ("2026-03-06T00:00:00Z", "2026-03-11T00:00:00Z")
    assert [h["as_of"] for h in latest["history"]] == ["2026-03-06T00:00:00Z", "2026-03-11T00:00:00Z"]
    assert [h["score"] for h in latest["history"]] == [earlier["score"], latest["score"]]
    never = cli("explain", "a1", "--as-of", "2026-03-01", "--project", project, code=1)
    assert never["error"] == "NotReady"
    assert "2026-03-11T00:00:00Z, 2026-03-06T00:00:00Z" in never["hint"]  # stored ones, as the CLI writes them
    assert cli("explain", "nope", "--project", project, code=1)["error"] == "NotFound"
