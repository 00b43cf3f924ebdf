"""Spotting features that know the answer: attributes filled in because the account bought.

Two checks on the training rows, both cheap and explainable:

* **alone too good**: an attribute whose values by themselves rank buyers
  above non-buyers with AUC >= 0.9 (either direction; categories scored by
  their buyer rate). Real firmographics predict, but never that well.
* **nulls tied to the label**: an attribute that is empty for most
  non-buyers and filled for buyers (its missingness alone reaches AUC >= 0.8),
  like a contract date or a deal value copied back from the CRM.

Attributes are current values, not values as of each snapshot, so these
checks run on them and they are dropped when ``drop_detected_leaks`` is on.
Behaviour features are point-in-time by construction; one that alone reaches
AUC >= 0.97 is reported but kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadlight.metrics import auc

ALONE = 0.9
NULLS = 0.8
BEHAVIOUR = 0.97
MIN_POSITIVES = 10


def single_feature_auc(values: pd.Series, y: np.ndarray) -> float | None:
    """How well one column alone ranks buyers, direction-free (0.5 = useless, 1 = perfect)."""
    if isinstance(values.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(values):
        text = values.astype("string").fillna("(empty)")
        rates = pd.Series(y).groupby(text.to_numpy()).mean()
        score = text.map(rates).astype("float64").to_numpy()
    else:
        score = values.astype("float64").to_numpy()
    keep = ~np.isnan(score)
    a = auc(y[keep], score[keep]) if keep.sum() else None
    return None if a is None else max(a, 1 - a)


def leak_warnings(frame: pd.DataFrame, y: np.ndarray, attributes: list[str], behaviour: list[str]) -> list[dict]:
    """One warning per suspicious column: ``{"feature", "check", "auc", "message", "attribute"}``."""
    y = np.asarray(y, dtype=int)
    if y.sum() < MIN_POSITIVES or y.sum() == len(y):
        return []
    out = []
    for column in attributes:
        values = frame[column]
        nulls = values.isna().to_numpy()
        if 0 < nulls.mean() < 1:
            a = auc(y, (~nulls).astype(float))
            if a is not None and max(a, 1 - a) >= NULLS:
                out.append(_warning(column, "nulls", max(a, 1 - a), True,
                                    f"'{column}' is filled in mostly for buyers (AUC {max(a, 1 - a):.2f} from "
                                    "whether it is empty): it is probably written after the sale"))
                continue
        a = single_feature_auc(values, y)
        if a is not None and a >= ALONE:
            out.append(_warning(column, "alone", a, True,
                                f"'{column}' alone separates buyers almost perfectly (AUC {a:.2f}): "
                                "check it is known before a deal starts"))
    for column in behaviour:
        a = single_feature_auc(frame[column], y)
        if a is not None and a >= BEHAVIOUR:
            out.append(_warning(column, "alone", a, False,
                                f"behaviour feature '{column}' alone separates buyers (AUC {a:.2f}): "
                                "check the event is not sent by the sales process itself"))
    return out


def _warning(feature: str, check: str, value: float, attribute: bool, message: str) -> dict:
    return {"feature": feature, "check": check, "auc": round(float(value), 4), "attribute": attribute, "message": message}
