"""Every table Leadlight keeps in the DuckDB file, as one ordered list of migrations.

A migration is a version number and the statements that bring a file from the
previous version to it. ``migrate`` applies the ones a file has not had yet (by
version, not by "newer than the newest": numbers are reserved in blocks per
area, so a later block may land first), in version order, one transaction
each, and records them in ``schema_version``. Every statement is
idempotent (``IF NOT EXISTS``), so files made before this list existed upgrade
in place. A new table or column is a new entry at the end; never edit one that
has shipped. Packages own what their tables *mean*; this list owns their shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from leadlight.storage.schema import DDL as CANONICAL

if TYPE_CHECKING:
    import duckdb

SCHEMA_VERSION_TABLE = "schema_version"


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "canonical tables: events, accounts, users, opportunities, identities", tuple(CANONICAL.values())),
    Migration(2, "columns added after the first release", (
        "ALTER TABLE identities ADD COLUMN IF NOT EXISTS title VARCHAR",
        "ALTER TABLE ingested_files ADD COLUMN IF NOT EXISTS bytes BIGINT",
    )),
    Migration(3, "score snapshots", (
        """CREATE TABLE IF NOT EXISTS account_scores (
            as_of TIMESTAMP NOT NULL, account_id VARCHAR NOT NULL, name VARCHAR, domain VARCHAR,
            score DOUBLE, points DOUBLE, probability DOUBLE,
            fit VARCHAR, fit_score DOUBLE, intent VARCHAR, intent_score DOUBLE, quadrant VARCHAR, priority INTEGER,
            pqa BOOLEAN, people BIGINT, pql_users BIGINT, triggers_fired BIGINT,
            reasons VARCHAR, fit_reasons VARCHAR, intent_reasons VARCHAR, model_reasons VARCHAR,
            champion VARCHAR, decision_makers VARCHAR,
            definition_hash VARCHAR NOT NULL, leadlight_version VARCHAR NOT NULL, scored_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS user_scores (
            as_of TIMESTAMP NOT NULL, user_id VARCHAR NOT NULL, account_id VARCHAR, email VARCHAR, title VARCHAR,
            seniority VARCHAR, department VARCHAR, score DOUBLE, points DOUBLE, pql BOOLEAN,
            disqualifiers VARCHAR, flags VARCHAR, link_method VARCHAR, link_account_id VARCHAR,
            activity DOUBLE, reasons VARCHAR,
            definition_hash VARCHAR NOT NULL, leadlight_version VARCHAR NOT NULL, scored_at TIMESTAMP NOT NULL)""",
    )),
    Migration(4, "group-trait fills and the daily activity rollup", (
        "CREATE TABLE IF NOT EXISTS account_group_fills (account_id VARCHAR NOT NULL, col VARCHAR NOT NULL, value VARCHAR)",
        """CREATE TABLE IF NOT EXISTS signal_rollup (
            day DATE NOT NULL, account_id VARCHAR, user_id VARCHAR, event VARCHAR NOT NULL,
            filter_id VARCHAR NOT NULL, n BIGINT NOT NULL, ts_first TIMESTAMP NOT NULL, ts_last TIMESTAMP NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS signal_rollup_days (
            filter_id VARCHAR NOT NULL, day DATE NOT NULL, events BIGINT NOT NULL, fingerprint VARCHAR NOT NULL)""",
    )),
    Migration(5, "account status and owner in snapshots", (
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS status VARCHAR",
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS owner VARCHAR",
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS owner_email VARCHAR",
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS motion VARCHAR",
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS expected_value DOUBLE",
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS play VARCHAR",
        "ALTER TABLE user_scores ADD COLUMN IF NOT EXISTS account_name VARCHAR",
    )),
    Migration(6, "reps' feedback, playbook state and the outbox", (
        # What reps said about an account: done, not now (until), bad lead (reason).
        """CREATE TABLE IF NOT EXISTS feedback (
            account_id VARCHAR NOT NULL, action VARCHAR NOT NULL, reason VARCHAR, until TIMESTAMP,
            by_whom VARCHAR, marked_at TIMESTAMP NOT NULL)""",
        # Per playbook and account: whether its trigger held at the last run, and how many times it was entered
        # (the state version in the outbox key).
        """CREATE TABLE IF NOT EXISTS playbook_state (
            playbook VARCHAR NOT NULL, account_id VARCHAR NOT NULL, active BOOLEAN NOT NULL, version BIGINT NOT NULL,
            as_of TIMESTAMP NOT NULL, PRIMARY KEY (playbook, account_id))""",
        # One row per action: written in the same transaction as the snapshot that caused it.
        """CREATE TABLE IF NOT EXISTS outbox (
            key VARCHAR PRIMARY KEY, playbook VARCHAR NOT NULL, trigger VARCHAR NOT NULL, destination VARCHAR NOT NULL,
            account_id VARCHAR NOT NULL, person_id VARCHAR, team VARCHAR, rep VARCHAR, as_of TIMESTAMP NOT NULL,
            payload VARCHAR NOT NULL,
            status VARCHAR NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TIMESTAMP, error VARCHAR,
            remote_id VARCHAR, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, sent_at TIMESTAMP)""",
        "CREATE INDEX IF NOT EXISTS outbox_account ON outbox (account_id)",
    )),
    Migration(7, "firmographics in snapshots", (
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS employees BIGINT",
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS industry VARCHAR",
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS country VARCHAR",
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS plan VARCHAR",
    )),
    Migration(8, "the PQA and PQL thresholds a snapshot was scored with (lists read them without the config)", (
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS pqa_threshold DOUBLE",
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS pql_threshold DOUBLE",
    )),
    Migration(40, "each account's signal values stored with its score (explain --signals, exports)", (
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS signals VARCHAR",
    )),
    Migration(30, "opportunity stages as written, internal people, and what derived state was built from", (
        # The CRM's own stage name ('Qualification', 'Closed Won'); `stage` holds it as open / won / lost.
        "ALTER TABLE opportunities ADD COLUMN IF NOT EXISTS stage_raw VARCHAR",
        # The vendor's own staff (identity.internal_domains): never a PQL or a champion.
        "ALTER TABLE identities ADD COLUMN IF NOT EXISTS is_internal BOOLEAN",
        # name -> the fingerprint of the inputs (and settings) a derived table was last built from; a reader
        # that finds another fingerprint rebuilds it (identity.resolve after an interrupted ingest).
        "CREATE TABLE IF NOT EXISTS derived_state (name VARCHAR PRIMARY KEY, inputs VARCHAR NOT NULL, "
        "built_at TIMESTAMP NOT NULL)",
    )),
    Migration(10, "CRM sync state: what each destination confirmed, and why a record failed", (
        # fingerprint = the fields last CONFIRMED by the destination (null until then); a failure keeps the old
        # fingerprint and records its reason, so the record is sent again next time.
        """CREATE TABLE IF NOT EXISTS crm_sync (
            destination VARCHAR NOT NULL, object VARCHAR NOT NULL, record_key VARCHAR NOT NULL, fingerprint VARCHAR,
            remote_id VARCHAR, confirmed_at TIMESTAMP, error VARCHAR, failed_at TIMESTAMP,
            PRIMARY KEY (destination, object, record_key))""",
    )),
    Migration(50, "who needs a human (motion reason, self-serve probability, deal size) and stored backtests", (
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS motion_reason VARCHAR",
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS self_serve_probability DOUBLE",
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS deal_size DOUBLE",
        # One row per definition judged by a backtest run; ``document`` is that definition's full JSON entry,
        # so the web report reads stored figures instead of recomputing them.
        """CREATE TABLE IF NOT EXISTS backtest_results (
            run_id VARCHAR NOT NULL, ran_at TIMESTAMP NOT NULL, definition VARCHAR NOT NULL, model_id VARCHAR,
            definition_hash VARCHAR, judged_on VARCHAR, snapshot_from TIMESTAMP, snapshot_to TIMESTAMP,
            rows BIGINT, buyers BIGINT, auc DOUBLE, auc_low DOUBLE, auc_high DOUBLE, lift_top_decile DOUBLE,
            conversion_multiple DOUBLE, warning VARCHAR, document VARCHAR NOT NULL,
            PRIMARY KEY (run_id, definition))""",
    )),
    Migration(55, "does a sales touch help: each account's uplift and whether the estimate steers its motion", (
        # P(buy | sales touch) - P(buy | none), from the two-model estimate of ``leadlight train``.
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS uplift DOUBLE",
        "ALTER TABLE account_scores ADD COLUMN IF NOT EXISTS uplift_reliable BOOLEAN",
    )),
    Migration(70, "kept signal history: a summary of old activity a re-score merges with the new events", (
        # signals.incremental: per (filter slice, account, user, event), the resolved activity before `until`.
        """CREATE TABLE IF NOT EXISTS signal_kept (
            filter_id VARCHAR NOT NULL, account_id VARCHAR, user_id VARCHAR, event VARCHAR,
            n BIGINT NOT NULL, ts_first TIMESTAMP NOT NULL, ts_last TIMESTAMP NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS signal_kept_state (
            until TIMESTAMP NOT NULL, events_seen BIGINT NOT NULL, identity VARCHAR NOT NULL,
            slices VARCHAR NOT NULL, format INTEGER NOT NULL, kept_rows BIGINT NOT NULL,
            compacted_rows BIGINT NOT NULL, updated_at TIMESTAMP NOT NULL)""",
        # The identity links the summary was resolved with ('alias': anonymous id -> user, 'account': user -> account).
        "CREATE TABLE IF NOT EXISTS signal_kept_links (kind VARCHAR NOT NULL, key VARCHAR NOT NULL, target VARCHAR)",
        # The daily rollup it replaces (signal_rollup, signal_rollup_days) is no longer read.
        "DROP TABLE IF EXISTS signal_rollup",
        "DROP TABLE IF EXISTS signal_rollup_days",
    )),
    Migration(71, "kept partials of the windowed signal measures: one row per (account, user, UTC day)", (
        # ``s0``..``s15``: the day's partial value of each slot of the definition ``definition``
        # (signals/partials.py; columns, not a list: a list costs twice the writing).
        "CREATE TABLE IF NOT EXISTS signal_partials (definition VARCHAR NOT NULL, account_id VARCHAR, user_id VARCHAR, "
        "day DATE NOT NULL, " + ", ".join(f"s{i} BIGINT" for i in range(16)) + ")",
        """CREATE TABLE IF NOT EXISTS signal_partials_state (
            definition VARCHAR NOT NULL, first_day DATE NOT NULL, until TIMESTAMP NOT NULL,
            events_seen BIGINT NOT NULL, identity VARCHAR NOT NULL, kept_rows BIGINT NOT NULL,
            compacted_rows BIGINT NOT NULL, updated_at TIMESTAMP NOT NULL)""",
    )),
)

LATEST = max(m.version for m in MIGRATIONS)


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The migrations this file has had (none for a new file or one made before they were recorded)."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA_VERSION_TABLE} (version INTEGER NOT NULL, "
                "description VARCHAR, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)").fetchall()
    return {int(r[0]) for r in con.execute(f"SELECT version FROM {SCHEMA_VERSION_TABLE}").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply, in version order, every migration this file has not had; returns the latest version."""
    applied = applied_versions(con)
    for migration in sorted(MIGRATIONS, key=lambda m: m.version):
        if migration.version in applied:
            continue
        con.begin()
        try:
            for statement in migration.statements:
                con.execute(statement).fetchall()
            con.execute(f"INSERT INTO {SCHEMA_VERSION_TABLE} (version, description) VALUES (?, ?)",
                        [migration.version, migration.description]).fetchall()
            con.commit()
        except BaseException:
            con.rollback()
            raise
    return LATEST
