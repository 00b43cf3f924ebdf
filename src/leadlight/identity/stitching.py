"""Anonymous visitors -> known users: the ``aliases`` table.

A message carrying both an ``anonymousId`` and a ``userId`` (an identify call,
and every call analytics.js sends after it) says the anonymous visitor is that
user. So does an ``alias`` call: its ``previousId`` (stored as the anonymous id)
becomes its ``userId``, also when the previousId was itself a user id (the
person's events under the old id count for the new one; one step, not chains).
Otherwise two identified users are never merged: an anonymousId seen with several
userIds (a shared laptop, a sales demo) maps to the first one only, by the
time they were first seen together (ties: the lowest userId). The view
``events_resolved`` (storage/schema.py) uses the aliases to give anonymous
events their user.
"""

from __future__ import annotations

import duckdb

from leadlight.storage.schema import ALIASES, EVENTS

REBUILD_ALIASES = """
INSERT INTO {aliases} (anonymous_id, user_id, first_seen)
SELECT anonymous_id, user_id, min(timestamp) AS first_seen
FROM {events}
WHERE anonymous_id <> '' AND user_id <> '' AND anonymous_id <> user_id
GROUP BY anonymous_id, user_id
QUALIFY row_number() OVER (PARTITION BY anonymous_id ORDER BY min(timestamp), user_id) = 1
"""


def rebuild_aliases(con: duckdb.DuckDBPyConnection, events: str = EVENTS, aliases: str = ALIASES) -> int:
    """Replace the contents of ``aliases`` from ``events``; returns how many aliases there are."""
    con.execute(f"DELETE FROM {aliases}")
    con.execute(REBUILD_ALIASES.format(events=events, aliases=aliases))
    return con.execute(f"SELECT count(*) FROM {aliases}").fetchone()[0]
