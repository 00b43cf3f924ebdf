"""A re-score after arbitrary new events equals a full recompute, column for column.

The re-scored project carries every piece of state a re-score may reuse: a
stored snapshot with the fingerprint of its inputs, the kept signal history
(``signals/incremental.py``), resolved identities. New events arrive in one or
two batches, each re-scored: late (stamped up to 20 days before the previous
run's moment) or after the latest one at any second, from known and new people,
with identify calls (a visitor stitched) and group calls (people re-linked to
another account); each moment is anywhere after the latest event, mid-day or
midnight, or days later (every window edge mid-day, on days the per-day summary
of the windows holds or not); before a re-score leadlight.yml may change (a window's length, what a windowed
signal counts, a window longer than any before: kept window partials built again or not). The full recompute is a copy of the same data that was never scored
and reads raw events only: no snapshot, no kept history, nothing remembered.
"""

from __future__ import annotations

import itertools
import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from unittest import mock

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from leadlight.signals import incremental
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
    deferred = root / "deferred"  # scored once as `leadlight score` does: the kept history left to the next score
    shutil.copytree(project, deferred)
    score(Project(deferred))
    score(Project(project), build_kept=True)  # the latest snapshot, with its inputs' fingerprint, and the kept history
    return {"scored": project, "deferred": deferred, "pristine": pristine, "latest": latest, "users": users,
            "accounts": accounts}


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


def _latest(events: list[dict], before: datetime) -> datetime:
    return max([before, *(datetime.strptime(m["timestamp"], "%Y-%m-%dT%H:%M:%SZ") for m in events)])


@st.composite
def moments(draw, latest: datetime) -> str | None:
    """None (one second after the latest event), a moment any second after it, the midnight after it, or days
    later at any time of day (every window edge then falls mid-day, on days the per-day summary holds or not)."""
    choice = draw(st.sampled_from(("latest", "later", "midnight", "days later")))
    if choice == "latest":
        return None
    if choice == "midnight":
        return _stamp(datetime(latest.year, latest.month, latest.day) + timedelta(days=1))
    if choice == "days later":
        return _stamp(latest + timedelta(days=draw(st.integers(2, 40)), seconds=draw(st.integers(0, 86399))))
    return _stamp(latest + timedelta(seconds=draw(st.integers(1, 2 * 86400))))


# Edits of leadlight.yml a run may see before it re-scores: a window's length (the same day partials answer), what
# a windowed signal counts (its partials are built again from raw events), a window longer than any before.
EDITS = (None, ("{name: invites_14d, kind: count, event: Teammate Invited, window: 14d",
                "{name: invites_14d, kind: count, event: Teammate Invited, window: 10d"),
         ("event: [Pricing, Billing], window: 28d", "event: [Pricing, Docs], window: 28d"),
         ("{name: features_used_28d, kind: breadth, window: 28d", "{name: features_used_28d, kind: breadth, window: 120d"))


def _edit(project: Path, edit: tuple[str, str] | None) -> None:
    if edit is not None:
        path = project / "leadlight.yml"
        text = path.read_text()
        assert edit[0] in text or edit[1] in text  # made by an earlier batch
        path.write_text(text.replace(edit[0], edit[1]))


def _rescore_equals_full(company: dict, tmp: Path, batches: list[tuple], start: str = "scored") -> None:
    """``start``: the project re-scored, "scored" (its kept history built) or "deferred" (a first score left
    building it to the next)."""
    files = []
    for events, *_ in batches:
        files.append(tmp / f"new-{next(_FILES)}.ndjson")
        files[-1].write_text("".join(json.dumps(m) + "\n" for m in events))
    scored, pristine = (tmp / f"{side}-{next(_FILES)}" for side in ("scored", "pristine"))
    shutil.copytree(company[start], scored)
    shutil.copytree(company["pristine"], pristine)
    for batch, (_, as_of, *edit) in zip(files, batches):  # re-scored after each batch, as a run loop would
        cli("ingest", str(batch), "--kind", "events", "--project", str(scored))
        _edit(scored, edit[0] if edit else None)
        summary = score(Project(scored), as_of)
        con = _db(scored)
        try:
            until, seen, events = con.execute("SELECT until, events_seen, (SELECT count(*) FROM events) "
                                              "FROM signal_kept_state").fetchall()[0]
            partials = con.execute("SELECT until, events_seen FROM signal_partials_state").fetchall()
        finally:
            con.close()
        at = datetime.fromisoformat(summary["as_of"].removesuffix("Z"))
        # The kept history was brought up to every event (the re-score used it), unless this moment is earlier
        # than its cutoff (a previous run was as of a later day): then raw events answer.
        assert seen == events or until > datetime(at.year, at.month, at.day)
        # The window partials followed it (the re-score read them).
        assert seen != events or partials == [(until, events)]
    for batch, (_, _, *edit) in zip(files, batches):
        cli("ingest", str(batch), "--kind", "events", "--project", str(pristine))
        _edit(pristine, edit[0] if edit else None)
    with mock.patch.object(incremental, "kept_activity", lambda *args, **kwargs: None):
        full = score(Project(pristine), batches[-1][1])
    stored, stored_full = snapshot_rows(scored), snapshot_rows(pristine)
    assert summary["reused"] is False and full["reused"] is False
    assert {k: v for k, v in summary.items() if k != "reused"} == {k: v for k, v in full.items() if k != "reused"}
    at = datetime.fromisoformat(summary["as_of"].removesuffix("Z"))
    for table in stored:  # the re-scored project keeps its earlier snapshots too: compare the new one
        rows = [r for r in stored[table] if r[0] == at]  # as_of is the first column
        assert rows and rows == [r for r in stored_full[table] if r[0] == at], table
    shutil.rmtree(scored)
    shutil.rmtree(pristine)


def _batches(data, company: dict) -> list[tuple[list[dict], str | None]]:
    out, latest = [], company["latest"]
    for _ in range(data.draw(st.integers(1, 2))):
        events = data.draw(new_events(company))
        latest = _latest(events, latest)
        out.append((events, data.draw(moments(latest)), data.draw(st.sampled_from(EDITS))))
    return out


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_a_rescore_after_new_events_equals_a_full_recompute(company, tmp_path, data):
    _rescore_equals_full(company, tmp_path, _batches(data, company), data.draw(st.sampled_from(("scored", "deferred"))))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_many_rescores_after_new_events_equal_a_full_recompute(company, tmp_path, data):
    _rescore_equals_full(company, tmp_path, _batches(data, company), data.draw(st.sampled_from(("scored", "deferred"))))
