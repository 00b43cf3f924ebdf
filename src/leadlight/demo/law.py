"""The hidden law: how likely an account is to buy through sales, from what it did before.

For an account ``a`` and a snapshot ``as_of`` (midnight on the 1st of a month,
at least 56 days into the period, with ``as_of + 30d`` inside it; a shorter
period's weekly draw days, below), ``p_convert``
is the probability that ``a`` creates a sales opportunity that is eventually WON
with ``as_of < created_at <= as_of + 30d``. It is ``sigmoid(z)`` with ``z`` a
linear combination of things anyone can compute from the generated files using
data strictly before ``as_of`` (trailing windows are ``[as_of - 28d, as_of)``):

- ``active_users``: distinct account people (vendor ``@quillboard.io`` reps excluded)
  with at least one identified call in the window;
- ``invites``: "Teammate Invited" tracks in the window; ``pricing``: "Pricing"
  page views; ``paywall``: "Paywall Hit" + "Plan Limit Reached"; ``admin``:
  "Admin Settings" + "Security" page views (identified calls only, reps excluded);
- ``velocity``: ``log1p(sign-ups in [as_of-7d, as_of)) - log1p(sign-ups in
  [as_of-35d, as_of-7d) / 4)``, sign-ups being people's users.csv created_at;
- ``employees`` from accounts.csv, the industry effect (0 when blank), and
  ``personal_share``: the share of people created before as_of whose email is
  on a personal domain.

The account is *eligible* (has a truth row) when its first person was created
before ``as_of`` and every sales opportunity it created at or before ``as_of``
was closed lost at or before ``as_of`` (customers and accounts in an open sales
cycle are not prospects). Nothing else is random: conversion is a Bernoulli draw with
probability ``p_convert``, so a model with these inputs can match the oracle.
Each draw lands uniformly in ``(as_of, as_of + min(30d, next snapshot - as_of)]``.
Only February's window reaches 1-3 days into March's draw, a negligible blur.

A period too short to hold such a snapshot (under 57-86 days, by the calendar)
draws weekly instead, from day 14 to its end: at each draw day ``d`` the
probability of a won deal in the next ``s <= 7`` days is
``1 - (1 - p_convert)^(s / 30)``, the rate that gives ``p_convert`` over 30 days.
Nothing before the period's start is recorded, so a trailing window it cuts
short counts at the rate it shows: the window's invites, pricing, paywall and
admin counts times ``28 / d``. An account converts once it has shown enough
behaviour, however short the history; those draws have no truth rows (there is
no month start to hold them). Longer periods are drawn exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadlight.demo import catalog as c
from leadlight.demo import vocab
from leadlight.demo.catalog import Events
from leadlight.demo.company import PERSONAL, Company

WINDOW = 28
INTERCEPT = -6.1
WEIGHTS = {
    "active_users": 0.8, "invites": 0.55, "pricing": 0.45, "paywall": 0.3, "admin": 0.45,
    "velocity": 0.35, "employees": 0.3, "personal_share": -1.0,
}
_INDUSTRY = np.r_[np.asarray(vocab.INDUSTRY_EFFECT), 0.0]  # index -1 (blank) -> 0


@dataclass
class Observables:
    """The law's inputs for every account x snapshot, shape (accounts, snapshots)."""

    active_users: np.ndarray
    invites: np.ndarray
    pricing: np.ndarray
    paywall: np.ndarray
    admin: np.ndarray
    velocity: np.ndarray
    personal_share: np.ndarray
    started: np.ndarray  # first person created before as_of


