"""Where signal and score expressions run: DuckDB (default) or Spark, both through Ibis.

One Ibis definition runs on either engine. The DuckDB file stays the system of
record; with Spark the canonical tables are exported to Parquet under
``.leadlight/exchange/`` and registered as temporary views, so a session never
writes a managed table (see STACK-NOTES: LOCATION_ALREADY_EXISTS).

``LEADLIGHT_ENGINE`` in the environment overrides ``engine:`` in leadlight.yml.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import tempfile
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import duckdb
import ibis
import ibis.expr.operations as ops

from leadlight.errors import ConfigError, NotReady
from leadlight.storage.database import SESSION, connect
from leadlight.storage.ibis_import import lazy_compilers
from leadlight.storage.project import Project
from leadlight.storage.schema import ACCOUNTS, EVENTS_RESOLVED, IDENTITIES, USERS

lazy_compilers()  # before the first backend loads: only the dialects an engine uses are imported

# Tables an engine serves to signals and scores.
SERVED_TABLES = (EVENTS_RESOLVED, ACCOUNTS, USERS, IDENTITIES, "opportunities")


@ibis.udf.scalar.builtin(name="json_extract_string")
def _duckdb_json_text(json_text: str, path: str) -> str:  # type: ignore[empty-body]
    """DuckDB: a JSON value as text (strings unquoted, numbers as written)."""


@ibis.udf.scalar.builtin(name="get_json_object")
def _spark_json_text(json_text: str, path: str) -> str:  # type: ignore[empty-body]
    """Spark: the same as DuckDB's json_extract_string for scalar values."""


@ibis.udf.agg.builtin(name="bit_or")
def _bit_or(bits: int) -> int:  # type: ignore[empty-body]
    """The OR of every value in a group (ibis 12 has no PySpark rule for ``bit_or``; both engines have the function)."""


@ibis.udf.scalar.builtin(name="bit_count")
def _bit_count(bits: int) -> int:  # type: ignore[empty-body]
    """How many bits are set (DuckDB and Spark share the name)."""


_SCRATCH_NAMES = itertools.count()
# Every stored table's and view's columns and types: what compiled SQL and a stored table's Ibis schema depend on
# (``Engine.catalog``). Not temporary ones: a run's own (volatile names, mapped on replay) or a snapshot's staged
# rows, left on a connection until the next score, that no compiled SQL reads.
_CATALOG = ("SELECT database_name, schema_name, table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
            "WHERE database_name <> 'temp' AND table_name NOT LIKE '\\_leadlight\\_%' ESCAPE '\\' ORDER BY ALL")
_SCHEMAS: dict[str, dict[str, Any]] = {}  # per catalog digest: the Ibis schema of each stored table looked up
# Names that differ from run to run (scratch tables, their views, identity as of a moment): a recorded
# statement refers to them by these names, and a replay maps them to the names of its own run.
VOLATILE_NAME = re.compile(r"_leadlight_(?:scratch|view|asof)_\d+_\d+")


@dataclass
class Recording:
    """What building a definition ran: each scratch table's SQL, each data probe with its answer, and each
    check (a query over the scratch tables) with the answer that keeps a replay valid."""

    steps: list[tuple[str, str]] = field(default_factory=list)  # (scratch name, SELECT it holds)
    probes: list[tuple[str, list]] = field(default_factory=list)  # (SELECT, rows it gave)
    checks: list[tuple[str, list]] = field(default_factory=list)  # (SELECT, rows a valid replay gives)


