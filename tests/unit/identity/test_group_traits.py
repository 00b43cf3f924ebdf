"""Group calls' traits describe accounts the accounts file does not."""

from __future__ import annotations

from leadlight.identity import resolve


def _account(db, account_id):
    cur = db.con.execute("SELECT * FROM accounts WHERE account_id = ?", [account_id])
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(names, rows[0]))


def test_latest_traits_fill_accounts_and_the_accounts_file_wins(db):
    db.accounts(("a1", None))
    db.con.execute("UPDATE accounts SET name = 'Acme Inc (CRM)' WHERE account_id = 'a1'")
    db.event("group", "2026-01-01 09:00:00", user="u1", group="a1",
             traits='{"name": "Acme", "employees": "40", "website": "https://www.acme.com/", "plan": "free"}')
    db.event("group", "2026-02-01 09:00:00", user="u1", group="a1", traits='{"employees": 55.0, "plan": ""}')
    db.event("group", "2026-01-05 09:00:00", user="u2", group="g2",
             traits='{"name": "Globex", "industry": "Manufacturing", "address": {"country": "DE"}}')
    db.event("group", "2026-01-06 09:00:00", user="u3", group="g3", traits="not json")
    db.event("identify", "2026-01-07 09:00:00", user="u4", traits='{"email": "dee@acme.com"}')
    resolve(db.con)
    a1 = _account(db, "a1")
    assert (a1["name"], a1["employees"], a1["domain"], a1["plan"]) == ("Acme Inc (CRM)", 55, "https://www.acme.com/", "free")
    g2 = _account(db, "g2")
    assert (g2["name"], g2["industry"], g2["country"], g2["employees"]) == ("Globex", "Manufacturing", "DE", None)
    assert db.con.execute("SELECT count(*) FROM accounts WHERE account_id = 'g3'").fetchone()[0] == 0
    # The website a group call gave lets a work email join the account by domain.
    assert db.account_of("u4") == ("a1", "domain")
    resolve(db.con)  # idempotent
    assert db.con.execute("SELECT count(*) FROM accounts").fetchone()[0] == 2
