"""The training rows (labels, then point-in-time features) of many snapshots, on two DuckDB connections at once.

Labels and features keep only about one of the two cores busy: DuckDB runs
many small statements (identity as of each snapshot) and Python builds
expressions and frames between them. On DuckDB the snapshots are dealt
alternately to the engine and its twin (``Engine.twin``: the same database,
a connection of its own), and the two halves run on two threads; each
snapshot's labels and features depend on that snapshot alone (identity as
known then, events before it), so the rows are those of one engine doing
every snapshot, put back in snapshot order. Meanwhile each DuckDB query runs on
its caller's thread alone (``Engine.one_thread_each``): two connections already
keep the two cores busy. Elsewhere (Spark, fewer than
``MIN_SNAPSHOTS``) one engine does them all.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Callable, Sequence

import pandas as pd

from leadlight.config.model import ModelConfig
from leadlight.labels.label_times import label_times
from leadlight.progress import SILENT, Progress
from leadlight.scoring.models.features import FeatureSpec, load_attributes, plan_features, training_set
from leadlight.storage.engine import Engine

MIN_SNAPSHOTS = 4


def training_rows(engine: Engine, config: ModelConfig, specs: Sequence[Any], snapshots: list[datetime],
                  checked: Callable[[pd.DataFrame], None] = lambda labels: None, progress: Progress = SILENT,
                  ) -> tuple[pd.DataFrame, FeatureSpec, pd.DataFrame, pd.DataFrame]:
    """``(labels, spec, frame, attributes)``: ``checked(labels)`` runs (and may refuse) before any feature."""
    twin = engine.twin() if engine.name == "duckdb" and engine.connection is not None \
        and len(snapshots) >= MIN_SNAPSHOTS else None
    if twin is None:
        with progress.step("finding labels"):
            labels = label_times(engine, config, snapshots)
        checked(labels)
        attributes = load_attributes(engine)
        spec = plan_features(engine, config, specs, max(labels.as_of), attributes)
        return labels, spec, training_set(engine, spec, specs, labels, attributes, progress), attributes
    engines = (engine, twin)
    halves = (snapshots[0::2], snapshots[1::2])  # alternately: later snapshots read more history
    with ThreadPoolExecutor(2) as pool, engine.one_thread_each():
        with progress.step("finding labels (two connections)"):
            labels = in_snapshot_order(pool.map(lambda i: label_times(engines[i], config, halves[i]), (0, 1)))
        checked(labels)
        attributes = load_attributes(engine)
        last = pd.Timestamp(max(labels.as_of)).to_pydatetime()
        owner = engines[1] if last in halves[1] else engines[0]  # identity as of it is resolved there already
        spec = plan_features(owner, config, specs, last, attributes)
        with progress.step("computing point-in-time features (two connections)"):
            frame = in_snapshot_order(pool.map(
                lambda i: training_set(engines[i], spec, specs, labels[labels.as_of.isin(halves[i])],
                                       attributes.copy()), (0, 1)))
    return labels, spec, frame, attributes


def in_snapshot_order(parts: Any) -> pd.DataFrame:
    """Rows of several snapshots' frames in snapshot order, each snapshot's rows in their own order."""
    return pd.concat(list(parts), ignore_index=True).sort_values("as_of", kind="stable", ignore_index=True)
