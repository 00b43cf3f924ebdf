"""Users -> accounts: the ``identities`` table.

Every user seen in ``events`` or ``users`` gets one row. Its account comes from,
in this order of precedence:

1. ``group`` - workspace membership: group calls, and track/page calls whose
   ``group_id`` came from ``context.groupId``. A user in several workspaces
   joins the one with the most group calls (then the most events carrying a
   group_id, then the latest such event, then the lowest account_id).
2. ``users_file`` - the ``account_id`` column of the users input.
3. ``domain`` - the work-email domain equals an account's domain, or is a
   subdomain of it (eng.acme.com -> acme.com; the most specific match wins).
   Personal, disposable, student, internal (``identity.internal_domains``: the
   vendor's own staff) and unconfirmed emails never link this way.
   When several accounts share a domain (two workspaces of one company), the
   user joins the one with the most users linked by group call (ties: the
   lowest account_id).

``method`` 'manual' is reserved for hand-made links. ``linked_at`` is when the
evidence appeared: the first group event for that account; the user's
``created_at`` (else first seen) for the users file; first seen for domain.

A user's email and title are the users input's, else the latest ``email`` /
``title`` trait of their identify calls. Run over all events, the latest
known facts apply to all history; ``identity.as_of`` runs the same SQL over
the events before a moment, for identity as it was known then.
"""

from __future__ import annotations

import duckdb

from leadlight.identity.domains import DomainRules, candidates_table, email_domain_sql, host_sql
from leadlight.storage.schema import ACCOUNTS, ALIASES, EVENTS, IDENTITIES

_ACTIVITY = """
CREATE OR REPLACE TEMP TABLE _ll_activity AS
SELECT coalesce(a.user_id, e.user_id) AS user_id,
       nullif(e.group_id, '') AS group_id,
       count(*) FILTER (WHERE e.type = 'group') AS group_calls,
       count(*) AS events,
       min(e.timestamp) AS first_at,
       max(e.timestamp) AS last_at
FROM {events} AS e
LEFT JOIN {aliases} AS a ON a.anonymous_id = coalesce(e.user_id, e.anonymous_id)
WHERE coalesce(a.user_id, e.user_id) <> ''
GROUP BY ALL
"""

# The same table from ``activity_partials`` (``identity.as_of.prepare``): each part's sums, firsts and lasts up to a
# moment, merged, equal the aggregates over the events before it.
_ACTIVITY_FROM_PARTS = """
CREATE OR REPLACE TEMP TABLE _ll_activity AS
SELECT coalesce(a.user_id, e.user_id) AS user_id,
       nullif(e.group_id, '') AS group_id,
       sum(e.group_calls)::BIGINT AS group_calls,
       sum(e.events)::BIGINT AS events,
       min(e.first_at) AS first_at,
       max(e.last_at) AS last_at
FROM {parts} AS e
LEFT JOIN {aliases} AS a ON a.anonymous_id = coalesce(e.user_id, e.anonymous_id)
WHERE e.part <= {part} AND coalesce(a.user_id, e.user_id) <> ''
GROUP BY ALL
"""

ACTIVITY_PARTIALS = """
CREATE OR REPLACE TEMP TABLE {parts} AS
SELECT user_id, anonymous_id, group_id, {part} AS part,
       count(*) FILTER (WHERE type = 'group') AS group_calls,
       count(*) AS events,
       min(timestamp) AS first_at,
       max(timestamp) AS last_at
FROM {events}
WHERE timestamp < {end}
GROUP BY ALL
"""

_GROUP_LINKS = """
CREATE OR REPLACE TEMP TABLE _ll_group_links AS
SELECT user_id, group_id AS account_id, first_at AS linked_at
FROM _ll_activity
WHERE group_id IS NOT NULL
QUALIFY row_number() OVER (
    PARTITION BY user_id ORDER BY group_calls DESC, events DESC, last_at DESC, group_id
) = 1
"""

_TRAIT = "nullif(trim(json_extract_string(traits, '$.{key}')), '')"

# The email, title and confirmation each identify call states, read from its JSON traits.
_TRAIT_COLUMNS = f"""{_TRAIT.format(key="email")} AS email,
       {_TRAIT.format(key="title")} AS title,
       TRY_CAST({_TRAIT.format(key="email_confirmed")} AS BOOLEAN) AS email_confirmed"""
