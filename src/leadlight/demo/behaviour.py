"""Daily product activity: who is active on which day, and which calls they make.

A member is active on a day with a probability that follows their workspace's
latent engagement curve (weekends quieter); each active day is a session of one
or more events whose mix depends on the member's role and on whether the account
is in a buying-interest episode (pricing, admin, security, paywall, invites).
Sign-ups, invites, identify and group calls follow from the join days.
"""

from __future__ import annotations

import numpy as np

from leadlight.demo import catalog as c
from leadlight.demo.catalog import Events
from leadlight.demo.company import PRE_DAYS, Company
from leadlight.demo.period import Period

ACTIVITY_SCALE = 1.0
DAY_SECONDS = 86400

# Relative weights of the everyday mix, by catalog code.
_BASE = {
    c.CODE["Document Created"]: 20, c.CODE["Comment Added"]: 28, c.CODE["Document Shared"]: 8,
    c.CODE["Project Created"]: 4, c.CODE["Export Run"]: 4, c.CODE["Integration Connected"]: 0.6,
    c.CODE["API Key Created"]: 0.3, c.PAYWALL_HIT: 1.0, c.PLAN_LIMIT: 0.5, c.CODE["Unsubscribed"]: 0.05,
    c.TEAMMATE_INVITED: 0.8, c.PRICING: 0.8, c.ADMIN: 0.6, c.SECURITY: 0.2, c.BILLING: 0.2, c.DOCS: 4,
}
_ROLE = {  # vocab role index -> code multipliers
    0: {c.PRICING: 3, c.BILLING: 3, c.ADMIN: 1.5, c.SECURITY: 1.5},
    1: {c.PRICING: 1.5, c.TEAMMATE_INVITED: 2, c.CODE["Project Created"]: 2},
    2: {c.CODE["API Key Created"]: 2, c.DOCS: 1.5},
    3: {c.ADMIN: 5, c.SECURITY: 5, c.CODE["Integration Connected"]: 3, c.BILLING: 2},
    4: {},
    5: {c.PRICING: 0.5, c.PAYWALL_HIT: 1.5, c.TEAMMATE_INVITED: 0.2},
    6: {c.DOCS: 3, c.PRICING: 0, c.PAYWALL_HIT: 0, c.PLAN_LIMIT: 0, c.TEAMMATE_INVITED: 0, c.BILLING: 0},
}
_BURST = {c.PRICING: 6, c.ADMIN: 4, c.SECURITY: 5, c.BILLING: 3, c.PAYWALL_HIT: 3, c.PLAN_LIMIT: 3,
          c.TEAMMATE_INVITED: 3, c.CODE["Integration Connected"]: 2}


def _mix_cdf() -> np.ndarray:
    """Cumulative event-type probabilities for each (role, in-episode) pair: shape (7 * 2, N_CODES)."""
    table = np.zeros((len(_ROLE) * 2, c.N_CODES))
    for role, mult in _ROLE.items():
        for burst in (0, 1):
            for code, w in _BASE.items():
                table[role * 2 + burst, code] = w * mult.get(code, 1) * (_BURST.get(code, 1) if burst else 1)
    cdf = np.cumsum(table, axis=1)
    return cdf / cdf[:, -1:]


MIX_CDF = _mix_cdf()


