"""Judging a definition against who actually bought, replayed at past snapshots.

A *replay* is one row per eligible (account, snapshot) (``label_times``) with
what the definition said as of that snapshot: a ``score`` (higher = more
likely), a ``flag`` (PQA or not) and a ``quadrant``. ``judge`` turns it into
the report: ranking quality, the flag's precision and recall, conversion of
flagged vs unflagged accounts, conversion by score decile and by quadrant,
missed buyers, flagged accounts that bought self-serve, days from first flag to
opportunity, deal sizes, and a suggested threshold for the target band.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from leadlight import metrics
from leadlight.timeutil import iso

TARGET_FLAGGED = (0.15, 0.35)
TARGET_CONVERSIONS = 0.60
MAX_LISTED = 50
FEW_BUYERS = 30


def judge(name: str, replay: pd.DataFrame, signals_of: Callable[[pd.Series], dict] | None = None) -> dict[str, Any]:
    """The backtest entry for one definition. ``replay``: account_id, as_of, label, self_serve, won_at,
    amount, score, flag, quadrant (optional)."""
    y = replay.label.to_numpy(dtype=int)
    s = replay.score.to_numpy(dtype=float)
    flag = replay.flag.fillna(False).to_numpy(dtype=bool)
    flagged_rate = metrics.rate(y[flag]) if flag.any() else None
    unflagged_rate = metrics.rate(y[~flag]) if (~flag).any() else None
    tp = int((y[flag] == 1).sum())
    out: dict[str, Any] = {
        "name": name,
        "auc": metrics.rounded(metrics.auc(y, s)),
        "precision": metrics.rounded(flagged_rate),
        "recall": metrics.rounded(tp / y.sum() if y.sum() else None),
        "lift_top_decile": metrics.rounded(metrics.lift_at(y, s, 0.1), 3),
        "pql_conversion_rate": metrics.rounded(flagged_rate),
        "non_pql_conversion_rate": metrics.rounded(unflagged_rate),
        "missed_buyers": missed_buyers(replay, signals_of),
        "rows": int(len(replay)),
        "snapshots": int(replay.as_of.nunique()),
        "conversions": int(y.sum()),
        "pr_auc": metrics.rounded(metrics.pr_auc(y, s)),
        "conversion_multiple": metrics.rounded(
            flagged_rate / unflagged_rate if flagged_rate is not None and unflagged_rate else None, 3),
        "share_flagged": metrics.rounded(flag.mean() if len(flag) else None),
        "share_conversions_flagged": metrics.rounded(tp / y.sum() if y.sum() else None),
        "by_decile": by_decile(replay),
        "by_quadrant": by_quadrant(replay),
        "self_serve_flagged": self_serve_flagged(replay),
        "median_days_flag_to_opportunity": days_flag_to_opportunity(replay),
        "median_amount_flagged_wins": _median(replay.amount[(y == 1) & flag]),
        "median_amount_unflagged_wins": _median(replay.amount[(y == 1) & ~flag]),
        "suggested_threshold": suggest_threshold(replay),
    }
    out.update(reliability(replay))
    share = out["share_flagged"]
    out["in_target_band"] = share is not None and TARGET_FLAGGED[0] <= share <= TARGET_FLAGGED[1]
    out["meets_conversion_target"] = (out["share_conversions_flagged"] or 0) >= TARGET_CONVERSIONS
    return out


def reliability(replay: pd.DataFrame) -> dict[str, Any]:
    """90% bootstrap intervals over accounts for AUC, top-decile lift and the conversion multiple, and
    a warning when the figures rest on fewer than ``FEW_BUYERS`` buying accounts."""
    y = replay.label.to_numpy(dtype=int)
    accounts = replay.account_id.astype(str).to_numpy()
    flag = replay.flag.fillna(False).to_numpy(dtype=float)
    checks = (("auc", replay.score.to_numpy(dtype=float), metrics.auc),
              ("lift_top_decile", replay.score.to_numpy(dtype=float), lambda a, b: metrics.lift_at(a, b, 0.1)),
              ("conversion_multiple", flag, _multiple))
    intervals = {}
    for key, score, fn in checks:
        ci = metrics.bootstrap_interval(y, score, accounts, fn) if len(y) else None
        intervals[key] = None if ci is None else [round(ci[0], 4), round(ci[1], 4)]
    buyers = int(replay.account_id[replay.label == 1].nunique())
    warning = (f"these figures rest on {buyers} buying accounts (under {FEW_BUYERS}): read them as rough"
               if buyers < FEW_BUYERS else None)
    return {"intervals_90": intervals, "buyers": buyers, "warning": warning}


def _multiple(y: np.ndarray, flag: np.ndarray) -> float | None:
    on, off = y[flag == 1], y[flag == 0]
    if not len(on) or not len(off) or off.mean() == 0:
        return None
    return float(on.mean() / off.mean())


def by_decile(replay: pd.DataFrame) -> list[dict]:
    """Conversion per score decile (10 = highest scores), deciles taken within each snapshot."""
    rank = replay.groupby("as_of").score.rank(method="first", pct=True)
    decile = np.ceil(rank * 10).clip(1, 10).astype(int)
    table = replay.assign(decile=decile).groupby("decile").agg(rows=("label", "size"), conversions=("label", "sum"),
                                                               mean_score=("score", "mean"))
    return [{"decile": int(d), "rows": int(r.rows), "conversions": int(r.conversions),
             "conversion_rate": metrics.rounded(r.conversions / r.rows), "mean_score": _num(r.mean_score)}
            for d, r in table.sort_index(ascending=False).iterrows()]


def by_quadrant(replay: pd.DataFrame) -> list[dict]:
    if "quadrant" not in replay.columns or replay.quadrant.isna().all():
        return []
    table = replay.groupby("quadrant").agg(rows=("label", "size"), conversions=("label", "sum"))
    return [{"quadrant": str(q), "rows": int(r.rows), "conversions": int(r.conversions),
             "conversion_rate": metrics.rounded(r.conversions / r.rows)} for q, r in table.iterrows()]


def missed_buyers(replay: pd.DataFrame, signals_of: Callable[[pd.Series], dict] | None) -> list[dict]:
    """Accounts that won a sales deal without being flagged at that snapshot or any earlier one in range."""
    won = _with_first_flag(replay)
    missed = won[won.first_flag.isna() | (won.first_flag > won.as_of)].sort_values("score", ascending=False)
    out = []
    for _, row in missed.head(MAX_LISTED).iterrows():
        item = {"account_id": str(row.account_id), "as_of": _iso(row.as_of), "won_at": _iso(row.won_at),
                "amount": _num(row.amount), "score": _num(row.score)}
        if signals_of is not None:
            item["signals"] = signals_of(row)
        out.append(item)
    return out


def self_serve_flagged(replay: pd.DataFrame) -> dict:
    """Flagged accounts that upgraded on their own in the label window: sales was not needed."""
    flagged = replay[replay.flag.fillna(False).astype(bool)]
    hits = flagged[(flagged.self_serve == 1) & (flagged.label == 0)]
    return {"count": int(len(hits)), "share_of_flagged": metrics.rounded(len(hits) / len(flagged) if len(flagged) else None),
            "accounts": sorted(hits.account_id.astype(str).unique().tolist())[:MAX_LISTED]}


def days_flag_to_opportunity(replay: pd.DataFrame) -> float | None:
    """Median days from an account's first flag (in range) to its won sales opportunity's creation."""
    won = _with_first_flag(replay)
    won = won[won.first_flag.notna() & (won.first_flag <= won.as_of)]
    if won.empty:
        return None
    days = (pd.to_datetime(won.won_at) - pd.to_datetime(won.first_flag)).dt.total_seconds() / 86400
    return round(float(days.median()), 1)


def suggest_threshold(replay: pd.DataFrame) -> dict | None:
    """The score threshold that flags 15-35% of accounts and holds the most conversions per flag.

    Among thresholds in the band, the smallest share that still holds >= 60% of
    conversions is preferred; if none does, the one holding the most (35%).
    """
    y = replay.label.to_numpy(dtype=int)
    s = replay.score.to_numpy(dtype=float)
    if not len(s) or y.sum() == 0 or np.isnan(s).all():
        return None
    candidates = []
    for t in np.unique(np.nanquantile(s, np.linspace(0.5, 0.9, 81))):
        flagged = s >= t
        share = flagged.mean()
        if TARGET_FLAGGED[0] <= share <= TARGET_FLAGGED[1]:
            candidates.append((float(t), float(share), float(y[flagged].sum() / y.sum())))
    if not candidates:
        return {"threshold": None, "share_flagged": None, "share_conversions": None, "meets_target": False,
                "note": "no threshold flags 15-35% of accounts: the scores have too few distinct values"}
    meeting = [c for c in candidates if c[2] >= TARGET_CONVERSIONS]
    t, share, conv = min(meeting, key=lambda c: c[1]) if meeting else max(candidates, key=lambda c: c[2])
    return {"threshold": round(t, 6), "share_flagged": round(share, 4), "share_conversions": round(conv, 4),
            "meets_target": bool(meeting)}


def _with_first_flag(replay: pd.DataFrame) -> pd.DataFrame:
    """Positive rows with ``first_flag``: the account's first flagged snapshot in range (NaT if never)."""
    flagged = replay[replay.flag.fillna(False).astype(bool)]
    first = flagged.groupby("account_id", as_index=False).agg(first_flag=("as_of", "min"))
    return replay[replay.label == 1].merge(first, on="account_id", how="left")


def _median(values: pd.Series) -> float | None:
    v = pd.to_numeric(values, errors="coerce").dropna()
    return None if v.empty else round(float(v.median()), 2)


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 4)


def _iso(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else iso(pd.Timestamp(value).to_pydatetime())
