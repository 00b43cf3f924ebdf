"""Scoring keeps the signal frames and the scored people in scratch tables: same results as the lazy path."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from leadlight.scoring import score_frames
from leadlight.scoring.flags import person_flags, self_serve_buyers
from leadlight.signals import compute_signals
from tests.unit.scoring import fixtures
from tests.unit.scoring.fixtures import D

TRIGGER_QUALIFIES = fixtures.SCORING.replace("points: 15", "points: 15\n      qualifies: true", 1)


def _sorted(table, key: str) -> pd.DataFrame:
    return table.to_pandas().sort_values(key).reset_index(drop=True)


@pytest.mark.parametrize("scoring", [fixtures.SCORING, TRIGGER_QUALIFIES])
def test_materialised_scores_equal_lazy_scores(company, scoring):
    _, _, engine = company
    config = fixtures.config(scoring)
    frames = compute_signals(engine, config.signals, D)
    assert frames.engine is engine
    flags, buyers = person_flags(engine), self_serve_buyers(engine, D)
    kept = score_frames(frames, flags, config.scoring, buyers)
    lazy = score_frames(dataclasses.replace(frames, engine=None), flags, config.scoring, buyers)
    for table_kept, table_lazy, key in ((kept[0], lazy[0], "account_id"), (kept[1], lazy[1], "user_id")):
        assert table_kept.columns == table_lazy.columns
        pd.testing.assert_frame_equal(_sorted(table_kept, key), _sorted(table_lazy, key))
    assert len(_sorted(kept[1], "user_id")) > 0


def test_scored_results_read_scratch_tables_not_events(company):
    _, _, engine = company
    config = fixtures.config()
    frames = compute_signals(engine, config.signals, D)
    accounts, users = score_frames(frames, person_flags(engine), config.scoring, self_serve_buyers(engine, D))
    for table in (accounts, users):
        sql = str(engine.backend.compile(table))
        assert "events_resolved" not in sql
