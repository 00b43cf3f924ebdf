"""Identity resolution: who each user is, and which account they belong to.

``resolve(con, config)`` rebuilds, inside one transaction, the ``aliases``
table (anonymous -> known user, see ``stitching``), the ``identities`` table
(user -> account, email flags, title; see ``linking``) and the
``events_resolved`` view that signals read. First it fills what no accounts
file says about an account from its group calls' traits (``group_traits``).
It is idempotent. ``ensure_resolved`` runs it only when the stored state is
stale (``freshness``): after every ingest, failed or not, and before every
score, train or backtest. The work is set-based SQL in DuckDB; Python only
classifies the distinct email domains (``domains``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from leadlight.config.project import IdentityConfig
from leadlight.identity.freshness import inputs_fingerprint, record_fingerprint, stored_fingerprint
from leadlight.storage.schema import DDL, EVENTS_RESOLVED, IDENTITIES

METHODS = ("group", "users_file", "domain", "manual")

__all__ = ["METHODS", "ensure_resolved", "resolve"]


def resolve(con: duckdb.DuckDBPyConnection, config: IdentityConfig | None = None) -> dict:
    """Rebuild ``aliases``, ``identities`` and the ``events_resolved`` view; return counts.

    The counts: ``users`` (rows in identities), ``linked`` / ``unlinked``,
    ``by_method`` ({method: users}), ``personal``, ``disposable``, ``students``,
    ``unconfirmed`` (email_confirmed false) and ``aliases``.
    """
    # imported here: the freshness check every score makes first (ensure_resolved) needs none of it (pyarrow)
    from leadlight.identity.domains import DomainRules
    from leadlight.identity.group_traits import fill_accounts
    from leadlight.identity.linking import rebuild_identities
    from leadlight.identity.stitching import rebuild_aliases

    config = config or IdentityConfig()
    rules = DomainRules.from_config(config)
    with _transaction(con):
        fill_accounts(con)  # before linking: a group call may give an account the domain users join by
        aliases = rebuild_aliases(con)
        rebuild_identities(con, rules)
        con.execute(f"DROP VIEW IF EXISTS {EVENTS_RESOLVED}")
        con.execute(DDL[EVENTS_RESOLVED])
        record_fingerprint(con, inputs_fingerprint(con, config))
    return _counts(con, aliases)


def ensure_resolved(con: duckdb.DuckDBPyConnection, config: IdentityConfig | None = None) -> dict | None:
    """``resolve`` when the stored identity state was not built from the current inputs and settings.

    Returns its counts, or None when the state was current (a cheap check).
    """
    config = config or IdentityConfig()
    if stored_fingerprint(con) == inputs_fingerprint(con, config):
        return None
    return resolve(con, config)


def _counts(con: duckdb.DuckDBPyConnection, aliases: int) -> dict:
    users, linked, personal, disposable, students, unconfirmed = con.execute(
        f"""SELECT count(*), count(account_id),
                   count(*) FILTER (WHERE is_personal), count(*) FILTER (WHERE is_disposable),
                   count(*) FILTER (WHERE is_student), count(*) FILTER (WHERE email_confirmed = false)
            FROM {IDENTITIES}"""
    ).fetchone()
    by_method = dict.fromkeys(METHODS[:3], 0)
    by_method.update(
        con.execute(f"SELECT method, count(*) FROM {IDENTITIES} WHERE method IS NOT NULL GROUP BY method").fetchall()
    )
    return {
        "users": users,
        "linked": linked,
        "unlinked": users - linked,
        "by_method": by_method,
        "personal": personal,
        "disposable": disposable,
        "students": students,
        "unconfirmed": unconfirmed,
        "aliases": aliases,
    }


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Our own transaction, unless the caller (an ingest, say) already holds one."""
    # A BEGIN inside a transaction would abort the caller's, so ask first: in
    # autocommit mode every statement gets a new transaction id.
    first, second = (con.execute("SELECT txid_current()").fetchone()[0] for _ in range(2))
    if first == second:
        yield
        return
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()
