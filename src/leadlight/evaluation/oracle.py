"""The oracle comparison: an evaluation aid for generated data, never an input to training.

``leadlight generate`` writes ``truth.csv`` (``account_id, as_of, p_convert``):
the hidden law's own probability. Its AUC on the same test rows is the best any
model could hope for; ``train --truth`` and ``backtest --truth`` report both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from leadlight.errors import InputError
from leadlight import metrics


def read_truth(path: str | Path) -> pd.DataFrame:
    """``truth.csv`` with ``account_id`` (text), ``as_of`` (timestamp) and ``p_convert``."""
    path = Path(path)
    try:
        truth = pd.read_csv(path, dtype={"account_id": "string"})
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read {path}: {err}", hint="pass the truth.csv written by `leadlight generate`") from None
    missing = {"account_id", "as_of", "p_convert"} - set(truth.columns)
    if missing:
        raise InputError(f"{path} lacks the column(s) {', '.join(sorted(missing))}",
                         hint="pass the truth.csv written by `leadlight generate`")
    truth["as_of"] = pd.to_datetime(truth.as_of).dt.tz_localize(None)
    return truth[["account_id", "as_of", "p_convert"]]


def gap_interval(rows: pd.DataFrame, folds: bool = False) -> list[float] | None:
    """90% bootstrap interval (over accounts, paired) of the oracle's AUC minus the model's on the same rows;
    ``folds``: each walk-forward fold judged on its own rows, weighted by its buyers (``metrics.by_fold``)."""
    y, oracle, model = rows.label.to_numpy(), rows.p_convert.to_numpy(), rows.score.to_numpy()
    fold = rows.fold.to_numpy() if folds else np.zeros(len(rows))

    def gap(_: np.ndarray, picked: np.ndarray) -> float | None:
        i = picked.astype(int)
        a, b = metrics.by_fold(y[i], oracle[i], fold[i], metrics.auc), metrics.by_fold(y[i], model[i], fold[i], metrics.auc)
        return None if a is None or b is None else a - b

    ci = metrics.bootstrap_interval(y, np.arange(len(rows)), rows.account_id.to_numpy(), gap)
    return None if ci is None else [round(ci[0], 4), round(ci[1], 4)]


def compare(rows: pd.DataFrame, score: np.ndarray, truth: pd.DataFrame, by_fold: bool = False) -> dict:
    """Model AUC and oracle AUC on the rows that have a truth value (``rows``: account_id, as_of, label).

    With a ``fold`` column: on the latest fold, like the headline AUC (see training); ``by_fold``: on every
    fold given, each judged on its own rows and weighted by its buyers, like a headline over several folds."""
    kept = ["account_id", "as_of", "label", *(["fold"] if "fold" in rows.columns else [])]
    scored = rows[kept].assign(score=np.asarray(score, dtype=float))
    scored = scored.assign(account_id=scored.account_id.astype("string"), as_of=pd.to_datetime(scored.as_of))
    joined = scored.merge(truth, on=["account_id", "as_of"], how="inner")
    if "fold" in joined.columns and by_fold:
        return {"oracle_auc": metrics.rounded(metrics.by_fold(joined.label, joined.p_convert, joined.fold, metrics.auc)),
                "auc_on_oracle_rows": metrics.rounded(metrics.by_fold(joined.label, joined.score, joined.fold, metrics.auc)),
                "oracle_rows": int(len(joined)), "compared": "on the given walk-forward folds, weighted by buyers",
                **_paired(joined, folds=True)}
    if "fold" in joined.columns:  # walk-forward: judged on the latest fold, like the headline AUC (see training)
        latest = joined[joined.fold == joined.fold.max()]
        return {"oracle_auc": metrics.rounded(metrics.auc(latest.label, latest.p_convert)),
                "auc_on_oracle_rows": metrics.rounded(metrics.auc(latest.label, latest.score)),
                "oracle_rows": int(len(latest)), "compared": "on the latest walk-forward fold",
                **_paired(latest)}
    return {
        "oracle_auc": metrics.rounded(metrics.auc(joined.label, joined.p_convert)),
        "auc_on_oracle_rows": metrics.rounded(metrics.auc(joined.label, joined.score)),
        "oracle_rows": int(len(joined)), **_paired(joined),
    }


def _paired(rows: pd.DataFrame, folds: bool = False) -> dict:
    return {"oracle_buyers": int(rows.account_id[rows.label == 1].nunique()), "gap_interval_90": gap_interval(rows, folds)}
