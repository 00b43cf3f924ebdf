"""What a signal kind gets to compile itself: activity before as_of, the entity key, the shared plan.

A kind computes its value in one of two ways:

* ``reduce(spec, ctx)``: ask the shared single-pass plan (``ctx.plan``) for
  measures on the (account, user) grain and return how to aggregate them per
  entity: a function of the pairs table giving one reduction. Most kinds do.
* ``compile(spec, ctx)``: a table ``key, <name>`` of its own, for what does not
  add up over (account, user) pairs (breadth, first_days, very long windows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import ibis

from leadlight.config.signals import EventSignal
from leadlight.signals import asof
from leadlight.signals.activity import Activity
from leadlight.signals.plan import Plan
from leadlight.storage.engine import Engine
from leadlight.storage.schema import USERS


@dataclass
class Context:
    engine: Engine
    activity: Activity
    level: str  # 'account' | 'user'
    plan: Plan | None = None
    _signups: ibis.Table | None = field(default=None, repr=False)

    @property
    def as_of(self) -> datetime:
        return self.activity.as_of

    @property
    def key(self) -> str:
        return "account_id" if self.level == "account" else "user_id"

    def matching(self, spec: EventSignal) -> ibis.Table:
        """History rows for ``spec``'s events and filters, with a known entity key."""
        rows = self.activity.matching(spec)
        return rows.filter(rows[self.key].notnull())

    def window(self, rows: ibis.Table, window: timedelta | None) -> ibis.Table:
        return asof.in_window(rows, self.as_of, window)

    def per_key(self, rows: ibis.Table, **metrics: ibis.Value) -> ibis.Table:
        return rows.group_by(self.key).aggregate(**metrics)

    @property
    def signups(self) -> ibis.Table:
        """``user_id, signup``: users.created_at when known, else the user's first activity before as_of."""
        if self._signups is None:
            if self.plan is not None:
                pairs = self.plan.pairs
                column = pairs[self.plan.first(None)]
                pairs = pairs.filter(pairs.user_id.notnull())
                first = pairs.group_by("user_id").aggregate(first_seen=column.min())
            else:
                rows = self.activity.all_rows
                rows = rows.filter(rows.user_id.notnull())
                first = rows.group_by("user_id").aggregate(first_seen=rows.ts_first.min())
            users = self.engine.table(USERS)
            created = users.group_by("user_id").aggregate(created_at=users.created_at.min())
            joined = first.left_join(created, "user_id")
            self._signups = joined.select(
                "user_id", signup=ibis.coalesce(joined.created_at, joined.first_seen)
            )
        return self._signups
