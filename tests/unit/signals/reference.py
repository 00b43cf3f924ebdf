"""A slow, obvious pandas/Python version of every signal kind, to check the Ibis one against.

It shares no code with leadlight.signals: loops over rows, the boundary
``timestamp < as_of`` written out by hand.
"""

from __future__ import annotations

import json
import math
from datetime import datetime

import pandas as pd


def _props(text):
    return json.loads(text) if isinstance(text, str) and text else {}


def _passes(row, spec) -> bool:
    if not hasattr(spec, "filters"):
        return True
    if spec.events and row["event"] not in spec.events:
        return False
    props = _props(row["properties"])
    for f in spec.filters:
        v = props.get(f.property)
        text = None if v is None else ("true" if v is True else "false" if v is False else str(v))
        want = f.value
        if f.op == "eq" and text != str(want):
            return False
        if f.op == "ne" and text == str(want):
            return False
        if f.op == "in" and text not in [str(x) for x in want]:
            return False
        if f.op == "not_in" and text in [str(x) for x in want]:
            return False
        if f.op == "exists" and text is None:
            return False
        if f.op in ("gt", "gte", "lt", "lte"):
            try:
                x = float(text)
            except (TypeError, ValueError):
                return False
            ok = {"gt": x > want, "gte": x >= want, "lt": x < want, "lte": x <= want}[f.op]
            if not ok:
                return False
    return True


def population(events: pd.DataFrame, accounts: pd.DataFrame, users: pd.DataFrame, as_of: datetime):
    past = events[(events.timestamp < as_of) & events.event.notna()]
    accs = set(accounts.account_id) | set(past.account_id.dropna())
    known = users[users.created_at.isna() | (users.created_at < as_of)]
    uids = set(known.user_id) | set(past.user_id.dropna())
    return sorted(accs), sorted(uids)


def user_account(uid, events, users, as_of):
    listed = users[users.user_id == uid].account_id.dropna()
    if len(listed):
        return min(listed)
    seen = events[(events.user_id == uid) & (events.timestamp < as_of) & events.event.notna()].account_id.dropna()
    return min(seen) if len(seen) else None


def value(spec, entity, events, accounts, users, as_of: datetime):
    key = "account_id" if spec.level == "account" else "user_id"
    past = events[(events.timestamp < as_of) & events.event.notna()]
    mine = past[past[key] == entity]
    keep = pd.Series([_passes(r, spec) for _, r in mine.iterrows()], index=mine.index, dtype=bool)
    match = mine[keep] if hasattr(spec, "filters") else mine
    window = getattr(spec, "window_td", None)

    def windowed(df, w):
        return df if w is None else df[df.timestamp >= as_of - w]

    k = spec.kind
    if k == "count":
        return len(windowed(match, window))
    if k == "distinct_users":
        return windowed(match, window).user_id.dropna().nunique()
    if k == "active_days":
        return windowed(match, window).timestamp.dt.date.nunique()
    if k == "breadth":
        return windowed(match, window).event.nunique()
    if k == "recency":
        if match.empty:
            return None
        return int((as_of - match.timestamp.max()).total_seconds() // 86400)
    if k == "velocity":
        w, b = spec.window_td, spec.baseline_td
        if spec.measure == "events":
            recent = len(match[match.timestamp >= as_of - w])
            base = len(match[(match.timestamp >= as_of - w - b) & (match.timestamp < as_of - w)])
        elif spec.measure == "new_users":
            firsts = match.dropna(subset=["user_id"]).groupby("user_id").timestamp.min()
            recent = int((firsts >= as_of - w).sum())
            base = int(((firsts >= as_of - w - b) & (firsts < as_of - w)).sum())
        else:
            recent = match[match.timestamp >= as_of - w].user_id.dropna().nunique()
            base = 0
            for i in range(1, int(b / w) + 1):
                lo, hi = as_of - w * (i + 1), as_of - w * i
                base += match[(match.timestamp >= lo) & (match.timestamp < hi)].user_id.dropna().nunique()
        avg = base * (w / b)
        if spec.compare == "difference":
            return float(recent - avg)
        return None if avg == 0 else recent / avg
    if k == "first_days":
        def signup(uid):
            created = users[users.user_id == uid].created_at.dropna()
            if len(created):
                return created.min()
            seen = past[past.user_id == uid].timestamp
            return seen.min() if len(seen) else None

        def activated(uid, df):
            s = signup(uid)
            if s is None:
                return False
            ts = df[df.user_id == uid].timestamp
            return bool(((ts >= s) & (ts < s + spec.within_td)).any())

        if spec.level == "user":
            return activated(entity, match)
        people = sorted(set(mine.user_id.dropna()))
        n = sum(activated(u, match) for u in people)
        if spec.measure == "count":
            return n
        return None if not people else n / len(people)
    if k == "attribute":
        table = accounts if spec.level == "account" else users
        vals = table[table[key] == entity][spec.column].dropna()
        return None if vals.empty else vals.max()
    raise NotImplementedError(k)


def frames(specs, events, accounts, users, as_of):
    """{level: {entity: {signal: value}}} for every entity of the population."""
    accs, uids = population(events, accounts, users, as_of)
    out = {"account": {a: {} for a in accs}, "user": {u: {} for u in uids}}
    for level, ents in out.items():
        for ent, vals in ents.items():
            for s in specs:
                if s.level == level and s.kind != "ratio":
                    vals[s.name] = value(s, ent, events, accounts, users, as_of)
            for s in specs:
                if s.level == level and s.kind == "ratio":
                    num, den = vals[s.numerator], vals[s.denominator]
                    vals[s.name] = None if not den else num / den
            if level == "user":
                vals["account_id"] = user_account(ent, events, users, as_of)
    return out


def same(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)) or a is pd.NA:
        return b is None or (isinstance(b, float) and math.isnan(b)) or b is pd.NA
    if isinstance(a, (int, float)) and not isinstance(a, bool):
        return b is not None and not (isinstance(b, float) and math.isnan(b)) and math.isclose(a, b, rel_tol=1e-9)
    return a == b
