"""``leadlight check``: every signal and rule that cannot tell accounts (or people) apart on the loaded data.

A signal that is zero (or empty) for everyone, or the same for everyone, and a
rule that holds for nobody or for everybody, add nothing to a score; usually a
name is misspelled or the data lacks what the definition expects. ``check``
computes every signal as of one moment (default: just after the latest event),
counts, and lists them with the closest loaded names where a name matches nothing.
"""

from __future__ import annotations

from typing import Any

import ibis

from leadlight.config import load_config
from leadlight.config.scoring import Condition
from leadlight.progress import SILENT, Progress
from leadlight.scoring import rules
from leadlight.scoring.snapshot import latest_as_of
from leadlight.signals import compute_signals
from leadlight.storage.engine import open_engine
from leadlight.storage.project import Project
from leadlight.tasks import lint
from leadlight.tasks.score import as_of_option
from leadlight.timeutil import iso


def conditions(scoring: Any) -> list[tuple[str, str, Condition]]:
    """(where, level, condition) for every rule, gate, trigger condition of the scoring section."""
    out: list[tuple[str, str, Condition]] = []
    for i, r in enumerate(scoring.pql.rules):
        out.append((f"scoring.pql.rules[{i}]", "user", r))
    for section in ("required", "disqualifiers"):
        for i, g in enumerate(getattr(scoring.pql, section)):
            if isinstance(g, Condition):
                out.append((f"scoring.pql.{section}[{i}]", "user", g))
    for i, r in enumerate(scoring.pqa.rules):
        out.append((f"scoring.pqa.rules[{i}]", "account", r))
    for i, c in enumerate(scoring.pqa.triggers.of if scoring.pqa.triggers else []):
        out.append((f"scoring.pqa.triggers.of[{i}]", "account", c))
    for axis in ("fit", "intent"):
        for i, r in enumerate(getattr(scoring, axis).rules):
            out.append((f"scoring.{axis}.rules[{i}]", "account", r))
    return out


def _signal_row(table: ibis.Table, spec: Any) -> dict[str, Any]:
    col = table[spec.name]
    numeric = col.type().is_numeric() or col.type().is_boolean()
    nonzero = (col.cast("float64") != 0).sum() if numeric else col.notnull().sum()
    stats = table.aggregate(n=table.count(), filled=col.notnull().sum(), nonzero=nonzero,
                            distinct=col.nunique()).to_pyarrow().to_pylist()[0]
    n, filled, hits, distinct = (int(stats[k] or 0) for k in ("n", "filled", "nonzero", "distinct"))
    status = "ok"
    if n and (filled == 0 or (numeric and hits == 0)):
        status = "always_zero"
    elif n > 1 and distinct == 1 and filled == n:
        status = "always_same"
    return {"name": spec.name, "kind": spec.kind, "level": spec.level, "status": status, "entities": n,
            "non_zero": hits, "distinct": distinct}


def _rule_row(table: ibis.Table, where: str, condition: Condition) -> dict[str, Any] | None:
    if condition.signal not in table.columns:
        return None  # a flag or a scoring column: not a signal of this frame
    true = rules.holds(table[condition.signal], condition).cast("int64").sum()
    stats = table.aggregate(n=table.count(), true=true).to_pyarrow().to_pylist()[0]
    n, hits = int(stats["n"] or 0), int(stats["true"] or 0)
    status = "never_true" if n and hits == 0 else "always_true" if n and hits == n else "ok"
    return {"where": where, "signal": condition.signal, "rule": condition.describe(), "status": status,
            "true_for": hits, "of": n}


def check(project: Project, as_of: str | None = None, *, progress: Progress = SILENT) -> dict[str, Any]:
    """``{as_of, signals: [...], rules: [...], warnings: [...], problems}``; ``status`` is ``ok`` or the problem."""
    config = load_config(project)
    engine = open_engine(project, config)
    try:
        at = as_of_option(as_of) or latest_as_of(engine)
        warnings = lint.event_warnings(engine, list(config.signals))
        with progress.step("computing every signal"):
            frames = compute_signals(engine, list(config.signals), at)
            tables = {"account": frames.accounts, "user": frames.users}
            signals = [_signal_row(tables[s.level], s) for s in config.signals]
        with progress.step("testing every rule"):
            found = []
            for where, level, condition in conditions(config.scoring):
                table = tables[level]
                if condition.signal not in table.columns and level == "user":
                    table = tables["account"]  # a person's rule may read an account signal
                row = _rule_row(table, where, condition)
                if row is not None:
                    found.append(row)
    finally:
        engine.close()
    problems = sum(r["status"] != "ok" for r in signals + found) + len(warnings)
    return {"as_of": iso(at), "signals": signals, "rules": found, "warnings": warnings, "problems": problems}
