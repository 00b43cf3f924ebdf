"""The sales_persona flag (Ibis, in the database) agrees with the Python title parser."""

from __future__ import annotations

from leadlight.scoring.flags import person_flags
from leadlight.scoring.people import is_sales_rep
from leadlight.storage import Project, connect
from leadlight.storage.engine import duckdb_engine
from tests.unit.scoring.test_people import TITLES

MORE = ["Account Executive", "Sales Development Rep", "Customer Success Manager", "Solutions Engineer",
        "VP Sales", "Head of Sales", "Chief Revenue Officer", "Sales   Manager", "BDR", "Vice President, Sales"]


def test_sales_persona_flag_matches_python(tmp_path):
    con = connect(Project(tmp_path))
    titles = [t for t, *_ in TITLES] + MORE
    con.executemany(
        "INSERT INTO identities (user_id, title, email, is_personal, is_disposable, is_student, email_confirmed) "
        "VALUES (?, ?, ?, false, false, false, ?)",
        [(f"u{i}", t, f"u{i}@x.com" if i % 2 else None, None if i % 3 else i % 2 == 0) for i, t in enumerate(titles)],
    )
    rows = person_flags(duckdb_engine(con)).to_pandas().set_index("user_id")
    for i, title in enumerate(titles):
        row = rows.loc[f"u{i}"]
        assert bool(row.sales_persona) is is_sales_rep(title), title
        assert bool(row.work_email) is (i % 2 == 1)
        assert bool(row.unconfirmed_email) is (i % 3 == 0 and i % 2 == 1)
    con.close()
