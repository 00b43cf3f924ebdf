"""User -> account links: each method, precedence, and the cases that must never link by domain."""

from datetime import datetime

import duckdb
import pytest

from leadlight.config.project import IdentityConfig
from leadlight.identity import resolve


def test_group_call_links_the_user(db):
    db.event("group", "2024-03-01 10:00:00", user="u1", group="W1")
    resolve(db.con)
    row = db.identity("u1")
    assert (row["account_id"], row["method"]) == ("W1", "group")
    assert row["linked_at"] == datetime(2024, 3, 1, 10)


def test_group_id_on_track_calls_counts_as_membership(db):
    db.event("track", "2024-03-01 10:00:00", user="u1", group="W1", event="Document Created")
    resolve(db.con)
    assert db.account_of("u1") == ("W1", "group")


def test_user_in_several_workspaces_joins_the_one_with_most_group_calls(db):
    db.event("group", "2024-03-01", user="u1", group="W1")
    db.event("group", "2024-03-02", user="u1", group="W1")
    db.event("group", "2024-03-05", user="u1", group="W2")
    # Track events carrying W2 do not outweigh group calls.
    for day in range(6, 9):
        db.event("track", f"2024-03-0{day}", user="u1", group="W2", event="Comment Added")
    resolve(db.con)
    assert db.account_of("u1") == ("W1", "group")
    assert db.identity("u1")["linked_at"] == datetime(2024, 3, 1)


def test_group_call_tie_goes_to_the_latest(db):
    db.event("group", "2024-03-01", user="u1", group="W1")
    db.event("group", "2024-03-09", user="u1", group="W2")
    resolve(db.con)
    assert db.account_of("u1") == ("W2", "group")


def test_users_file_account_id(db):
    db.users({"user_id": "u1", "email": "ann@gmail.com", "account_id": "A9", "created_at": "2024-01-05"})
    resolve(db.con)
    row = db.identity("u1")
    assert (row["account_id"], row["method"]) == ("A9", "users_file")
    assert row["linked_at"] == datetime(2024, 1, 5)
    assert row["is_personal"]


def test_work_email_domain_matches_account_domain(db):
    db.accounts(("A1", "https://www.Acme.com/"), ("A2", "globex.com"))
    db.users({"user_id": "u1", "email": "Bob@acme.com"}, {"user_id": "u2", "email": "kim@eng.globex.com"})
    db.event("track", "2024-02-01 08:00:00", user="u1", event="Signed Up")
    resolve(db.con)
    assert db.account_of("u1") == ("A1", "domain")
    assert db.account_of("u2") == ("A2", "domain")
    assert db.identity("u1")["linked_at"] == datetime(2024, 2, 1, 8)
    assert db.identity("u1")["email_domain"] == "acme.com"


def test_most_specific_account_domain_wins(db):
    db.accounts(("A1", "acme.com"), ("A2", "eng.acme.com"))
    db.users({"user_id": "u1", "email": "a@eng.acme.com"}, {"user_id": "u2", "email": "b@sales.acme.com"})
    resolve(db.con)
    assert db.account_of("u1") == ("A2", "domain")
    assert db.account_of("u2") == ("A1", "domain")


def test_a_parent_domain_never_matches_a_subdomain_account(db):
    db.accounts(("A2", "eng.acme.com"))
    db.users({"user_id": "u1", "email": "a@acme.com"})
    resolve(db.con)
    assert db.account_of("u1") == (None, None)


def test_precedence_group_then_users_file_then_domain(db):
    db.accounts(("A1", "acme.com"))
    db.users(
        {"user_id": "u1", "email": "a@acme.com", "account_id": "A2"},
        {"user_id": "u2", "email": "b@acme.com", "account_id": "A2"},
        {"user_id": "u3", "email": "c@acme.com"},
    )
    db.event("group", "2024-03-01", user="u1", group="W3")
    resolve(db.con)
    assert db.account_of("u1") == ("W3", "group")
    assert db.account_of("u2") == ("A2", "users_file")
    assert db.account_of("u3") == ("A1", "domain")


@pytest.mark.parametrize(
    "email, confirmed, flag",
    [
        ("ann@gmail.com", None, "is_personal"),
        ("ann@mailinator.com", None, "is_disposable"),
        ("ann@cs.ox.ac.uk", None, "is_student"),
        ("ann@acme.com", False, None),
    ],
)
def test_personal_disposable_student_and_unconfirmed_never_join_by_domain(db, email, confirmed, flag):
    domain = email.split("@")[1]
    db.accounts(("A1", domain), ("A2", "acme.com"))
    db.users({"user_id": "u1", "email": email, "email_confirmed": confirmed})
    db.users({"user_id": "u2", "email": email, "email_confirmed": confirmed})
    db.event("group", "2024-03-01", user="u2", group="A1")
    resolve(db.con)
    assert db.account_of("u1") == (None, None)
    # A group call is explicit membership: it still links, and the flag stays.
    assert db.account_of("u2") == ("A1", "group")
    for user in ("u1", "u2"):
        row = db.identity(user)
        if flag:
            assert row[flag]
        else:
            assert row["email_confirmed"] is False


