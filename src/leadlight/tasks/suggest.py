"""``leadlight suggest [--write]``: a rule definition discovered from history, as a reviewable diff.

History is cut in two by time (the last third judges): conditions and the trigger's k are chosen on
the earlier snapshots (*discovery*), then the proposal, the current rules and
the active model are judged on the later ones (*judging*, kept a label window
apart), so the comparison is out of time and on the same rows. Nothing is
written unless ``write`` is set; the diff is of ``leadlight.yml`` as text.
"""

from __future__ import annotations

import difflib
import io
import re
from typing import Any

import numpy as np
import pandas as pd
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from leadlight import metrics
from leadlight.config import load_config, parse_config
from leadlight.errors import TrainingRefused
from leadlight.evaluation.backtest import judge
from leadlight.evaluation.replay import replay_out_of_time, replay_rules
from leadlight.evaluation.suggest import Condition, candidates, choose_k, half_life, shortlist, trigger_score
from leadlight.labels import arrivals
from leadlight.labels.calendar import reach
from leadlight.labels.label_times import label_times, training_snapshots
from leadlight.progress import SILENT, Progress
from leadlight.scoring.models.features import load_attributes, plan_features, training_set
from leadlight.scoring.models.settings import fit_to_history
from leadlight.signals.behaviour import ANY
from leadlight.storage.engine import open_engine
from leadlight.storage.project import Project

MODEL_GAP = 0.03
WINDOWED = {"count": "count", "users": "distinct_users", "days": "active_days"}


