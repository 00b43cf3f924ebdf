"""Compiled definitions: the SQL a definition compiles to, built once and replayed.

Building and compiling the Ibis expressions of a definition (signals, then
scores) takes a few tenths of a second every time, yet the SQL they compile to
depends only on what does not change with the data: the definition, the engine,
the tables' columns and types, the code that compiles it (the moments in it move
with as_of, to the second: see ``shift``; a caller whose SQL has a shape that
depends on as_of's time of day puts that in its key), and a few
*probes* (small queries whose answer shapes the SQL, such as which event names
exist). ``compiled(engine, key, build)`` builds the expressions once while the
engine records what runs (each scratch table's SELECT, each probe and its
answer), compiles the outputs, and keeps that *recipe* in memory and under
``.leadlight/compiled/`` as JSON. The next call with the same key runs the
probes again and, when they answer the same, replays the recorded SQL with no
Ibis at all (``Engine.replay``); otherwise it builds afresh. A recipe may also
hold *checks*: queries over its own scratch tables, run after them, that must
answer as recorded (else the replay is dropped and the definition built afresh).

Only DuckDB replays; on Spark ``compiled`` simply builds (Spark SQL is
compiled by Ibis' Spark dialect and run by Spark, unchanged). Names that
differ per run (scratch tables, identity as of a moment) are mapped, not keyed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterator

import duckdb
import ibis

from leadlight.storage.engine import VOLATILE_NAME, Engine, Recording

_MEMORY: dict[str, dict[str, Any]] = {}
COUNTS = {"built": 0, "replayed": 0}  # in this process: what ``compiled`` did (tests and benches read it)
_KEEP = 32
_KEEP_ON_DISK = 64
_CODE: list[str] = []


def compiled(
    engine: Engine,
    key: dict[str, Any],
    build: Callable[[], dict[str, ibis.Table]],
    names: dict[str, str] | None = None,
    as_of: datetime | None = None,
    keep: tuple = (),
) -> dict[str, ibis.Table]:
    """The tables ``build()`` returns, from recorded SQL when ``key`` was built before (see the module doc).

    ``key``: JSON-able, everything the SQL depends on besides the code, the tables' columns and as_of.
    ``names``: volatile table names this run reads, by role (e.g. ``{"asof": prefix}``); they are mapped
    to the recording's names on replay, so a definition re-resolved as of the same moment still replays.
    ``as_of``: the moment ``build`` computes as of. SQL recorded as of another moment is replayed with its
    moments shifted by the time between them (``shift``).
    ``keep``: tables the outputs read that must stay while they do (the frames scores are built on).

    On DuckDB the outputs are always temp views (built or replayed alike), so what is built on them
    compiles to the same SQL the next time.
    """
    if engine.name != "duckdb" or engine.connection is None or engine.recording is not None:
        return build()
    names = names or {}
    digest = _digest(engine, {**key, "as_of": as_of is not None}, sorted(names))
    recipe = _MEMORY.get(digest) or _load(engine, digest)
    tables = None
    if recipe is not None:
        rename = {recipe["names"][role]: name for role, name in names.items() if role in recipe["names"]}
        delta = as_of - datetime.fromisoformat(recipe["as_of"]) if as_of is not None else timedelta(0)
        checks = recipe.get("checks", [])
        sqls = [sql for sql, _ in recipe["outputs"].values()] + [sql for _, sql in recipe["steps"]] + [
            sql for sql, _ in [*recipe["probes"], *checks]]
        if delta % timedelta(days=1) == timedelta(0) or not any(_DATE.search(sql) for sql in sqls):
            outputs = {label: (shift(sql, delta), ibis.schema(dict(schema)))
                       for label, (sql, schema) in recipe["outputs"].items()}
            steps = [(name, shift(sql, delta)) for name, sql in recipe["steps"]]
            probes = [(shift(sql, delta), rows) for sql, rows in recipe["probes"]]
            checks = [(shift(sql, delta), rows) for sql, rows in checks]
            try:
                tables = engine.replay(steps, probes, outputs, rename, keep, checks)
            except duckdb.Error:  # e.g. a recipe from an older layout of the tables: build afresh, and record again
                tables = None
        if tables is not None:
            COUNTS["replayed"] += 1
            return tables
    COUNTS["built"] += 1
    with _recording(engine) as recording:
        built = build()
    recipe = {
        "steps": recording.steps,
        "probes": recording.probes,
        "checks": recording.checks,
        "outputs": {label: (engine.backend.compile(t), [(c, str(d)) for c, d in t.schema().items()])
                    for label, t in built.items()},
        "names": names,
        "as_of": as_of.isoformat() if as_of is not None else None,
    }
    _keep(engine, digest, recipe)
    outputs = {label: (sql, built[label].schema()) for label, (sql, _) in recipe["outputs"].items()}
    return engine.serve(outputs, keep=(*keep, *built.values()))


def key_sql(sql: str, as_of: datetime) -> str:
    """``sql`` as part of a key: volatile names blanked, moments written relative to ``as_of``."""
    sql = VOLATILE_NAME.sub("_leadlight_volatile", sql)
    sql = _TIMESTAMP.sub(lambda m: f"MAKE_TIMESTAMP(as_of{(_moment(m) - as_of) // timedelta(seconds=1):+d})", sql)
    return _DATE.sub(lambda m: f"MAKE_DATE(as_of{(date(*map(int, m.groups())) - as_of.date()).days:+d})", sql)


# How Ibis writes a timestamp and a date literal for DuckDB (the seconds as a float).
_TIMESTAMP = re.compile(r"\bMAKE_TIMESTAMP\((\d+), (\d+), (\d+), (\d+), (\d+), (\d+(?:\.\d*)?)\)")
_DATE = re.compile(r"\bMAKE_DATE\((\d+), (\d+), (\d+)\)")


def _moment(m: re.Match) -> datetime:
    year, month, day, hour, minute = (int(g) for g in m.groups()[:5])
    return datetime(year, month, day, hour, minute) + timedelta(seconds=float(m.group(6)))


def shift(sql: str, delta: timedelta) -> str:
    """``sql`` with every timestamp literal moved by ``delta`` (and every date literal by its whole days).

    Sound because every moment in compiled signal and score SQL comes from as_of through ``signals.asof``
    (``at``; dates and midnights are computed in SQL from those): durations are intervals, and user values are
    never timestamps. A date literal cannot move by part of a day: ``compiled`` does not replay such SQL then.
    """
    if not delta:
        return sql

    def moved(m: re.Match) -> str:
        when = _moment(m) + delta
        return f"MAKE_TIMESTAMP({when.year}, {when.month}, {when.day}, {when.hour}, {when.minute}, " \
               f"{when.second + when.microsecond / 1e6!r})"

    def moved_date(m: re.Match) -> str:
        when = date(*map(int, m.groups())) + timedelta(days=delta.days)
        return f"MAKE_DATE({when.year}, {when.month}, {when.day})"

    return _DATE.sub(moved_date, _TIMESTAMP.sub(moved, sql))


@contextmanager
def _recording(engine: Engine) -> Iterator[Recording]:
    engine.recording = Recording()
    try:
        yield engine.recording
    finally:
        engine.recording = None


def _digest(engine: Engine, key: dict[str, Any], roles: list[str]) -> str:
    whole = {"key": key, "roles": roles, "code": _code(), "columns": engine.catalog()[0]}
    return hashlib.sha256(json.dumps(whole, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _code() -> str:
    """Which code compiles: Leadlight's own modules (as they are on disk, for editable installs) and versions."""
    if not _CODE:
        root = Path(__file__).resolve().parent.parent
        stats = sorted(_sources(str(root), ""))
        versions = [_version(name) for name in ("ibis-framework", "duckdb", "sqlglot")]
        _CODE.append(hashlib.sha256(json.dumps([stats, versions]).encode()).hexdigest())
    return _CODE[0]


