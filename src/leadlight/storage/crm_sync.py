"""``crm_sync``: per destination, object and record, the fingerprint the destination last confirmed.

A fingerprint is written only after the destination confirmed the record
(``confirm``); a failure (``fail``) records its reason and leaves the last
confirmed fingerprint alone, so the record differs next time and is re-sent.
The caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

CRM_SYNC = "crm_sync"


def _exists(con: duckdb.DuckDBPyConnection) -> bool:
    """False in a file opened read-only before migration 10 reached it (a dry run on an older project)."""
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                            [CRM_SYNC]).fetchall()[0][0])


def confirmed(con: duckdb.DuckDBPyConnection, destination: str, kind: str) -> dict[str, str | None]:
    """``{record_key: last confirmed fingerprint}`` for every record ever sent there; None for a record whose
    last attempt failed (or that was never confirmed), so it is sent again whatever its content."""
    if not _exists(con):
        return {}
    rows = con.execute(f"SELECT record_key, CASE WHEN error IS NULL THEN fingerprint END FROM {CRM_SYNC} "
                       "WHERE destination = ? AND object = ?", [destination, kind]).fetchall()
    return dict(rows)


def ever_confirmed(con: duckdb.DuckDBPyConnection, destination: str, kind: str) -> set[str]:
    """Keys the destination confirmed at least once (they exist there: no create-only values for them)."""
    if not _exists(con):
        return set()
    rows = con.execute(f"SELECT record_key FROM {CRM_SYNC} WHERE destination = ? AND object = ? "
                       "AND confirmed_at IS NOT NULL", [destination, kind]).fetchall()
    return {r[0] for r in rows}


def _upsert(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, updates: str) -> None:
    con.register("_ll_sync", frame)
    try:
        con.execute(f"INSERT INTO {CRM_SYNC} SELECT * FROM _ll_sync ON CONFLICT (destination, object, record_key) "
                    f"DO UPDATE SET {updates}").fetchall()
    finally:
        con.unregister("_ll_sync")


COLUMNS = ["destination", "object", "record_key", "fingerprint", "remote_id", "confirmed_at", "error", "failed_at"]


def confirm(con: duckdb.DuckDBPyConnection, destination: str, kind: str,
            rows: list[tuple[str, str, str | None]], at: datetime) -> None:
    """The destination confirmed these ``(key, fingerprint, remote_id)``."""
    if rows:
        frame = pd.DataFrame([(destination, kind, k, f, r, at, None, None) for k, f, r in rows], columns=COLUMNS)
        frame = frame.astype({"error": "string", "failed_at": "datetime64[us]"})
        _upsert(con, frame, "fingerprint = excluded.fingerprint, remote_id = coalesce(excluded.remote_id, "
                            "crm_sync.remote_id), confirmed_at = excluded.confirmed_at, error = NULL, failed_at = NULL")


def fail(con: duckdb.DuckDBPyConnection, destination: str, kind: str, rows: list[tuple[str, str]],
         at: datetime) -> None:
    """These ``(key, reason)`` failed; their last confirmed fingerprint stays."""
    if rows:
        frame = pd.DataFrame([(destination, kind, k, None, None, None, e, at) for k, e in rows], columns=COLUMNS)
        frame = frame.astype({"fingerprint": "string", "remote_id": "string", "confirmed_at": "datetime64[us]"})
        _upsert(con, frame, "error = excluded.error, failed_at = excluded.failed_at")
