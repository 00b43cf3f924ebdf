"""The training set built with the engine and the frame assembly overlapped equals one built a snapshot at a time."""

from __future__ import annotations

import pandas as pd

from leadlight.config import load_config
from leadlight.labels.label_times import label_times, training_snapshots
from leadlight.scoring.models.features import features_at, load_attributes, plan_features, training_set
from leadlight.scoring.models.settings import fit_to_history
from leadlight.storage.project import Project
from leadlight.tasks.derived import open_current_engine
from tests.cli import generated_project


def test_the_overlapped_training_set_equals_the_serial_one(tmp_path):
    _, folder = generated_project(tmp_path, None, accounts=40, days=150, seed=3)
    project = Project(folder)
    config = load_config(project)
    engine = open_current_engine(project, config)
    try:
        mc = fit_to_history(engine, config.model).config
        labels = label_times(engine, mc, training_snapshots(engine, mc))
        attributes, specs = load_attributes(engine), list(config.signals)
        spec = plan_features(engine, mc, specs, max(labels.as_of), attributes)
        assert spec.vocab is not None and spec.signals and spec.categories  # every kind of feature
        got = training_set(engine, spec, specs, labels, attributes)
        serial = []
        for d in sorted(labels.as_of.unique()):
            rows = labels[labels.as_of == d].reset_index(drop=True)
            moment = pd.Timestamp(d).to_pydatetime()
            feats = features_at(engine, spec, specs, moment, attributes, list(rows.account_id))  # its own queries
            serial.append(pd.concat([rows, feats.reset_index(drop=True)], axis=1))
        want = pd.concat(serial, ignore_index=True)
    finally:
        engine.close()
    assert len(got) > 100 and got.as_of.nunique() > 2
    pd.testing.assert_frame_equal(got, want)
