"""The outbox: one row per action, written in the same transaction as the snapshot that caused it.

Key: ``playbook/account/v<state version>/destination``, so a re-run, a crash or
a restart finds the row already there and never adds the same change twice.
A sender claims due rows, delivers with the key as idempotency key, and marks
them: ``sent``; ``retrying`` (exponential backoff with jitter, at least the
receiver's ``Retry-After``); ``parked`` after ``MAX_ATTEMPTS`` or a permanent
error, with the error kept. ``skipped`` rows record why nothing was sent
(a cap, a rep's cooldown, a destination not configured). Nothing is dropped
without a row saying so: ``drop`` marks a row ``dropped``, it does not delete it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from leadlight.contract import Delivery
from leadlight.timeutil import iso

MAX_ATTEMPTS = 5
BASE_DELAY = 30.0
MAX_DELAY = 3600.0
STATUSES = ("pending", "sent", "dry_run", "skipped", "retrying", "parked", "dropped")
DUE = ("pending", "retrying")
COUNTED = ("pending", "retrying", "sent")  # what caps count: actions that went or will go out


@dataclass
class OutboxRow:
    key: str
    playbook: str
    trigger: str
    destination: str
    account_id: str
    as_of: datetime
    delivery: Delivery
    status: str = "pending"
    error: str | None = None
    person_id: str | None = None
    team: str | None = None
    rep: str | None = None


def backoff(attempts: int, retry_after: float | None = None, *, rng: random.Random | None = None) -> float:
    """Seconds before the next try: 30 s doubling per attempt, +/-20% jitter, capped at an hour, never sooner
    than the receiver asked."""
    delay = min(MAX_DELAY, BASE_DELAY * 2 ** max(attempts - 1, 0)) * (rng or random).uniform(0.8, 1.2)
    return max(delay, retry_after or 0.0)


class Outbox:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def add(self, rows: list[OutboxRow], now: datetime) -> None:
        """Insert the rows whose key is not there yet (a re-run adds nothing twice)."""
        if not rows:
            return
        self.con.executemany(
            "INSERT OR IGNORE INTO outbox (key, playbook, trigger, destination, account_id, person_id, team, rep, "
            "as_of, payload, status, attempts, error, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
            [[r.key, r.playbook, r.trigger, r.destination, r.account_id, r.person_id, r.team, r.rep, r.as_of,
              r.delivery.model_dump_json(), r.status, r.error, now, now] for r in rows])

    def due(self, now: datetime, limit: int = 1000) -> list[dict[str, Any]]:
        """Rows to deliver now, oldest first."""
        return self._rows(
            "SELECT * FROM outbox WHERE status IN ('pending', 'retrying') "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY created_at, key LIMIT ?", [now, limit])

    def mark_sent(self, key: str, now: datetime, remote_id: str | None = None) -> None:
        self.con.execute("UPDATE outbox SET status = 'sent', attempts = attempts + 1, error = NULL, remote_id = ?, "
                         "sent_at = ?, updated_at = ?, next_attempt_at = NULL WHERE key = ?",
                         [remote_id, now, now, key]).fetchall()

    def mark_failed(self, key: str, now: datetime, error: str, *, retryable: bool,
                    retry_after: float | None = None) -> str:
        """Record a failed try; returns the new status (``retrying`` or ``parked``)."""
        attempts = self.con.execute("SELECT attempts FROM outbox WHERE key = ?", [key]).fetchall()[0][0] + 1
        status = "retrying" if retryable and attempts < MAX_ATTEMPTS else "parked"
        if status == "parked" and retryable:
            error = f"gave up after {attempts} attempts: {error}"
        later = now + timedelta(seconds=backoff(attempts, retry_after)) if status == "retrying" else None
        self.con.execute("UPDATE outbox SET status = ?, attempts = ?, error = ?, next_attempt_at = ?, updated_at = ? "
                         "WHERE key = ?", [status, attempts, error, later, now, key]).fetchall()
        return status

    def mark_skipped(self, key: str, now: datetime, reason: str) -> None:
        self.con.execute("UPDATE outbox SET status = 'skipped', error = ?, updated_at = ? WHERE key = ?",
                         [reason, now, key]).fetchall()

    def cap_counts(self, since: datetime, day_start: datetime) -> dict[tuple[str, str], int]:
        """What caps count, from rows that went or will go out: alerts per account (one per playbook firing,
        whatever its destinations) and enrolments per person since ``since``; actions per destination since
        ``day_start``."""
        live = "status IN ('pending', 'retrying', 'sent')"
        counts: dict[tuple[str, str], int] = {}
        for kind, sql, start in (
            ("account", f"SELECT account_id, count(DISTINCT playbook || '/' || CAST(as_of AS VARCHAR)) FROM outbox "
                        f"WHERE {live} AND created_at >= ? GROUP BY account_id", since),
            ("person", f"SELECT person_id, count(*) FROM outbox WHERE {live} AND person_id IS NOT NULL "
                       "AND created_at >= ? GROUP BY person_id", since),
            ("channel", f"SELECT destination, count(*) FROM outbox WHERE {live} AND created_at >= ? "
                        "GROUP BY destination", day_start),
        ):
            counts.update({(kind, key): int(n) for key, n in self.con.execute(sql, [start]).fetchall()})
        return counts

    def given_per_team(self) -> dict[str, int]:
        """How many accounts each team was given so far (round robin continues across runs)."""
        rows = self.con.execute("SELECT team, count(DISTINCT playbook || '/' || account_id || '/' || as_of) FROM outbox "
                                "WHERE team IS NOT NULL AND rep IS NOT NULL GROUP BY team").fetchall()
        return {team: int(n) for team, n in rows}

    def list(self, *, status: str | None = None, account_id: str | None = None, limit: int = 200) -> list[dict]:
        sql, params = "SELECT * FROM outbox WHERE true", []
        if status is not None:
            sql += " AND status = ?"
            params.append(status)
        if account_id is not None:
            sql += " AND account_id = ?"
            params.append(account_id)
        return self._rows(sql + " ORDER BY created_at DESC, key LIMIT ?", [*params, limit])

    def rows_for(self, keys: set[str]) -> list[dict]:
        """The rows with these keys, oldest first."""
        if not keys:
            return []
        return self._rows("SELECT * FROM outbox WHERE key IN (SELECT unnest(?)) ORDER BY created_at, key",
                          [sorted(keys)])

    def retry(self, key: str | None, now: datetime) -> int:
        """Put parked rows (one, or all) back in line."""
        sql = "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = NULL, updated_at = ? WHERE status = 'parked'"
        return self._count_changed(sql + (" AND key = ?" if key else ""), [now, *([key] if key else [])])

    def drop(self, key: str | None, now: datetime) -> int:
        """Give up on parked rows (one, or all): kept as ``dropped``, never deleted."""
        sql = "UPDATE outbox SET status = 'dropped', updated_at = ? WHERE status = 'parked'"
        return self._count_changed(sql + (" AND key = ?" if key else ""), [now, *([key] if key else [])])

    def _count_changed(self, sql: str, params: list) -> int:
        return int(self.con.execute(sql, params).fetchall()[0][0])

    def _rows(self, sql: str, params: list) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def public(row: dict[str, Any]) -> dict[str, Any]:
    """An outbox row as ``run --json`` and ``outbox --json`` print it."""
    return {"key": row["key"], "playbook": row["playbook"], "destination": row["destination"],
            "account_id": row["account_id"], "status": row["status"], "error": row["error"],
            "trigger": row["trigger"], "team": row["team"], "rep": row["rep"], "attempts": row["attempts"],
            "as_of": iso(row["as_of"]), "created_at": iso(row["created_at"]), "sent_at": iso(row["sent_at"]),
            "next_attempt_at": iso(row["next_attempt_at"])}
