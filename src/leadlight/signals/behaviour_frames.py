"""Behaviour and people features (``behaviour.py`` defines them) as of many moments in one pass.

A training set needs them as of every snapshot. Asking once per snapshot cost
about a dozen queries each; here every query covers a batch of moments: one
branch per moment (its own identity as known then, its own cutoff literals,
exactly the per-moment query's rows), stacked, grouped by ``as_of`` as well.
Windowed figures come from one per-moment rollup kept as a scratch table:
events per (moment, account, user, event name, day, whole days before the
moment, inside the trend window). Every figure is a function of those groups:
a user's or a day's latest event is its fewest whole days before the moment.

Identity tables of a batch must all stay resolved while its queries run, so
batches hold at most ``identity.as_of.KEEP`` moments (``identity.as_of.batches``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Sequence

import ibis
import numpy as np
import pandas as pd

from leadlight.identity import as_of as identity_as_of
from leadlight.signals import asof, incremental
from leadlight.signals.activity import raw_events
from leadlight.signals.behaviour import ANY, OTHER, PEOPLE_PREFIX, Vocabulary, feature_names
from leadlight.storage.engine import Engine
from leadlight.storage.schema import EVENTS, USERS

TREND_DAYS = 28


def behaviour_features(engine: Engine, as_of: datetime, vocab: Vocabulary) -> pd.DataFrame:
    """Behaviour and people features as of ``as_of``, one row per account seen (index ``account_id``)."""
    return behaviour_over(engine, [as_of], vocab)[as_of]


def behaviour_over(engine: Engine, moments: Sequence[datetime], vocab: Vocabulary) -> dict[datetime, pd.DataFrame]:
    """``behaviour_features`` as of each of ``moments`` (the same frames, far fewer queries)."""
    empty = pd.DataFrame(columns=feature_names(vocab), index=pd.Index([], name="account_id"), dtype="float64")
    out: dict[datetime, pd.DataFrame] = {d: empty for d in moments}
    moments = sorted(set(moments))
    for batch in identity_as_of.batches(engine, moments):
        frame = _batch(engine, batch, vocab)
        moment = {asof.moment_of(d): d for d in batch}
        for d, part in frame.groupby(level="as_of", sort=False):
            out[moment[pd.Timestamp(d)]] = part.droplevel("as_of")
    return out


def _batch(engine: Engine, moments: list[datetime], vocab: Vocabulary) -> pd.DataFrame:
    recent, full = [], []
    summed = _summed_before(engine, moments, vocab)
    for i, d in enumerate(moments):
        rows = asof.history(raw_events(engine, d), d)
        rows = rows.select(as_of=asof.at(d), account_id=rows.account_id.cast("string"), user_id=rows.user_id,
                           name=_name(rows.event, vocab), ts=rows.ts_last, first=rows.ts_first, day=rows.day)
        # All history, for two needs: each account's latest event per name, each person's first event.
        if summed is None:
            full.append(rows.group_by(["as_of", "account_id", "user_id", "name"]).aggregate(
                days_since=asof.whole_days_before(d, rows.ts.max()), first_seen=rows.first.min()))
        else:
            full.append(_history_from_sums(engine, summed, i, d))
        r = rows.filter(rows.account_id.notnull() & (rows.ts >= asof.at(d - timedelta(days=max(vocab.windows)))))
        r = r.mutate(age=asof.whole_days_before(d, r.ts), trend=r.ts >= asof.at(d - timedelta(days=TREND_DAYS)))
        recent.append(r.group_by(["as_of", "account_id", "user_id", "name", "day", "age", "trend"]).aggregate(n=r.count()))
    rollup = engine.scratch(ibis.union(*recent))
    by_event = _windowed(rollup, vocab, ["as_of", "account_id", "name"])
    account = _windowed(rollup, vocab, ["as_of", "account_id"])
    del rollup  # the scratch table goes once nothing refers to it
    history = engine.scratch(ibis.union(*full))
    del summed
    seen = history.filter(history.account_id.notnull())
    # the latest of an account's events is the latest of its people's (and of each name's) latest
    last = _frame(seen.group_by(["as_of", "account_id", "name"]).aggregate(days_since=seen.days_since.min()))
    last = last.set_index(["as_of", "account_id", "name"]).days_since.astype("float64")
    account = account.join(last.groupby(level=["as_of", "account_id"]).min(), how="outer")
    account.columns = [vocab.prefix(ANY) + c for c in account.columns]
    wide = by_event.join(last, how="outer").unstack("name")
    wide.columns = [vocab.prefix(name) + stat for stat, name in wide.columns]
    out = pd.concat([account, wide], axis=1).join(_people(engine, moments, history), how="outer")
    columns = feature_names(vocab)
    out = out.reindex(columns=columns)
    counts = [c for c in columns if not c.endswith("__days_since") and not c.endswith("__trend") and "share" not in c]
    out[counts] = out[counts].fillna(0.0)
    out.index = out.index.set_names(["as_of", "account_id"])
    return out.astype("float64")


def _name(event: ibis.Value, vocab: Vocabulary) -> ibis.Value:
    """The event's own name when the vocabulary has it, else the pooled ``OTHER``."""
    return event.isin(list(vocab.events)).ifelse(event, ibis.literal(OTHER)) if vocab.events else ibis.literal(OTHER)


