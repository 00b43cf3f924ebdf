"""Rows built column by column from Arrow equal the row-by-row original, value for value and type for type."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pyarrow as pa

from leadlight.scoring import explain
from leadlight.scoring.rows import records


def reference_plain(value):
    """``explain.plain`` as it was written first, kept here as the reference."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    try:
        if value != value or value is pd.NA:
            return None
    except (TypeError, ValueError):
        return None
    if isinstance(value, float):
        if math.isinf(value):
            return None
        return int(value) if value.is_integer() else round(value, 4)
    return value


def test_records_equal_the_row_by_row_reference():
    rng = random.Random(3)
    n = 400
    floats = [rng.choice([rng.uniform(-1e6, 1e6), rng.randint(-5, 5) * 1.0, float("nan"), float("inf"), 1 / 3,
                          2.00004999, 0.12345]) for _ in range(n)]
    frame = pd.DataFrame({
        "f": floats,
        "i": np.arange(n, dtype=np.int64),
        "b": [rng.random() < 0.5 for _ in range(n)],
        "n": pd.array([rng.choice([1, None, 7]) for _ in range(n)], dtype="Int64"),
        "bn": pd.array([rng.choice([True, None, False]) for _ in range(n)], dtype="boolean"),
        "s": pd.array([rng.choice(["x", None]) for _ in range(n)], dtype="string"),
        "F": pd.array([rng.choice([1.5, None, 2.0]) for _ in range(n)], dtype="Float64"),
    })
    expected = [{k: reference_plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
    got = records(pa.Table.from_pandas(frame, preserve_index=False))
    assert len(got) == len(expected)
    for want, have in zip(expected, got):
        assert list(have) == list(want)
        for key in want:
            assert type(have[key]) is type(want[key]) and (have[key] == want[key] or want[key] is None), key


def test_plain_keeps_its_answers():
    for value in (None, "x", 3, True, 2.0, 2.5, 1 / 3, float("nan"), float("-inf"), np.float64(4.0), np.int64(7),
                  np.bool_(True), pd.NA, [1], {"a": 1}):
        want, have = reference_plain(value), explain.plain(value)
        assert type(have) is type(want) and (have == want or want is None)
