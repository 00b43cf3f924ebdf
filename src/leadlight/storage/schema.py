"""The canonical tables every part of Leadlight reads and writes.

Timestamps are naive ``TIMESTAMP`` meaning UTC, whole seconds. Extra columns
of accounts and users (firmographic or user attributes beyond the canonical
ones) are added to those tables as they arrive, so fit rules and models can
use them like any other column.
"""

from __future__ import annotations

EVENTS = "events"
ACCOUNTS = "accounts"
USERS = "users"
OPPORTUNITIES = "opportunities"
INGESTED_FILES = "ingested_files"
IDENTITIES = "identities"
ALIASES = "aliases"
EVENTS_RESOLVED = "events_resolved"


def resolved_events_sql(events: str = EVENTS, aliases: str = ALIASES, identities: str = IDENTITIES) -> str:
    """Every event with its resolved user (anonymous events stitched through aliases, and the events of a user id
    an alias call renamed) and account (the user's identity, else the event's own group_id). ``identity.as_of`` runs it over tables resolved as of a moment."""
    return f"""
        SELECT e.message_id, e.type,
               coalesce(a.user_id, e.user_id) AS user_id,
               e.anonymous_id, e.event, e.timestamp, e.group_id,
               coalesce(i.account_id, e.group_id) AS account_id,
               e.properties, e.traits, e.source_file
        FROM {events} AS e
        LEFT JOIN {aliases} AS a ON a.anonymous_id = coalesce(e.user_id, e.anonymous_id)
        LEFT JOIN {identities} AS i ON i.user_id = coalesce(a.user_id, e.user_id)"""


DDL: dict[str, str] = {
    # One row per Segment message. `event` holds the track event name; for
    # page calls the page name (or 'page'), for identify/group calls NULL.
    EVENTS: """
        CREATE TABLE IF NOT EXISTS events (
            message_id   VARCHAR NOT NULL,
            type         VARCHAR NOT NULL,
            user_id      VARCHAR,
            anonymous_id VARCHAR,
            event        VARCHAR,
            timestamp    TIMESTAMP NOT NULL,
            group_id     VARCHAR,
            properties   VARCHAR,
            traits       VARCHAR,
            source_file  VARCHAR
        )""",
    ACCOUNTS: """
        CREATE TABLE IF NOT EXISTS accounts (
            account_id VARCHAR NOT NULL,
            domain     VARCHAR,
            name       VARCHAR,
            employees  BIGINT,
            industry   VARCHAR,
            country    VARCHAR,
            plan       VARCHAR
        )""",
    USERS: """
        CREATE TABLE IF NOT EXISTS users (
            user_id         VARCHAR NOT NULL,
            email           VARCHAR,
            title           VARCHAR,
            account_id      VARCHAR,
            created_at      TIMESTAMP,
            email_confirmed BOOLEAN
        )""",
    OPPORTUNITIES: """
        CREATE TABLE IF NOT EXISTS opportunities (
            opportunity_id VARCHAR NOT NULL,
            account_id     VARCHAR,
            domain         VARCHAR,
            created_at     TIMESTAMP NOT NULL,
            closed_at      TIMESTAMP,
            stage          VARCHAR NOT NULL,
            amount         DOUBLE,
            source         VARCHAR NOT NULL
        )""",
    # One row per input file fully loaded: re-ingesting the same bytes is a no-op.
    INGESTED_FILES: """
        CREATE TABLE IF NOT EXISTS ingested_files (
            sha256      VARCHAR NOT NULL,
            kind        VARCHAR NOT NULL,
            path        VARCHAR NOT NULL,
            bytes       BIGINT,
            read        BIGINT NOT NULL,
            loaded      BIGINT NOT NULL,
            duplicates  BIGINT NOT NULL,
            rejected    BIGINT NOT NULL,
            loaded_at   TIMESTAMP NOT NULL
        )""",
    # Resolved user -> account links; `method` says how the link was made:
    # 'group' (group call), 'users_file' (account_id given in users input),
    # 'domain' (work-email domain matched an account domain), 'manual'.
    IDENTITIES: """
        CREATE TABLE IF NOT EXISTS identities (
            user_id          VARCHAR NOT NULL,
            account_id       VARCHAR,
            method           VARCHAR,
            email            VARCHAR,
            email_domain     VARCHAR,
            is_personal      BOOLEAN NOT NULL,
            is_disposable    BOOLEAN NOT NULL,
            is_student       BOOLEAN NOT NULL,
            email_confirmed  BOOLEAN,
            linked_at        TIMESTAMP,
            title            VARCHAR
        )""",
    # anonymous_id -> user_id, learned from identify calls carrying both.
    ALIASES: """
        CREATE TABLE IF NOT EXISTS aliases (
            anonymous_id VARCHAR NOT NULL,
            user_id      VARCHAR NOT NULL,
            first_seen   TIMESTAMP NOT NULL
        )""",
    # What signals read (see resolved_events_sql). Rebuilt by leadlight.identity.resolve().
    EVENTS_RESOLVED: f"CREATE VIEW IF NOT EXISTS {EVENTS_RESOLVED} AS {resolved_events_sql()}",
}

CANONICAL_COLUMNS: dict[str, tuple[str, ...]] = {
    ACCOUNTS: ("account_id", "domain", "name", "employees", "industry", "country", "plan"),
    USERS: ("user_id", "email", "title", "account_id", "created_at", "email_confirmed"),
    OPPORTUNITIES: ("opportunity_id", "account_id", "domain", "created_at", "closed_at", "stage", "amount", "source"),
}
