"""Compiled definitions: the SQL a definition compiles to, built once and replayed.

Building and compiling the Ibis expressions of a definition (signals, then
scores) takes a few tenths of a second every time, yet the SQL they compile to
depends only on what does not change with the data: the definition, the engine,
the tables' columns and types, the code that compiles it, as_of's time of day
(the moments in it move with as_of: see ``shift``), and a few
*probes* (small queries whose answer shapes the SQL, such as which event names
exist). ``compiled(engine, key, build)`` builds the expressions once while the
engine records what runs (each scratch table's SELECT, each probe and its
answer), compiles the outputs, and keeps that *recipe* in memory and under
``.leadlight/compiled/`` as JSON. The next call with the same key runs the
probes again and, when they answer the same, replays the recorded SQL with no
Ibis at all (``Engine.replay``); otherwise it builds afresh.

Only DuckDB replays; on Spark ``compiled`` simply builds (Spark SQL is
compiled by Ibis' Spark dialect and run by Spark, unchanged). Names that
differ per run (scratch tables, identity as of a moment) are mapped, not keyed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
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
    ``as_of``: the moment ``build`` computes as of. SQL recorded as of another moment at the same time of
    day is replayed with its moments shifted by the whole days between them (``shift``).
    ``keep``: tables the outputs read that must stay while they do (the frames scores are built on).

    On DuckDB the outputs are always temp views (built or replayed alike), so what is built on them
    compiles to the same SQL the next time.
    """
    if engine.name != "duckdb" or engine.connection is None or engine.recording is not None:
        return build()
    names = names or {}
    moment = {"time_of_day": as_of.time().isoformat()} if as_of is not None else {}
    digest = _digest(engine, {**key, **moment}, sorted(names))
    recipe = _MEMORY.get(digest) or _load(engine, digest)
    if recipe is not None:
        rename = {recipe["names"][role]: name for role, name in names.items() if role in recipe["names"]}
        days = (as_of - datetime.fromisoformat(recipe["as_of"])).days if as_of is not None else 0
        moved = lambda sql: shift(sql, days)  # noqa: E731
        outputs = {label: (moved(sql), ibis.schema(dict(schema))) for label, (sql, schema) in recipe["outputs"].items()}
        steps = [(name, moved(sql)) for name, sql in recipe["steps"]]
        probes = [(moved(sql), rows) for sql, rows in recipe["probes"]]
        try:
            tables = engine.replay(steps, probes, outputs, rename, keep)
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
    return _MOMENT.sub(lambda m: f"{m.group(1)}(as_of{(date(*map(int, m.groups()[1:])) - as_of.date()).days:+d}", sql)


_MOMENT = re.compile(r"\b(MAKE_TIMESTAMP|MAKE_DATE)\((\d+), (\d+), (\d+)")


def shift(sql: str, days: int) -> str:
    """``sql`` with every timestamp and date literal moved by ``days`` days.

    Sound because every moment in compiled signal and score SQL comes from as_of through
    ``signals.asof`` (``at`` / ``day``): durations are intervals, and user values are never timestamps.
    """
    if days == 0:
        return sql

    def moved(m: re.Match) -> str:
        when = date(int(m.group(2)), int(m.group(3)), int(m.group(4))) + timedelta(days=days)
        return f"{m.group(1)}({when.year}, {when.month}, {when.day}"

    return _MOMENT.sub(moved, sql)


@contextmanager
def _recording(engine: Engine) -> Iterator[Recording]:
    engine.recording = Recording()
    try:
        yield engine.recording
    finally:
        engine.recording = None


def _digest(engine: Engine, key: dict[str, Any], roles: list[str]) -> str:
    con = engine.connection
    columns = con.execute(  # type: ignore[union-attr]
        "SELECT database_name, schema_name, table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE table_name NOT LIKE '\\_leadlight\\_%' ESCAPE '\\' ORDER BY ALL"
    ).fetchall()
    whole = {"key": key, "roles": roles, "code": _code(), "columns": [list(map(str, c)) for c in columns]}
    return hashlib.sha256(json.dumps(whole, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _code() -> str:
    """Which code compiles: Leadlight's own modules (as they are on disk, for editable installs) and versions."""
    if not _CODE:
        root = Path(__file__).resolve().parent.parent
        stats = sorted((str(p.relative_to(root)), p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*.py"))
        versions = [_version(name) for name in ("ibis-framework", "duckdb", "sqlglot")]
        _CODE.append(hashlib.sha256(json.dumps([stats, versions]).encode()).hexdigest())
    return _CODE[0]


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
    if len(_MEMORY) >= _KEEP:
        _MEMORY.pop(next(iter(_MEMORY)))
    _MEMORY[digest] = recipe
    folder = _folder(engine)
    if folder is None or not engine.project.data_dir.exists():  # type: ignore[union-attr]
        return
    try:
        folder.mkdir(exist_ok=True)
        partial = folder / f".{digest}.{os.getpid()}.tmp"
        partial.write_text(json.dumps(recipe, default=str))
        partial.replace(folder / f"{digest}.json")
        # As of the latest event, each new time of day is a new key: keep the most recent ones only.
        kept = sorted(folder.glob("*.json"), key=lambda f: f.stat().st_mtime_ns, reverse=True)
        for old in kept[_KEEP_ON_DISK:]:
            old.unlink(missing_ok=True)
    except OSError:  # a read-only project still scores, only without the cache on disk
        pass