@dataclass
class Engine:
    """An Ibis backend with Leadlight's canonical tables; ``name`` is 'duckdb' or 'spark'."""

    name: str
    backend: Any
    project: Project | None = None
    connection: duckdb.DuckDBPyConnection | None = None  # DuckDB only
    identity: Any = None  # the project's IdentityConfig, to resolve identity as of a moment (identity.as_of)
    memo: dict[str, Any] = field(default_factory=dict)  # what is worth computing once per engine
    _owned: list[Any] = field(default_factory=list)
    _scratch: set[str] = field(default_factory=set)  # live scratch tables
    _released: list[str] = field(default_factory=list)  # scratch tables no expression refers to any more
    _views: set[str] = field(default_factory=set)  # live views made by ``serve``
    _tables: dict[str, ibis.Table] = field(default_factory=dict)  # stored tables looked up (``table``)
    recording: Recording | None = None  # set while a definition is built to be recorded (``recipes.py``)

    def catalog(self) -> tuple[str, frozenset[str]]:
        """DuckDB: a digest of every stored table's and view's columns and types (``_CATALOG``), and their names;
        asked once per engine (one catalog query), so nothing may change a stored table's columns while an engine
        is open (a migration runs when a connection opens; an ingest adds columns with none)."""
        if "catalog" not in self.memo:
            rows = self.connection.execute(_CATALOG).fetchall()  # type: ignore[union-attr]
            text = json.dumps([list(map(str, r)) for r in rows])
            self.memo["catalog"] = (hashlib.sha256(text.encode()).hexdigest()[:32], frozenset(r[2] for r in rows))
        return self.memo["catalog"]

    def table(self, name: str) -> ibis.Table:
        """The table (or view) ``name``. A stored table's columns only change by a migration, when a connection
        opens: it is looked up once per engine (a score asks for ``events`` or ``accounts`` a dozen times, each a
        catalog query), and on DuckDB its schema once per process while the catalog's columns stay the same (a
        run loop's scores); per-run names (``_leadlight_...``, ``_ll_...``) each time."""
        found = self._tables.get(name)
        if found is not None:
            return found
        schemas = self._schemas(name)
        if schemas is not None and name in schemas:
            found = ops.DatabaseTable(name, schemas[name], self.backend,
                                      namespace=ops.Namespace(catalog=None, database=None)).to_expr()
            self._tables[name] = found
            return found
        try:
            found = self.backend.table(name)
        except Exception as err:  # each backend raises its own "no such table"
            raise NotReady(
                f"table {name!r} is not available on the {self.name} engine ({type(err).__name__})",
                hint="load data first with `leadlight ingest`",
            ) from None
        if not name.startswith("_"):
            self._tables[name] = found
            if schemas is not None:
                schemas[name] = found.schema()
        return found

    def _schemas(self, name: str) -> dict[str, Any] | None:
        """The schemas of stored tables known for this catalog (None: not kept for ``name``)."""
        if name.startswith("_") or self.name != "duckdb" or self.connection is None:
            return None
        digest, names = self.catalog()
        if name not in names:  # created since the catalog was read: looked up each time
            return None
        if digest not in _SCHEMAS and len(_SCHEMAS) >= 8:
            _SCHEMAS.clear()
        return _SCHEMAS.setdefault(digest, {})

    def has_table(self, name: str) -> bool:
        """Whether ``name`` exists: a stored table found is remembered (``table``), one missing may be created
        later, so it is asked again."""
        try:  # not list_tables(): Ibis 12 lists DuckDB tables with a call DuckDB 2.0 removed
            self.table(name)
        except NotReady:
            return False
        return True

    def json_text(self, column: ibis.Value, key: str) -> ibis.Value:
        """The property ``key`` (dotted path) of a JSON-text column, as text; null when absent."""
        fn = _duckdb_json_text if self.name == "duckdb" else _spark_json_text
        return fn(column, f"$.{key}")

    def bit_or(self, bits: ibis.Value) -> ibis.Value:
        """Aggregate: the bitwise OR of an int64 column over a group."""
        return _bit_or(bits)

    def bit_count(self, bits: ibis.Value) -> ibis.Value:
        """How many bits of an int64 are set."""
        return _bit_count(bits)

    def scratch(self, expr: ibis.Table) -> ibis.Table:
        """Compute ``expr`` once and keep it (DuckDB temp table / cached Spark view) while something refers to it.

        The table is dropped after the last expression built on it is garbage
        collected: not from the collector itself (it may run while the same
        DuckDB connection is busy) but at the next ``scratch`` or ``close``.
        """
        self._drop_released()
        name = _volatile("scratch")
        if self.name == "duckdb" and self.connection is not None:
            sql = self.backend.compile(expr)
            self.connection.execute(f'CREATE TEMP TABLE "{name}" AS {sql}').fetchall()
            if self.recording is not None:
                self.recording.steps.append((name, sql))
        else:
            session = self.backend._session
            session.sql(self.backend.compile(expr)).cache().createOrReplaceTempView(name)
        self._scratch.add(name)
        table = self.backend.table(name)
        weakref.finalize(table.op(), self._released.append, name)
        # The engine may store a column with a type of its own (DuckDB keeps a float literal as DECIMAL):
        # read it back with the types the expression had, so results are the same as without the scratch.
        wanted = expr.schema()
        if any(table.schema()[c] != wanted[c] for c in wanted.names):
            table = table.cast({c: wanted[c] for c in wanted.names if table.schema()[c] != wanted[c]})
        return table

    def probe(self, expr: ibis.Table, record: bool = True) -> list[tuple]:
        """Rows of a small query the *shape* of a definition's SQL depends on (e.g. which event names exist).

        While recording, the query and its answer are kept: a replay asks again and is used only if the
        answer is the same. ``record=False``: the caller guards the replay with a ``check`` instead.
        """
        if self.name != "duckdb" or self.connection is None:
            return [tuple(r.values()) for r in expr.to_pyarrow().to_pylist()]
        sql = self.backend.compile(expr)
        rows = [tuple(r) for r in self.connection.execute(sql).fetchall()]
        if self.recording is not None and record:
            self.recording.probes.append((sql, _answer(rows)))
        return rows

    def check(self, expr: ibis.Table, valid: list[tuple]) -> None:
        """While recording: a replay is used only if ``expr`` (a query over the scratch tables, run after them)
        answers ``valid`` then. Cheaper than a probe when the tables it reads are small (e.g. the pairs table
        telling whether an event name the SQL does not know turned up, instead of a probe scanning events)."""
        if self.recording is not None and self.name == "duckdb":
            self.recording.checks.append((self.backend.compile(expr), _answer(valid)))

    def replay(self, steps: list[tuple[str, str]], probes: list[tuple[str, list]],
               outputs: dict[str, tuple[str, Any]], names: dict[str, str],
               keep: tuple = (), checks: list[tuple[str, list]] = ()) -> dict[str, ibis.Table] | None:
        """Run recorded SQL again (DuckDB): probes first (None if any answers differently), then each
        scratch table under a new name, the checks (None, tables dropped, if any answers differently),
        then the outputs (``serve``).

        ``names`` maps volatile names of the recording to this run's (identity tables as of a moment, the
        views of the signal frames scores read); ``keep``: what must live as long as the outputs do.
        """
        con = self.connection
        if con is None or self.name != "duckdb":
            raise RuntimeError("only a DuckDB engine replays recorded SQL")
        mapping = dict(names)

        def renamed(sql: str) -> str:
            return VOLATILE_NAME.sub(lambda m: mapping.get(m.group(0), m.group(0)), sql)

        for sql, rows in probes:
            if _answer(con.execute(renamed(sql)).fetchall()) != rows:
                return None
        self._drop_released()
        made: list[str] = []
        try:
            for old, sql in steps:
                mapping[old] = _volatile("scratch")
                con.execute(f'CREATE TEMP TABLE "{mapping[old]}" AS {renamed(sql)}').fetchall()
                self._scratch.add(mapping[old])
                made.append(mapping[old])
            if any(_answer(con.execute(renamed(sql)).fetchall()) != rows for sql, rows in checks):
                self._released.extend(made)
                self._drop_released()
                return None
            return self.serve({label: (renamed(sql), schema) for label, (sql, schema) in outputs.items()}, keep, made)
        except Exception:
            self._released.extend(made)
            self._drop_released()
            raise

    def serve(self, outputs: dict[str, tuple[str, Any]], keep: tuple = (), made: list[str] | None = None
              ) -> dict[str, ibis.Table]:
        """Each output SELECT as a temp view, returned as a table of the given schema (DuckDB).

        The views, ``made`` (scratch tables they read) and the references in ``keep`` go once no returned
        table is referred to any more, like ``scratch``.
        """
        con = self.connection
        made = list(made or [])
        tables = {}
        try:
            for label, (sql, schema) in outputs.items():
                view = _volatile("view")
                con.execute(f'CREATE TEMP VIEW "{view}" AS {sql}').fetchall()  # type: ignore[union-attr]
                self._views.add(view)
                made.append(view)
                tables[label] = ops.DatabaseTable(view, schema, self.backend).to_expr()
        except Exception:
            self._released.extend(made)
            self._drop_released()
            raise
        held = list(keep)

        def release() -> None:
            held.clear()
            self._released.extend(made)

        countdown = _Countdown(len(tables), release)
        for table in tables.values():
            weakref.finalize(table.op(), countdown)
        return tables

    def _drop_released(self) -> None:
        while self._released:
            self._drop_scratch(self._released.pop())

    def _drop_scratch(self, name: str) -> None:
        if name in self._views and self.connection is not None:
            self._views.discard(name)
            self.connection.execute(f'DROP VIEW IF EXISTS "{name}"').fetchall()
            return
        if name not in self._scratch:
            return
        self._scratch.discard(name)
        if self.name == "duckdb" and self.connection is not None:
            self.connection.execute(f'DROP TABLE IF EXISTS "{name}"').fetchall()
        else:
            session = self.backend._session
            if session.catalog.tableExists(name):
                session.table(name).unpersist()
                session.catalog.dropTempView(name)

    @contextmanager
    def one_thread_each(self) -> Iterator[None]:
        """While inside: each DuckDB query runs on the thread that asked for it only (``threads`` is the
        database's, so this engine's twins too), then the setting it had is back. For work that already keeps
        the cores busy with one connection per thread (``Engine.twin``): a query's own helper threads then only
        compete with the other connection's, and split every aggregate into partitions to merge (12-15% more
        CPU-seconds for a training set's labels and features on 2 cores, measured). Results are the same."""
        con = self.connection
        if self.name != "duckdb" or con is None:
            yield
            return
        before = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        con.execute("SET threads = 1").fetchall()
        try:
            yield
        finally:
            con.execute(f"SET threads = {int(before)}").fetchall()

    def twin(self) -> "Engine":
        """A second DuckDB engine over the same database on a connection of its own: its queries run beside
        this engine's (DuckDB leaves the GIL while it works), with temp tables of its own. Closed with this one."""
        if self.name != "duckdb" or self.connection is None:
            raise RuntimeError("only a DuckDB engine has a twin")
        con = self.connection.cursor()
        con.execute(SESSION).fetchall()
        twin = duckdb_engine(con, self.project)
        twin.identity = self.identity
        twin._owned.append(con.close)
        self._owned.append(twin.close)
        return twin

    def close(self) -> None:
        for name in [*self._views, *self._scratch]:
            try:
                self._drop_scratch(name)
            except Exception:  # the connection may already be closed by its owner
                pass
        self._released.clear()
        for closer in reversed(self._owned):
            closer()
        self._owned.clear()


