"""Replaying a definition at past snapshots: what it said about each labelled (account, snapshot).

A *replay* is the label rows (``leadlight.labels.label_times``) joined with the
definition's ``score`` (higher = more likely), ``flag`` (PQA or not) and
``quadrant`` as of each snapshot, plus the columns ``signals_of`` reads to say
what a missed buyer looked like. ``evaluation.backtest.judge`` turns it into a
report. Rules are recomputed from the signals and ``scoring:`` as written now;
the model from its saved bundle.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from leadlight.progress import Progress
from leadlight.scoring import score_frames
from leadlight.scoring.flags import person_flags, self_serve_buyers
from leadlight.signals import compute_signals
from leadlight.storage.engine import Engine
from leadlight.timeutil import iso

HIGH_SHARE = 0.3  # the model's fit / intent are "high" for the top 30% of a snapshot


def replay_rules(engine: Engine, config: Any, labels: pd.DataFrame, progress: Progress) -> tuple[pd.DataFrame, Any]:
    """Scores, PQA flags and quadrants of the rule definition at every labelled snapshot."""
    specs = list(config.signals)
    names = [s.name for s in specs if s.level == "account"]
    parts = []
    snapshots = sorted(labels.as_of.unique())
    with progress.step("replaying the rule definition", total=len(snapshots)) as bar:
        for d in snapshots:
            as_of = pd.Timestamp(d).to_pydatetime()
            rows = labels[labels.as_of == d]
            frames = compute_signals(engine, specs, as_of)
            scored, _ = score_frames(frames, person_flags(engine, as_of), config.scoring, self_serve_buyers(engine, as_of))
            table = scored.select("account_id", "score", "pqa", "quadrant", *names).to_pandas()
            table["account_id"] = table.account_id.astype("string")
            parts.append(rows.merge(table.rename(columns={"pqa": "flag"}), on="account_id", how="left"))
            bar.advance()
    replay = _concat(parts, labels)
    replay["score"] = replay.score.astype("float64").fillna(0.0)

    def signals_of(row: pd.Series) -> dict:
        return {n: _plain(row[n]) for n in names}

    return replay, signals_of


def replay_model(engine: Engine, model: Any, labels: pd.DataFrame, progress: Progress) -> tuple[pd.DataFrame, Any]:
    """The active model's probability and flag at each snapshot it never saw in training."""
    top = [f["feature"] for f in model.manifest.get("top_features", [])[:5]]
    parts = []
    snapshots = sorted(labels.as_of.unique())
    with progress.step("replaying the model", total=len(snapshots)) as bar:
        for d in snapshots:
            rows = labels[labels.as_of == d]
            feats = model.features(engine, pd.Timestamp(d).to_pydatetime(), rows[["account_id"]])
            pred = model.predict(feats, reasons_for=0)
            high_fit = _top_share(pred.fit_probability)
            high_intent = _top_share(pred.intent_probability)
            pred["quadrant"] = [f"{'high' if f else 'low'}_fit_{'high' if i else 'low'}_intent"
                                for f, i in zip(high_fit, high_intent)]
            pred = pred.rename(columns={"probability": "score", "flagged": "flag"})
            pred = pd.concat([pred[["score", "flag", "quadrant"]], feats[top].reset_index(drop=True)], axis=1)
            pred["account_id"] = feats.account_id.astype("string").to_numpy()
            parts.append(rows.merge(pred, on="account_id", how="left"))
            bar.advance()
    replay = _concat(parts, labels)

    def signals_of(row: pd.Series) -> dict:
        return {n: _plain(row[n]) for n in top}

    return replay, signals_of


def _top_share(values: pd.Series) -> np.ndarray:
    v = values.to_numpy(dtype=float)
    if np.isnan(v).all():
        return np.zeros(len(v), dtype=bool)
    return v >= np.nanquantile(v, 1 - HIGH_SHARE)


def _concat(parts: list[pd.DataFrame], labels: pd.DataFrame) -> pd.DataFrame:
    if not parts:
        return labels.assign(score=pd.Series(dtype="float64"), flag=pd.Series(dtype="bool"), quadrant=None)
    replay = pd.concat(parts, ignore_index=True)
    replay["flag"] = replay.flag.astype("boolean").fillna(False).astype(bool)
    return replay


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, datetime):
        return iso(value)
    return value


def replay_out_of_time(model: Any, labels: pd.DataFrame) -> pd.DataFrame:
    """The model's walk-forward predictions, saved at training, for the label rows they cover.

    The saved model was refitted on every labelled snapshot, so replaying it there would judge it on
    rows it learned from; the out-of-fold probabilities are what it could have said at the time."""
    oot = getattr(model.models, "out_of_time", None)
    if oot is None or labels.empty:
        return labels.iloc[0:0].assign(score=pd.Series(dtype="float64"), flag=pd.Series(dtype="bool"), quadrant=None)
    columns = ["probability", "fit_probability", "intent_probability"]
    saved = oot.assign(account_id=oot.account_id.astype("string"), as_of=pd.to_datetime(oot.as_of))[
        ["account_id", "as_of", *columns]]
    rows = labels.assign(account_id=labels.account_id.astype("string"), as_of=pd.to_datetime(labels.as_of))
    replay = rows.merge(saved, on=["account_id", "as_of"], how="inner").rename(columns={"probability": "score"})
    replay["flag"] = replay.score >= model.flag_threshold
    high_fit = replay.groupby("as_of").fit_probability.transform(lambda v: pd.Series(_top_share(v), index=v.index))
    high_intent = replay.groupby("as_of").intent_probability.transform(lambda v: pd.Series(_top_share(v), index=v.index))
    replay["quadrant"] = [f"{'high' if f else 'low'}_fit_{'high' if i else 'low'}_intent"
                          for f, i in zip(high_fit.astype(bool), high_intent.astype(bool))]
    return replay.drop(columns=["fit_probability", "intent_probability"])
