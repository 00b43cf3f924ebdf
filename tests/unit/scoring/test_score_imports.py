"""A score stores Arrow tables: loading the scoring path must not load pandas (a third of a second of start-up)."""

import subprocess
import sys


def test_the_scoring_path_loads_no_pandas():
    probe = ("import sys\nimport leadlight.tasks.score, leadlight.scoring.snapshot, leadlight.scoring.snapshot_sql, "
             "leadlight.signals.compile\nprint('PANDAS', 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "PANDAS False" in out
