"""What the per-day kept summary (``signal_kept_days``) holds: the days each event's windows reach back.

A window reads, of the days before the current one, only the events its signal names (every event when it names
none) from its start, with its baseline before it (``velocity``; new people come from each person's first
event, not a window). ``reach`` is that, per event name ('' for
every event): how many whole days before ``until`` (the midnight that starts the scored day) the summary keeps
of it, so the whole days inside every window are there; a window's first day (its start is to the second) is
read from raw events. Only what some window reads is kept: a 90-day count of invites keeps 92 days of invites,
not of every event.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

from leadlight.config.signals import EventSignal

DAY = timedelta(days=1)


def reach(specs: Sequence[Any]) -> dict[str, int]:
    """Days kept per event name ('' = every event): the longest window (and baseline) reading it, two days more."""
    out: dict[str, int] = {}
    for spec in specs:
        window = getattr(spec, "window_td", None)
        if not isinstance(spec, EventSignal) or window is None or getattr(spec, "measure", None) == "new_users":
            continue  # new people: from each person's first event (all history), no window read
        span = window + (getattr(spec, "baseline_td", None) or timedelta(0))
        days = -(-span // DAY) + 2
        for name in spec.events or ("",):
            out[name] = max(out.get(name, 0), days)
    every = out.get("", 0)
    return {name: days for name, days in sorted(out.items()) if name == "" or days > every}


def kept_sql(kept: dict[str, int], until: datetime, day: str = "timestamp", event: str = "event") -> str:
    """SQL: true for a row (its ``day`` column a timestamp or date, its ``event``) the summary keeps."""
    if not kept:
        return "false"
    parts = []
    for days in sorted(set(kept.values())):
        names = [n for n, d in kept.items() if d == days]
        since = f"{day} >= TIMESTAMP '{until - DAY * days:%Y-%m-%d %H:%M:%S}'"
        if "" in names:
            parts.append(since)
        else:
            listed = ", ".join("'" + n.replace("'", "''") + "'" for n in sorted(names))
            parts.append(f"({since} AND {event} IN ({listed}))")
    return "(" + " OR ".join(parts) + ")"


def covers(kept: dict[str, int], until: datetime, since: datetime, events: Iterable[str] | None) -> bool:
    """Whether the summary holds every day from ``since`` (a midnight) to ``until`` of ``events`` (None: all)."""
    days = (until - since) // DAY
    every = kept.get("", 0)
    if events is None:
        return every >= days
    return all(max(every, kept.get(name, 0)) >= days for name in events)
