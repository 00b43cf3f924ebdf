"""The one clock: everything is UTC, windows are written like ``28d``.

Timestamps inside Leadlight are *naive datetimes that mean UTC* (DuckDB
``TIMESTAMP``), truncated to whole seconds so DuckDB and Spark agree.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

_WINDOW = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_window(text: str | int) -> timedelta:
    """``"28d"`` -> 28 days; ``"12h"``, ``"2w"``, ``"5m"`` (minutes), ``"10s"`` too. A bare integer means days."""
    if isinstance(text, int):
        if text <= 0:
            raise ValueError("a window must be positive")
        return timedelta(days=text)
    m = _WINDOW.match(str(text))
    if not m or int(m.group(1)) <= 0:
        raise ValueError(f"{text!r} is not a window; write a positive number and a unit: 7d, 12h, 2w, 5m or 30s")
    return timedelta(seconds=int(m.group(1)) * _UNIT_SECONDS[m.group(2)])


def to_utc_naive(value: datetime) -> datetime:
    """Any datetime -> naive UTC, whole seconds."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0)


def parse_as_of(text: str | date | datetime) -> datetime:
    """A user's ``--as-of``: a date means the end of that day (midnight after it), UTC.

    ``--as-of 2026-03-31`` therefore includes every event stamped on March 31st.
    """
    if isinstance(text, datetime):
        return to_utc_naive(text)
    if isinstance(text, date):
        return datetime(text.year, text.month, text.day) + timedelta(days=1)
    s = str(text).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        return parse_as_of(date.fromisoformat(s))
    try:
        return to_utc_naive(datetime.fromisoformat(s.replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(f"{text!r} is not a date; write YYYY-MM-DD or an ISO-8601 timestamp") from None


def utcnow() -> datetime:
    return to_utc_naive(datetime.now(timezone.utc))


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"
