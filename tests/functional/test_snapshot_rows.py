"""The snapshot `score` stores (rows built set-wise in DuckDB) reads back exactly as the straightforward row-by-row
Python build (``scoring.rows``, the way on other engines) of the same scores: `accounts --json`, `leads --json`
and `explain --json` of every account, byte for byte. On the template's scoring and on one that exercises the
other roll-ups, linear decay, fractional points, a qualifying zero-point trigger, intent rules, fewer reasons
and decision makers.

No fixture is stored: the reference is computed in the test, by the row-by-row build (``score_snapshot(...,
setwise=False)``), so nothing needs regenerating when the scoring changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from leadlight.config import load_config
from leadlight.scoring.snapshot import score_snapshot
from leadlight.storage import Project
from leadlight.tasks.derived import open_current_engine
from leadlight.tasks.score import store
from tests.cli import cli, generated_project

VARIANT = (
    ("rollup: {method: max, points: 30}", "rollup: {method: pql_count, points: 30, cap: 3}"),
    ("decay: {kind: half_life, days: 14, signal: user_last_seen}", "decay: {kind: linear, days: 21, signal: user_last_seen}"),
    ("{signal: user_active_days_14d, op: \">=\", value: 3, points: 40}",
     "{signal: user_active_days_14d, op: \">=\", value: 3, points: 37.35}"),
    ("      k: 2\n      points: 50\n", "      k: 2\n      points: 0\n      qualifies: true\n"),
    ("scoring:\n", "scoring:\n  reasons: 1\n  intent:\n    rules:\n"
     "      - {signal: features_used_28d, op: \">=\", value: 3, points: 12.5}\n"
     "      - {signal: days_since_active, op: \">\", value: 7, points: -7.25}\n    threshold: 40\n"),
    ("    invite_events: [Teammate Invited]", "    invite_events: [Teammate Invited]\n    decision_makers: 1"),
)


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> Path:
    _, project = generated_project(tmp_path_factory.mktemp("rows"), None, accounts=40, days=60, seed=5)
    return project


def read_back(project: Path) -> dict:
    """What the read API gives for the stored snapshot: the account list, every lead, every account explained."""
    p = ["--project", str(project)]
    accounts = cli("accounts", *p)
    return {"accounts": accounts, "leads": cli("leads", *p),
            "explain": {a["account_id"]: cli("explain", a["account_id"], *p) for a in accounts}}


def rescored_row_by_row(project: Path) -> None:
    """Replace the stored snapshot by the row-by-row Python build of the same moment."""
    config = load_config(Project(project))
    engine = open_current_engine(Project(project), config)
    try:
        store(Project(project), engine, score_snapshot(engine, config, setwise=False))
    finally:
        engine.close()


def stamp_free(document: dict) -> str:
    return json.dumps(document, sort_keys=True)


def predicted(engine, config, as_of, scored) -> dict[str, dict]:
    """A stand-in for a trained model's figures (``snapshot._predictions``): every other account, with reasons."""
    ids = sorted(r[0] for r in engine.connection.execute(f"SELECT account_id FROM ({engine.backend.compile(scored)})")
                 .fetchall())[::2]
    return {a: {"probability": round(0.01 * i, 4), "model_reasons": [{"signal": "x", "value": i, "contribution": 0.5,
                                                                      "text": f"\u00e9 {i}"}] if i % 3 else None,
                "expected_value": 10.5 * i, "motion": "sales" if i % 2 else "self_serve", "motion_reason": "why",
                "self_serve_probability": 0.25, "deal_size": None, "uplift": -0.125, "uplift_reliable": bool(i % 2)}
            for i, a in enumerate(ids)}


@pytest.mark.parametrize("variant", ["template", "variant", "model"])
def test_the_setwise_snapshot_reads_back_as_the_row_by_row_one(company, tmp_path, variant, monkeypatch):
    if variant == "model":
        monkeypatch.setattr("leadlight.scoring.snapshot._predictions", predicted)
    project = tmp_path / "p"
    project.mkdir()
    shutil.copytree(company / ".leadlight", project / ".leadlight")
    text = (company / "leadlight.yml").read_text()
    if variant == "variant":
        for old, new in VARIANT:
            assert old in text, old
            text = text.replace(old, new, 1)
    (project / "leadlight.yml").write_text(text)

    summary = cli("score", "--project", str(project))
    setwise = read_back(project)
    rescored_row_by_row(project)
    row_by_row = read_back(project)
    assert row_by_row == setwise, first_difference(setwise, row_by_row)
    assert stamp_free(read_back(project)) == stamp_free(setwise)
    # the comparison is not empty: people, reasons of every kind, champions and decision makers are there
    explained = list(setwise["explain"].values())
    assert summary["accounts"] == len(explained) == 40 and summary["users"] == len(setwise["leads"]) > 100
    assert any(e["reasons"] for e in explained) and any(e["fit_reasons"] for e in explained)
    assert any(r["contribution"] < 0 for lead in setwise["leads"] for r in lead["reasons"])
    assert any(e["champion"] for e in explained) and any(e["decision_makers"] for e in explained)
    if variant == "model":
        assert any(e["model_reasons"] for e in explained) and any(a["probability"] for a in setwise["accounts"])
    if variant == "variant":
        assert any(e["intent_reasons"] for e in explained)
        assert any(r["signal"] == "triggers" and r["contribution"] == 0 for e in explained for r in e["reasons"])
        assert all(len(e["decision_makers"]) <= 1 for e in explained)


def first_difference(a, b, path="") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            found = first_difference(a.get(k), b.get(k), f"{path}.{k}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}: {a!r} != {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"
