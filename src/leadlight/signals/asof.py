"""THE owner of every time cutoff in Leadlight.

The boundary, everywhere: **an event counts as of D when ``timestamp < D``**.
An event stamped exactly at D belongs to the future; one a second before D is
history. A window ``W`` as of D is the half-open interval ``[D - W, D)``.

Nothing else in Leadlight compares event timestamps with an as-of date; signal
kinds, rollups, training sets and backtests call these functions. Because a
value as of D reads only rows with ``timestamp < D``, it never changes when
later events arrive (tested by appending random later events).

Rows handled here are *activity rows* (see ``activity.py``): each carries
``ts_first`` and ``ts_last``, the first and last timestamp it stands for. A raw
event has ``ts_first == ts_last == timestamp``; a daily rollup row stands for
one UTC day, and the functions below are exact on it only when D and every
window start fall on midnight (``day_aligned``). The kept history summary
(``incremental.py``) spans many days: only measures with no window read it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import ibis

if TYPE_CHECKING:
    import pandas as pd

SECONDS_PER_DAY = 86400


def at(as_of: datetime) -> ibis.Value:
    """``as_of`` as a timestamp literal (naive UTC, whole seconds).

    Every moment a query compares with is one of these (``day`` and ``day_start`` are computed from one):
    compiled SQL is replayed for another as_of by shifting exactly these literals (``storage/recipes.py``).
    """
    return ibis.literal(as_of.replace(microsecond=0, tzinfo=None), type="timestamp")


def moment_of(as_of: datetime) -> "pd.Timestamp":
    """The value an ``at(as_of)`` column holds once read back: which row of a many-moment result is ``as_of``'s.
    (pandas is imported here, not by the module: scoring reads this module and never loads pandas.)"""
    import pandas as pd

    return pd.Timestamp(as_of.replace(microsecond=0, tzinfo=None))


def day(moment: datetime) -> ibis.Value:
    """The UTC date of ``moment`` (e.g. the first day of a window), computed from its ``at`` literal."""
    return at(moment).date()


def day_start(moment: datetime) -> ibis.Value:
    """The UTC midnight that starts ``moment``'s day, computed from its ``at`` literal."""
    return at(moment).truncate("D")


def _epoch(as_of: datetime) -> ibis.Value:
    # From the timestamp literal, not a number computed here: only ``at`` literals hold a moment.
    return at(as_of).epoch_seconds().cast("int64")


def history(rows: ibis.Table, as_of: datetime) -> ibis.Table:
    """Rows entirely before the cutoff: ``ts_last < as_of``."""
    return rows.filter(rows.ts_last < at(as_of))


def in_window(rows: ibis.Table, as_of: datetime, window: timedelta | None) -> ibis.Table:
    """History rows inside ``[as_of - window, as_of)``; ``None`` means all history."""
    rows = history(rows, as_of)
    if window is None:
        return rows
    return rows.filter(rows.ts_last >= at(as_of - window))


def between(ts: ibis.Value, start: datetime, end: datetime) -> ibis.Value:
    """``start <= ts < end``: the same half-open convention for any inner window."""
    return (ts >= at(start)) & (ts < at(end))


def whole_days_before(as_of: datetime, ts: ibis.Value) -> ibis.Value:
    """Whole days from ``ts`` to ``as_of`` (0 for less than a day), from epoch seconds.

    Timestamps are whole seconds, so DuckDB and Spark agree (STACK-NOTES).
    """
    return ((_epoch(as_of) - ts.epoch_seconds().cast("int64")) // SECONDS_PER_DAY).cast("int64")


def slice_index(as_of: datetime, ts: ibis.Value, span: timedelta) -> ibis.Value:
    """Which ``span``-long slice before D holds ``ts``: 0 for ``[D - span, D)``, 1 for the one before, ..."""
    return ((_epoch(as_of) - ts.epoch_seconds().cast("int64") - 1) // int(span.total_seconds())).cast("int64")


def slice_index_of_seconds(as_of: datetime, seconds: ibis.Value, span: timedelta) -> ibis.Value:
    """``slice_index`` of a moment given as epoch seconds (kept partials hold a day's first and last match so)."""
    return ((_epoch(as_of) - seconds.cast("int64") - 1) // int(span.total_seconds())).cast("int64")


def created_before(created_at: ibis.Value, as_of: datetime) -> ibis.Value:
    """A user or account record exists as of D when it was created before D (or we don't know when)."""
    return created_at.isnull() | (created_at < at(as_of))


def day_aligned(as_of: datetime, spans: list[timedelta]) -> bool:
    """True when a daily rollup answers exactly: D at midnight and every span whole days."""
    midnight = as_of.hour == as_of.minute == as_of.second == 0 and as_of.microsecond == 0
    return midnight and all(s % timedelta(days=1) == timedelta(0) for s in spans)