def _answer(rows: list) -> list[list]:
    """A probe's rows in a comparable form: JSON-able, in a fixed order (a query without ORDER BY has none)."""
    return sorted(([v if isinstance(v, (str, int, float, bool)) or v is None else str(v) for v in r] for r in rows),
                  key=repr)


def _volatile(kind: str) -> str:
    return f"_leadlight_{kind}_{os.getpid()}_{next(_SCRATCH_NAMES)}"


class _Countdown:
    """Calls ``done`` on the n-th call (the last of n tables that share scratch tables is gone)."""

    def __init__(self, n: int, done: Any) -> None:
        self.left, self.done = n, done

    def __call__(self) -> None:
        self.left -= 1
        if self.left == 0:
            self.done()


def duckdb_engine(con: duckdb.DuckDBPyConnection, project: Project | None = None) -> Engine:
    """An engine over an open DuckDB connection (the caller keeps ownership of it)."""
    return Engine("duckdb", ibis.duckdb.from_connection(con), project=project, connection=con)


def open_engine(project: Project, config: Any = None) -> Engine:
    """The engine leadlight.yml (or ``LEADLIGHT_ENGINE``) asks for, over the project's data."""
    name = (os.environ.get("LEADLIGHT_ENGINE") or getattr(config, "engine", None) or "duckdb").strip().lower()
    if name == "duckdb":
        con = connect(project)
        engine = duckdb_engine(con, project)
        engine._owned.append(con.close)
    elif name == "spark":
        engine = _spark_engine(project, getattr(config, "spark", None))
    else:
        raise ConfigError(f"engine {name!r} is not known", hint="use engine: duckdb or engine: spark")
    engine.identity = getattr(config, "identity", None)
    return engine


