"""The simulated calendar: whole days counted from the first midnight, and the monthly snapshots.

Day ``d`` covers ``[start + d days, start + d + 1 days)``. A snapshot ``as_of`` is a
midnight on the first of a month; the data "before as_of" is days ``< d``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import numpy as np

DEFAULT_END = date(2026, 10, 31)
MIN_HISTORY_DAYS = 56  # two trailing 28-day windows before the first snapshot
LABEL_DAYS = 30  # the hidden law predicts a won sales opportunity created in (as_of, as_of + 30d]
FIRST_DRAW_DAY = 14  # two weeks of observed behaviour before an account can first convert
EARLY_DRAW_DAYS = 7  # before the first monthly snapshot, outcomes are drawn weekly


@dataclass(frozen=True)
class Period:
    start: datetime  # naive UTC midnight of day 0
    days: int

    @classmethod
    def ending(cls, end: date, days: int) -> "Period":
        """The ``days`` days whose last one is ``end``."""
        return cls(datetime(end.year, end.month, end.day) - timedelta(days=days - 1), days)

    @property
    def start_epoch(self) -> int:
        return int(self.start.replace(tzinfo=timezone.utc).timestamp())

    def moment(self, day: int, second: int = 0) -> datetime:
        return self.start + timedelta(days=int(day), seconds=int(second))

    def snapshot_days(self) -> np.ndarray:
        """Days ``d`` where ``start + d`` is the 1st of a month, with enough history before and a full label window after."""
        days = [d for d in range(MIN_HISTORY_DAYS, self.days - LABEL_DAYS + 1) if self.moment(d).day == 1]
        return np.asarray(days, dtype=np.int64)

    def draw_days(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The days outcomes are drawn on, how many days each draw covers, and which are monthly snapshots.

        Weekly from ``FIRST_DRAW_DAY`` until the first monthly snapshot (to the period's end when it has none),
        then the monthly snapshots, each covering up to ``LABEL_DAYS``: however short the period, accounts
        convert once they have shown enough behaviour."""
        monthly = self.snapshot_days()
        until = int(monthly[0]) if len(monthly) else self.days
        early = np.arange(FIRST_DRAW_DAY, until, EARLY_DRAW_DAYS, dtype=np.int64)
        days = np.r_[early, monthly].astype(np.int64)
        ends = np.r_[days[1:], self.days]
        spans = np.minimum(np.r_[np.full(len(early), EARLY_DRAW_DAYS), np.full(len(monthly), LABEL_DAYS)], ends - days)
        if len(monthly):
            spans[-1] = LABEL_DAYS  # the last snapshot's label window lies inside the period (``snapshot_days``)
        return days, spans, np.r_[np.zeros(len(early), bool), np.ones(len(monthly), bool)]

    def weekday(self) -> np.ndarray:
        """Monday=0 .. Sunday=6 for every simulated day."""
        return (np.arange(self.days) + self.start.weekday()) % 7
