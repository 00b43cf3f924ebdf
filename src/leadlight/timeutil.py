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


_DAY_FORMATS = (r"(\d{4})-(\d{2})-(\d{2})", r"(\d{4})/(\d{2})/(\d{2})", r"(\d{4})(\d{2})(\d{2})")
MOMENT_GRAMMAR = ("a day (2026-03-31, 2026/03/31 or 20260331: the end of that day, UTC) or an ISO-8601 "
                  "timestamp (2026-03-31T12:00:00Z; without an offset it is UTC)")


def parse_day(text: str) -> date | None:
    """A bare day in any accepted spelling (``2026-03-31``, ``2026/03/31``, ``20260331``), else None."""
    s = str(text).strip()
    for pattern in _DAY_FORMATS:
        m = re.fullmatch(pattern, s)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise ValueError(f"{text!r} is not a date in the calendar") from None
    return None


def parse_moment(text: str | date | datetime, *, day_means: str = "end") -> datetime:
    """The one date grammar of every option (``--as-of``, ``--from``, ``--to``): see ``MOMENT_GRAMMAR``.

    A bare day means the whole day: ``day_means="end"`` gives the midnight after it (``--as-of``,
    ``--to``: every event stamped that day counts), ``"start"`` the midnight that begins it (``--from``).
    """
    if isinstance(text, datetime):
        return to_utc_naive(text)
    day = text if isinstance(text, date) else parse_day(str(text))
    if day is not None:
        start = datetime(day.year, day.month, day.day)
        return start + timedelta(days=1) if day_means == "end" else start
    s = str(text).strip()
    if len(s) > 10 and s[10] in "tT ":
        s = s[:10] + "T" + s[11:]
    if s[-1:] in ("z", "Z"):
        s = s[:-1] + "+00:00"
    try:
        return to_utc_naive(datetime.fromisoformat(s))
    except ValueError:
        raise ValueError(f"{text!r} is not a date; write {MOMENT_GRAMMAR}") from None


def parse_as_of(text: str | date | datetime) -> datetime:
    """A user's ``--as-of``: a date means the end of that day (midnight after it), UTC.

    ``--as-of 2026-03-31`` therefore includes every event stamped on March 31st.
    """
    return parse_moment(text, day_means="end")


def utcnow() -> datetime:
    return to_utc_naive(datetime.now(timezone.utc))


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"
