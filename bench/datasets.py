"""Leadlight on real public datasets: convert, ingest, train, backtest, and print what was measured.

    python bench/datasets.py [--datasets DIR] [--only NAME ...] [--keep DIR] [--json-out FILE]

The datasets are read from ``DIR`` (default: ``$LEADLIGHT_DATASETS``, else the
``shared/datasets`` folder beside the repository) and never copied into the
repository. For each example under ``examples/<name>/`` the script converts
the dataset into Leadlight input files in a temporary folder
(``dataset_maps.py``), creates a project from ``examples/<name>/leadlight.yml``
and drives the real CLI in a subprocess: ``ingest`` per kind, ``train --json``
and ``backtest --json``. It prints a table and then one JSON document with,
per dataset: rows and positives in the out-of-time test slice, AUC, PR-AUC
and top-decile lift of the model on it, the backtest's figures for the same
model, and the seconds each step took.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dataset_maps import CONVERTERS  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
KIND_ORDER = ("accounts", "users", "opportunities", "events")


def default_datasets() -> Path:
    env = os.environ.get("LEADLIGHT_DATASETS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "datasets"


def leadlight_command() -> list[str]:
    exe = shutil.which("leadlight")
    return [exe] if exe else [sys.executable, "-c", "import sys; from leadlight.cli.app import main; sys.exit(main())"]


def cli(*args: str) -> dict[str, Any]:
    """Run one ``leadlight ... --json`` command; its stdout is one JSON document."""
    done = subprocess.run([*leadlight_command(), *args, "--json"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"leadlight {' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout)


def run_one(name: str, datasets: Path, work: Path) -> dict[str, Any]:
    """Convert one dataset, build its project, ingest, train and backtest; the measured figures."""
    folder, convert = CONVERTERS[name]
    src = datasets / folder
    if not src.is_dir():
        return {"dataset": name, "error": f"not found: {src}"}
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    files = convert(src, work / "input")
    seconds["convert"] = time.perf_counter() - t
    project = work / "project"
    project.mkdir(parents=True)
    shutil.copy(EXAMPLES / name / "leadlight.yml", project / "leadlight.yml")
    t = time.perf_counter()
    ingested = {}
    for kind in KIND_ORDER:
        for path in files.get(kind, []):
            report = cli("ingest", str(path), "--kind", kind, "--project", str(project))
            ingested[kind] = {"loaded": report["loaded"], "rejected": report["rejected"]}
    seconds["ingest"] = time.perf_counter() - t
    t = time.perf_counter()
    trained = cli("train", "--project", str(project))
    seconds["train"] = time.perf_counter() - t
    t = time.perf_counter()
    backtest = cli("backtest", "--project", str(project))
    seconds["backtest"] = time.perf_counter() - t
    model = next((d for d in backtest["definitions"] if d["name"] == "model"), {})
    return {
        "dataset": name,
        "rows": trained["n_train"],
        "n_test": trained["n_test"],
        "positives_test": trained["positives"]["test"],
        "positives": trained["positives"]["train"],
        "auc": trained["auc"],
        "pr_auc": trained["pr_auc"],
        "lift_top_decile": trained["lift_top_decile"],
        "chosen": trained["chosen"],
        "fit_auc": (trained.get("fit") or {}).get("auc"),
        "intent_auc": (trained.get("intent") or {}).get("auc"),
        "calibration_error": trained.get("calibration_error"),
        "backtest_auc": model.get("auc"),
        "backtest_lift_top_decile": model.get("lift_top_decile"),
        "test_from": trained["snapshots"]["test"][0],
        "test_to": trained["snapshots"]["test"][-1],
        "top_features": [f["feature"] for f in trained["top_features"][:5]],
        "dropped_attributes": sorted(trained["dropped_attributes"]),
        "leak_warnings": [w["feature"] for w in trained["warnings"]],
        "ingested": ingested,
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
    }


def table(results: list[dict[str, Any]]) -> str:
    """A Markdown table of the measured figures."""
    head = ("| dataset | rows | test rows | test positives | AUC | PR-AUC | top-decile lift | model | seconds |\n"
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    lines = [head]
    for r in results:
        if "error" in r:
            why = r["error"].strip().splitlines()[-1][:120].replace("|", "/")
            lines.append(f"| {r['dataset']} | — | — | — | — | — | — | error: {why} | — |")
            continue
        total = sum(r["seconds"].values())
        lines.append(f"| {r['dataset']} | {r['rows']:,} | {r['n_test']:,} | {r['positives_test']:,} | {r['auc']:.3f} "
                     f"| {r['pr_auc']:.3f} | {r['lift_top_decile']:.2f} | {r['chosen']} | {total:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=Path, default=default_datasets(), help="folder holding the datasets")
    parser.add_argument("--only", nargs="*", choices=sorted(CONVERTERS), help="run these examples only")
    parser.add_argument("--keep", type=Path, help="keep converted inputs and projects here (default: a temp dir)")
    parser.add_argument("--json-out", type=Path, help="also write the JSON document to this file")
    args = parser.parse_args(argv)
    names = args.only or list(CONVERTERS)
    results = []
    with tempfile.TemporaryDirectory(prefix="leadlight-datasets-") as tmp:
        root = args.keep or Path(tmp)
        for name in names:
            print(f"{name}: converting, ingesting, training, backtesting...", file=sys.stderr, flush=True)
            work = root / name
            shutil.rmtree(work, ignore_errors=True)
            try:
                results.append(run_one(name, args.datasets, work))
            except Exception as exc:  # one dataset's failure is reported, the others still run
                results.append({"dataset": name, "error": str(exc)})
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    print(table(results))
    print()
    document = json.dumps({"datasets_dir": str(args.datasets), "results": results}, indent=2)
    print(document)
    if args.json_out:
        args.json_out.write_text(document + "\n")
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
