"""Snapshots are stored with their provenance; the tasks read them back in the contract's shapes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from leadlight import __version__
from leadlight.errors import NotFound, NotReady, UsageError
from leadlight.scoring.snapshot import definition_hash, score_snapshot as _score
from leadlight.tasks.score import store
from leadlight.tasks import snapshots
from tests.unit.scoring import fixtures
from tests.unit.scoring.fixtures import D

ACCOUNT_KEYS = {"schema_version", "account_id", "name", "domain", "score", "probability", "fit", "intent", "quadrant",
                "pqa", "reasons", "champion", "decision_makers", "play", "status", "owner", "motion", "expected_value",
                "motion_reason", "self_serve_probability", "deal_size", "uplift", "uplift_reliable", "employees", "industry", "country", "plan",
                "as_of"}
LEAD_KEYS = {"schema_version", "user_id", "email", "title", "account_id", "account_name", "score", "pql",
             "disqualifiers", "reasons", "link", "flags", "persona"}


def _dump(found):
    return found.model_dump() if hasattr(found, "model_dump") else [f.model_dump() for f in found]


def list_accounts(*args, **kwargs):
    return _dump(snapshots.list_accounts(*args, **kwargs))


def list_leads(*args, **kwargs):
    return _dump(snapshots.list_leads(*args, **kwargs))


def explain_account(*args, **kwargs):
    return _dump(snapshots.explain_account(*args, **kwargs))


def score_snapshot(engine, config, as_of=None):
    snap = _score(engine, config, as_of)
    store(engine.project, engine, snap)
    return snap


def test_snapshot_is_stored_with_provenance_and_replaced_on_rescore(company):
    project, con, engine = company
    config = fixtures.config()
    first = score_snapshot(engine, config, D)
    assert first.summary() == {"as_of": D.isoformat(), "accounts": 3, "users": 5, "pqas": 1, "pqls": 1}
    score_snapshot(engine, config, D)  # same as_of: replaced, not doubled
    score_snapshot(engine, config, D - timedelta(days=20))
    rows = con.execute("SELECT as_of, count(*), min(definition_hash), min(leadlight_version) FROM account_scores "
                       "GROUP BY as_of ORDER BY as_of").fetchall()
    assert rows == [(D - timedelta(days=20), 3, definition_hash(config), __version__),
                    (D, 3, definition_hash(config), __version__)]
    assert con.execute("SELECT count(*) FROM user_scores WHERE as_of = ?", [D]).fetchone()[0] == 5


def test_definition_hash_changes_with_the_definition():
    assert definition_hash(fixtures.config()) == definition_hash(fixtures.config())
    assert definition_hash(fixtures.config()) != definition_hash(fixtures.config(fixtures.SCORING.replace("60}", "61}")))


def test_default_as_of_is_one_second_after_the_latest_event(company):
    _, _, engine = company
    snap = score_snapshot(engine, fixtures.config())
    assert snap.as_of == D + timedelta(days=1, seconds=1)  # the "future" invite is the latest event


def test_reading_before_scoring_is_not_ready(company):
    project, con, _ = company
    con.close()
    with pytest.raises(NotReady, match="no scores yet") as err:
        list_accounts(project)
    assert "leadlight score" in err.value.hint


def test_accounts_by_priority_in_the_contract_shape(company):
    project, con, engine = company
    score_snapshot(engine, fixtures.config(), D)
    con.close()
    accounts = list_accounts(project)
    assert [a["account_id"] for a in accounts] == ["a1", "a3", "a2"]  # quadrant priority, then score
    assert all(set(a) == ACCOUNT_KEYS for a in accounts)
    a1 = accounts[0]
    assert a1["champion"] == {"user_id": "ann", "email": "ann@acme.com", "title": "CTO"}  # admin beats busier bob
    assert a1["decision_makers"] == [{"user_id": "ann", "email": "ann@acme.com", "title": "CTO"}]  # VP pat: gmail
    assert a1["probability"] is None and a1["play"] is None and a1["name"] == "Acme"
    assert [a["account_id"] for a in list_accounts(project, quadrant="high_fit_low_intent")] == ["a3"]
    assert len(list_accounts(project, limit=1)) == 1
    with pytest.raises(UsageError):
        list_accounts(project, quadrant="hot")
    with pytest.raises(NotReady, match="no snapshot as of"):
        list_accounts(project, as_of="2020-01-01")


def test_accounts_as_of_reads_that_snapshot(company):
    project, con, engine = company
    score_snapshot(engine, fixtures.config(), D)
    score_snapshot(engine, fixtures.config(), datetime(2026, 1, 10))
    con.close()
    early = {a["account_id"]: a["score"] for a in list_accounts(project, as_of="2026-01-09")}
    assert early["a1"] == 0.0  # nothing happened yet on Jan 9th
    assert {a["account_id"]: a["score"] for a in list_accounts(project)}["a1"] == 80.0  # latest is D
    early_leads = {u["user_id"]: u["score"] for u in list_leads(project, as_of="2026-01-09")}
    latest_leads = {u["user_id"]: u["score"] for u in list_leads(project)}
    assert early_leads != latest_leads and latest_leads["bob"] > early_leads.get("bob", 0.0)
    with pytest.raises(NotReady, match="no snapshot as of"):
        list_leads(project, as_of="2020-01-01")


def test_leads_show_link_flags_and_disqualifiers(company):
    project, con, engine = company
    score_snapshot(engine, fixtures.config(), D)
    con.close()
    leads = list_leads(project)
    assert all(set(u) == LEAD_KEYS for u in leads)
    assert leads[0]["user_id"] == "bob" and leads[0]["pql"] is True  # the only PQL comes first
    by_id = {u["user_id"]: u for u in leads}
    assert by_id["pat"]["pql"] is False and by_id["pat"]["disqualifiers"] == ["personal_email"]
    assert by_id["pat"]["flags"]["personal_email"] is True
    assert by_id["rep"]["disqualifiers"] == []  # a customer's Account Executive; the title rule is opt-in
    assert by_id["cy"]["disqualifiers"] == ["bought_self_serve"]
    assert by_id["ann"]["link"] == {"method": "group", "account_id": "a1"}
    assert by_id["ann"]["persona"] == {"seniority": "c_level", "department": "engineering"}
    assert {u["user_id"] for u in list_leads(project, account_id="a2")} == {"cy"}
    with pytest.raises(NotFound):
        list_leads(project, account_id="nope")


def test_explain_has_users_breakdown_and_history(company):
    project, con, engine = company
    score_snapshot(engine, fixtures.config(), D - timedelta(days=7))
    score_snapshot(engine, fixtures.config(), D)
    con.close()
    a1 = explain_account(project, "a1")
    assert ACCOUNT_KEYS <= set(a1)
    assert [u["user_id"] for u in a1["users"]][0] == "bob"
    assert {u["user_id"] for u in a1["users"]} == {"ann", "bob", "pat", "rep"}
    assert [h["as_of"] for h in a1["history"]] == ["2026-01-25T00:00:00Z", "2026-02-01T00:00:00Z"]
    assert a1["fit_score"] == 100.0 and a1["as_of"] == "2026-02-01T00:00:00Z"
    with pytest.raises(NotFound, match="nope"):
        explain_account(project, "nope")


def test_names_and_status_come_with_the_scores_replay_and_a_new_owner_column_is_read(company):
    """A snapshot's account names and sales status are compiled into the scores' recorded SQL: a re-score in the
    same process builds no Ibis for them, stores what a build stores, and an owner column added since is read."""
    from leadlight.storage import recipes

    project, con, _ = company
    config = fixtures.config()

    def accounts():
        frame = _score(fixtures.engine_for(con, project), config, D).accounts
        return frame.drop(columns=["scored_at"]).sort_values("account_id").reset_index(drop=True)

    recipes._MEMORY.clear()
    first = accounts()
    built = recipes.COUNTS["built"]
    again = accounts()
    assert recipes.COUNTS["built"] == built
    import pandas as pd

    pd.testing.assert_frame_equal(again, first)
    assert set(first["status"]) > {"prospect"}
    con.execute("ALTER TABLE accounts ADD COLUMN owner VARCHAR")
    con.execute("UPDATE accounts SET owner = 'rep@example.com'")
    assert set(accounts()["owner"]) == {"rep@example.com"}
