"""Tiny identity fixtures: a fresh project database with rows typed in by hand."""

from __future__ import annotations

import pytest

from leadlight.storage import Project, connect

EVENT_COLUMNS = ("message_id", "type", "user_id", "anonymous_id", "event", "timestamp", "group_id", "traits")


class Fixture:
    def __init__(self, con):
        self.con = con
        self._n = 0

    def accounts(self, *rows: tuple[str, str | None]) -> None:
        """(account_id, domain) rows."""
        self.con.executemany("INSERT INTO accounts (account_id, domain) VALUES (?, ?)", list(rows))

    def users(self, *rows: dict) -> None:
        """Rows as dicts with user_id and any of email, title, account_id, created_at, email_confirmed."""
        for row in rows:
            cols = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            self.con.execute(f"INSERT INTO users ({cols}) VALUES ({marks})", list(row.values()))

    def event(self, type: str, timestamp: str, *, user=None, anon=None, group=None, event=None, traits=None) -> None:
        self._n += 1
        self.con.execute(
            f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [f"m{self._n}", type, user, anon, event, timestamp, group, traits],
        )

    def identity(self, user_id: str) -> dict:
        cur = self.con.execute("SELECT * FROM identities WHERE user_id = ?", [user_id])
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
        assert len(rows) == 1, f"{user_id}: {len(rows)} identity rows"
        return dict(zip(names, rows[0]))

    def account_of(self, user_id: str) -> tuple[str | None, str | None]:
        row = self.identity(user_id)
        return row["account_id"], row["method"]


@pytest.fixture
def db(tmp_path):
    con = connect(Project(tmp_path))
    yield Fixture(con)
    con.close()
