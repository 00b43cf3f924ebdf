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


# The same from ``linking.ACTIVITY_PARTIALS`` (``identity.as_of.prepare``): a pair's first event before a moment
# is the first of its parts' first events.
ALIASES_FROM_PARTS = """
INSERT INTO {aliases} (anonymous_id, user_id, first_seen)
SELECT anonymous_id, user_id, min(first_at) AS first_seen
FROM {parts}
WHERE part <= {part} AND anonymous_id <> '' AND user_id <> '' AND anonymous_id <> user_id
GROUP BY anonymous_id, user_id
QUALIFY row_number() OVER (PARTITION BY anonymous_id ORDER BY min(first_at), user_id) = 1
"""


def rebuild_aliases(con: duckdb.DuckDBPyConnection, events: str = EVENTS, aliases: str = ALIASES,
                    parts: tuple[str, int] | None = None) -> int:
    """Replace the contents of ``aliases`` from ``events``; returns how many aliases there are.

    ``parts``: activity partials and the last part before the moment ``events`` ends at (read instead)."""
    con.execute(f"DELETE FROM {aliases}")
    if parts is None:
        con.execute(REBUILD_ALIASES.format(events=events, aliases=aliases))
    else:
        con.execute(ALIASES_FROM_PARTS.format(parts=parts[0], part=parts[1], aliases=aliases))
    return con.execute(f"SELECT count(*) FROM {aliases}").fetchone()[0]
