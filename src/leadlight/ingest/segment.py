"""Segment messages -> canonical ``events`` rows, mapped and validated in DuckDB SQL.

Each raw line is parsed once (``from_json`` into a struct whose members stay
JSON text), then checked by the ``RULES`` below in order; the first rule a
line breaks is its reject reason. The mapping:

- ``type`` lowercased; ``screen`` is kept as its own type but read like ``page``;
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

from leadlight.ingest.validation import Rule, failure_message, first_failure_index, quoted_value

MESSAGE_TYPES = ("track", "identify", "group", "page", "screen")
TIMESTAMP_FIELDS = ("timestamp", "originalTimestamp", "sentAt", "receivedAt")
EARLIEST = "2000-01-01"

_MEMBERS = ("type", "userId", "anonymousId", "event", "name", "groupId", "messageId", "properties", "traits",
            "context", *TIMESTAMP_FIELDS)
_STRUCTURE = "{" + ",".join(f'"{m}":"JSON"' for m in _MEMBERS) + "}"


def _is_string(v: str) -> str:
    return f"left({v}, 1) = '\"'"


def _is_object(v: str) -> str:
    return f"left({v}, 1) = '{{'"


def _is_scalar_id(v: str) -> str:
    """A JSON string or number: what Segment ids may be."""
    return f"(left({v}, 1) = '\"' OR left({v}, 1) IN ('-','0','1','2','3','4','5','6','7','8','9'))"


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
        Rule(f"msg_type NOT IN ({allowed})", "type",
             f"'unknown message type ' || {quoted_value('msg_type')} || '; expected track, identify, group, page or screen'"),
        Rule(f"m.userId IS NOT NULL AND NOT {_is_scalar_id('m.userId')}", "userId", "'userId must be a string or a number'"),
        Rule(f"m.anonymousId IS NOT NULL AND NOT {_is_scalar_id('m.anonymousId')}", "anonymousId",
             "'anonymousId must be a string or a number'"),
        Rule("coalesce(user_id, '') = '' AND coalesce(anonymous_id, '') = ''", "userId", "'no userId and no anonymousId'"),
        Rule(f"m.messageId IS NOT NULL AND NOT {_is_scalar_id('m.messageId')}", "messageId",
             "'messageId must be a string or a number'"),
        Rule("ts_json IS NULL", "timestamp", "'missing timestamp'"),
        Rule(f"NOT {_is_string('ts_json')}", "ts_field", "ts_field || ' must be an ISO-8601 string'"),
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
    """SQL over ``source`` (columns line, raw, utf8_ok): one row per non-blank line.

    Columns: line, raw, bad (0 for a good record, else the index of the broken
    rule), reject_field, reject_message (NULL for good records) and the
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
            {_text('m.anonymousId')} AS anonymous_id,
            {ts_json} AS ts_json,
            {ts_field} AS ts_field,
            date_trunc('second', timezone('UTC', try_cast({_text(ts_json)} AS TIMESTAMPTZ))) AS ts,
            CASE WHEN {_is_object('m.context')} THEN json_extract(m.context, '$.groupId') END AS context_group
        FROM parsed
        WHERE m IS NOT NULL OR NOT (trim(raw, ' \t\r') = '')
    ), checked AS (
        SELECT *, {first_failure_index(rules)} AS bad FROM fields
    )
    SELECT line, raw, bad,
        CASE WHEN bad > 0 THEN {field} END AS reject_field,
        CASE WHEN bad > 0 THEN {message} END AS reject_message,
        coalesce({_text('m.messageId')}, md5(raw)) AS message_id,
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
