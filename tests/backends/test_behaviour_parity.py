"""Behaviour features for many moments at once, on each engine, equal the one-moment-at-a-time computation."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from leadlight.signals.behaviour import vocabulary
from leadlight.signals.behaviour_frames import behaviour_over
from tests.unit.models import behaviour_reference

MOMENTS = [datetime(2026, 1, 10), datetime(2026, 1, 9, 10, 0, 0), datetime(2026, 1, 13, 6, 30)]


def test_batched_behaviour_equals_the_per_moment_reference_on_every_engine(backend):
    vocab = vocabulary(backend, max(MOMENTS), 1, (7, 28, 90))
    batched = behaviour_over(backend, MOMENTS, vocab)
    rows = 0
    for moment in MOMENTS:
        want = behaviour_reference.one_moment(backend, moment, vocab).sort_index()
        got = batched[moment].sort_index()
        pd.testing.assert_frame_equal(got, want, check_dtype=False, check_index_type=False, obj=f"{backend.name} {moment}")
        rows += len(got)
    assert rows > 0
