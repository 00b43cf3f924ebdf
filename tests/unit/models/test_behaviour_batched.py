"""Behaviour features and eligibility for many snapshots at once equal the one-snapshot-at-a-time computation.

On a generated company (identity learned over time, so each moment has its own) with random snapshot moments:
midnights and odd seconds, more moments than one batch holds, one before any event and one after the last.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from leadlight.config import load_config
from leadlight.identity import as_of as identity_as_of
from leadlight.labels.label_times import active_accounts, data_range
from leadlight.signals.behaviour import Vocabulary, vocabulary
from leadlight.signals.activity import named_events, raw_events
from leadlight.signals.behaviour_frames import behaviour_features, behaviour_over
from leadlight.storage.project import Project
from leadlight.tasks.derived import open_current_engine
from tests.cli import generated_project
from tests.unit.models import behaviour_reference


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    _, folder = generated_project(tmp_path_factory.mktemp("batched"), None, accounts=40, days=120, seed=5)
    project = Project(folder)
    engine = open_current_engine(project, load_config(project))
    first, last = data_range(engine)
    rng = np.random.default_rng(7)
    days = rng.choice(np.arange(3, (last - first).days), size=identity_as_of.KEEP + 3, replace=False)
    moments = [first.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=int(d)) for d in days]
    moments = [m + timedelta(seconds=int(rng.integers(1, 86400))) if i % 2 else m for i, m in enumerate(moments)]
    moments += [first - timedelta(days=2), last + timedelta(days=1)]
    yield engine, moments
    engine.close()


def test_batched_behaviour_features_equal_the_per_snapshot_ones(company):
    engine, moments = company
    _, last = data_range(engine)
    common = vocabulary(engine, last, 3, (7, 28, 90)).events
    vocab = Vocabulary(common[:8], tuple(sorted(common[8:])), (7, 28, 90))  # named events and a pooled rest
    assert vocab.pooled
    batched = behaviour_over(engine, moments, vocab)
    assert set(batched) == set(moments)
    before_any = moments[-2]
    # no event before it, only people from the users file (the per-snapshot code failed on such a moment)
    assert (batched[before_any].filter(like="ev__").fillna(0) == 0).all().all()
    compared = 0
    for moment in moments[:-2] + moments[-1:]:
        reference = behaviour_reference.one_moment(engine, moment, vocab).sort_index()
        got = batched[moment].sort_index()
        assert list(got.index) == list(reference.index), moment
        pd.testing.assert_frame_equal(got, reference, check_dtype=False, check_index_type=False)
        compared += len(got)
    assert compared > 200
    single = behaviour_features(engine, moments[0], vocab).sort_index()
    pd.testing.assert_frame_equal(single, batched[moments[0]].sort_index())


def test_batched_eligibility_equals_the_per_snapshot_one(company):
    engine, moments = company
    batched = active_accounts(engine, moments, 14)
    assert sum(len(a) for a in batched.values()) > 50
    for moment in moments:
        assert batched[moment] == active_accounts(engine, [moment], 14)[moment], moment


def test_the_span_of_history_read_from_stored_events_is_the_resolved_views(company):
    """``data_range`` and ``has_events`` read the stored events table on DuckDB: the same events and timestamps
    as the identity-resolved view (aliases and identities joined), with no join."""
    engine, _ = company
    resolved, stored = raw_events(engine), named_events(engine)
    want = resolved.aggregate(n=resolved.count(), lo=resolved.ts_first.min(), hi=resolved.ts_last.max()).execute()
    got = stored.aggregate(n=stored.count(), lo=stored.timestamp.min(), hi=stored.timestamp.max()).execute()
    assert want.n[0] > 1000
    pd.testing.assert_frame_equal(got, want)


def test_identity_prepared_for_many_moments_equals_identity_resolved_alone(company):
    """``identity.as_of.prepare`` sums each person's activity once, in parts between the moments; the identities
    then resolved as of each moment equal those resolved from its earlier events alone (a fresh engine)."""
    engine, moments = company
    project = engine.project
    alone = open_current_engine(project, load_config(project))
    prepared = open_current_engine(project, load_config(project))
    try:
        identity_as_of.prepare(prepared, moments)
        assert "identity_parts" in prepared.memo
        resolved = 0
        for moment in moments[:identity_as_of.KEEP]:
            assert (identity_as_of._parts_for(prepared, moment) is not None) == (moment in moments)
            want = identity_as_of.identities(alone, moment).to_pandas().sort_values("user_id", ignore_index=True)
            got = identity_as_of.identities(prepared, moment).to_pandas().sort_values("user_id", ignore_index=True)
            pd.testing.assert_frame_equal(got, want)
            resolved += len(got)
            aliases = [engine_.table(identity_as_of.tables(engine_, moment).identities.removesuffix("_identities")
                                     + "_aliases").to_pandas().sort_values("anonymous_id", ignore_index=True)
                       for engine_ in (prepared, alone) if identity_as_of.tables(engine_, moment) != identity_as_of.STORED]
            if aliases:
                pd.testing.assert_frame_equal(*aliases)
        assert resolved > 100
    finally:
        alone.close()
        prepared.close()
