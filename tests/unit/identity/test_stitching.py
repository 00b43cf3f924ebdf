"""Anonymous -> known: aliases and the events_resolved view that signals read."""

from leadlight.identity import resolve


def resolved(db):
    return db.con.execute(
        "SELECT message_id, user_id, account_id FROM events_resolved ORDER BY message_id"
    ).fetchall()


def test_identify_stitches_earlier_and_later_anonymous_events(db):
    db.event("page", "2024-03-01 09:00:00", anon="v1", event="Pricing")  # m1
    db.event("identify", "2024-03-01 10:00:00", user="u1", anon="v1")  # m2
    db.event("track", "2024-03-02 10:00:00", anon="v1", event="Export Run")  # m3
    db.event("page", "2024-03-02 11:00:00", anon="v2", event="Docs")  # m4: never identified
    db.event("group", "2024-03-03 10:00:00", user="u1", group="W1")  # m5
    counts = resolve(db.con)
    assert counts["aliases"] == 1
    assert db.con.execute("SELECT anonymous_id, user_id FROM aliases").fetchall() == [("v1", "u1")]
    assert resolved(db) == [
        ("m1", "u1", "W1"),
        ("m2", "u1", "W1"),
        ("m3", "u1", "W1"),
        ("m4", None, None),
        ("m5", "u1", "W1"),
    ]


def test_anonymous_id_seen_with_two_users_maps_to_the_first_only(db):
    db.event("identify", "2024-03-05", user="u2", anon="laptop")
    db.event("identify", "2024-03-01", user="u1", anon="laptop")
    db.event("page", "2024-03-06", anon="laptop", event="Pricing")
    db.event("group", "2024-03-01", user="u1", group="W1")
    db.event("group", "2024-03-01", user="u2", group="W2")
    resolve(db.con)
    assert db.con.execute("SELECT anonymous_id, user_id FROM aliases").fetchall() == [("laptop", "u1")]
    # Never merged: both users keep their own identity and their own events.
    assert db.account_of("u1") == ("W1", "group")
    assert db.account_of("u2") == ("W2", "group")
    users = db.con.execute("SELECT DISTINCT user_id FROM events_resolved ORDER BY 1").fetchall()
    assert users == [("u1",), ("u2",)]
    assert db.con.execute("SELECT user_id FROM events_resolved WHERE type = 'page'").fetchall() == [("u1",)]


def test_identified_events_keep_their_own_user(db):
    db.event("identify", "2024-03-01", user="u1", anon="laptop")
    db.event("track", "2024-03-02", user="u2", anon="laptop", event="Comment Added")
    resolve(db.con)
    assert db.con.execute("SELECT user_id FROM events_resolved WHERE type = 'track'").fetchall() == [("u2",)]


def test_anonymous_group_call_links_the_stitched_user(db):
    db.event("identify", "2024-03-01", user="u1", anon="v1")
    db.event("group", "2024-03-01", anon="v1", group="W1")
    resolve(db.con)
    assert db.account_of("u1") == ("W1", "group")


def test_event_account_comes_from_identity_else_its_own_group_id(db):
    db.event("group", "2024-03-01", user="u1", group="W1")
    db.event("group", "2024-03-02", user="u1", group="W1")
    db.event("track", "2024-03-03", user="u1", group="W2", event="Export Run")  # the user's account wins
    db.event("track", "2024-03-03", anon="v9", group="W3", event="Export Run")  # unknown visitor in W3
    resolve(db.con)
    assert resolved(db)[2:] == [("m3", "u1", "W1"), ("m4", None, "W3")]


def test_view_exists_before_any_resolve(db):
    db.event("track", "2024-03-03", user="u1", group="W2", event="Export Run")
    assert resolved(db) == [("m1", "u1", "W2")]