def _session_start(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.clip(rng.normal(14 * 3600, 3.5 * 3600, n), 0, 79000).astype(np.int64)


def simulate_behaviour(rng: np.random.Generator, period: Period, co: Company) -> Events:
    """Every call the chunk's members make within the period (outcome-driven calls come later)."""
    days, m = period.days, len(co.workspace_m)
    ws, join, leave = co.workspace_m, co.join_m, co.leave_m
    intensity = co.intensity_w[:, PRE_DAYS:][ws]
    t = np.arange(days)
    weekly = np.where(period.weekday() >= 5, 0.3, 1.0)
    p = np.clip(co.propensity_m[:, None] * intensity * weekly * ACTIVITY_SCALE, 0, 0.9)
    p *= (t >= join[:, None]) & (t < leave[:, None])
    active = rng.random((m, days)) < p
    joins_now = np.flatnonzero((join >= 0) & (join < days))
    active[joins_now, join[joins_now]] = True
    cell_m, cell_d = np.nonzero(active)
    join_second = co.join_second_m
    cell_sec = _session_start(rng, len(cell_m))
    on_join_day = cell_d == join[cell_m]
    cell_sec[on_join_day] = join_second[cell_m[on_join_day]] + 10

    # Sessions: 1 + Poisson events, spaced a couple of minutes apart.
    per_cell = 1 + rng.poisson(1.5 + 2.5 * np.sqrt(intensity[cell_m, cell_d]))
    ev_m, ev_d = np.repeat(cell_m, per_cell), np.repeat(cell_d, per_cell)
    gaps = np.cumsum(rng.exponential(150, len(ev_m)))
    first = np.r_[0, np.cumsum(per_cell)[:-1]]
    offset = gaps - np.repeat(gaps[first], per_cell)
    ev_s = np.minimum(np.repeat(cell_sec, per_cell) + offset.astype(np.int64), DAY_SECONDS - 1)
    in_burst = co.burst_w[ws[ev_m], PRE_DAYS + ev_d]
    cdf = MIX_CDF[co.role_m[ev_m] * 2 + in_burst]
    codes = (rng.random(len(ev_m))[:, None] > cdf).sum(1)
    activity = Events.of(ev_m, ev_d, ev_s, codes)

    reconnect = _reconnects(co, cell_m, cell_d, cell_sec)
    return Events.concat([_joins(rng, co, joins_now, join_second), reconnect, activity])


def _joins(rng: np.random.Generator, co: Company, who: np.ndarray, join_second: np.ndarray) -> Events:
    """Sign-up day calls: anonymous visits before, Signed Up, identify, group, the invite and its acceptance."""
    day, sec = co.join_m[who], join_second[who]
    parts = [
        Events.of(who, day, sec, c.SIGNED_UP),
        Events.of(who, day, sec + 1, c.IDENTIFY, aux=(np.array([co.anonymous_id_m[i] is not None for i in who], bool))),
    ]
    grouped = who[co.group_call_m[who]]
    parts.append(Events.of(grouped, co.join_m[grouped], join_second[grouped] + 2, c.GROUP))
    invited = who[co.invited_m[who]]
    parts.append(Events.of(invited, co.join_m[invited], join_second[invited] + 3, c.INVITE_ACCEPTED))
    # The invite itself, sent by someone who joined earlier (reps never invite).
    rank = co.rank_m[invited]
    inviter = invited - rank + np.floor(rng.random(len(invited)) * rank).astype(np.int64)
    inviter = np.where(co.internal_m[inviter], invited - rank, inviter)
    inv_day = np.maximum(co.join_m[invited] - rng.integers(0, 4, len(invited)), co.join_m[inviter])
    same_day = inv_day == co.join_m[invited]
    inv_sec = np.where(same_day, np.maximum(join_second[invited] - rng.integers(60, 3600, len(invited)), 0),
                       _session_start(rng, len(invited)))
    ok = inv_day >= 0
    parts.append(Events.of(inviter[ok], inv_day[ok], inv_sec[ok], c.TEAMMATE_INVITED, aux=invited[ok]))
    # Anonymous visits in the two weeks before signing up.
    views = co.anon_views_m[who]
    visitor = np.repeat(who, views)
    before = rng.integers(0, 15, len(visitor))
    v_day = co.join_m[visitor] - before
    v_sec = np.where(before == 0, np.maximum(join_second[visitor] - rng.integers(60, 1800, len(visitor)), 0),
                     _session_start(rng, len(visitor)))
    page = np.where(rng.random(len(visitor)) < 0.6, c.HOME, c.DOCS)
    keep = v_day >= 0
    parts.append(Events.of(visitor[keep], v_day[keep], v_sec[keep], page[keep], anonymous=True))
    return Events.concat(parts)


def _reconnects(co: Company, cell_m: np.ndarray, cell_d: np.ndarray, cell_sec: np.ndarray) -> Events:
    """People who joined before the period identify (and group) again on their first visit inside it."""
    members, first_cell = np.unique(cell_m, return_index=True)
    old = co.join_m[members] < 0
    who, day, sec = members[old], cell_d[first_cell][old], np.maximum(cell_sec[first_cell][old] - 2, 0)
    grouped = co.group_call_m[who]
    return Events.concat([Events.of(who, day, sec, c.IDENTIFY),
                          Events.of(who[grouped], day[grouped], sec[grouped] + 1, c.GROUP)])