def observe(co: Company, events: Events, days: int, snapshots: np.ndarray) -> Observables:
    """Compute the law's inputs from the simulated calls, exactly as defined in the module docstring."""
    n = co.n_accounts
    counted = co.member_of_account_m[events.member] & ~events.anonymous
    ev = events.take(np.flatnonzero(counted))
    acct = co.workspace_m[ev.member]

    # Nothing is recorded before day 0: a window the period's start cuts short counts at the rate it shows.
    to_full_window = WINDOW / np.clip(snapshots, 1, WINDOW)

    def window_sums(mask: np.ndarray) -> np.ndarray:
        daily = np.bincount(acct[mask] * days + ev.day[mask], minlength=n * days).reshape(n, days)
        cum = np.concatenate([np.zeros((n, 1)), np.cumsum(daily, axis=1)], axis=1)
        return (cum[:, snapshots] - cum[:, np.maximum(snapshots - WINDOW, 0)]) * to_full_window

    last_seen = np.full((len(co.workspace_m), len(snapshots)), False)
    for k, d in enumerate(snapshots):
        seen = (ev.day >= d - WINDOW) & (ev.day < d)
        last_seen[np.unique(ev.member[seen]), k] = True
    people = co.member_of_account_m
    active = np.zeros((n, len(snapshots)))
    np.add.at(active, co.workspace_m[people], last_seen[people])

    join, ws = co.join_m[people], co.workspace_m[people]
    personal = co.mail_m[people] == PERSONAL

    def people_between(lo: np.ndarray, hi: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        inside = (join[:, None] >= lo[None, :]) & (join[:, None] < hi[None, :])
        if extra is not None:
            inside &= extra[:, None]
        out = np.zeros((n, len(snapshots)))
        np.add.at(out, ws, inside)
        return out

    far = np.full(len(snapshots), -10**9)
    known = people_between(far, snapshots)
    new7 = people_between(snapshots - 7, snapshots)
    prior = people_between(snapshots - 35, snapshots - 7)
    return Observables(
        active_users=active,
        invites=window_sums(ev.code == c.TEAMMATE_INVITED),
        pricing=window_sums(ev.code == c.PRICING),
        paywall=window_sums((ev.code == c.PAYWALL_HIT) | (ev.code == c.PLAN_LIMIT)),
        admin=window_sums((ev.code == c.ADMIN) | (ev.code == c.SECURITY)),
        velocity=np.log1p(new7) - np.log1p(prior / 4),
        personal_share=people_between(far, snapshots, personal) / np.maximum(known, 1),
        started=known > 0,
    )


def p_convert(obs: Observables, employees: np.ndarray, industry: np.ndarray) -> np.ndarray:
    """The hidden law: probability of a won sales opportunity created in the next 30 days."""
    w = WEIGHTS
    z = (INTERCEPT
         + w["active_users"] * np.log1p(obs.active_users)
         + w["invites"] * np.log1p(obs.invites)
         + w["pricing"] * np.log1p(obs.pricing)
         + w["paywall"] * np.log1p(obs.paywall)
         + w["admin"] * np.log1p(obs.admin)
         + w["velocity"] * obs.velocity
         + w["employees"] * (np.log(employees) - np.log(50))[:, None]
         + _INDUSTRY[industry][:, None]
         + w["personal_share"] * obs.personal_share)
    return 1 / (1 + np.exp(-z))


def p_lost(obs: Observables, employees: np.ndarray) -> np.ndarray:
    """A related but different rule for sales opportunities that end up lost: size and pricing, little usage."""
    z = (-4.6 + 0.35 * (np.log(employees) - np.log(50))[:, None] + 0.35 * np.log1p(obs.pricing)
         + 0.25 * np.log1p(obs.admin) + 0.15 * np.log1p(obs.active_users))
    return 1 / (1 + np.exp(-z))


def p_self_serve(obs: Observables, employees: np.ndarray) -> np.ndarray:
    """Self-serve upgrades: small teams that hit the paywall put in a credit card."""
    z = (-4.4 + 0.9 * np.log1p(obs.paywall) + 0.4 * np.log1p(obs.active_users) + 0.25 * np.log1p(obs.pricing)
         - 0.45 * (np.log(employees) - np.log(50))[:, None])
    return 1 / (1 + np.exp(-z))
