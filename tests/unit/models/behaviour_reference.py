"""The behaviour features as Leadlight computed them before the batched queries: one moment per query set.

Kept word for word from ``signals/behaviour.py`` at 3a03524 (``behaviour_features``, ``_windowed``,
``_cumulative``, ``people_features``; who the people are and their counts now shared) as the reference the
batched computation must equal.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import numpy as np
import pandas as pd

from leadlight.signals import asof
from leadlight.signals.activity import raw_events
from leadlight.signals.behaviour import ANY, OTHER, Vocabulary, feature_names
from leadlight.signals.behaviour_frames import people_before, people_columns, people_counts
from leadlight.storage.engine import Engine


def one_moment(engine: Engine, as_of: datetime, vocab: Vocabulary) -> pd.DataFrame:
    """Behaviour and people features as of ``as_of``, one row per account seen (index ``account_id``)."""
    rows = asof.history(raw_events(engine, as_of), as_of)
    rows = rows.filter(rows.account_id.notnull())
    named = ibis.literal(OTHER)
    if vocab.events:
        named = rows.event.isin(list(vocab.events)).ifelse(rows.event, ibis.literal(OTHER))
    rows = rows.select(account_id=rows.account_id.cast("string"), user_id=rows.user_id, name=named, ts=rows.ts_last, day=rows.day)
    frames = [_windowed(rows, as_of, vocab, by_event) for by_event in (True, False)]
    out = pd.concat(frames, axis=1)
    people = people_features(engine, as_of)
    out = out.join(people, how="outer")
    columns = feature_names(vocab)
    out = out.reindex(columns=columns)
    counts = [c for c in columns if not c.endswith("__days_since") and not c.endswith("__trend") and "share" not in c]
    out[counts] = out[counts].fillna(0.0)
    out.index.name = "account_id"
    return out.astype("float64")


def _bucket(age: ibis.Value, windows: tuple[int, ...]) -> ibis.Value:
    """The smallest window holding an event ``age`` whole days old."""
    cases = [(age < w, w) for w in windows]
    return ibis.cases(*cases, else_=ibis.null("int64"))


def _windowed(rows: ibis.Table, as_of: datetime, vocab: Vocabulary, by_event: bool) -> pd.DataFrame:
    keys = ["account_id", "name"] if by_event else ["account_id"]
    widest = timedelta(days=max(vocab.windows))
    recent = rows.filter(rows.ts >= asof.at(as_of - widest))
    age = asof.whole_days_before(as_of, recent.ts)
    counted = recent.mutate(bucket=_bucket(age, vocab.windows))
    counts = counted.group_by([*keys, "bucket"]).aggregate(v=counted.count()).to_pandas()
    last_seen = recent.filter(recent.user_id.notnull()).group_by([*keys, "user_id"]).aggregate(ts=recent.ts.max())
    users = last_seen.mutate(bucket=_bucket(asof.whole_days_before(as_of, last_seen.ts), vocab.windows))
    users = users.group_by([*keys, "bucket"]).aggregate(v=users.count()).to_pandas()
    days = recent.select(*keys, "day", "ts").group_by([*keys, "day"]).aggregate(ts=recent.ts.max())
    days = days.mutate(bucket=_bucket(asof.whole_days_before(as_of, days.ts), vocab.windows))
    days = days.group_by([*keys, "bucket"]).aggregate(v=days.count()).to_pandas()
    last = rows.group_by(keys).aggregate(days_since=asof.whole_days_before(as_of, rows.ts.max())).to_pandas()
    trend = recent.filter(recent.ts >= asof.at(as_of - timedelta(days=28)))
    t_age = asof.whole_days_before(as_of, trend.ts)
    trend = trend.group_by(keys).aggregate(
        n7=(t_age < 7).ifelse(1, 0).sum(), prior=(t_age >= 7).ifelse(1, 0).sum()
    ).to_pandas()

    parts = {}
    for stat, long in (("count", counts), ("users", users), ("days", days)):
        wide = _cumulative(long, keys, vocab.windows)
        for w in vocab.windows:
            parts[(stat, w)] = wide[w] if w in wide else pd.Series(dtype="float64")
    table = pd.DataFrame({f"{stat}_{w}d": s for (stat, w), s in parts.items()})
    last = last.set_index(keys).days_since.astype("float64")
    trend = trend.set_index(keys)
    trend_value = np.log1p(trend.n7.astype(float)) - np.log1p(trend.prior.astype(float) / 3)
    table = table.join(last.rename("days_since"), how="outer").join(trend_value.rename("trend"), how="outer")
    if not by_event:
        table.columns = [vocab.prefix(ANY) + c for c in table.columns]
        return table
    table = table.unstack("name")
    table.columns = [vocab.prefix(name) + stat for stat, name in table.columns]
    return table


def _cumulative(long: pd.DataFrame, keys: list[str], windows: tuple[int, ...]) -> pd.DataFrame:
    """Per-bucket counts -> counts within each window (a 7-day event is also a 28-day event)."""
    if long.empty:
        return pd.DataFrame(columns=list(windows))
    wide = long.dropna(subset=["bucket"]).pivot_table(index=keys, columns="bucket", values="v", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=list(windows), fill_value=0).cumsum(axis=1)
    return wide.astype("float64")


def people_features(engine: Engine, as_of: datetime) -> pd.DataFrame:
    """People per account known before ``as_of``: how many, how fast they arrive, what emails they use."""
    events = asof.history(raw_events(engine, as_of), as_of)
    events = events.filter(events.user_id.notnull())
    first = events.group_by("user_id").aggregate(first_seen=events.ts_first.min())
    people, age = people_before(engine, as_of, first)
    per = people.group_by("account_id").aggregate(**people_counts(people, age))
    return people_columns(per.to_pandas().set_index("account_id").astype("float64"))
