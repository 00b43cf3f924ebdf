"""The same signal definitions give the same values on DuckDB and Spark (and match the reference)."""

from __future__ import annotations

from datetime import datetime

import pytest

from leadlight.signals import compute_signals
from leadlight.storage import connect
from tests.unit.signals import fixtures, reference
from tests.unit.signals.conftest import as_dicts, canonical_frames

AS_OFS = [datetime(2026, 1, 10), datetime(2026, 1, 9, 10, 0, 0), datetime(2026, 1, 13, 6, 30)]


@pytest.fixture(scope="module")
def expected(fixture_project):
    con = connect(fixture_project)
    tables = canonical_frames(con)
    con.close()
    specs = fixtures.signals()
    return {as_of: reference.frames(specs, *tables, as_of) for as_of in AS_OFS}


def test_signals_equal_the_reference_on_every_engine(backend, expected):
    specs = fixtures.signals()
    for as_of in AS_OFS:
        got = as_dicts(compute_signals(backend, specs, as_of, incremental=False))
        want = expected[as_of]
        for level in ("account", "user"):
            assert sorted(got[level]) == sorted(want[level]), (backend.name, as_of, level)
            for entity, values in want[level].items():
                for name, value in values.items():
                    actual = got[level][entity][name]
                    assert reference.same(value, actual), f"{backend.name} {as_of} {entity} {name}: {value!r} != {actual!r}"


def test_wide_bit_masks_and_fallbacks_on_every_engine(backend, fixture_project):
    """Masks past bit 31 (Spark's plain 1 is a 32-bit INT) and the per-kind fallbacks, against the reference."""
    from tests.unit.signals.test_plan import EDGES

    specs = fixtures.signals(EDGES)
    as_of = datetime(2026, 1, 13, 6, 30)  # the 62-day window starts on Nov 12th
    con = connect(fixture_project)
    want = reference.frames(specs, *canonical_frames(con), as_of)
    con.close()
    got = as_dicts(compute_signals(backend, specs, as_of, incremental=False))
    for level in ("account", "user"):
        for entity, values in want[level].items():
            for name, value in values.items():
                assert reference.same(value, got[level][entity][name]), f"{backend.name} {entity} {name}"
    assert got["account"]["a1"]["days_62"] == 5  # Jan 1, 2, 5, 9 and 10: bits 50..59 of the mask