_IDENTIFY = "type = 'identify' AND user_id <> '' AND json_valid(traits)"
_TRAIT_ROWS = f"SELECT user_id, timestamp, {_TRAIT_COLUMNS} FROM {{events}} WHERE {_IDENTIFY}"

def trait_parts(parts: str) -> str:
    """The table of ``TRAIT_PARTIALS`` kept beside the ``ACTIVITY_PARTIALS`` table ``parts``."""
    return f"{parts}_traits"


# The same rows read once for many moments (``identity.as_of.prepare``), each with the part it falls in (as
# ``ACTIVITY_PARTIALS``): the rows of parts up to a moment's are the identify calls before it, the JSON parsed once.
TRAIT_PARTIALS = f"""
CREATE OR REPLACE TEMP TABLE {{traits}} AS
SELECT user_id, timestamp, {{part}} AS part, {_TRAIT_COLUMNS}
FROM {{events}}
WHERE {_IDENTIFY} AND timestamp < {{end}}
"""

_PEOPLE = f"""
CREATE OR REPLACE TEMP TABLE _ll_people AS
WITH listed AS (
    SELECT user_id,
           first(nullif(trim(email), '') ORDER BY created_at DESC NULLS LAST)
               FILTER (WHERE nullif(trim(email), '') IS NOT NULL) AS email,
           first(nullif(trim(title), '') ORDER BY created_at DESC NULLS LAST)
               FILTER (WHERE nullif(trim(title), '') IS NOT NULL) AS title,
           first(nullif(trim(account_id), '') ORDER BY created_at DESC NULLS LAST)
               FILTER (WHERE nullif(trim(account_id), '') IS NOT NULL) AS account_id,
           first(email_confirmed ORDER BY created_at DESC NULLS LAST)
               FILTER (WHERE email_confirmed IS NOT NULL) AS email_confirmed,
           min(created_at) AS created_at
    FROM users
    WHERE user_id <> ''
    GROUP BY user_id
),
traits AS (
    SELECT user_id,
           arg_max(email, timestamp) FILTER (WHERE email IS NOT NULL) AS email,
           arg_max(title, timestamp) FILTER (WHERE title IS NOT NULL) AS title,
           arg_max(email_confirmed, timestamp) FILTER (WHERE email_confirmed IS NOT NULL) AS email_confirmed
    FROM ({{trait_rows}})
    GROUP BY user_id
),
seen AS (
    SELECT user_id, min(first_at) AS first_at FROM _ll_activity GROUP BY user_id
),
everyone AS (
    SELECT user_id FROM listed UNION SELECT user_id FROM seen
)
SELECT p.user_id,
       coalesce(l.email, t.email) AS email,
       {email_domain_sql("coalesce(l.email, t.email)")} AS email_domain,
       coalesce(l.title, t.title) AS title,
       coalesce(l.email_confirmed, t.email_confirmed) AS email_confirmed,
       l.account_id AS listed_account_id,
       l.created_at,
       CASE WHEN l.created_at IS NULL THEN s.first_at
            WHEN s.first_at IS NULL THEN l.created_at
            ELSE least(l.created_at, s.first_at) END AS first_seen
FROM everyone AS p
LEFT JOIN listed AS l USING (user_id)
LEFT JOIN traits AS t USING (user_id)
LEFT JOIN seen AS s USING (user_id)
"""

# For each account domain, the one workspace a domain-matched user joins.
_DOMAIN_OWNERS = f"""
CREATE OR REPLACE TEMP TABLE _ll_domain_owners AS
WITH members AS (
    SELECT account_id, count(*) AS n FROM _ll_group_links GROUP BY account_id
)
SELECT {host_sql("a.domain")} AS domain, a.account_id
FROM {{accounts}} AS a
LEFT JOIN members AS m USING (account_id)
WHERE {host_sql("a.domain")} IS NOT NULL
QUALIFY row_number() OVER (
    PARTITION BY {host_sql("a.domain")} ORDER BY coalesce(m.n, 0) DESC, a.account_id
) = 1
"""

