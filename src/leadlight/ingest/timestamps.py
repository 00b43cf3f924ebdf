"""Input timestamps as SQL: one grammar for every file kind and format.

Accepted: ISO-8601 / RFC 3339 date-times (``T`` or a space, upper or lower
case ``t`` and ``z``), with an offset of at most 18 hours (``+05:30``,
``+0530``, ``+05``) or ``Z``; a bare date (midnight UTC); no offset means UTC;
epoch seconds (10 digits) or epoch milliseconds (13 digits), as Segment's
libraries and many exports write them. Stored as naive UTC, truncated to the
second. An offset past 18 hours (``+25:00``) is refused, never shifted.
"""

from __future__ import annotations

MAX_OFFSET_HOURS = 18

# The time of day and its offset: an offset only counts after a time, so a bare date's "-01" is not one.
_OFFSET = r"[Tt ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?\s*[+-](\d\d)(?::?(\d\d))?$"


def bad_offset_sql(text: str) -> str:
    """SQL, true when ``text`` ends with a UTC offset past 18 hours (or with minutes past 59)."""
    hours = f"TRY_CAST(regexp_extract({text}, '{_OFFSET}', 1) AS INTEGER)"
    minutes = f"TRY_CAST(nullif(regexp_extract({text}, '{_OFFSET}', 2), '') AS INTEGER)"
    return (f"coalesce(regexp_matches({text}, '{_OFFSET}') AND ({hours} > {MAX_OFFSET_HOURS} OR "
            f"coalesce({minutes}, 0) > 59 OR ({hours} = {MAX_OFFSET_HOURS} AND coalesce({minutes}, 0) > 0)), false)")


def _epoch(text: str, digits: int, scale: int) -> str:
    return (f"WHEN regexp_full_match({text}, '\\d{{{digits}}}(\\.\\d+)?') "
            f"THEN make_timestamp(CAST(CAST({text} AS DOUBLE) * {scale} AS BIGINT))")


def timestamp_sql(text: str) -> str:
    """SQL turning the text ``text`` (trimmed, NULL when empty) into a naive UTC ``TIMESTAMP`` (NULL if unparseable)."""
    upper = (f"regexp_replace(regexp_replace({text}, '^(\\d{{4}}-\\d\\d-\\d\\d)t', '\\1T'), '(\\d)z$', '\\1Z')")
    return f"""date_trunc('second', CASE
        WHEN suffix({text}, 'Z') AND NOT contains({text}, 't') THEN timezone('UTC', try_cast({text} AS TIMESTAMPTZ))
        {_epoch(text, 13, 1_000)}
        {_epoch(text, 10, 1_000_000)}
        WHEN {bad_offset_sql(text)} THEN NULL
        ELSE timezone('UTC', try_cast({upper} AS TIMESTAMPTZ)) END)"""
