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

    def weekday(self) -> np.ndarray:
        """Monday=0 .. Sunday=6 for every simulated day."""
        return (np.arange(self.days) + self.start.weekday()) % 7
