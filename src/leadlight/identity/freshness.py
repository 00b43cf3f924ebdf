"""Whether the derived identity state matches the inputs it was built from.

``identities``, ``aliases``, the accounts' group-trait fills and the
``events_resolved`` view are derived from events, users and accounts. A
fingerprint of those inputs (row counts, the loaded files) and of the
``identity:`` settings is stored in ``derived_state`` in the same transaction
that rebuilds them. A reader that finds another fingerprint (an ingest killed
during resolution, a later file of a run that failed, a changed
``internal_domains``) rebuilds before reading: derived state is never
trusted because something new loaded, only because its inputs are the ones
it was built from.
"""

from __future__ import annotations

import hashlib

import duckdb

from leadlight.config.project import IdentityConfig
from leadlight.storage.schema import ACCOUNTS, EVENTS, INGESTED_FILES, USERS

IDENTITY = "identity"
DERIVED_STATE = "derived_state"


def inputs_fingerprint(con: duckdb.DuckDBPyConnection, config: IdentityConfig) -> str:
    """A digest of what identity resolution reads: cheap (counts come from table statistics; the loaded files are
    summed as a set of hashes, not sorted and joined: the collector's drain adds a file a second and asks twice a
    drain, and sorting them all cost 0.3 s at 100,000)."""
    row = con.execute(
        f"""SELECT (SELECT count(*) FROM {EVENTS}), (SELECT count(*) FROM {USERS}), (SELECT count(*) FROM {ACCOUNTS}),
                   (SELECT count(*) || ':' || coalesce(bit_xor(hash(kind, sha256)), 0) || ':'
                           || coalesce(sum(hash(sha256, kind) >> 8), 0) FROM {INGESTED_FILES}
                    WHERE kind <> 'opportunities')"""
    ).fetchall()[0]
    text = "|".join(map(str, row)) + "|" + config.model_dump_json()
    return hashlib.sha256(text.encode()).hexdigest()


def stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    rows = con.execute(f"SELECT inputs FROM {DERIVED_STATE} WHERE name = ?", [IDENTITY]).fetchall()
    return rows[0][0] if rows else None


def record_fingerprint(con: duckdb.DuckDBPyConnection, fingerprint: str) -> None:
    """Store ``fingerprint`` in one statement: outside a transaction (the collector's drain, once a second) that
    is one commit, one fsync of DuckDB's log, where a delete and an insert were two."""
    con.execute(f"INSERT INTO {DERIVED_STATE} VALUES (?, ?, now()::TIMESTAMP) "
                "ON CONFLICT (name) DO UPDATE SET inputs = excluded.inputs, built_at = excluded.built_at",
                [IDENTITY, fingerprint])