def _sources(folder: str, prefix: str) -> Iterator[tuple[str, int, int]]:
    """``(path under the package, mtime_ns, size)`` of every ``.py`` file below ``folder`` (a walk with
    ``os.scandir`` costs a tenth of ``Path.rglob`` with a ``stat`` per file: a command pays it once)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield from _sources(entry.path, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".py"):
                stat = entry.stat()
                yield f"{prefix}{entry.name}", stat.st_mtime_ns, stat.st_size


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def _folder(engine: Engine) -> Path | None:
    return None if engine.project is None else engine.project.data_dir / "compiled"


def _load(engine: Engine, digest: str) -> dict[str, Any] | None:
    folder = _folder(engine)
    if folder is None:
        return None
    try:
        recipe = json.loads((folder / f"{digest}.json").read_text())
    except (OSError, ValueError):
        return None
    _MEMORY[digest] = recipe
    return recipe


def _keep(engine: Engine, digest: str, recipe: dict[str, Any]) -> None:
    if len(_MEMORY) >= _KEEP:  # list(): another thread's engine may be keeping a recipe meanwhile
        _MEMORY.pop(next(iter(list(_MEMORY))), None)
    _MEMORY[digest] = recipe
    folder = _folder(engine)
    if folder is None or not engine.project.data_dir.exists():  # type: ignore[union-attr]
        return
    try:
        folder.mkdir(exist_ok=True)
        partial = folder / f".{digest}.{os.getpid()}.{threading.get_ident()}.tmp"
        partial.write_text(json.dumps(recipe, default=str))
        partial.replace(folder / f"{digest}.json")
        # Keep the most recently used recipes only (definitions and settings tried and left).
        kept = sorted(folder.glob("*.json"), key=lambda f: f.stat().st_mtime_ns, reverse=True)
        for old in kept[_KEEP_ON_DISK:]:
            old.unlink(missing_ok=True)
    except OSError:  # a read-only project still scores, only without the cache on disk
        pass