_DOMAIN_LINKS = """
CREATE OR REPLACE TEMP TABLE _ll_domain_links AS
SELECT p.user_id, o.account_id, p.first_seen AS linked_at
FROM _ll_people AS p
JOIN _ll_domain_class AS k ON k.domain = p.email_domain
JOIN _ll_domain_candidates AS c ON c.domain = p.email_domain
JOIN _ll_domain_owners AS o ON o.domain = c.candidate
WHERE NOT (k.is_personal OR k.is_disposable OR k.is_student OR k.is_internal)
  AND p.email_confirmed IS DISTINCT FROM false
QUALIFY row_number() OVER (PARTITION BY p.user_id ORDER BY c.depth) = 1
"""

_IDENTITIES = """
INSERT INTO {identities} BY NAME
SELECT p.user_id,
       coalesce(g.account_id, p.listed_account_id, d.account_id) AS account_id,
       CASE WHEN g.account_id IS NOT NULL THEN 'group'
            WHEN p.listed_account_id IS NOT NULL THEN 'users_file'
            WHEN d.account_id IS NOT NULL THEN 'domain' END AS method,
       p.email,
       p.email_domain,
       coalesce(k.is_personal, false) AS is_personal,
       coalesce(k.is_disposable, false) AS is_disposable,
       coalesce(k.is_student, false) AS is_student,
       coalesce(k.is_internal, false) AS is_internal,
       p.email_confirmed,
       CASE WHEN g.account_id IS NOT NULL THEN g.linked_at
            WHEN p.listed_account_id IS NOT NULL THEN coalesce(p.created_at, p.first_seen)
            WHEN d.account_id IS NOT NULL THEN d.linked_at END AS linked_at,
       p.title
FROM _ll_people AS p
LEFT JOIN _ll_group_links AS g USING (user_id)
LEFT JOIN _ll_domain_links AS d USING (user_id)
LEFT JOIN _ll_domain_class AS k ON k.domain = p.email_domain
"""

_SCRATCH = ("_ll_activity", "_ll_group_links", "_ll_people", "_ll_domain_owners", "_ll_domain_links")


def rebuild_identities(
    con: duckdb.DuckDBPyConnection,
    rules: DomainRules,
    events: str = EVENTS,
    aliases: str = ALIASES,
    identities: str = IDENTITIES,
    accounts: str = ACCOUNTS,
    parts: tuple[str, int] | None = None,
) -> None:
    """Replace the contents of ``identities`` from events, users, accounts and aliases (rebuild aliases first).

    ``parts``: a table of ``ACTIVITY_PARTIALS`` and the last part before the moment ``events`` ends at: the
    per-user activity is then merged from it instead of read from every event again, and the identify calls'
    traits are read from ``trait_parts(<parts>)`` (``TRAIT_PARTIALS``)."""
    if parts is None:
        con.execute(_ACTIVITY.format(events=events, aliases=aliases))
    else:
        con.execute(_ACTIVITY_FROM_PARTS.format(parts=parts[0], part=parts[1], aliases=aliases))
    con.execute(_GROUP_LINKS)
    trait_rows = (_TRAIT_ROWS.format(events=events) if parts is None else
                  f"SELECT user_id, timestamp, email, title, email_confirmed FROM {trait_parts(parts[0])} "
                  f"WHERE part <= {parts[1]}")
    con.execute(_PEOPLE.format(trait_rows=trait_rows))
    found = con.execute("SELECT DISTINCT email_domain FROM _ll_people WHERE email_domain IS NOT NULL").fetchall()
    domains = [row[0] for row in found]
    con.register("_ll_domain_class", rules.table(domains))
    con.register("_ll_domain_candidates", candidates_table(domains))
    try:
        con.execute(_DOMAIN_OWNERS.format(accounts=accounts))
        con.execute(_DOMAIN_LINKS)
        con.execute(f"DELETE FROM {identities}")
        con.execute(_IDENTITIES.format(identities=identities))
    finally:
        con.unregister("_ll_domain_class")
        con.unregister("_ll_domain_candidates")
        for name in _SCRATCH:
            con.execute(f"DROP TABLE IF EXISTS {name}")