def run_suggest(project: Project, *, write: bool = False, n: int = 10, progress: Progress = SILENT) -> dict[str, Any]:
    """The ``suggest --json`` document: signals, trigger, current vs proposed backtest, the diff."""
    from leadlight.scoring.models import active_model

    config = load_config(project)
    engine = open_engine(project, config)
    try:
        mc = fit_to_history(engine, config.model.model_copy(update={"features": "auto"})).config
        snapshots = training_snapshots(engine, mc)
        label_reach = reach(mc, arrivals.eligibility(engine, mc))
        if len(snapshots) < 3:
            raise TrainingRefused(f"{len(snapshots)} snapshot(s): too few to discover on some and judge on later ones",
                                  hint="load a longer history, or shorten model.horizon_days")
        cut = snapshots[len(snapshots) - max(2, len(snapshots) // 3)]  # judge on the last third
        discover = [d for d in snapshots if d + label_reach <= cut]
        judging = [d for d in snapshots if d >= cut]
        labels = label_times(engine, mc, discover + judging)
        attributes = load_attributes(engine)
        spec = plan_features(engine, mc, [], max(discover or snapshots), attributes)
        frame = training_set(engine, spec, [], labels, attributes, progress)
        early, late = frame[frame.as_of.isin(discover)], frame[frame.as_of.isin(judging)]
        y = early.label.to_numpy(dtype=int)
        if y.sum() < 10:
            raise TrainingRefused(f"the discovery snapshots hold {int(y.sum())} buyers, too few to find signals from",
                                  hint="load a longer history or more opportunities")
        events = {spec.vocab.prefix(e): e for e in (spec.vocab.events if spec.vocab else ())}
        usable = [c for c in spec.columns if _signal_of(c, events) is not None]
        chosen = shortlist(candidates(early, usable, y), lambda c: _family(c, events), n)
        fired_early = np.column_stack([c.holds(early) for c in chosen]) if chosen else np.zeros((len(early), 0), bool)
        trigger = choose_k(fired_early, y) if chosen else None
        proposed_replay = _trigger_replay(late, chosen, trigger)
        current_replay, signals_of = replay_rules(engine, config, labels[labels.as_of.isin(judging)], progress)
        model = active_model(project, mc.target)
    finally:
        engine.close()
    signals = [_proposal(c, events, early) for c in chosen]
    document: dict[str, Any] = {
        "signals": signals,
        "trigger": {"k": trigger["k"], "of": [s["name"] for s in signals], "chosen_on_discovery": trigger} if trigger else None,
        "current": judge("current", current_replay, signals_of),
        "proposed": judge("proposed", proposed_replay),
        "discovery_snapshots": [str(d.date()) for d in discover],
        "judging_snapshots": [str(d.date()) for d in judging],
    }
    document["model"] = _model_gap(model, labels[labels.as_of.isin(judging)], document["proposed"]["auc"])
    diff, text = _diff(project, signals, trigger)
    document["diff"] = diff
    document["written"] = False
    if write and diff:
        parse_config(text, str(project.config_path))  # never write a file that would not load
        project.config_path.write_text(text)
        document["written"] = True
    return document


def _signal_of(column: str, events: dict[str, str]) -> dict | None:
    """The signal definition a feature column stands for, or None when no signal kind expresses it."""
    if not column.startswith("ev__"):
        return None if column.startswith("people__") else {"kind": "attribute", "column": column}
    prefix, stat = column[: column.index("__", 4) + 2], column[column.index("__", 4) + 2:]
    event = None if prefix == f"ev__{ANY}__" else events.get(prefix)
    if prefix != f"ev__{ANY}__" and event is None:
        return None  # the pool of rare events has no single name to write down
    if stat == "days_since":
        return {"kind": "recency", **({"event": event} if event else {})}
    kind, _, window = stat.partition("_")
    if kind not in WINDOWED or not window.endswith("d"):
        return None
    return {"kind": WINDOWED[kind], **({"event": event} if event else {}), "window": window}


def _family(column: str, events: dict[str, str]) -> str:
    return column[: column.index("__", 4)] if column.startswith("ev__") else column


def _proposal(c: Condition, events: dict[str, str], early: pd.DataFrame) -> dict:
    spec = _signal_of(c.column, events) or {}
    name = "s_" + re.sub(r"[^a-z0-9_]+", "_", c.column.lower().replace("ev__", "").replace("__", "_"))[:50]
    item = {"name": name, **spec, "op": c.op, "value": c.value, "lift": round(c.lift, 3), "support": c.support,
            "coverage": round(c.coverage, 4), "z": round(c.z, 2)}
    since = _family(c.column, events) + "__days_since"
    if c.column.startswith("ev__") and since in early.columns:
        days = early[since].to_numpy(dtype=float)
        known = ~np.isnan(days)
        item["half_life_days"] = half_life(days[known], early.label.to_numpy(dtype=int)[known])
    return item


def _trigger_replay(rows: pd.DataFrame, chosen: list[Condition], trigger: dict | None) -> pd.DataFrame:
    fired = np.column_stack([c.holds(rows) for c in chosen]) if chosen else np.zeros((len(rows), 0), bool)
    k = trigger["k"] if trigger else 1
    return rows[["account_id", "as_of", "label", "self_serve", "won_at", "amount"]].assign(
        score=trigger_score(fired, chosen), flag=fired.sum(axis=1) >= k, quadrant=None)


def _model_gap(model: Any, labels: pd.DataFrame, proposed_auc: float | None) -> dict | None:
    if model is None:
        return None
    rows = replay_out_of_time(model, labels)
    auc = metrics.rounded(metrics.auc(rows.label, rows.score)) if len(rows) else None
    gap = None if auc is None or proposed_auc is None else round(auc - proposed_auc, 4)
    return {"auc_same_rows": auc, "rows": int(len(rows)), "gap": gap,
            "within_target": None if gap is None else gap <= MODEL_GAP,
            "note": None if gap is None or gap <= MODEL_GAP else
            f"the proposed rules trail the model by {gap:.3f} AUC on the same rows (target: within {MODEL_GAP})"}


def _flow(item: dict) -> CommentedMap:
    """One ``{...}`` line per signal or condition, like the template writes them."""
    out = CommentedMap(item)
    out.fa.set_flow_style()
    return out


def _diff(project: Project, signals: list[dict], trigger: dict | None) -> tuple[str, str]:
    """A unified diff of leadlight.yml with the proposed signals added and the k-of-N trigger set."""
    before = project.config_path.read_text()
    if not signals or trigger is None:
        return "", before
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    tree = yaml.load(before)
    existing = {s["name"] for s in tree.get("signals") or []}
    tree.setdefault("signals", [])
    for s in signals:
        if s["name"] not in existing:
            tree["signals"].append(_flow({k: v for k, v in s.items() if k in ("name", "kind", "event", "window", "column")}))
    scoring = tree.setdefault("scoring", {})
    pqa = scoring.setdefault("pqa", {})
    pqa["triggers"] = {"k": trigger["k"], "qualifies": True,
                       "of": [_flow({"signal": s["name"], "op": s["op"], "value": s["value"]}) for s in signals]}
    out = io.StringIO()
    yaml.dump(tree, out)
    after = out.getvalue()
    diff = "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                        "leadlight.yml", "leadlight.yml (proposed)"))
    return diff, after