def spark_session(master: str = "local[2]", conf: dict[str, str] | None = None) -> Any:
    """A Spark session in UTC with a throwaway warehouse dir (reuses the active one)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(
            "engine: spark needs PySpark", hint="pip install 'leadlight[spark]' (and Java 17), or use engine: duckdb"
        ) from None
    builder = (
        SparkSession.builder.master(master)
        .appName("leadlight")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="leadlight-spark-"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
    )
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.conf.set("spark.sql.session.timeZone", "UTC")
    session.sparkContext.setLogLevel("ERROR")
    return session


def _spark_engine(project: Project, spark_config: Any) -> Engine:
    session = spark_session(
        getattr(spark_config, "master", "local[2]"), dict(getattr(spark_config, "conf", {}) or {})
    )
    paths = export_for_spark(project)
    for name, path in paths.items():
        session.read.parquet(str(path)).createOrReplaceTempView(name)
    engine = Engine("spark", ibis.pyspark.connect(session), project=project)
    engine._owned.append(lambda: [session.catalog.dropTempView(n) for n in paths])
    return engine


def export_for_spark(project: Project) -> dict[str, Path]:
    """Parquet copies of the served tables, rewritten only when the DuckDB file changed."""
    out = project.exchange_dir
    out.mkdir(parents=True, exist_ok=True)
    if not project.database_path.exists():
        raise NotReady(f"{project.root} has no data yet", hint="load some with `leadlight ingest`")
    stat = project.database_path.stat()
    stamp = {"mtime_ns": stat.st_mtime_ns, "size": stat.st_size}
    manifest = out / "manifest.json"
    paths = {name: out / f"{name}.parquet" for name in SERVED_TABLES}
    if manifest.exists() and json.loads(manifest.read_text()) == stamp and all(p.exists() for p in paths.values()):
        return paths
    con = connect(project)
    try:
        for name, path in paths.items():
            order = " ORDER BY timestamp" if name == EVENTS_RESOLVED else ""
            con.execute(f"COPY (SELECT * FROM {name}{order}) TO '{path}' (FORMAT parquet)")
    finally:
        con.close()
    stat = project.database_path.stat()
    manifest.write_text(json.dumps({"mtime_ns": stat.st_mtime_ns, "size": stat.st_size}))
    return paths
