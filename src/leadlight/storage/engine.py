"""Where signal and score expressions run: DuckDB (default) or Spark, both through Ibis.

One Ibis definition runs on either engine. The DuckDB file stays the system of
record; with Spark the canonical tables are exported to Parquet under
``.leadlight/exchange/`` and registered as temporary views, so a session never
writes a managed table (see STACK-NOTES: LOCATION_ALREADY_EXISTS).

``LEADLIGHT_ENGINE`` in the environment overrides ``engine:`` in leadlight.yml.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import ibis

from leadlight.errors import ConfigError, NotReady
from leadlight.storage.database import connect
from leadlight.storage.project import Project
from leadlight.storage.schema import ACCOUNTS, EVENTS_RESOLVED, IDENTITIES, USERS

# Tables an engine serves to signals and scores.
SERVED_TABLES = (EVENTS_RESOLVED, ACCOUNTS, USERS, IDENTITIES, "opportunities")


@ibis.udf.scalar.builtin(name="json_extract_string")
def _duckdb_json_text(json_text: str, path: str) -> str:  # type: ignore[empty-body]
    """DuckDB: a JSON value as text (strings unquoted, numbers as written)."""


@ibis.udf.scalar.builtin(name="get_json_object")
def _spark_json_text(json_text: str, path: str) -> str:  # type: ignore[empty-body]
    """Spark: the same as DuckDB's json_extract_string for scalar values."""


@dataclass
class Engine:
    """An Ibis backend with Leadlight's canonical tables; ``name`` is 'duckdb' or 'spark'."""

    name: str
    backend: Any
    project: Project | None = None
    connection: duckdb.DuckDBPyConnection | None = None  # DuckDB only
    _owned: list[Any] = field(default_factory=list)

    def table(self, name: str) -> ibis.Table:
        try:
            return self.backend.table(name)
        except Exception as err:  # each backend raises its own "no such table"
            raise NotReady(
                f"table {name!r} is not available on the {self.name} engine ({type(err).__name__})",
                hint="load data first with `leadlight ingest`",
            ) from None

    def has_table(self, name: str) -> bool:
        return name in self.backend.list_tables()

    def json_text(self, column: ibis.Value, key: str) -> ibis.Value:
        """The property ``key`` (dotted path) of a JSON-text column, as text; null when absent."""
        fn = _duckdb_json_text if self.name == "duckdb" else _spark_json_text
        return fn(column, f"$.{key}")

    def close(self) -> None:
        for closer in reversed(self._owned):
            closer()
        self._owned.clear()


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
        return engine
    if name == "spark":
        return _spark_engine(project, getattr(config, "spark", None))
    raise ConfigError(f"engine {name!r} is not known", hint="use engine: duckdb or engine: spark")


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
