"""Event to rep without waiting for the period: a drain that loaded events wakes serve's run loop, and the drain
re-resolves identities only when new messages can change who is who."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path

import orjson

import leadlight.tasks.run as run_module
from leadlight.storage import Project
from leadlight.storage.database import connect
from leadlight.tasks.collect import Collector, who_is_who_may_change
from leadlight.tasks.init import init_project
from leadlight.tasks.ingest import ingest


def test_run_every_runs_again_as_soon_as_woken(monkeypatch, tmp_path):
    runs: list[float] = []
    monkeypatch.setattr(run_module, "run", lambda project, **_: runs.append(time.monotonic()) or {"actions": []})
    stop, wake = threading.Event(), threading.Event()
    worker = threading.Thread(target=run_module.run_every, args=(Project(tmp_path), "1h"),
                              kwargs={"stop": stop, "wake": wake})
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while not runs and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(runs) == 1
        time.sleep(0.2)
        assert len(runs) == 1  # the period is an hour: nothing runs until woken
        wake.set()
        while len(runs) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(runs) == 2
    finally:
        stop.set()
        wake.set()
        worker.join(10)
    assert not worker.is_alive()


def segment(path: Path, *messages: dict) -> Path:
    path.write_bytes(b"".join(orjson.dumps({k: v for k, v in m.items() if v is not None}) + b"\n" for m in messages))
    return path


def checked(path: Path) -> Path:
    from leadlight.ingest.collector.checker import check_segment

    return check_segment(path, path.with_suffix(".arrow"), datetime(2026, 12, 1)).path


def test_only_messages_that_can_change_identities_ask_for_a_resolve(tmp_path):
    init_project(tmp_path / "p")
    project = Project(tmp_path / "p")
    users = tmp_path / "users.csv"
    users.write_text("user_id,email,account_id,created_at\nu1,ann@acme.com,acc1,2026-01-01\nu2,bob@gmail.com,,\n")
    ingest(project, [users], "users")
    con = connect(project)
    try:
        from leadlight.identity import resolve

        resolve(con)
        linked = {"type": "track", "userId": "u1", "event": "Pricing", "timestamp": "2026-11-30T10:00:00Z"}
        assert not who_is_who_may_change(con, [])
        assert not who_is_who_may_change(con, [segment(tmp_path / "a.ndjson", linked, {**linked, "type": "page"})])
        for other in ({"type": "identify", "userId": "u1", "traits": {"email": "ann@acme.com"}},
                      {"type": "group", "userId": "u1", "groupId": "acc2"},
                      {"type": "track", "anonymousId": "anon-1", "event": "Pricing"},
                      {"type": "track", "userId": "u2", "event": "Pricing"},  # known, not linked to an account
                      {"type": "track", "userId": "u9", "event": "Pricing"},  # nobody knows them yet
                      {**linked, "groupId": "acc2"}, {**linked, "context": {"groupId": "acc2"}},  # a workspace
                      {**linked, "timestamp": "2020-01-01T00:00:00Z"}, {**linked, "timestamp": None}):  # before it
            assert who_is_who_may_change(con, [segment(tmp_path / "b.ndjson", linked, other)]), other
        # A workspace member's tracks naming their own workspace (what B2B SDKs send on every call) cannot.
        member = {"type": "group", "userId": "u3", "groupId": "acc3", "timestamp": "2026-11-01T00:00:00Z"}
        ingest(project, [segment(tmp_path / "g.ndjson", member)], "events")
        resolve(con)
        own = {"type": "track", "userId": "u3", "event": "Pricing", "context": {"groupId": "acc3"},
               "timestamp": "2026-11-30T10:00:00Z"}
        assert not who_is_who_may_change(con, [segment(tmp_path / "c.ndjson", own, {**own, "type": "page"})])
        assert not who_is_who_may_change(con, [checked(tmp_path / "c.ndjson")])  # the same, as a drain worker checked it
        bad = {**own, "type": "identify", "timestamp": "not a time"}  # rejected: it loads nothing, changes nothing
        assert not who_is_who_may_change(con, [checked(segment(tmp_path / "r.ndjson", own, bad))])
        for other in ({**own, "context": {"groupId": "acc9"}}, {**linked, "context": {"groupId": "acc1"}},
                      {**own, "timestamp": "2026-10-01T00:00:00Z"}):  # another workspace; a link by file; older
            assert who_is_who_may_change(con, [segment(tmp_path / "d.ndjson", own, other)]), other
            assert who_is_who_may_change(con, [checked(tmp_path / "d.ndjson")]), other
    finally:
        con.close()


def test_a_drain_that_loaded_events_sets_new_events(tmp_path):
    init_project(tmp_path / "p")
    collector = Collector(Project(tmp_path / "p"), environ={"LEADLIGHT_WRITE_KEY": "k"})
    with collector.owning("test"):
        assert collector.drain_now()["loaded"] == 0 and not collector.new_events.is_set()
        line = {"type": "track", "userId": "u1", "event": "Pricing", "messageId": "m1",
                "timestamp": "2026-11-30T10:00:00Z"}
        collector.append(collector.accept(line, "track", "default").data).result(10)
        assert collector.drain_now()["loaded"] == 1
        assert collector.new_events.is_set()


def test_a_drain_of_linked_peoples_tracks_keeps_identities_current_without_a_rebuild(tmp_path, monkeypatch):
    import leadlight.tasks.collect as collect
    from leadlight.config import load_config
    from leadlight.identity.freshness import inputs_fingerprint, stored_fingerprint

    rebuilds: list[int] = []
    resolve = collect.resolve
    monkeypatch.setattr(collect, "resolve", lambda *a, **k: rebuilds.append(1) or resolve(*a, **k))
    init_project(tmp_path / "p")
    project = Project(tmp_path / "p")
    users = tmp_path / "users.csv"
    users.write_text("user_id,email,account_id,created_at\nu1,ann@acme.com,acc1,2026-01-01\n")
    ingest(project, [users], "users")
    collector = Collector(project, environ={"LEADLIGHT_WRITE_KEY": "k"})
    track = {"type": "track", "userId": "u1", "event": "Pricing", "timestamp": "2026-11-30T10:00:00Z"}
    with collector.owning("test"):
        for i, message in enumerate((track, {**track, "userId": "u7"})):
            collector.append(collector.accept({**message, "messageId": f"m{i}"}, "track", "default").data).result(10)
            assert collector.drain_now()["loaded"] == 1
            con = connect(project)
            try:
                assert stored_fingerprint(con) == inputs_fingerprint(con, load_config(project).identity)
                known = {r[0] for r in con.execute("SELECT user_id FROM identities").fetchall()}
            finally:
                con.close()
            # u1 is linked: nothing to rebuild; u7 is nobody yet: rebuilt (the first rebuild is due at once)
            assert (len(rebuilds), "u7" in known) == ((0, False) if i == 0 else (1, True))
