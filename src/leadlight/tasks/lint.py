"""Warnings before wrong answers: names that match nothing loaded, moments outside the data.

A signal counting ``Member Invite`` when the product sends ``Member Invited``
is zero for everyone and scoring says nothing. ``event_warnings`` compares every
event name and property a signal names with what is loaded, and suggests the
closest names (case first, then ``difflib``). ``moment_warnings`` says when a
moment scored lies outside the events, or when the last days hold almost none.
"""

from __future__ import annotations

import difflib
from datetime import datetime, timedelta
from typing import Any

from leadlight.storage.engine import Engine
from leadlight.timeutil import iso

PROPERTY_SAMPLE = 20_000  # events read per signal to learn which property keys exist


def closest(name: str, known: list[str], n: int = 3) -> list[str]:
    """Known names a user probably meant: same name in another case first, then the most similar."""
    same_case = [k for k in known if k.lower() == name.lower()]
    similar = difflib.get_close_matches(name, known, n=n, cutoff=0.6)
    lowered = {k.lower(): k for k in known}
    similar += [lowered[k] for k in difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.6)]
    return list(dict.fromkeys(same_case + similar))[:n]


def did_you_mean(names: list[str]) -> str:
    return f"; did you mean {' or '.join(repr(n) for n in names)}?" if names else ""


# Per database in this process (a run loop, ``serve``): how many events were loaded and their names. The events
# table only grows (``signals.incremental`` relies on it too): the names of the rows appended since are added.
_KNOWN: dict[str, tuple[int, list[str]]] = {}


def _loaded_events(engine: Engine) -> list[str]:
    """Every event name loaded, sorted. A score read them before every event already (``Plan.event_names``, as
    of a moment after the latest one): reused; else read once per process and brought up to date with the events
    appended since, not a scan of all of them each time."""
    con = engine.connection
    count, latest, first = con.execute(  # type: ignore[union-attr]
        "SELECT count(*), max(timestamp), (SELECT message_id FROM events WHERE rowid = 0) FROM events").fetchall()[0]
    # the first event's id too: another database made at the same path (a project made again) is another key
    key = f"{engine.project.database_path}:{first}" if engine.project is not None else None
    seen = _KNOWN.get(key) if key is not None else None
    read = engine.memo.get("event_names")
    if read is not None and latest is not None and read[0] > latest:
        names = list(read[1])
    elif seen is not None and seen[0] <= count:
        new = con.execute(  # type: ignore[union-attr]
            "SELECT DISTINCT event FROM events WHERE rowid >= ? AND event IS NOT NULL", [seen[0]]).fetchall()
        names = sorted({*seen[1], *(r[0] for r in new)})
    else:
        names = sorted(r[0] for r in con.execute(  # type: ignore[union-attr]
            "SELECT DISTINCT event FROM events WHERE event IS NOT NULL").fetchall())
    if key is not None:
        if len(_KNOWN) >= 16:
            _KNOWN.clear()
        _KNOWN[key] = (count, names)
    return names


def _property_keys(con: Any, events: tuple[str, ...] | None) -> set[str] | None:
    """Top-level property keys seen on (a sample of) these events; None when they cannot be read."""
    conditions, params = ["properties IS NOT NULL"], []
    if events:
        conditions.append("event IN (SELECT unnest(?))")
        params.append(list(events))
    try:
        rows = con.execute(
            "SELECT DISTINCT unnest(json_keys(properties)) FROM (SELECT properties FROM events WHERE "
            f"{' AND '.join(conditions)} LIMIT {PROPERTY_SAMPLE})", params).fetchall()
    except Exception:  # noqa: BLE001 - a warning must never stop scoring
        return None
    return {r[0] for r in rows}


def event_warnings(engine: Engine, signals: list[Any]) -> list[dict[str, Any]]:
    """``[{signal, problem, message}]`` for every named event or property filter that matches nothing loaded."""
    con = engine.connection
    if con is None:  # Spark: the same check would need a scan per signal; scoring still runs
        return []
    known = _loaded_events(engine)
    if not known:
        return []
    out = []
    for spec in signals:
        events = getattr(spec, "events", None)
        for event in events or ():
            if event not in known:
                out.append({"signal": spec.name, "problem": "unknown_event", "event": event,
                            "message": f"signal {spec.name}: no loaded event is named {event!r}, so it never counts "
                            f"anything{did_you_mean(closest(event, known))}"})
        filters = getattr(spec, "filters", None) or ()
        if filters:
            present = [e for e in events or () if e in known]
            if events and not present:
                continue  # already said: the events themselves are missing
            keys = _property_keys(con, tuple(present) if events else None)
            for f in filters if keys is not None else ():
                top = f.property.split(".")[0]
                if top not in keys:
                    out.append({"signal": spec.name, "problem": "unknown_property", "property": f.property,
                                "message": f"signal {spec.name}: no loaded event has the property {f.property!r}"
                                f"{did_you_mean(closest(top, sorted(keys)))}"})
    return out


QUIET_DAYS = 7
QUIET_SHARE = 0.2  # the last week holds less than a fifth of a typical week: say so


def moment_warnings(engine: Engine, at: datetime, asked: str | None) -> list[dict[str, Any]]:
    """Warnings about the moment scored: before the first event, after the last, or a quiet last week.

    ``asked``: the user's ``--as-of`` text (None for the default moment), quoted as they wrote it."""
    con = engine.connection
    if con is None:
        return []
    first, last = con.execute("SELECT min(timestamp), max(timestamp) FROM events").fetchall()[0]
    if first is None:
        return []
    out = []
    if asked and at <= first:
        out.append({"problem": "before_first_event", "message": f"--as-of {asked} is before the first event "
                    f"({iso(first)}): every activity signal is zero, so no account can look engaged"})
    elif asked and at > last + timedelta(days=1):
        out.append({"problem": "after_last_event", "message": f"--as-of {asked} is {(at - last).days} days after "
                    f"the last event ({iso(last)}): windowed signals fade as if the product went quiet; "
                    "the latest moment with data is the default (omit --as-of)"})
    if at > first + timedelta(days=QUIET_DAYS * 5):
        recent, before = con.execute(
            "SELECT count(*) FILTER (WHERE timestamp >= ?), count(*) FILTER (WHERE timestamp < ?) FROM events "
            "WHERE timestamp < ? AND timestamp >= ?",
            [at - timedelta(days=QUIET_DAYS), at - timedelta(days=QUIET_DAYS), at,
             at - timedelta(days=QUIET_DAYS * 5)]).fetchall()[0]
        typical = before / 4
        if typical > 0 and recent < QUIET_SHARE * typical:
            out.append({"problem": "quiet_last_days", "message": f"the last {QUIET_DAYS} days before {iso(at)} hold "
                        f"only {recent:,} events (a typical week before had {typical:,.0f}): if data stopped "
                        "arriving, load the rest before trusting this list, or pick a moment with --as-of"})
    return out
