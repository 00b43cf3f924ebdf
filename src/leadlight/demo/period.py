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
EARLY_DRAW_DAYS = 7  # a period without a monthly snapshot draws outcomes weekly


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

        The monthly snapshots, each covering up to ``LABEL_DAYS``; a period too short to hold one (under 57-86
        days, by the calendar) draws weekly instead, from ``FIRST_DRAW_DAY`` to its end: however short the
        period, accounts convert once they have shown enough behaviour, and longer periods are unchanged."""
        monthly = self.snapshot_days()
        if len(monthly):
            spans = np.minimum(np.diff(np.r_[monthly, monthly[-1] + LABEL_DAYS]), LABEL_DAYS)
            return monthly, spans, np.ones(len(monthly), bool)
        weekly = np.arange(FIRST_DRAW_DAY, self.days, EARLY_DRAW_DAYS, dtype=np.int64)
        return weekly, np.minimum(EARLY_DRAW_DAYS, self.days - weekly), np.zeros(len(weekly), bool)

    def weekday(self) -> np.ndarray:
        """Monday=0 .. Sunday=6 for every simulated day."""
        return (np.arange(self.days) + self.start.weekday()) % 7
