"""The single-pass plan: one grouped scan of activity per (account, user), shared by every signal.

Computing each signal as its own grouped query over events reads the events
once per signal. Instead, every kind that can *declares the measures it needs*
on the (account, user) grain, and this module turns all of them into ONE
aggregate over activity rows, materialised once (``Engine.scratch``): a
DuckDB temp table or a cached Spark view with one row per (account, user)
pair seen before as_of. Account- and user-level values are then small
aggregates of that table (``compile.py``), so the events are read once however
many signals there are.

A measure is one conditional aggregate over activity rows (``activity.py``),
exact on raw events and on the daily rollup alike, so both go through this
same code:

* ``count``: events (sum of ``n``) matching a spec, from a window start;
* ``first`` / ``last``: the first ``ts_first`` / last ``ts_last`` of them;
* ``day_mask``: which UTC days of a window had one, as bits of an int64
  (distinct days of an entity = bits set in the OR of its pairs' masks);
* ``slice_mask``: which ``span``-long slices before as_of had one.

Measures are keyed by what they compute, so two signals asking for the same
thing share one column. Which rows a spec matches (event names, property
filters) is decided once per row as a flag column, not once per measure.
Windows use ``asof`` for every cutoff.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Callable

import ibis
import ibis.expr.operations as ops

from leadlight.config.signals import EventSignal
from leadlight.signals import asof
from leadlight.signals.activity import Activity, filter_key

@dataclass(frozen=True)
class Slot:
    """A per-day partial value of activity that windowed measures can be read from (``partials.py``).

    ``kind``: 'count' (the day's matching events), 'events' (the OR of the matching names' bits, ``names``
    sorted, one more bit for any other name when the spec names none), 'first' / 'last' (epoch seconds of the
    day's first / last match). Equal slots (``key``) are kept once, whichever measures read them.
    """

    kind: str
    spec: Any = field(compare=False, hash=False)  # EventSignal | None
    names: tuple[str, ...] | None = None
    key: tuple = ()

    @classmethod
    def of(cls, kind: str, spec: EventSignal | None, names: tuple[str, ...] | None = None) -> "Slot":
        return cls(kind, spec, names, (kind, _spec_key(spec), names))


# A windowed measure read from kept partials: its value from the stored days it covers whole, given the partial
# rows (``day``, ``s0``, ``s1``, ...) and the column of each slot.
Stored = Callable[[ibis.Table, Callable[[Slot], ibis.Value]], ibis.Value]


@dataclass(frozen=True)
class _Measure:
    name: str
    build: Callable[..., ibis.Value]  # (rows, within=None): ``within`` narrows the rows it reads further
    combine: str  # how two partial values merge: 'sum' | 'min' | 'max' | 'or'
    start: datetime | None  # earliest activity it reads; None for all history
    flag: str | None  # the property-filter flag column it reads, if any
    events: frozenset[str] | None  # the only event names it reads; None for every event
    slots: tuple[Slot, ...] = ()  # the partials it can be read from (none: raw events only)
    stored: Stored | None = None


MASK_BITS = 63  # bit 63 is the sign bit: keep masks positive on both engines
DAY = timedelta(days=1)


@dataclass
class Plan:
    """Measures requested by the specs, and the (account, user) table that holds them."""

    activity: Activity
    _measures: dict[tuple, _Measure] = field(default_factory=dict)
    _flags: dict[str, tuple[Any, set[str] | None]] = field(default_factory=dict)
    _pairs: ibis.Table | None = None
    _shared: dict[tuple, ibis.Table] = field(default_factory=dict)
    _guards: dict[str, int] = field(default_factory=dict)  # event-mask column -> its bit for unknown names

    @property
    def as_of(self) -> datetime:
        return self.activity.as_of

    def partial_slots(self) -> dict[Slot, timedelta]:
        """The slots of the windowed measures declared so far, each once, with the longest window reading it."""
        slots: dict[Slot, timedelta] = {}
        for m in self._measures.values():
            if m.stored is not None:
                for slot in m.slots:
                    slots[slot] = max(slots.get(slot, timedelta(0)), self.as_of - m.start)  # type: ignore[operator]
        return slots

    # -- what a spec matches -------------------------------------------------------------------
    def want(self, spec: EventSignal | None) -> None:
        """Note the rows ``spec`` matches, so its property filters are evaluated once per row."""
        filters = getattr(spec, "filters", ()) if spec is not None else ()
        if not filters:
            return
        key = filter_key(filters)
        names = set(spec.events) if spec.events else None
        _, seen = self._flags.get(key, (filters, set()))
        self._flags[key] = (filters, None if names is None or seen is None else seen | names)

    def _match(self, rows: ibis.Table, spec: EventSignal | None) -> ibis.Value:
        """True for rows ``spec`` matches (every activity row for ``None``)."""
        filters = spec.filters if spec is not None else ()
        if not filters:
            cond = _all_predicate(rows)
        elif _summed(rows):
            cond = rows.filter_id == filter_key(filters)  # the rollup keeps one slice per filter set
        else:
            cond = rows[_flag(filter_key(filters))]
        if spec is not None and spec.events:
            cond = cond & rows.event.isin(list(spec.events))
        return cond

    # -- measures ------------------------------------------------------------------------------
    def _add(self, key: tuple, spec: EventSignal | None, combine: str, start: datetime | None,
             build: Callable[..., ibis.Value], slots: tuple[Slot, ...] = (), stored: Stored | None = None) -> str:
        if key not in self._measures:
            if self._pairs is not None:
                raise RuntimeError("a measure was requested after the plan ran")
            self.want(spec)
            filters = getattr(spec, "filters", ()) if spec is not None else ()
            flag = _flag(filter_key(filters)) if filters else None
            events = frozenset(spec.events) if spec is not None and spec.events else None
            self._measures[key] = _Measure(f"m{len(self._measures)}", build, combine, start, flag, events,
                                           slots, stored)
        return self._measures[key].name

    def _events(self, rows: ibis.Table, cond: ibis.Value) -> ibis.Value:
        """How many events the rows where ``cond`` holds stand for (raw rows are one event each)."""
        if _summed(rows):
            return rows.n.sum(where=cond).cast("int64")
        return rows.count(where=cond).cast("int64")

    def count(self, spec: EventSignal | None, window: timedelta | None) -> str:
        """Column: events matching ``spec`` in ``[as_of - window, as_of)`` (all history for ``None``)."""
        start = None if window is None else self.as_of - window

        def build(rows: ibis.Table, within: ibis.Value | None = None) -> ibis.Value:
            cond = _and(self._match(rows, spec), within)
            if start is not None:
                cond = cond & (rows.ts_last >= asof.at(start))
            return self._events(rows, cond)

        if start is None:
            return self._add(("count", _spec_key(spec), window), spec, "sum", start, build)
        slot = Slot.of("count", spec)

        def stored(days: ibis.Table, at: Callable[[Slot], ibis.Value]) -> ibis.Value:
            return at(slot).sum(where=days.day >= _whole_from(start)).cast("int64")

        return self._add(("count", _spec_key(spec), window), spec, "sum", start, build, (slot,), stored)

    def first(self, spec: EventSignal | None) -> str:
        """Column: the first matching timestamp before as_of."""
        build = lambda rows: rows.ts_first.min(where=_where(self._match(rows, spec)))  # noqa: E731
        return self._add(("first", _spec_key(spec)), spec, "min", None, build)

    def last(self, spec: EventSignal | None) -> str:
        """Column: the last matching timestamp before as_of."""
        build = lambda rows: rows.ts_last.max(where=_where(self._match(rows, spec)))  # noqa: E731
        return self._add(("last", _spec_key(spec)), spec, "max", None, build)

    def day_mask(self, spec: EventSignal | None, window: timedelta) -> str | None:
        """Column: bit ``i`` set when a match fell on the i-th UTC day of the window; None if it has too many days."""
        start = self.as_of - window
        first_day = datetime(start.year, start.month, start.day)
        last_day = self.as_of - timedelta(seconds=1)
        if (last_day - first_day) // DAY >= MASK_BITS:
            return None

        def build(rows: ibis.Table, within: ibis.Value | None = None) -> ibis.Value:
            cond = _and(self._match(rows, spec), within) & (rows.ts_last >= asof.at(start))
            index = rows.day.delta(asof.day(start), unit="day")
            return self.activity.engine.bit_or(cond.ifelse(_bit(index), ibis.null("int64")))

        slot = Slot.of("count", spec)

        def stored(days: ibis.Table, at: Callable[[Slot], ibis.Value]) -> ibis.Value:
            cond = (at(slot) > 0) & (days.day >= _whole_from(start))
            index = days.day.delta(asof.day(start), unit="day")
            return self.activity.engine.bit_or(cond.ifelse(_bit(index), ibis.null("int64")))

        return self._add(("days", _spec_key(spec), window), spec, "or", start, build, (slot,), stored)

    def slice_mask(self, spec: EventSignal | None, span: timedelta, slices: int) -> str | None:
        """Column: bit ``i`` set when a match fell in ``[as_of - (i+1)*span, as_of - i*span)``, i < slices."""
        if slices > MASK_BITS:
            return None
        start = self.as_of - span * slices

        def build(rows: ibis.Table, within: ibis.Value | None = None) -> ibis.Value:
            cond = _and(self._match(rows, spec), within) & (rows.ts_last >= asof.at(start))
            index = asof.slice_index(self.as_of, rows.ts_last, span)
            return self.activity.engine.bit_or(cond.ifelse(_bit(index), ibis.null("int64")))

        key = ("slices", _spec_key(spec), span, slices)
        if span < DAY:  # a day may hold more than two slices: its first and last match do not tell them all
            return self._add(key, spec, "or", start, build)
        first, last = Slot.of("first", spec), Slot.of("last", spec)

        def stored(days: ibis.Table, at: Callable[[Slot], ibis.Value]) -> ibis.Value:
            # A day meets at most two slices: its first and last match are in each slice it has a match in.
            bits = _bit(asof.slice_index_of_seconds(self.as_of, at(first), span)) | _bit(
                asof.slice_index_of_seconds(self.as_of, at(last), span))
            cond = at(first).notnull() & (days.day >= _whole_from(start))
            return self.activity.engine.bit_or(cond.ifelse(bits, ibis.null("int64")))

        return self._add(key, spec, "or", start, build, (first, last), stored)

    def event_mask(self, spec: EventSignal, window: timedelta | None, names: list[str]) -> str | None:
        """Column: bit ``i`` set when ``names[i]`` matched in the window; None past 63 names.

        Names read from the data (``event_names``, for a spec naming no events) get one more bit, set by any
        other name: the pairs table is then checked for it (``Engine.check``), so a replay of the recorded SQL
        stands only while no name it does not know turned up, and needs no scan of the events for the names.
        Readers keep the first ``len(names)`` bits.
        """
        guard = not spec.events
        if len(names) + guard > MASK_BITS:
            return None
        start = None if window is None else self.as_of - window
        bits = [(name, ibis.literal(1 << i, type="int64")) for i, name in enumerate(sorted(names))]
        other = ibis.literal(1 << len(names), type="int64") if guard else ibis.null("int64")

        def build(rows: ibis.Table, within: ibis.Value | None = None) -> ibis.Value:
            cond = _and(self._match(rows, spec), within)
            if start is not None:
                cond = cond & (rows.ts_last >= asof.at(start))
            mask = rows.event.cases(*bits, else_=other).cast("int64")
            return self.activity.engine.bit_or(cond.ifelse(mask, ibis.null("int64")))

        key = ("events", _spec_key(spec), window, tuple(sorted(names)))
        if start is None:
            name = self._add(key, spec, "or", start, build)
        else:
            slot = Slot.of("events", spec, tuple(sorted(names)))

            def stored(days: ibis.Table, at: Callable[[Slot], ibis.Value]) -> ibis.Value:
                cond = days.day >= _whole_from(start)
                return self.activity.engine.bit_or(cond.ifelse(at(slot), ibis.null("int64")))

            name = self._add(key, spec, "or", start, build, (slot,), stored)
        if guard:
            self._guards[name] = 1 << len(names)
        return name

    def event_names(self) -> list[str]:
        """Every event name in the activity before as_of (one narrow scan, remembered; not recorded as a probe:
        ``event_mask`` guards what it shapes with a check of the pairs table)."""
        if "event_names" not in self._shared:
            engine, plain = self.activity.engine, self.activity.event_names_sql()
            if plain is not None:
                names = [r[0] for r in engine.connection.execute(*plain).fetchall()]  # type: ignore[union-attr]
            else:
                names = [r[0] for r in engine.probe(self.activity.event_names(), record=False)]
            known = sorted(n for n in names if n is not None)
            if plain is not None:  # every name before as_of, whatever the activity: a score's warnings read them too
                engine.memo["event_names"] = (self.activity.as_of, known)
            self._shared["event_names"] = known  # type: ignore[assignment]
        return self._shared["event_names"]  # type: ignore[return-value]

    def shared(self, key: tuple, build: Callable[[], ibis.Table]) -> ibis.Table:
        """A table several signals read (e.g. one level each), computed and kept once per plan."""
        if key not in self._shared:
            self._shared[key] = self.activity.engine.scratch(build())
        return self._shared[key]

    # -- the one pass --------------------------------------------------------------------------
    @property
    def pairs(self) -> ibis.Table:
        """``account_id, user_id`` + every measure: one row per pair with activity before as_of, computed once.

        Rows older than the earliest window start feed only the all-history
        measures: the activity is split there and each part aggregated with
        just the measures it can touch (on time-sorted storage each part also
        reads only its own row groups); the partial rows then merge per pair.
        With kept history (``incremental.py``) the all-history measures read the
        kept summary plus the raw events after its cutoff, and the windows read
        raw events, each only from its own start and for the events it names.
        """
        if self._pairs is None:
            measures = list(self._measures.values())
            parts = self._kept_parts(measures) if self.activity.kept is not None else self._parts(measures)
            if len(parts) == 1:
                grouped = self._aggregate(*parts[0])
            else:
                engine = self.activity.engine
                both = _union([self._aggregate(rows, chosen) if chosen else rows for rows, chosen in parts],
                              measures)
                grouped = both.group_by(["account_id", "user_id"]).aggregate(
                    **{m.name: _merge(engine, m, both[m.name]) for m in measures}
                )
            self._pairs = self.activity.engine.scratch(grouped)
            self._check_guards()
        return self._pairs

    def _check_guards(self) -> None:
        """Record that a replay is valid only while no pair has an event-mask bit for an unknown name."""
        if not self._guards:
            return
        pairs = self._pairs
        unknown = ibis.or_(*[(pairs[c] & ibis.literal(bit, type="int64")) != 0 for c, bit in self._guards.items()])
        found = pairs.filter(unknown)
        self.activity.engine.check(found.aggregate(unknown=found.count()), [(0,)])

    def _parts(self, measures: list[_Measure]) -> list[tuple[ibis.Table, list[_Measure]]]:
        """Raw activity: rows before the earliest window start with the all-history measures, the rest with all."""
        rows = self.activity.rows
        starts = [m.start for m in measures if m.start is not None]
        if not starts or all(m.start is not None for m in measures):
            return [(rows, measures)]
        split = asof.at(min(starts))
        return [(rows.filter(rows.ts_last < split), [m for m in measures if m.start is None]),
                (rows.filter(rows.ts_last >= split), measures)]

    def _kept_parts(self, measures: list[_Measure]) -> list[tuple[ibis.Table, list[_Measure]]]:
        """Kept history: every pair and the all-history measures from the kept summary plus the raw rows after its
        cutoff. The windowed measures: with kept partials (``partials.py``), the whole UTC days of each window
        before the cutoff from the partials, and from raw rows only the part of the window's first day it cuts
        and the current day; else all from raw rows. The raw rows are read once, keeping only those some window
        reads (from its start, of the events its measures name). The pairs all come from the first part, so the
        others may skip the rest."""
        kept, rows = self.activity.kept, self.activity.rows
        if kept.until != datetime(self.as_of.year, self.as_of.month, self.as_of.day):  # type: ignore[union-attr]
            raise RuntimeError("kept history must end at the midnight before as_of")
        today = asof.day_start(self.as_of)
        recent = rows.filter(rows.ts_last >= today)
        out = [(kept.with_recent(recent, self._flags), [m for m in measures if m.start is None])]  # type: ignore[union-attr]
        windowed = [m for m in measures if m.start is not None]
        if not windowed:
            return out
        partials = self.activity.partials
        from_days = [m for m in windowed if partials is not None and m.stored is not None
                     and all(slot.key in partials.index for slot in m.slots)]
        stored = {m.name for m in from_days}
        if partials is not None and len(from_days) < len([m for m in windowed if m.stored is not None]):
            partials.missed()  # e.g. a breadth signal counts a new event name: the next run keeps its slot
        if from_days:
            days = partials.table  # type: ignore[union-attr]
            days = days.filter((days.definition == partials.digest)  # type: ignore[union-attr]
                               & (days.day >= _whole_from(min(m.start for m in from_days)))  # type: ignore[type-var]
                               & (days.day < asof.day(self.as_of)))
            at = lambda slot: days[f"s{partials.index[slot.key]}"]  # noqa: E731  # type: ignore[union-attr]
            out.append((days.group_by(["account_id", "user_id"]).aggregate(
                **{m.name: m.stored(days, at) for m in from_days}), []))  # type: ignore[misc]
        raw = [m for m in windowed if m.name not in stored]
        if raw:
            out.append((_window_rows(rows, raw), raw))
        if from_days:
            out.append((_edge_rows(rows, from_days, self.as_of), [_edges_only(m, today) for m in from_days]))
        return out

    def _aggregate(self, rows: ibis.Table, measures: list[_Measure]) -> ibis.Table:
        """One row per (account, user) of ``rows`` with ``measures``, evaluating each needed filter once per row."""
        summed = _summed(rows)
        flags = {m.flag for m in measures if m.flag}
        if flags and not summed:
            rows = rows.mutate(**{
                _flag(key): _flag_expr(self.activity, rows, filters, names)
                for key, (filters, names) in self._flags.items()
                if _flag(key) in flags
            })
        if summed:
            rows = rows.filter(_all_predicate(rows) | (rows.filter_id.isin(list(self._slices(measures)))))
        grouped = rows.group_by(["account_id", "user_id"])
        if not summed:
            return grouped.aggregate(**{m.name: m.build(rows) for m in measures}) if measures else grouped.aggregate(
                _n=rows.count()).drop("_n")
        # Summed rows of other filter slices repeat activity: a pair exists when its unfiltered slice has rows.
        seen = rows.n.sum(where=_all_predicate(rows))
        out = grouped.aggregate(_rows=seen, **{m.name: m.build(rows) for m in measures})
        return out.filter(out._rows.notnull()).drop("_rows")

    def _slices(self, measures: list[_Measure]) -> set[str]:
        return {m.flag.removeprefix("_match_") for m in measures if m.flag}


_CEIL = timedelta(seconds=86399)  # moments are whole seconds: + this, truncated to the day, is the next midnight


def _whole_from(start: datetime) -> ibis.Value:
    """The first UTC day that a window starting at ``start`` holds whole (``start``'s day when it is a midnight)."""
    return asof.day(start + _CEIL)


def _edges_only(measure: _Measure, today: ibis.Value) -> _Measure:
    """``measure`` over raw rows, reading only what kept partials do not hold: the part of its first day it cuts
    (before the first whole day) and the current day."""
    whole = asof.day_start(measure.start + _CEIL)  # type: ignore[operator]
    build = lambda rows, within=None: measure.build(  # noqa: E731
        rows, _and((rows.ts_last < whole) | (rows.ts_last >= today), within))
    return replace(measure, build=build)


def _window_rows(rows: ibis.Table, measures: list[_Measure]) -> ibis.Table:
    """One read of the raw rows from the earliest window start, keeping only those some window reads (from its
    start, of the events its measures name)."""
    reads = [(rows.ts_last >= asof.at(m.start)) & (rows.event.isin(sorted(m.events)) if m.events is not None  # type: ignore[arg-type]
                                                  else ibis.literal(True)) for m in measures]
    return rows.filter(rows.ts_last >= asof.at(min(m.start for m in measures))).filter(ibis.or_(*reads))  # type: ignore[type-var]


def _edge_rows(rows: ibis.Table, measures: list[_Measure], as_of: datetime) -> ibis.Table:
    """The raw rows kept partials do not hold: the current day, and the part of each window's first day from
    its start (one range per UTC day, so each is a read of its own that time-sorted storage skips to)."""
    today = asof.day_start(as_of)
    parts = [rows.filter(rows.ts_last >= today)]
    firsts: dict[Any, datetime] = {}
    for m in measures:
        day = m.start.date()  # type: ignore[union-attr]
        firsts[day] = min(firsts.get(day, m.start), m.start)  # type: ignore[type-var]
    for first in sorted(firsts.values()):
        edge = rows.filter((rows.ts_last >= asof.at(first)) & (rows.ts_last < asof.day_start(first + _CEIL))
                           & (rows.ts_last < today))
        parts.append(edge)
    out = parts[0]
    for part in parts[1:]:
        out = out.union(part, distinct=False)
    return out


def _and(cond: ibis.Value, more: ibis.Value | None) -> ibis.Value:
    return cond if more is None else cond & more


def _summed(rows: ibis.Table) -> bool:
    """Rows that each stand for several events of one filter slice (kept history, rollups), not raw events."""
    return "filter_id" in rows.columns


def _all_predicate(rows: ibis.Table) -> ibis.Value:
    """True for the rows that stand for every activity once (summed rows: the unfiltered slice)."""
    return rows.filter_id == "" if _summed(rows) else ibis.literal(True)


def _union(parts: list[ibis.Table], measures: list[_Measure]) -> ibis.Table:
    """Stack partial aggregates (a part lacks the measures that do not read it: null there)."""
    types = {}
    for part in parts:
        types.update(part.schema().items())
    columns = ["account_id", "user_id", *(m.name for m in measures)]
    filled = [part.mutate(**{c: ibis.null(types[c]) for c in columns if c not in part.columns}).select(*columns)
              for part in parts]
    out = filled[0]
    for part in filled[1:]:
        out = out.union(part, distinct=False)
    return out


def _merge(engine: Any, measure: _Measure, column: ibis.Value) -> ibis.Value:
    if measure.combine == "sum":
        return column.sum()
    if measure.combine == "min":
        return column.min()
    if measure.combine == "max":
        return column.max()
    return engine.bit_or(column)


def _where(cond: ibis.Value) -> ibis.Value | None:
    """No filter for an always-true condition: DuckDB evaluates ``FILTER (WHERE TRUE)`` on every row."""
    op = cond.op()
    return None if isinstance(op, ops.Literal) and op.value is True else cond


def _bit(index: ibis.Value) -> ibis.Value:
    # A BIGINT one: Spark's literal 1 is an INT and shifting it by 32 or more wraps.
    return ibis.literal(1).cast("int64") << index.cast("int32")


def _flag(key: str) -> str:
    return f"_match_{key}"


def _flag_expr(activity: Activity, rows: ibis.Table, filters: tuple, names: set[str] | None) -> ibis.Value:
    from leadlight.signals.activity import property_predicate

    passes = property_predicate(activity.engine, rows.properties, filters)
    if names is None:
        return passes
    # Parse JSON only for the events a filtered signal names (a CASE skips the rest).
    return rows.event.isin(sorted(names)).ifelse(passes, False)


def _spec_key(spec: EventSignal | None) -> tuple:
    if spec is None:
        return ("", None)
    return (filter_key(spec.filters), tuple(sorted(spec.events)) if spec.events else None)
