"""Identity as known at a moment: later group calls, identifies and track calls never change values as of D."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from hypothesis import HealthCheck, given, settings, strategies as st

from leadlight.config import parse_config
from leadlight.identity import as_of as identity_as_of
from leadlight.identity import resolve
from leadlight.scoring.flags import person_flags
from leadlight.signals import compute_signals
from leadlight.storage import Project, connect
from leadlight.storage.engine import duckdb_engine
from tests.unit.identity.conftest import Fixture

D = datetime(2026, 3, 1)
SIGNALS = parse_config("""
signals:
  - {name: events_all, kind: count}
  - {name: users_28d, kind: distinct_users, window: 28d}
  - {name: last_seen, kind: recency}
  - {name: user_events, kind: count, level: user}
  - {name: first_week, kind: first_days, level: user, event: Invited, within: 7d}
""").signals


def _history(db: Fixture) -> None:
    """Before D: u1 browses anonymously, u2 works without any group call, u3 is a workspace member."""
    db.accounts(("a1", "acme.com"), ("a2", "globex.com"))
    db.users({"user_id": "u3", "email": "cy@globex.com", "created_at": "2026-01-01 00:00:00"})
    db.event("track", "2026-02-20 10:00:00", anon="anon1", event="Pricing")
    db.event("track", "2026-02-21 10:00:00", anon="anon1", event="Docs")
    db.event("track", "2026-02-22 10:00:00", user="u2", event="Invited")
    db.event("group", "2026-02-01 09:00:00", user="u3", group="a2")
    db.event("track", "2026-02-25 10:00:00", user="u3", group="a2", event="Invited")


def _engine(db: Fixture):
    resolve(db.con)
    return duckdb_engine(db.con)


def test_links_learned_after_d_do_not_reach_back_before_it(db):
    _history(db)
    db.event("identify", "2026-03-05 10:00:00", user="u1", anon="anon1", traits='{"email": "ann@acme.com"}')
    db.event("group", "2026-03-06 10:00:00", user="u2", group="a1")
    engine = _engine(db)
    now = identity_as_of.events(engine, None).to_pandas()
    assert set(now[now.anonymous_id == "anon1"].user_id) == {"u1"}  # stitched by the identify on Mar 5
    assert set(now[now.user_id == "u2"].account_id) == {"a1"}  # linked by the group call on Mar 6

    then = identity_as_of.events(engine, D).to_pandas()
    assert then.timestamp.max() < pd.Timestamp(D)
    assert then[then.anonymous_id == "anon1"].user_id.isna().all()
    assert then[then.user_id == "u2"].account_id.isna().all()
    assert set(then[then.user_id == "u3"].account_id) == {"a2"}  # known before D: kept
    known = identity_as_of.identities(engine, D).to_pandas().set_index("user_id")
    assert pd.isna(known.loc["u2", "account_id"]) and "u1" not in known.index
    assert known.loc["u3", "account_id"] == "a2"


def test_stored_identity_serves_moments_after_the_latest_event(db):
    _history(db)
    engine = _engine(db)
    after = datetime(2026, 2, 25, 10, 0, 1)
    assert identity_as_of.tables(engine, after) == identity_as_of.STORED
    assert identity_as_of.tables(engine, None) == identity_as_of.STORED
    at_the_latest_event = datetime(2026, 2, 25, 10)  # it is not before as_of, but identity may come from it
    assert identity_as_of.tables(engine, at_the_latest_event) != identity_as_of.STORED


def test_each_moment_is_resolved_once_while_the_data_stays_the_same(db):
    _history(db)
    engine = _engine(db)
    first = identity_as_of.tables(engine, datetime(2026, 2, 22))
    assert identity_as_of.tables(engine, datetime(2026, 2, 22)) == first
    db.event("group", "2026-02-21 12:00:00", user="u2", group="a1")
    resolve(db.con)
    again = identity_as_of.tables(engine, datetime(2026, 2, 22))
    assert again != first  # new data: resolved again, and it sees the new group call
    assert set(identity_as_of.events(engine, datetime(2026, 2, 22)).to_pandas().query("user_id == 'u2'").account_id) == {"a1"}


def _values(engine, as_of: datetime) -> dict:
    frames = compute_signals(engine, SIGNALS, as_of)
    out = {}
    for name, table, key in (("accounts", frames.accounts, "account_id"), ("users", frames.users, "user_id")):
        df = table.to_pandas()
        out[name] = df.astype(object).where(pd.notna(df), None).set_index(key).sort_index().to_dict("index")
    flags = person_flags(engine, as_of).to_pandas()
    out["flags"] = flags.astype(object).where(pd.notna(flags), None).set_index("user_id").sort_index().to_dict("index")
    return out


later_messages = st.lists(
    st.tuples(
        st.sampled_from(["track", "identify", "group"]),
        st.sampled_from(["u1", "u2", "u3", "u4", None]),
        st.sampled_from(["anon1", "anon2", None]),
        st.sampled_from(["a1", "a2", "a3", None]),
        st.sampled_from([None, '{"email": "x@acme.com"}', '{"email": "x@gmail.com", "title": "VP Sales"}']),
        st.integers(min_value=0, max_value=30 * 86400),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(later=later_messages, at_midnight=st.booleans())
def test_later_messages_of_any_kind_never_change_values_as_of_d(tmp_path_factory, later, at_midnight):
    as_of = D if at_midnight else D + timedelta(hours=5, seconds=7)
    con = connect(Project(tmp_path_factory.mktemp("pit")))
    db = Fixture(con)
    _history(db)
    before = _values(_engine(db), as_of)
    for kind, user, anon, group, traits, offset in later:
        if user is None and anon is None:
            anon = "anon3"
        db.event(kind, str(as_of + timedelta(seconds=offset)), user=user, anon=anon, group=group,
                 event="Invited" if kind == "track" else None, traits=traits if kind == "identify" else None)
    after = _values(_engine(db), as_of)
    con.close()
    assert after == before


def test_prepared_moments_read_each_identify_call_only_once_it_happened(db):
    """``prepare`` parses the identify calls' traits once for many moments; as of each moment a person's email,
    title and confirmation (and so a domain link) are those of the calls before it, as resolved alone."""
    db.accounts(("a1", "acme.com"), ("a2", "globex.com"))
    db.event("track", "2026-02-01 10:00:00", user="u1", event="Docs")
    db.event("identify", "2026-02-02 10:00:00", user="u1", traits='{"email": "ann@gmail.com", "title": "student"}')
    db.event("identify", "2026-02-10 10:00:00", user="u1", traits='{"email": "ann@acme.com", "title": "CTO"}')
    db.event("identify", "2026-02-20 10:00:00", user="u1", traits='{"email": "ann@globex.com"}')
    db.event("identify", "2026-02-03 10:00:00", user="u2", traits='{"email": "bo@acme.com", "email_confirmed": false}')
    db.event("identify", "2026-02-12 10:00:00", user="u2", traits='{"email_confirmed": true}')
    db.event("track", "2026-02-25 10:00:00", user="u2", event="Docs")
    moments = [datetime(2026, 2, 2, 10), datetime(2026, 2, 5), datetime(2026, 2, 11), datetime(2026, 2, 15),
               datetime(2026, 2, 21)]
    prepared, alone = _engine(db), duckdb_engine(db.con)
    identity_as_of.prepare(prepared, moments)
    seen = []
    for moment in moments:
        assert identity_as_of._parts_for(prepared, moment) is not None
        got = identity_as_of.identities(prepared, moment).to_pandas().set_index("user_id").sort_index()
        want = identity_as_of.identities(alone, moment).to_pandas().set_index("user_id").sort_index()
        pd.testing.assert_frame_equal(got, want)
        known = got.reindex(["u1", "u2"])[["email", "account_id"]].astype(object).fillna("-")
        seen.append((known.loc["u1", "email"], known.loc["u1", "account_id"], known.loc["u2", "account_id"]))
    # u1's email moves from a personal domain to acme's to globex's; u2's acme email links once confirmed
    assert seen == [("-", "-", "-"), ("ann@gmail.com", "-", "-"), ("ann@acme.com", "a1", "-"),
                    ("ann@acme.com", "a1", "a1"), ("ann@globex.com", "a2", "a1")]
