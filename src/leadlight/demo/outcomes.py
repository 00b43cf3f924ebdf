"""What the accounts end up doing: sales opportunities (won, lost, open), self-serve upgrades, truth rows.

Draws happen snapshot by snapshot (see ``law`` for what ``p_convert`` means):
monthly, or weekly from two weeks in when the period is too short to hold a
monthly snapshot (``Period.draw_days``), so even a few weeks of history hold conversions.
Calls caused by an outcome (the checkout of a self-serve upgrade, security
reviews after a sales deal starts) are placed inside sessions the buyer was
already having, so they never change the law's inputs for later snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from leadlight.demo import catalog as c
from leadlight.demo.catalog import Events
from leadlight.demo.company import Company
from leadlight.demo.law import observe, p_convert, p_lost, p_self_serve
from leadlight.demo.period import LABEL_DAYS, Period

DAY = 86400


@dataclass
class Outcomes:
    opportunities: list[dict] = field(default_factory=list)  # without opportunity_id (assigned when written)
    truth: list[tuple[str, datetime, float]] = field(default_factory=list)
    calls: Events | None = None
    plan: list[str] = field(default_factory=list)


class _Sessions:
    """Identified calls of account people, sorted by (account, time), to find a session in a time range."""

    def __init__(self, co: Company, events: Events) -> None:
        keep = np.flatnonzero(co.member_of_account_m[events.member] & ~events.anonymous)
        t = events.day[keep] * DAY + events.second[keep]
        key = co.workspace_m[events.member[keep]].astype(np.int64) * (1 << 40) + t
        order = np.argsort(key, kind="stable")
        self.key, self.member, self.time = key[order], events.member[keep][order], t[order]

    def pick(self, rng: np.random.Generator, account: int, after: int, until: int, k: int = 1) -> np.ndarray:
        """Up to ``k`` call indices of ``account`` with ``after < time <= until`` (seconds since the period start)."""
        base = account * (1 << 40)
        lo, hi = np.searchsorted(self.key, [base + after + 1, base + until + 1])
        if hi <= lo:
            return np.empty(0, dtype=np.int64)
        return np.sort(rng.choice(np.arange(lo, hi), min(k, hi - lo), replace=False))


def draw_outcomes(rng: np.random.Generator, period: Period, co: Company, events: Events) -> Outcomes:
    """Sample every opportunity of the chunk's accounts and record the law's probability per eligible snapshot."""
    n, (snapshots, spans, monthly) = co.n_accounts, period.draw_days()
    out = Outcomes(plan=list(co.plan))
    if n == 0 or len(snapshots) == 0:
        out.calls = Events.of([], None, None, None)
        return out
    obs = observe(co, events, period.days, snapshots)
    law, lost_p, ss_p = p_convert(obs, co.employees, co.industry), p_lost(obs, co.employees), p_self_serve(obs, co.employees)
    sessions = _Sessions(co, events)
    end = period.days * DAY
    won = np.zeros(n, bool)
    self_served = np.zeros(n, bool)
    in_cycle_until = np.zeros(n, np.int64)  # a lost deal keeps the account out of the pool until it closes
    calls: list[tuple[int, int, int, int]] = []  # (member, time, code, aux)
    deal_size = np.minimum(co.employees, 20 + 0.6 * co.employees)
    for k, d in enumerate(snapshots):
        as_of = int(d) * DAY
        span = int(spans[k]) * DAY
        eligible = obs.started[:, k] & ~won & (in_cycle_until <= as_of)
        if monthly[k]:
            for a in np.flatnonzero(eligible):
                out.truth.append((co.account_id[a], period.moment(d), float(law[a, k])))
        share = 1.0 if monthly[k] else spans[k] / LABEL_DAYS  # a weekly draw: the same hazard over fewer days
        u = rng.random((3, n))
        for a in np.flatnonzero(eligible & (u[0] < _over(law[:, k], share))):
            created = as_of + int(rng.integers(1, span + 1))
            closed = created + int(rng.integers(10 * DAY, 60 * DAY))
            out.opportunities.append(_opp(period, co, a, created, closed, "won", "sales", _deal(rng, deal_size[a]), end))
            won[a] = True
            for i in sessions.pick(rng, a, created, min(created + 21 * DAY, end - 1), int(rng.integers(1, 4))):
                calls.append((sessions.member[i], _later(sessions.time[i], 20), c.SECURITY, -1))
        for a in np.flatnonzero(eligible & ~won & (u[1] < _over(lost_p[:, k], share))):
            created = as_of + int(rng.integers(1, span + 1))
            closed = created + int(rng.integers(14 * DAY, 90 * DAY))
            out.opportunities.append(_opp(period, co, a, created, closed, "lost", "sales", _deal(rng, deal_size[a]), end))
            in_cycle_until[a] = closed
        for a in np.flatnonzero(eligible & ~won & ~self_served & (u[2] < _over(ss_p[:, k], share))):
            picked = sessions.pick(rng, a, as_of, as_of + span)
            if not len(picked):
                continue
            i = picked[0]
            seats = int(max(obs.active_users[a, k], 1))
            created = _later(sessions.time[i], 60)
            calls.append((sessions.member[i], _later(sessions.time[i], 20), c.BILLING, -1))
            calls.append((sessions.member[i], created, c.CREDIT_CARD, seats))
            out.opportunities.append(_opp(period, co, a, created, created, "won", "self_serve", 120.0 * seats, end))
            self_served[a] = True
            out.plan[a] = "team"
    member, time, code, aux = (np.array(x, dtype=np.int64) for x in zip(*calls)) if calls else ([], [], [], [])
    time = np.asarray(time, dtype=np.int64)
    out.calls = Events.of(member, time // DAY, time % DAY, code, aux)
    return out


def _over(p: np.ndarray, share: float) -> np.ndarray:
    """The chance of an event within ``share`` of a label window, at the constant rate that gives ``p`` over all of it."""
    return p if share == 1.0 else 1 - (1 - p) ** share


def _later(time: int, seconds: int) -> int:
    """A moment in the same session: ``seconds`` later, but never past that day's midnight."""
    return int(min(time + seconds, (time // DAY + 1) * DAY - 1))


def _deal(rng: np.random.Generator, seats: float) -> float:
    """An annual contract: $18 per seat per month, seats scaling with the company's size."""
    return max(round(12 * 18 * seats * rng.lognormal(0, 0.3), -2), 500.0)


def _opp(period: Period, co: Company, a: int, created: int, closed: int, stage: str, source: str,
         amount: float, end: int) -> dict:
    """One CRM row (times in seconds since the period start); a deal not closed by the end is still open."""
    still_open = closed >= end
    return {"account_id": co.account_id[a], "domain": co.domain[a],
            "created_at": period.start + timedelta(seconds=created),
            "closed_at": None if still_open else period.start + timedelta(seconds=closed),
            "stage": "open" if still_open else stage, "amount": float(amount), "source": source}
