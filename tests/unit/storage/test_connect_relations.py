"""`connect(relations=False)` opens the file through DuckDB's engine alone; the default gives the relation API."""

import subprocess
import sys

from leadlight.storage.database import connect
from leadlight.storage.project import Project


def fresh(code: str) -> str:
    """What a fresh interpreter (one that never imported duckdb) prints."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_reading_rows_needs_no_duckdb_package_and_the_default_connection_has_relations(tmp_path):
    connect(Project(tmp_path)).close()  # creates and migrates the file
    opened = ("import sys\nfrom pathlib import Path\nfrom leadlight.storage.database import connect\n"
              f"from leadlight.storage.project import Project\ncon = connect(Project(Path({str(tmp_path)!r})), read_only=True")
    rows = fresh(opened + ", relations=False)\n"
                 "print(con.execute('SELECT count(*) > 0 FROM schema_version').fetchall(), 'duckdb' in sys.modules)")
    assert rows == "[(True,)] False"
    assert fresh(opened + ")\nprint(con.sql('SELECT 42').fetchall())") == "[(42,)]"
