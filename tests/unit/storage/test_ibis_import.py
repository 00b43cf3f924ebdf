"""Opening an engine imports the Ibis SQL compiler of its dialect only, and compiles as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

CODE = """
import json, sys
import duckdb, ibis
from leadlight.storage.engine import duckdb_engine
import ibis.backends.sql.compilers as compilers

engine = duckdb_engine(duckdb.connect())
t = ibis.memtable({"a": [1, 2]})
sql = engine.backend.compile(t.filter(t.a > 1).mutate(b=t.a * 2))
try:
    ibis.to_sql(t, dialect="no_such_dialect")
    unknown = None
except ValueError as err:
    unknown = str(err)
loaded = sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("ibis.backends.sql.compilers."))
print(json.dumps({"sql": sql, "unknown": unknown, "loaded": loaded,
                  "duckdb_class": compilers.DuckDBCompiler.__name__, "to_sql": str(ibis.to_sql(t, dialect="duckdb")),
                  "sqlite": compilers.sqlite.compiler.__class__.__name__}))
"""


def test_only_the_dialects_asked_for_are_imported_and_compiling_is_unchanged():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert "athena" not in found["loaded"] and "trino" not in found["loaded"]
    assert "duckdb" in found["loaded"]
    assert found["duckdb_class"] == "DuckDBCompiler" and found["sqlite"] == "SQLiteCompiler"  # asked for: imported
    assert "WHERE" in found["sql"] and '"a" * 2' in found["sql"].replace("\n", " ")
    assert "FROM" in found["to_sql"]
    assert found["unknown"] and "no_such_dialect" in found["unknown"]