def _summed_before(engine: Engine, moments: list[datetime], vocab: Vocabulary) -> ibis.Table | None:
    """The named events before the last of ``moments`` summed once per raw identity (user id, anonymous id,
    group id), name and ``part``: the index of the first moment they come before. Identity as known at the
    i-th moment then resolves the sums of parts up to i, a few rows per person, instead of every earlier event
    again (exact: the latest of the parts' latest events is the latest event, the earliest first the first).
    DuckDB with the stored events (where ``identity.as_of`` resolves them) and more than one moment, else None."""
    if engine.name != "duckdb" or engine.connection is None or len(moments) < 2 or not engine.has_table(EVENTS):
        return None
    e = engine.table(EVENTS)
    e = e.filter(e.event.notnull() & (e.timestamp < asof.at(moments[-1])))
    part = ibis.cases(*((e.timestamp < asof.at(d), i) for i, d in enumerate(moments)))
    e = e.mutate(name=_name(e.event, vocab), part=part)
    return engine.scratch(e.group_by(["user_id", "anonymous_id", "group_id", "name", "part"]).aggregate(
        ts=e.timestamp.max(), first=e.timestamp.min()))


def _history_from_sums(engine: Engine, summed: ibis.Table, i: int, d: datetime) -> ibis.Table:
    """``_batch``'s history branch for the ``i``-th moment ``d`` from ``_summed_before``: the sums of parts up
    to ``i``, resolved with identity as known at ``d`` the way the kept signal history resolves its groups."""
    names = identity_as_of.tables(engine, d)
    grouped = engine.backend.compile(summed.filter(summed.part <= i))
    sql = incremental.resolved(grouped, ["name"], {"ts": "max(g.ts)", "first_ts": 'min(g."first")'},
                               aliases=names.aliases, identities=names.identities)
    kinds = summed.schema()
    schema = ibis.schema({"name": kinds["name"], "account_id": "string", "user_id": kinds["user_id"],
                          "ts": kinds["ts"], "first_ts": kinds["first"]})
    rows = engine.serve({"rows": (sql, schema)}, keep=(summed,))["rows"]
    return rows.select(as_of=asof.at(d), account_id=rows.account_id.cast("string"), user_id=rows.user_id,
                       name=rows.name, days_since=asof.whole_days_before(d, rows.ts), first_seen=rows.first_ts)


def _frame(expr: ibis.Table) -> pd.DataFrame:
    """A result of text keys, the moment and counts as pandas, converted by Arrow. Ibis' conversion (column by
    column through its own type converters) took a third of these queries' CPU on 275,000 rows; Arrow's gives
    the same values (the features equal the reference's and the training table is unchanged)."""
    return expr.to_pyarrow().to_pandas()


