"""A re-score after arbitrary new events equals a full recompute, column for column.

The re-scored project carries every piece of state a re-score may reuse: a
stored snapshot with the fingerprint of its inputs, a daily signal rollup
(built by a score at midnight), resolved identities. New events arrive late or
after the latest one at any second, from known and new people, with identify
and group calls; the new moment is anywhere after the latest event (midnight
too, where the rollup answers). The full recompute is a copy of the same data
that was never scored: no snapshot, no rollup, nothing remembered.
"""

from __future__ import annotations

import itertools
import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from leadlight.storage import Project
from leadlight.tasks.score import score
from tests.cli import cli, generated_project
from tests.functional.test_rescore import snapshot_rows

EVENTS = ("Teammate Invited", "Comment Added", "Paywall Hit", "Plan Limit Reached", "Unsubscribed", "Signed Up")
PAGES = ("Pricing", "Admin Settings", "Security", "Billing", "Docs")
NEW_USERS = ("new-u1", "new-u2")
_FILES = itertools.count()


def _db(project: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("rescore-property")
    _, project = generated_project(root, None, accounts=5, days=28, seed=23)
    pristine = root / "pristine"
    shutil.copytree(project, pristine)  # the same data, never scored
    con = _db(project)
    try:
        latest = con.execute("SELECT max(timestamp) FROM events").fetchall()[0][0]
        users = [r[0] for r in con.execute("SELECT user_id FROM users ORDER BY user_id LIMIT 12").fetchall()]
        accounts = [r[0] for r in con.execute("SELECT account_id FROM accounts ORDER BY account_id").fetchall()]
    finally:
        con.close()
    midnight = datetime(latest.year, latest.month, latest.day) + timedelta(days=1)
    score(Project(project), midnight.isoformat() + "Z")  # builds the daily rollup
    score(Project(project))  # the latest snapshot, with its inputs' fingerprint
    return {"scored": project, "pristine": pristine, "latest": latest, "users": users, "accounts": accounts}


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@st.composite
def new_events(draw, company: dict) -> list[dict]:
    latest: datetime = company["latest"]
    people = st.sampled_from(company["users"] + list(NEW_USERS))
    out = []
    for i in range(draw(st.integers(1, 12))):
        late = draw(st.booleans())
        seconds = draw(st.integers(0, 20 * 86400 if late else 3 * 86400))
        when = latest - timedelta(seconds=seconds) if late else latest + timedelta(seconds=seconds)
        kind = draw(st.sampled_from(("track", "track", "page", "identify", "group", "anonymous")))
        user = draw(people)
        msg: dict = {"type": kind, "userId": user, "messageId": f"new-{next(_FILES)}-{i}", "timestamp": _stamp(when)}
        if kind == "track":
            msg["event"] = draw(st.sampled_from(EVENTS))
        elif kind == "page":
            msg["name"] = draw(st.sampled_from(PAGES))
        elif kind == "anonymous":  # a visitor's page view, stitched to a user by an identify call below
            msg.update(type="page", userId=None, anonymousId="visitor-1", name=draw(st.sampled_from(PAGES)))
        elif kind == "identify":
            msg.update(anonymousId="visitor-1", traits={
                "email": draw(st.sampled_from((f"{user}@newco.example", f"{user}@gmail.com"))),
                "title": draw(st.sampled_from(("VP Engineering", "Account Executive", "Student", "Engineer")))})
        else:
            msg["groupId"] = draw(st.sampled_from(company["accounts"] + ["new-account"]))
            msg["traits"] = {"name": "Newco", "domain": "newco.example"}
        out.append(msg)
    return out


@st.composite
def moments(draw, events: list[dict]) -> str | None:
    """None (one second after the latest event), a moment any second after it, or the midnight after it."""
    latest = max(datetime.strptime(m["timestamp"], "%Y-%m-%dT%H:%M:%SZ") for m in events)
    choice = draw(st.sampled_from(("latest", "later", "midnight")))
    if choice == "latest":
        return None
    if choice == "midnight":
        return _stamp(datetime(latest.year, latest.month, latest.day) + timedelta(days=1))
    return _stamp(latest + timedelta(seconds=draw(st.integers(1, 2 * 86400))))


def _rescore_equals_full(company: dict, tmp: Path, events: list[dict], as_of: str | None) -> None:
    batch = tmp / f"new-{next(_FILES)}.ndjson"
    batch.write_text("".join(json.dumps(m) + "\n" for m in events))
    results = {}
    for side in ("scored", "pristine"):
        project = tmp / f"{side}-{next(_FILES)}"
        shutil.copytree(company[side], project)
        cli("ingest", str(batch), "--kind", "events", "--project", str(project))
        results[side] = (score(Project(project), as_of), snapshot_rows(project), project)
    (summary, stored, project), (full, stored_full, _) = results["scored"], results["pristine"]
    assert summary["reused"] is False and full["reused"] is False
    assert {k: v for k, v in summary.items() if k != "reused"} == {k: v for k, v in full.items() if k != "reused"}
    at = datetime.fromisoformat(summary["as_of"].removesuffix("Z"))
    for table in stored:  # the re-scored project keeps its earlier snapshots too: compare the new one
        rows = [r for r in stored[table] if r[0] == at]  # as_of is the first column
        assert rows and rows == [r for r in stored_full[table] if r[0] == at], table
    for side in results.values():
        shutil.rmtree(side[2])


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_a_rescore_after_new_events_equals_a_full_recompute(company, tmp_path, data):
    events = data.draw(new_events(company))
    _rescore_equals_full(company, tmp_path, events, data.draw(moments(events)))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_many_rescores_after_new_events_equal_a_full_recompute(company, tmp_path, data):
    events = data.draw(new_events(company))
    _rescore_equals_full(company, tmp_path, events, data.draw(moments(events)))