def test_work_domains_let_a_university_customer_link_by_domain(db):
    db.accounts(("A1", "mit.edu"))
    db.users({"user_id": "u1", "email": "prof@mit.edu"})
    resolve(db.con, IdentityConfig(work_domains=["mit.edu"]))
    assert db.account_of("u1") == ("A1", "domain")
    assert not db.identity("u1")["is_student"]


def test_two_workspaces_one_domain_domain_users_join_the_busier_workspace(db):
    db.accounts(("A1", "acme.com"), ("A2", "acme.com"), ("B1", "globex.com"), ("B2", "globex.com"))
    db.event("group", "2024-03-01", user="g1", group="A2")
    db.event("group", "2024-03-01", user="g2", group="A2")
    db.event("group", "2024-03-01", user="g3", group="A1")
    db.users({"user_id": "u1", "email": "x@acme.com"}, {"user_id": "u2", "email": "y@globex.com"})
    resolve(db.con)
    assert db.account_of("u1") == ("A2", "domain")
    assert db.account_of("u2") == ("B1", "domain")  # no group members on either: lowest account_id


def test_every_user_gets_one_row_and_unlinked_users_have_no_account(db):
    db.users({"user_id": "u1"}, {"user_id": "u1", "title": "CTO"})
    db.event("track", "2024-03-01", user="u2", event="Signed Up")
    db.event("page", "2024-03-01", anon="anon-only", event="Pricing")
    counts = resolve(db.con)
    assert sorted(r[0] for r in db.con.execute("SELECT user_id FROM identities").fetchall()) == ["u1", "u2"]
    assert db.account_of("u2") == (None, None)
    assert db.identity("u1")["title"] == "CTO"
    assert counts["users"] == 2 and counts["unlinked"] == 2


def test_email_and_title_from_latest_identify_traits_unless_users_file_has_them(db):
    db.users({"user_id": "u1", "email": "file@acme.com"})
    db.event("identify", "2024-03-01", user="u1", traits='{"email": "old@acme.com", "title": "Engineer"}')
    db.event("identify", "2024-03-05", user="u1", traits='{"email": "new@acme.com", "title": "Head of Engineering"}')
    db.event("identify", "2024-03-02", user="u2", traits='{"email": "old@globex.com"}')
    db.event("identify", "2024-03-06", user="u2", traits='{"email": "new@globex.com"}')
    db.event("identify", "2024-03-07", user="u2", traits="not json")
    resolve(db.con)
    assert (db.identity("u1")["email"], db.identity("u1")["title"]) == ("file@acme.com", "Head of Engineering")
    assert db.identity("u2")["email"] == "new@globex.com"


def test_counts(db):
    db.accounts(("A1", "acme.com"))
    db.users(
        {"user_id": "u1", "email": "a@acme.com"},
        {"user_id": "u2", "email": "b@gmail.com"},
        {"user_id": "u3", "email": "c@acme.com", "email_confirmed": False},
        {"user_id": "u4", "email": "d@yopmail.com", "account_id": "A1"},
        {"user_id": "u5", "email": "e@ox.ac.uk"},
    )
    db.event("group", "2024-03-01", user="u2", group="A1")
    db.event("identify", "2024-03-01", user="u6", anon="v1")
    assert resolve(db.con) == {
        "users": 6,
        "linked": 3,
        "unlinked": 3,
        "by_method": {"group": 1, "users_file": 1, "domain": 1},
        "personal": 1,
        "disposable": 1,
        "students": 1,
        "unconfirmed": 1,
        "aliases": 1,
    }


def test_rerun_is_idempotent_and_picks_up_new_data(db):
    db.accounts(("A1", "acme.com"))
    db.users({"user_id": "u1", "email": "a@acme.com"})
    db.event("identify", "2024-03-01", user="u1", anon="v1")
    db.event("page", "2024-03-01", anon="v1", event="Pricing")
    first = resolve(db.con)
    snapshot = sorted(db.con.execute("SELECT * FROM identities").fetchall())
    aliases = sorted(db.con.execute("SELECT * FROM aliases").fetchall())
    assert resolve(db.con) == first
    assert sorted(db.con.execute("SELECT * FROM identities").fetchall()) == snapshot
    assert sorted(db.con.execute("SELECT * FROM aliases").fetchall()) == aliases
    db.event("group", "2024-03-02", user="u1", group="W1")
    resolve(db.con)
    assert db.account_of("u1") == ("W1", "group")


def test_resolve_inside_a_callers_transaction(db):
    db.users({"user_id": "u1"})
    db.con.begin()
    resolve(db.con)
    db.con.rollback()
    assert db.con.execute("SELECT count(*) FROM identities").fetchone()[0] == 0


def test_a_failed_resolve_leaves_the_previous_identities(db, monkeypatch):
    db.users({"user_id": "u1"})
    resolve(db.con)

    def broken(con, rules):
        con.execute("DELETE FROM identities")
        raise duckdb.Error("disk full")

    monkeypatch.setattr("leadlight.identity.linking.rebuild_identities", broken)
    with pytest.raises(duckdb.Error):
        resolve(db.con)
    assert db.con.execute("SELECT count(*) FROM identities").fetchone()[0] == 1