def _windowed(rollup: ibis.Table, vocab: Vocabulary, keys: list[str]) -> pd.DataFrame:
    """count / users / days per window, and the trend, per ``keys`` (``as_of`` first).

    Within ``W`` days means fewer than ``W`` whole days old; a user's or a day's latest event is its youngest."""
    r = rollup
    counts = {f"count_{w}d": (r.age < w).ifelse(r.n, 0).sum() for w in vocab.windows}
    trend = dict(n7=(r.trend & (r.age < 7)).ifelse(r.n, 0).sum(), prior=(r.trend & (r.age >= 7)).ifelse(r.n, 0).sum(),
                 trended=r.trend.ifelse(1, 0).sum())
    parts = [_frame(r.group_by(keys).aggregate(**counts, **trend)).set_index(keys)]
    for stat, by in (("users", "user_id"), ("days", "day")):
        rows = r.filter(r.user_id.notnull()) if by == "user_id" else r
        latest = rows.group_by([*keys, by]).aggregate(age=rows.age.min())
        within = {f"{stat}_{w}d": (latest.age < w).ifelse(1, 0).sum() for w in vocab.windows}
        parts.append(_frame(latest.group_by(keys).aggregate(**within)).set_index(keys))
    table = parts[0].join(parts[1:], how="outer").astype("float64")
    value = np.log1p(table.n7) - np.log1p(table.prior / 3)
    table["trend"] = value.where(table.trended > 0)  # no event in the trend window: no trend
    return table.drop(columns=["n7", "prior", "trended"])


def _people(engine: Engine, moments: list[datetime], history: ibis.Table) -> pd.DataFrame:
    """People per account known before each moment: how many, how fast they arrive, what emails they use.

    ``history``: per moment, account, person and event name, the first event (``first_seen``)."""
    parts = []
    for d in moments:
        events = history.filter((history.as_of == asof.at(d)) & history.user_id.notnull())
        people, age = people_before(engine, d, events.group_by("user_id").aggregate(first_seen=events.first_seen.min()))
        parts.append(people.group_by("account_id").aggregate(**people_counts(people, age)).mutate(as_of=asof.at(d)))
    return people_columns(ibis.union(*parts).to_pandas().set_index(["as_of", "account_id"]).astype("float64"))


def people_before(engine: Engine, as_of: datetime, first: ibis.Table) -> tuple[ibis.Table, ibis.Value]:
    """The people of each account signed up before ``as_of`` (identity as known then), and how many whole days
    ago. ``first``: each person's first event before ``as_of`` (``user_id, first_seen``), their signup when the
    users file gives none."""
    ident = identity_as_of.identities(engine, as_of)
    ident = ident.filter(ident.account_id.notnull())
    users = engine.table(USERS)
    created = users.group_by("user_id").aggregate(created_at=users.created_at.min())
    j = ident.left_join(created, "user_id").left_join(first, "user_id")
    people = j.select(
        account_id=j.account_id.cast("string"), signup=ibis.coalesce(j.created_at, j.first_seen),
        personal=j.is_personal | j.is_disposable, student=j.is_student, unconfirmed=j.email_confirmed == False,  # noqa: E712
    )
    people = people.filter(people.signup.notnull() & (people.signup < asof.at(as_of)))
    return people, asof.whole_days_before(as_of, people.signup)


def people_counts(people: ibis.Table, age: ibis.Value) -> dict[str, ibis.Value]:
    """Per account: people known, new in the last 7 days and the 28 before, with each kind of email."""
    return dict(
        known=people.count(),
        new_7d=(age < 7).ifelse(1, 0).sum(),
        new_prior_28d=((age >= 7) & (age < 35)).ifelse(1, 0).sum(),
        personal=people.personal.fill_null(False).ifelse(1, 0).sum(),
        student=people.student.fill_null(False).ifelse(1, 0).sum(),
        unconfirmed=people.unconfirmed.fill_null(False).ifelse(1, 0).sum(),
    )


def people_columns(per: pd.DataFrame) -> pd.DataFrame:
    """The people features from ``people_counts``: counts, arrival velocity, email shares."""
    out = pd.DataFrame(index=per.index)
    out["known"] = per.known
    out["new_7d"] = per.new_7d
    out["new_prior_28d"] = per.new_prior_28d
    out["velocity"] = np.log1p(per.new_7d) - np.log1p(per.new_prior_28d / 4)
    for share in ("personal", "student", "unconfirmed"):
        out[f"{share}_share"] = per[share] / per.known.clip(lower=1)
    out.columns = [PEOPLE_PREFIX + c for c in out.columns]
    return out
