"""Segment messages -> canonical ``events`` rows, mapped and validated in DuckDB SQL.

Each raw line is parsed once (``from_json`` into a struct whose members stay
JSON text), then checked by the rules below in order; the first rule a line
breaks is its reject reason. ``fast_parse_sql`` reads most lines about 20%
cheaper and hands back the ones it cannot vouch for, to be read this way.
The mapping:

- ``type`` lowercased; ``screen`` is kept as its own type but read like ``page``;
  ``alias`` calls keep ``previousId`` in ``anonymous_id`` (identity stitching
  merges it into ``userId``, see ``identity.stitching``);
- ``event``: the track event name; for page/screen calls the ``name`` (or
  ``'page'`` / ``'screen'`` when absent); NULL for identify and group calls;
- ``group_id``: ``groupId`` of group calls, ``context.groupId`` of track calls;
- ``user_id`` / ``anonymous_id``: strings, numbers cast to text;
- ``timestamp``: ``timestamp``, else ``originalTimestamp``, ``sentAt``,
  ``receivedAt``; ISO-8601 with an offset or Z (no offset means UTC), stored
  as naive UTC truncated to the second;
- ``message_id``: ``messageId``, else the md5 of the raw line;
- ``properties`` / ``traits``: kept as JSON text.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from leadlight.ingest.timestamps import bad_offset_sql, timestamp_sql
from leadlight.ingest.validation import Rule, failure_message, first_failure_index, quoted_value

MESSAGE_TYPES = ("track", "identify", "group", "page", "screen", "alias")
TIMESTAMP_FIELDS = ("timestamp", "originalTimestamp", "sentAt", "receivedAt")
EARLIEST = "2000-01-01"

_MEMBERS = ("type", "userId", "anonymousId", "previousId", "event", "name", "groupId", "messageId", "properties", "traits",
            "context", *TIMESTAMP_FIELDS)
# The line without its ending: "\n", "\r\n" or a lone "\r".
_WITHOUT_LINE_END = "rtrim(raw, chr(13) || chr(10))"
_STRUCTURE = "{" + ",".join(f'"{m}":"JSON"' for m in _MEMBERS) + "}"


# First-character tests on JSON text. prefix() and ascii() are cheap; an IN list of
# characters would be planned as a join per use.
def _is_string(v: str) -> str:
    return f"prefix({v}, '\"')"


def _is_object(v: str) -> str:
    return f"prefix({v}, '{{')"


def _is_scalar_id(v: str) -> str:
    """A JSON string or number: what Segment ids may be."""
    return f"(prefix({v}, '\"') OR prefix({v}, '-') OR ascii({v}) BETWEEN 48 AND 57)"


def _text(v: str) -> str:
    return f"json_extract_string({v}, '$')"


def _rules(now: datetime) -> list[Rule]:
    future = (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    allowed = ", ".join(f"'{t}'" for t in MESSAGE_TYPES)
    return [
        Rule("NOT utf8_ok", None, "'not valid UTF-8 text'"),
        Rule("m IS NULL", None, "'invalid JSON'"),
        Rule("m.type IS NULL AND left(ltrim(raw), 1) <> '{'", None, "'not a JSON object'"),
        Rule("m.type IS NULL", "type", "'missing type'"),
        Rule(f"NOT {_is_string('m.type')}", "type", "'type must be a string'"),
        Rule(f"list_position([{allowed}], msg_type) IS NULL", "type",
             f"'unknown message type ' || {quoted_value('msg_type')} || '; expected track, identify, group, page, screen or alias'"),
        Rule(f"m.userId IS NOT NULL AND NOT {_is_scalar_id('m.userId')}", "userId", "'userId must be a string or a number'"),
        Rule(f"m.anonymousId IS NOT NULL AND NOT {_is_scalar_id('m.anonymousId')}", "anonymousId",
             "'anonymousId must be a string or a number'"),
        Rule(f"m.previousId IS NOT NULL AND NOT {_is_scalar_id('m.previousId')}", "previousId",
             "'previousId must be a string or a number'"),
        Rule("msg_type = 'alias' AND coalesce(user_id, '') = ''", "userId", "'alias call without userId'"),
        Rule("msg_type = 'alias' AND coalesce(anonymous_id, '') = ''", "previousId", "'alias call without previousId'"),
        Rule("coalesce(user_id, '') = '' AND coalesce(anonymous_id, '') = ''", "userId", "'no userId and no anonymousId'"),
        Rule(f"m.messageId IS NOT NULL AND NOT {_is_scalar_id('m.messageId')}", "messageId",
             "'messageId must be a string or a number'"),
        Rule("ts_json IS NULL", "timestamp", "'missing timestamp'"),
        Rule(f"NOT {_is_scalar_id('ts_json')}", "ts_field",
             "ts_field || ' must be an ISO-8601 string or epoch milliseconds'"),
        Rule(bad_offset_sql(_text("ts_json")), "ts_field",
             f"'UTC offset out of range (at most 18 hours) in ' || {quoted_value(_text('ts_json'))}"),
        Rule("ts IS NULL", "ts_field", f"'unparseable timestamp ' || {quoted_value(_text('ts_json'))}"),
        Rule(f"ts > TIMESTAMP '{future}'", "ts_field",
             f"'timestamp ' || {quoted_value(_text('ts_json'))} || ' is more than a day in the future'"),
        Rule(f"ts < TIMESTAMP '{EARLIEST}'", "ts_field",
             f"'timestamp ' || {quoted_value(_text('ts_json'))} || ' is before 2000'"),
        Rule(f"m.properties IS NOT NULL AND NOT {_is_object('m.properties')}", "properties", "'properties must be an object'"),
        Rule(f"m.traits IS NOT NULL AND NOT {_is_object('m.traits')}", "traits", "'traits must be an object'"),
        Rule(f"m.context IS NOT NULL AND NOT {_is_object('m.context')}", "context", "'context must be an object'"),
        Rule(f"m.event IS NOT NULL AND NOT {_is_string('m.event')}", "event", "'event must be a string'"),
        Rule("msg_type = 'track' AND coalesce(" + _text("m.event") + ", '') = ''", "event", "'track call without event'"),
        Rule(f"m.name IS NOT NULL AND msg_type IN ('page', 'screen') AND NOT {_is_string('m.name')}", "name",
             "'name must be a string'"),
        Rule("msg_type = 'group' AND coalesce(" + _text("m.groupId") + ", '') = ''", "groupId",
             "'group call without groupId'"),
        Rule(f"m.groupId IS NOT NULL AND NOT {_is_scalar_id('m.groupId')}", "groupId", "'groupId must be a string or a number'"),
        Rule(f"context_group IS NOT NULL AND NOT {_is_scalar_id('context_group')}", "context.groupId",
             "'context.groupId must be a string or a number'"),
    ]


def _field_sql(rules: list[Rule]) -> tuple[str, str]:
    field, message = failure_message(rules, "bad")
    # Timestamp rules report whichever of the timestamp fields the value came from.
    return field.replace("'ts_field'", "ts_field"), message


def parse_sql(source: str, now: datetime) -> str:
    """SQL over ``source`` (columns line, raw, utf8_ok): one row per line.

    ``raw`` may end with its newline; the message id made from a line's md5
    leaves the newline out.

    Columns: line, raw, bad (0 for a good record, -1 for a blank line to skip,
    else the index of the broken rule), reject_field, reject_message (NULL for good records) and the
    canonical events columns.
    """
    rules = _rules(now)
    field, message = _field_sql(rules)
    ts_json = "coalesce(" + ", ".join(f"m.{f}" for f in TIMESTAMP_FIELDS) + ")"
    ts_field = "CASE " + " ".join(f"WHEN m.{f} IS NOT NULL THEN '{f}'" for f in TIMESTAMP_FIELDS) + " ELSE 'timestamp' END"
    return f"""
    WITH parsed AS (
        SELECT line, raw, utf8_ok, try(from_json(raw, '{_STRUCTURE}')) AS m
        FROM {source}
    ), fields AS (
        SELECT *,
            lower({_text('m.type')}) AS msg_type,
            {_text('m.userId')} AS user_id,
            CASE WHEN lower({_text('m.type')}) = 'alias' THEN coalesce({_text('m.previousId')}, {_text('m.anonymousId')})
                 ELSE {_text('m.anonymousId')} END AS anonymous_id,
            {ts_json} AS ts_json,
            {ts_field} AS ts_field,
            {timestamp_sql(f"nullif(trim({_text(ts_json)}), '')")} AS ts,
            CASE WHEN {_is_object('m.context')} THEN json_extract(m.context, '$.groupId') END AS context_group
        FROM parsed
    ), checked AS (
        -- A blank line is marked -1 rather than filtered out: any WHERE here made
        -- DuckDB 2.0 spend twice the CPU on this query.
        SELECT *, CASE WHEN m IS NULL AND trim(raw, ' \t\r\n') = '' THEN -1 ELSE {first_failure_index(rules)} END AS bad
        FROM fields
    )
    SELECT line, raw, bad,
        CASE WHEN bad > 0 THEN {field} END AS reject_field,
        CASE WHEN bad > 0 THEN {message} END AS reject_message,
        coalesce({_text('m.messageId')}, md5({_WITHOUT_LINE_END})) AS message_id,
        msg_type AS type,
        user_id,
        anonymous_id,
        CASE msg_type
            WHEN 'track' THEN {_text('m.event')}
            WHEN 'page' THEN coalesce({_text('m.name')}, 'page')
            WHEN 'screen' THEN coalesce({_text('m.name')}, 'screen')
        END AS event,
        ts AS timestamp,
        CASE msg_type
            WHEN 'group' THEN {_text('m.groupId')}
            WHEN 'track' THEN {_text('context_group')}
        END AS group_id,
        CAST(m.properties AS VARCHAR) AS properties,
        CAST(m.traits AS VARCHAR) AS traits
    FROM checked"""


_SCALARS = ("type", "userId", "anonymousId", "previousId", "event", "name", "groupId", "messageId", *TIMESTAMP_FIELDS)
_FAST_STRUCTURE = "{" + ",".join(f'"{m}":"{"VARCHAR" if m in _SCALARS else "JSON"}"' for m in _MEMBERS) + "}"


def _plain(v: str) -> str:
    """True when ``v``, a member read as VARCHAR, cannot have been a JSON number, boolean, object or array."""
    return (f"({v} IS NULL OR NOT (ascii({v}) BETWEEN 48 AND 57 OR prefix({v}, '-') OR prefix({v}, '{{') "
            f"OR prefix({v}, '[') OR {v} IN ('true', 'false')))")


def _plain_id(v: str) -> str:
    # An id may be a number: an integer reads as the same text either way.
    return f"({_plain(v)} OR regexp_full_match({v}, '-?[0-9]{{1,18}}'))"


def _plain_time(v: str) -> str:
    # A JSON number never holds ':', an ISO-8601 time always does.
    return f"({v} IS NULL OR (NOT prefix({v}, '{{') AND NOT prefix({v}, '[') AND contains({v}, ':')) OR {_plain(v)})"


def fast_parse_sql(source: str, now: datetime) -> str:
    """SQL giving, for each line ``parse_sql`` would accept, the same row; NULL ``bad`` for the others.

    Reading the scalar members as VARCHAR skips re-reading each one as JSON,
    but hides whether a value was a string. So a line is accepted here only
    when every scalar is plainly a string and it breaks none of the rules;
    every other line (``bad`` NULL, with its ``raw`` and ``utf8_ok``) must go
    through ``parse_sql``, which alone writes reject messages.
    """
    future = (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    allowed = ", ".join(f"'{t}'" for t in MESSAGE_TYPES)
    ts_text = "coalesce(" + ", ".join(f"m.{f}" for f in TIMESTAMP_FIELDS) + ")"
    ids = ("userId", "anonymousId", "groupId", "messageId")
    plain = " AND ".join(_plain_time(f"m.{f}") if f in TIMESTAMP_FIELDS else _plain_id(f"m.{f}") if f in ids
                         else _plain(f"m.{f}") for f in _SCALARS)
    good = " AND ".join([
        "utf8_ok", "m IS NOT NULL", plain,
        f"list_position([{allowed}], msg_type) IS NOT NULL",
        "msg_type <> 'alias'",  # previousId stands in for anonymousId: the exact path maps it
        "(coalesce(m.userId, '') <> '' OR coalesce(m.anonymousId, '') <> '')",
        f"ts >= TIMESTAMP '{EARLIEST}'", f"ts <= TIMESTAMP '{future}'",
        *[f"(m.{o} IS NULL OR {_is_object('m.' + o)})" for o in ("properties", "traits", "context")],
        "(msg_type <> 'track' OR coalesce(m.event, '') <> '')",
        "(msg_type <> 'group' OR coalesce(m.groupId, '') <> '')",
        f"(context_group IS NULL OR {_is_scalar_id('context_group')})",
    ])
    return f"""
    WITH parsed AS (
        SELECT line, raw, utf8_ok, try(from_json(raw, '{_FAST_STRUCTURE}')) AS m
        FROM {source}
    ), fields AS (
        SELECT *,
            coalesce(m.messageId, md5({_WITHOUT_LINE_END})) AS message_id,
            lower(m.type) AS msg_type,
            -- Upper-case ISO-8601 with Z or an offset in range is decided here; other spellings go the exact way.
            CASE WHEN (suffix({ts_text}, 'Z') OR NOT {bad_offset_sql(ts_text)}) AND NOT contains({ts_text}, 't')
                      AND NOT contains({ts_text}, 'z')
                 THEN date_trunc('second', timezone('UTC', try_cast({ts_text} AS TIMESTAMPTZ))) END AS ts,
            CASE WHEN {_is_object('m.context')} THEN json_extract(m.context, '$.groupId') END AS context_group
        FROM parsed
    ), checked AS (
        SELECT *, CASE WHEN {good} THEN 0 END AS bad FROM fields
    )
    SELECT line, bad, utf8_ok,
        CAST(NULL AS VARCHAR) AS reject_field, CAST(NULL AS VARCHAR) AS reject_message,
        CASE WHEN bad IS NULL THEN raw END AS raw,
        CASE WHEN bad = 0 THEN hash(message_id) END AS key,
        message_id,
        msg_type AS type,
        m.userId AS user_id,
        m.anonymousId AS anonymous_id,
        CASE msg_type
            WHEN 'track' THEN m.event
            WHEN 'page' THEN coalesce(m.name, 'page')
            WHEN 'screen' THEN coalesce(m.name, 'screen')
        END AS event,
        ts AS timestamp,
        CASE msg_type
            WHEN 'group' THEN m.groupId
            WHEN 'track' THEN {_text('context_group')}
        END AS group_id,
        CAST(m.properties AS VARCHAR) AS properties,
        CAST(m.traits AS VARCHAR) AS traits
    FROM checked"""
