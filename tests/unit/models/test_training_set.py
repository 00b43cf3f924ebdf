"""The training rows built with work overlapped (frame assembly beside the engine; two connections) equal those built
one snapshot, one connection at a time."""

from __future__ import annotations

import pandas as pd

from leadlight.config import load_config
from leadlight.labels.label_times import label_times, training_snapshots
from leadlight.scoring.models import training_rows
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


def test_labels_and_features_on_two_connections_equal_those_on_one(tmp_path, monkeypatch):
    _, folder = generated_project(tmp_path, "version: 1\nmodel:\n  snapshot_every: week\n", accounts=40, days=150, seed=4)
    project = Project(folder)
    config = load_config(project)
    results = {}
    for how, fewest in (("two", training_rows.MIN_SNAPSHOTS), ("one", 10**6)):
        monkeypatch.setattr(training_rows, "MIN_SNAPSHOTS", fewest)
        engine = open_current_engine(project, config)
        try:
            mc = fit_to_history(engine, config.model).config
            snapshots = training_snapshots(engine, mc)
            checked = []
            results[how] = training_rows.training_rows(engine, mc, list(config.signals), snapshots, checked.append)
            assert len(checked) == 1 and checked[0] is results[how][0]
        finally:
            engine.close()
    (labels, spec, frame, _), (labels1, spec1, frame1, _) = results["two"], results["one"]
    assert len(snapshots) >= 8 and frame.as_of.nunique() >= 8 and frame.label.sum() > 0
    assert spec == spec1
    pd.testing.assert_frame_equal(labels, labels1)
    pd.testing.assert_frame_equal(frame, frame1)
