"""Segment HTTP API payloads -> log lines: the collector's checks at the door.

A payload is one message (``/v1/track``, ``/v1/identify``, ...) or a batch
(``/v1/batch``: ``{"batch": [...], "context", "integrations", "writeKey"}``).
Each message is checked here only for what makes it unusable (not an object,
no type, no user, a track call without an event, over 32 KB); the drain then
puts every line through ``leadlight ingest``'s full validation and quarantine.
A good message is written as received, with:

- the batch's ``context`` and ``integrations`` under its own (its keys win);
- ``messageId`` assigned (a UUID) when missing, so a re-drain dedupes it;
- ``receivedAt`` (the collector's clock) and ``source`` (the write key's name);
- members that are JSON ``null`` removed (``userId: null`` means no userId);
- an ``alias`` call written as an identify call linking ``previousId`` (as
  ``anonymousId``) to ``userId``, which is what identity stitching reads.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

MAX_MESSAGE_BYTES = 32 << 10
MAX_BATCH_BYTES = 500 << 10
TYPES = ("track", "identify", "group", "page", "screen", "alias")
_TIME_FIELDS = ("timestamp", "originalTimestamp", "sentAt")


@dataclass
class Problem:
    """The first bad message of a payload: its index, the HTTP status it earns and why."""

    index: int
    status: int
    code: str
    message: str


@dataclass
class Accepted:
    """What a payload gave: log lines for the good messages and the first problem, if any."""

    lines: list[bytes] = field(default_factory=list)
    rejected: int = 0
    problem: Problem | None = None

    @property
    def data(self) -> bytes:
        return b"".join(self.lines)


class PayloadError(ValueError):
    """The payload as a whole cannot be read (not JSON, not an object, no batch list)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def parse_body(body: bytes) -> dict[str, Any]:
    """The JSON object of a request body."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        raise PayloadError("invalid_json", f"the body is not valid JSON: {err}") from None
    if not isinstance(payload, dict):
        raise PayloadError("invalid_json", "the body must be a JSON object")
    return payload


def accept(payload: dict[str, Any], kind: str | None, *, source: str, received_at: str) -> Accepted:
    """Check and prepare the messages of ``payload``; ``kind`` is the endpoint's type, None for a batch."""
    if kind is None:
        messages = payload.get("batch")
        if not isinstance(messages, list):
            raise PayloadError("invalid_batch", "a batch needs a `batch` member holding a list of messages")
        context, integrations = payload.get("context"), payload.get("integrations")
    else:
        messages, context, integrations = [payload], None, None
    result = Accepted()
    for index, message in enumerate(messages):
        line, status, why = _prepare(message, kind, context, integrations, source, received_at)
        if line is not None:
            result.lines.append(line)
            continue
        result.rejected += 1
        if result.problem is None:
            code = "message_too_large" if status == 413 else "invalid_message"
            result.problem = Problem(index, status, code, f"message {index}: {why}")
    return result


def _prepare(message: Any, kind: str | None, context: Any, integrations: Any, source: str,
             received_at: str) -> tuple[bytes | None, int, str]:
    if not isinstance(message, dict):
        return None, 400, "not a JSON object"
    message = {k: v for k, v in message.items() if v is not None}
    if kind is not None:
        message["type"] = kind
    why = _problem(message)
    if why is not None:
        return None, 400, why
    for name, shared in (("context", context), ("integrations", integrations)):
        if isinstance(shared, dict) and shared:
            own = message.get(name)
            message[name] = {**shared, **own} if isinstance(own, dict) else dict(shared)
    message.pop("writeKey", None)
    if message.get("messageId") in (None, ""):
        message["messageId"] = str(uuid.uuid4())
    message["receivedAt"] = received_at
    message["source"] = source
    if message["type"] == "alias":
        message["type"] = "identify"
        message.setdefault("anonymousId", message["previousId"])
    line = orjson.dumps(message) + b"\n"
    if len(line) > MAX_MESSAGE_BYTES:
        return None, 413, f"{len(line)} bytes; a message may hold at most {MAX_MESSAGE_BYTES} bytes"
    return line, 200, ""


def _id(value: Any) -> bool:
    return (isinstance(value, str) and value != "") or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _problem(m: dict[str, Any]) -> str | None:
    """Why a message cannot be used at all, or None."""
    kind = m.get("type")
    if not isinstance(kind, str) or kind.lower() not in TYPES:
        return f"type must be one of {', '.join(TYPES)}"
    kind = m["type"] = kind.lower()
    if not (_id(m.get("userId")) or _id(m.get("anonymousId"))):
        return "no userId and no anonymousId"
    for name in ("userId", "anonymousId", "messageId", "groupId"):
        if name in m and not _id(m[name]):
            return f"{name} must be a string or a number"
    for name in ("properties", "traits", "context", "integrations"):
        if name in m and not isinstance(m[name], dict):
            return f"{name} must be an object"
    for name in _TIME_FIELDS:
        if name in m and not isinstance(m[name], str):
            return f"{name} must be an ISO-8601 string"
    if kind == "track" and not (isinstance(m.get("event"), str) and m["event"]):
        return "track call without event"
    if kind == "group" and "groupId" not in m:
        return "group call without groupId"
    if kind == "alias" and not (_id(m.get("previousId")) and _id(m.get("userId"))):
        return "alias call needs previousId and userId"
    return None
