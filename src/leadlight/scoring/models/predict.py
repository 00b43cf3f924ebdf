"""The active model at scoring time: probabilities and the reasons behind them.

``active_model(project)`` returns ``None`` until ``leadlight train`` has
succeeded, so scoring stays rule-only. Otherwise scoring calls (see
``leadlight.scoring.snapshot``)::

    frame = model.features(engine, as_of, accounts)   # accounts: DataFrame with account_id
    result = model.predict(frame)                      # account_id, probability, fit_probability,
                                                       # intent_probability, reasons

``reasons`` is a list of ``{signal, value, contribution, text}`` (contribution
in log-odds, largest first) for the ``REASONS_FOR`` most likely accounts, and
``None`` for the rest: LightGBM's per-row contributions are slow (about 1,200
rows/s, STACK-NOTES), and reps only read the top of the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

import numpy as np
import pandas as pd

from leadlight.scoring.models import artifacts
from leadlight.scoring.models.features import features_at, load_attributes
from leadlight.scoring.models.train import TrainedModels
from leadlight.scoring.models.uplift import steer
from leadlight.signals import sentence
from leadlight.signals.behaviour import describe
from leadlight.storage.engine import Engine
from leadlight.storage.project import Project

REASONS_FOR = 1000
REASONS_PER_ACCOUNT = 3


@dataclass
class ActiveModel:
    model_id: str
    manifest: dict[str, Any]
    models: TrainedModels
    specs: tuple[Any, ...]  # declared signals as they were at training time

    @property
    def flag_threshold(self) -> float:
        return self.models.flag_threshold

    def features(self, engine: Engine, as_of: datetime, accounts: pd.DataFrame | None = None,
                 computed: Sequence[Any] = ()) -> pd.DataFrame:
        """The model's features as of ``as_of`` for ``accounts`` (all accounts when None), with ``account_id``.

        ``computed``: the specs of signal columns ``accounts`` already holds as of ``as_of``; a model signal
        defined the same way is read from there instead of being computed again."""
        ids = None if accounts is None else [str(a) for a in accounts["account_id"]]
        same = {s.name for s in computed} & {s.name for s in self.specs if _same_spec(s, computed)}
        known = None
        if accounts is not None and same:
            known = accounts.set_index(accounts["account_id"].astype("string"))[sorted(same)]
        frame = features_at(engine, self.models.spec, self.specs, as_of, load_attributes(engine), ids, known)
        return frame.reset_index()

    def predict(self, frame: pd.DataFrame, *, reasons_for: int = REASONS_FOR) -> pd.DataFrame:
        """Probabilities (combined, fit, intent) per account and reasons for the most likely ones."""
        X = frame.set_index("account_id") if "account_id" in frame.columns else frame
        m = self.models
        out = pd.DataFrame({"account_id": X.index.astype(str)})
        out["probability"] = m.combined.probability(X)
        out["fit_probability"] = m.fit.probability(X) if m.fit else np.nan
        out["intent_probability"] = m.intent.probability(X) if m.intent else np.nan
        out["flagged"] = out.probability >= m.flag_threshold
        out = out.join(motions(m, X, out.probability.to_numpy()))
        out["reasons"] = None
        chosen = np.argsort(-out.probability.to_numpy(), kind="mergesort")[:reasons_for]
        if len(chosen):
            rows = X.iloc[chosen]
            contrib = m.combined.learner.contributions(rows)
            out["reasons"] = out["reasons"].astype(object)
            for i, (_, row) in zip(chosen, rows.iterrows()):
                out.at[i, "reasons"] = self._reasons(row, contrib.loc[row.name] if contrib.index.is_unique else contrib.iloc[0])
        return out

    def _reasons(self, row: pd.Series, contributions: pd.Series) -> list[dict]:
        top = contributions.dropna().sort_values(ascending=False)
        top = top[top > 0].head(REASONS_PER_ACCOUNT)
        return [{"signal": f, "value": _plain(row[f]), "contribution": round(float(c), 3), "text": self.text(f, row[f])}
                for f, c in top.items()]

    def text(self, feature: str, value: Any) -> str:
        """A feature's value in a rep's words."""
        by_name = {s.name: s for s in self.specs}
        if feature in by_name:
            return sentence(by_name[feature], _plain(value))
        if feature.startswith(("ev__", "people__")):
            vocab = self.models.spec.vocab
            return describe(feature, _plain(value), list(vocab.events) if vocab else None)
        shown = "unknown" if _plain(value) is None else _plain(value)
        return f"{feature.replace('_', ' ')}: {shown}"


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, (int, float, bool)) else str(value)


def active_model(project: Project | None, target: str = "sales") -> ActiveModel | None:
    """The model ``leadlight train`` last activated for ``target``, or None (then scoring is rule-only)."""
    if project is None:
        return None
    model_id = artifacts.active_model_id(project, target)
    if model_id is None:
        return None
    bundle = artifacts.load_bundle(project, model_id)
    return ActiveModel(model_id, artifacts.read_manifest(project, model_id), bundle["models"], tuple(bundle["specs"]))


def _same_spec(spec: Any, computed: Sequence[Any]) -> bool:
    return any(c.name == spec.name and c.model_dump() == spec.model_dump() for c in computed)


def motions(m: TrainedModels, X: pd.DataFrame, p_sales: np.ndarray) -> pd.DataFrame:
    """Who needs a human: ``motion`` (sales, self_serve, nurture) with its reason, and expected value.

    Sales gets the accounts likely to buy *and* likelier to buy through sales than on their own;
    accounts likely to upgrade by themselves go to self-serve nurture, not to reps. Expected value =
    P(sales win) x predicted deal size. Models trained before these existed leave the columns empty. Where the
    uplift of a sales touch is reliable (``uplift.steer``), a likely buyer goes to sales only if the touch helps."""
    n = len(p_sales)
    part, sizer = getattr(m, "self_serve", None), getattr(m, "deal_size", None)
    p_self = part.probability(X) if part is not None else np.full(n, np.nan)
    size = sizer.predict(X) if sizer is not None else np.full(n, np.nan)
    out = pd.DataFrame({"self_serve_probability": p_self, "deal_size": size, "expected_value": p_sales * size})
    hot = p_sales >= m.flag_threshold
    self_hot = p_self >= getattr(m, "self_serve_threshold", 1.0)
    motion, reason = [], []
    for i in range(n):
        ps, pss = p_sales[i], p_self[i]
        if hot[i] and not (self_hot[i] and pss > ps):
            motion.append("sales")
            reason.append(f"likely to buy through sales ({ps:.0%} within the horizon)"
                          + ("" if np.isnan(pss) else f", more than on its own ({pss:.0%})"))
        elif self_hot[i]:
            motion.append("self_serve")
            reason.append(f"likely to upgrade on its own ({pss:.0%}), more than through sales ({ps:.0%}): "
                          "nurture self-serve, no rep needed")
        else:
            motion.append("nurture")
            reason.append(f"not yet likely to buy ({ps:.0%} through sales"
                          + ("" if np.isnan(pss) else f", {pss:.0%} on its own") + ")")
    out["motion"], out["motion_reason"] = motion, reason
    return steer(out.set_axis(range(n)), getattr(m, "uplift", None), X, hot | self_hot)
