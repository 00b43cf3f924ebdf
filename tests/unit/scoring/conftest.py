from __future__ import annotations

import pytest

from tests.unit.scoring import fixtures


@pytest.fixture
def company(tmp_path):
    """(project, connection, engine) over the tiny company."""
    project, con = fixtures.build(tmp_path / "company")
    (tmp_path / "company" / "leadlight.yml").write_text(fixtures.SIGNALS + fixtures.SCORING)
    yield project, con, fixtures.engine_for(con, project)
    con.close()
