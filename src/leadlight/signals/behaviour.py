"""Zero-config behaviour features: what every account did before a cutoff, with no signal declared.

For every event name in a *vocabulary* (and ``any`` event) and every trailing
window ``W`` (default 7, 28 and 90 days, ``[D - W, D)`` through ``asof``):

* ``count_<W>d``: events; ``users_<W>d``: distinct users; ``days_<W>d``: active days;
* ``days_since``: whole days since the last one (all history; null if never);
* ``trend``: ``log1p(events in the last 7 days) - log1p(weekly average of the 21 days before)``.

Plus people features from the users / identities tables: people known before
``D`` (``users.created_at``, else first activity), people new in the last 7
days and the 28 days before (``people_velocity`` compares them), and the
shares of personal, student and unconfirmed emails.

Events done by fewer than ``min_accounts_per_event`` accounts are pooled into
one ``other events`` name: too rare to learn from alone, and one rare event
per account would otherwise let a model memorise accounts. The vocabulary is
chosen once, from history before the last training snapshot, and stored with
the model so prediction builds the same columns.

Queries follow the shapes STACK-NOTES found fastest: a long grouped count per
(account, event, window bucket) pivoted in pandas; distinct users from each
user's latest activity; active days from distinct (account, event, day).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from leadlight.signals import asof
from leadlight.signals.activity import raw_events
from leadlight.storage.engine import Engine

ANY = "any"
OTHER = "other events"
PEOPLE_PREFIX = "people__"


def slug(event: str) -> str:
    """A column-safe name for an event: 'Teammate Invited' -> 'teammate_invited'."""
    s = re.sub(r"[^0-9a-z]+", "_", event.lower()).strip("_")
    return s or "event"


@dataclass(frozen=True)
class Vocabulary:
    """The event names that get their own features (the rest are pooled into ``other events``)."""

    events: tuple[str, ...]
    pooled: tuple[str, ...]  # rarer names, counted together
    windows: tuple[int, ...] = (7, 28, 90)

    def label(self, event: str) -> str:
        return event if event in self.events else OTHER

    def names(self) -> list[str]:
        return list(self.events) + ([OTHER] if self.pooled else [])

    def prefix(self, event: str) -> str:
        return "ev__" + (ANY if event == ANY else slug(event)) + "__"


def vocabulary(engine: Engine, before: datetime, min_accounts: int, windows: tuple[int, ...]) -> Vocabulary:
    """Event names done by at least ``min_accounts`` accounts before ``before``."""
    rows = asof.history(raw_events(engine, before), before)
    rows = rows.filter(rows.account_id.notnull())
    per = rows.group_by("event").aggregate(accounts=rows.account_id.nunique()).to_pandas()
    keep = per[per.accounts >= min_accounts].sort_values(["accounts", "event"], ascending=[False, True])
    # Distinct names can share a slug ('Sign-up' / 'Sign up'): the first keeps it, the rest are pooled.
    seen: set[str] = set()
    events = []
    for name in keep.event:
        if slug(name) not in seen and slug(name) not in (ANY, slug(OTHER)):
            seen.add(slug(name))
            events.append(name)
    pooled = sorted(set(per.event) - set(events))
    return Vocabulary(tuple(events), tuple(pooled), tuple(sorted(windows)))


def feature_names(vocab: Vocabulary) -> list[str]:
    """Every column ``behaviour_features`` returns, in a fixed order."""
    names = []
    for event in [ANY, *vocab.names()]:
        p = vocab.prefix(event)
        for w in vocab.windows:
            names += [f"{p}count_{w}d", f"{p}users_{w}d", f"{p}days_{w}d"]
        names += [f"{p}days_since", f"{p}trend"]
    return names + [PEOPLE_PREFIX + n for n in ("known", "new_7d", "new_prior_28d", "velocity",
                                                  "personal_share", "student_share", "unconfirmed_share")]


def describe(feature: str, value: float | None, vocab_events: list[str] | None = None) -> str:
    """A behaviour feature's value in words: ``ev__teammate_invited__count_28d`` = 7 ->
    "7 Teammate Invited events in the last 28 days"."""
    v = "no" if value is None or (isinstance(value, float) and math.isnan(value)) else _num(value)
    if feature.startswith(PEOPLE_PREFIX):
        name = feature.removeprefix(PEOPLE_PREFIX)
        return {
            "known": f"{v} people signed up so far",
            "new_7d": f"{v} new people in the last 7 days",
            "new_prior_28d": f"{v} new people in the 28 days before last week",
            "velocity": _times(value, "{r}x as many new people in the last 7 days as in a typical week before",
                               "{r}x fewer new people in the last 7 days than in a typical week before",
                               "about as many new people in the last 7 days as in a typical week before"),
            "personal_share": f"{_pct(value)} of people use personal emails",
            "student_share": f"{_pct(value)} of people use student emails",
            "unconfirmed_share": f"{_pct(value)} of people have not confirmed their email",
        }.get(name, f"{name}: {v}")
    _, event, stat = feature.split("__", 2)
    words = {e_slug: e for e in (vocab_events or []) for e_slug in [slug(e)]}.get(event, event.replace("_", " "))
    what = "events" if event == ANY else f"{words} events" if event != slug(OTHER) else "other events"
    if stat == "days_since":
        return f"last {what[:-1] if what.endswith('events') else what} {v} days ago" if v != "no" else f"never: {what}"
    if stat == "trend":
        return _times(value, f"{what} {{r}}x more often last week than in the 3 weeks before",
                      f"{what} {{r}}x less often last week than in the 3 weeks before",
                      f"{what} about as often last week as in the 3 weeks before")
    kind, window = stat.split("_", 1)
    span = window.removesuffix("d")
    if kind == "count":
        return f"{v} {what} in the last {span} days"
    if kind == "users":
        return f"{v} people active ({what}) in the last {span} days"
    return f"{v} active days ({what}) in the last {span} days"


def _times(log_ratio: float | None, more: str, less: str, same: str) -> str:
    """A trend (a difference of ``log1p``: about the log of a ratio) in words, never "log scale": "3x more often"."""
    if log_ratio is None or log_ratio != log_ratio:
        return same
    ratio = math.exp(float(log_ratio))
    if ratio >= 1.15:
        return more.format(r=f"{ratio:.1f}".removesuffix(".0"))
    if ratio <= 1 / 1.15:
        return less.format(r=f"{1 / ratio:.1f}".removesuffix(".0"))
    return same


def _num(value: float) -> str:
    f = float(value)
    return str(int(f)) if f.is_integer() else f"{f:.2f}"


def _pct(value: float | None) -> str:
    return "unknown" if value is None or value != value else f"{100 * float(value):.0f}%"
