"""The set-wise snapshot build (``snapshot_sql``): the stored JSON text keeps its exact shape, people are grouped by
what their reasons read (each gets back the reasons of its own inputs), and every temp table is the scratch's."""

from __future__ import annotations

import json

from leadlight.scoring import explain, snapshot_sql
from leadlight.scoring.reasons_sql import Term, reason_lists
from leadlight.scoring.snapshot import score_snapshot
from leadlight.tasks.score import store
from tests.unit.scoring import fixtures
from tests.unit.scoring.fixtures import D

SPACED = ("reasons", "fit_reasons", "intent_reasons")  # written as json.dumps writes them (", " and ": ")
COMPACT = ("flags", "disqualifiers", "champion", "decision_makers", "signals")  # written as DuckDB's to_json does


def _stored(con) -> list[dict]:
    rows = []
    for table in ("account_scores", "user_scores"):
        cur = con.execute(f"SELECT * EXCLUDE (scored_at) FROM {table} WHERE as_of = ? ORDER BY ALL", [D])
        names = [d[0] for d in cur.description]
        rows += [dict(zip(names, r)) for r in cur.fetchall()]
    return rows


def test_the_stored_json_text_keeps_its_shape(company):
    project, con, engine = company
    store(project, engine, score_snapshot(engine, fixtures.config(), D))
    rows = _stored(con)
    seen = set()
    for row in rows:
        for column in SPACED:
            if row.get(column) is not None:
                assert row[column] == json.dumps(json.loads(row[column])), (column, row[column])
                seen.add(column)
        for column in COMPACT:
            if row.get(column) is not None:
                assert row[column] == json.dumps(json.loads(row[column]), separators=(",", ":"),
                                                 ensure_ascii=False), (column, row[column])
                seen.add(column)
    assert {"reasons", "fit_reasons", "flags", "disqualifiers", "champion", "decision_makers", "signals"} <= seen
    assert any(r.get("reasons") not in (None, "[]") for r in rows if "user_id" in r)


def test_people_sharing_inputs_share_their_reasons_and_get_them_back_one_each(company):
    _, con, _ = company
    con.execute("CREATE OR REPLACE TEMP TABLE _t_people AS SELECT range AS _ll_row, range % 3 AS pts, "
                "(range % 2) * 5 AS visits FROM range(1000)").fetchall()
    term = Term(0, "visits", "pts <> 0", "CAST(pts AS DOUBLE) * 10", "visits",
                lambda v: (v, f"{v} visits"), ("pts", "visits"))
    sql = reason_lists(con, "_t_reasons", "_t_people", [term], 1, 3, shared=True)
    got = dict(con.execute(f"SELECT _ll_row, g0 FROM ({sql})").fetchall())
    assert con.execute("SELECT count(*) FROM _t_reasons_inputs").fetchall() == [(6,)]  # 1000 people, 6 inputs
    for row in range(1000):
        pts, visits = row % 3, (row % 2) * 5
        want = [explain.reason("visits", visits, pts * 10, f"{visits} visits")] if pts else None
        assert (json.loads(got[row]) if row in got else None) == want


def test_the_temp_tables_are_all_named_for_the_scratch(company):
    """Every temp table a build makes is one the scratch drops (a name shared with another module's temp
    tables once broke a held snapshot: identity's ``_ll_people``)."""
    project, con, engine = company
    before = _temp(con)
    snap = score_snapshot(engine, fixtures.config(), D)
    made = _temp(con) - before
    assert made and made <= set(snapshot_sql._TEMP)
    store(project, engine, snap)
    assert not (_temp(con) & made)


def _temp(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary "
                                      "AND starts_with(table_name, '_ll_')").fetchall()}
