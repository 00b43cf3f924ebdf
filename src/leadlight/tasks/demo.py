"""``leadlight demo``: the whole job end to end on a synthetic company, on embedded DuckDB."""

from __future__ import annotations

import shutil
from pathlib import Path

from leadlight.demo import INPUT_FILES
from leadlight.errors import TrainingRefused, UsageError
from leadlight.progress import SILENT, Progress
from leadlight.storage.project import Project
from leadlight.tasks.snapshots import list_accounts
from leadlight.tasks.backtest import run_backtest
from leadlight.tasks.generate import generate
from leadlight.tasks.ingest import ingest
from leadlight.tasks.init import init_project
from leadlight.tasks.score import score
from leadlight.tasks.train import run_train

MARKER = ".leadlight-demo"


def run_demo(directory: Path, *, accounts: int = 600, days: int = 365, seed: int = 42, top: int = 10,
             progress: Progress = SILENT) -> dict:
    """Generate, init, ingest, train, score and backtest; return ``{"project", "top", ...}``.

    The folder is created, or replaced if an earlier demo made it; any other
    non-empty folder is refused so the demo never deletes someone's files.
    """
    root = directory.expanduser().resolve()
    _prepare(root)
    data = root / "data"
    steps: dict = {"generate": generate(data, accounts=accounts, days=days, seed=seed, progress=progress)}
    init_project(root)
    project = Project(root)
    steps["ingest"] = {kind: _counts(ingest(project, [data / name], kind, progress=progress)) for name, kind in INPUT_FILES}
    truth = data / "truth.csv"
    try:
        trained = run_train(project, truth=truth, progress=progress)
        steps["train"] = {k: trained.get(k) for k in ("model_id", "auc", "oracle_auc", "pr_auc", "lift_top_decile")}
    except TrainingRefused as refused:
        progress.log(f"training skipped: {refused.message}; scores stay rule-only")
        steps["train"] = {"refused": refused.message}
    steps["score"] = score(project, progress=progress)
    steps["backtest"] = run_backtest(project, truth=truth, progress=progress)
    return {"project": str(root), "top": list_accounts(project, limit=top), "steps": steps}


def _prepare(root: Path) -> None:
    if root.exists() and any(root.iterdir()):
        if not (root / MARKER).exists():
            raise UsageError(
                f"{root} exists and was not made by `leadlight demo`",
                hint="choose another folder with --dir, or empty this one",
            )
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).write_text("made by `leadlight demo`; the next demo run replaces this folder\n")


def _counts(report: dict) -> dict:
    return {k: report[k] for k in ("read", "loaded", "duplicates", "rejected")}
