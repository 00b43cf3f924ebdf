"""Learning from history: model quality against the oracle and a tuned baseline, and training speed.

    python bench/learn.py oracle   [--accounts 1000] [--days 150] [--seed 11]
    python bench/learn.py speed    [--accounts 3000] [--days 400] [--refusals 3] [--against OTHER/src [--rounds 2]]
    python bench/learn.py short    [--accounts 1500] [--days 56]
    python bench/learn.py datasets [--only NAME ...] [--datasets DIR]
    python bench/learn.py choice   [--accounts 3000] [--days 400] [--repeat 2]

* ``oracle``: a generated company (the demo's hidden law) with ``--days`` of
  history; ``train --truth`` prints the model's out-of-time AUC and the
  generator's own probabilities' AUC on the same rows.
* ``speed``: seconds (wall and CPU, with the load average) for ``train`` on ``--accounts`` x ~12 monthly
  snapshots, and for ``--refusals`` refusals (every precondition checked, none met). ``--against``:
  another checkout's ``src`` folder (e.g. main's): ``train`` on the same
  project with its code and with this one, one after the other, ``--rounds``
  times (a fair ratio on a shared machine).
* ``short``: a generated company whose last ``--days`` (8 weeks) of events and
  opportunities are all a new user has loaded (deals opened before them closed
  inside them, as in a CRM with older history), ``train`` with the template's config:
  the horizon and lead-in it picks, the out-of-time AUC on the buyers it has.
* ``datasets``: the shared public datasets (``bench/datasets.py`` converters):
  Leadlight's walk-forward out-of-fold AUC against scikit-learn's
  HistGradientBoosting on the *same* rows, features and folds, with the best of
  a small grid (chosen on those folds: generous to the baseline).

* ``choice``: what choosing among the LightGBM settings costs: on the ``speed``
  company's training set, the walk-forward fits of the learners ``train``
  tried before (LightGBM "medium" and logistic) against all of today's
  candidates, interleaved ``--repeat`` times; wall and CPU seconds.

Everything prints what it measured; nothing is hard-coded. Sizes default small.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # OpenMP (LightGBM, HistGradientBoosting) on a busy machine
sys.path.insert(0, str(Path(__file__).resolve().parent))
from datasets import EXAMPLES, KIND_ORDER, cli, default_datasets  # noqa: E402
from dataset_maps import CONVERTERS  # noqa: E402

INPUTS = (("events.ndjson.gz", "events"), ("accounts.csv", "accounts"), ("users.csv", "users"),
          ("opportunities.csv", "opportunities"))
GRID = [{"learning_rate": lr, "max_leaf_nodes": leaves, "l2_regularization": l2, "max_iter": 300}
        for lr in (0.03, 0.1) for leaves in (15, 31) for l2 in (0.0, 1.0)]


def generated(root: Path, accounts: int, days: int, seed: int, config: str | None = None) -> tuple[Path, Path]:
    data, project = root / "data", root / "project"
    cli("generate", "--out", str(data), "--accounts", str(accounts), "--days", str(days), "--seed", str(seed))
    cli("init", str(project))
    if config:
        (project / "leadlight.yml").write_text((project / "leadlight.yml").read_text() + config)
    for name, kind in INPUTS:
        cli("ingest", str(data / name), "--kind", kind, "--project", str(project))
    return data, project


def oracle(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    data, project = generated(root, args.accounts, args.days, args.seed)
    # truth.csv holds the law's probability at each month start: judge on monthly snapshots to match it
    yml = project / "leadlight.yml"
    yml.write_text(yml.read_text().replace("snapshot_every: auto", "snapshot_every: month"))
    t = time.perf_counter()
    r = cli("train", "--project", str(project), "--truth", str(data / "truth.csv"))
    return {"accounts": args.accounts, "days": args.days, "seed": args.seed, "train_seconds": round(time.perf_counter() - t, 1),
            "snapshot_every": r["snapshot_every"], "folds": len(r["folds"]), "rows_out_of_time": r["n_test"],
            "buyers": r["buyers"], "auc": r["auc"], "auc_interval_90": r["intervals_90"]["auc"],
            "auc_on_oracle_rows": r.get("auc_on_oracle_rows"), "oracle_auc": r.get("oracle_auc"),
            "gap_to_oracle": None if r.get("oracle_auc") is None else round(r["oracle_auc"] - r["auc_on_oracle_rows"], 4),
            "gap_interval_90": r.get("gap_interval_90"), "oracle_rows": r.get("oracle_rows"),
            "buyers_judged": r.get("oracle_buyers"), "buyers_all_folds": r.get("pooled_buyers"),
            "pooled_auc": r.get("pooled_auc"), "fold_aucs": r.get("fold_aucs"),
            "chosen": r["chosen"]}


def speed(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    _, project = generated(root, args.accounts, args.days, args.seed)
    yml = project / "leadlight.yml"
    yml.write_text(yml.read_text().replace("snapshot_every: auto", "snapshot_every: month"))
    load, t, cpu = _load(), time.perf_counter(), _children_cpu()
    r = cli("train", "--project", str(project))
    trained, trained_cpu = time.perf_counter() - t, _children_cpu() - cpu
    interleaved = against(project, args.against, args.rounds) if args.against else None
    yml.write_text(yml.read_text().replace("min_positives: 20", "min_positives: 1000000")
                   .replace("horizon_days: auto", "horizon_days: 300"))
    refusals = []
    for _ in range(args.refusals):
        t, cpu = time.perf_counter(), _children_cpu()
        try:
            cli("train", "--project", str(project))
            refused = None
        except RuntimeError:
            refused = time.perf_counter() - t
        refusals.append((None if refused is None else round(refused, 2), round(_children_cpu() - cpu, 2)))
    return {"accounts": args.accounts, "snapshots": len(r["snapshots"]["train"]), "rows": r["n_train"],
            "train_seconds": round(trained, 1), "train_cpu_seconds": round(trained_cpu, 1),
            "train_load_before": load, "auc": r["auc"], "chosen": r["learner"]["chosen"],
            "uplift_average_effect": (r.get("uplift") or {}).get("average_effect"),
            "refusal_seconds": [w for w, _ in refusals], "refusal_cpu_seconds": [c for _, c in refusals],
            "load_average": _load(), **({"interleaved": interleaved} if interleaved else {})}


def against(project: Path, other: Path, rounds: int) -> list[dict[str, Any]]:
    """``train`` on ``project`` with the code under ``other`` and with this code, alternately."""
    import subprocess

    out = []
    for _ in range(rounds):
        for code, path in (("other", other), ("this", None)):
            env = dict(os.environ)
            if path is not None:
                env["PYTHONPATH"] = os.pathsep.join([str(Path(path).resolve()), env.get("PYTHONPATH", "")])
            load, t, cpu = _load(), time.perf_counter(), _children_cpu()
            done = subprocess.run([sys.executable, "-m", "leadlight", "train", "--project", str(project), "--json"],
                                  capture_output=True, text=True, env=env, check=True)
            r = json.loads(done.stdout)
            out.append({"code": code, "train_seconds": round(time.perf_counter() - t, 1),
                        "train_cpu_seconds": round(_children_cpu() - cpu, 1), "load_before": load,
                        "auc": r["auc"], "uplift_average_effect": (r.get("uplift") or {}).get("average_effect")})
    return out


def short(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    """Generate ``days + 64`` days, keep the last ``days`` of events and opportunities, train on the template."""
    import gzip
    from datetime import datetime, timedelta

    import pandas as pd

    full, data, project = root / "full", root / "data", root / "project"
    cli("generate", "--out", str(full), "--accounts", str(args.accounts), "--days", str(args.days + 64),
        "--seed", str(args.seed))
    data.mkdir()
    first = datetime(2026, 11, 1) - timedelta(days=args.days)  # the generator's default end: 2026-10-31
    with gzip.open(full / "events.ndjson.gz", "rt") as src, gzip.open(data / "events.ndjson.gz", "wt") as out:
        out.writelines(line for line in src if json.loads(line)["timestamp"] >= first.strftime("%Y-%m-%dT%H:%M:%S"))
    opps = pd.read_csv(full / "opportunities.csv")
    opps[pd.to_datetime(opps.created_at) >= first].to_csv(data / "opportunities.csv", index=False)
    for name in ("accounts.csv", "users.csv"):
        shutil.copy(full / name, data / name)
    cli("init", str(project))
    for name, kind in INPUTS:
        cli("ingest", str(data / name), "--kind", kind, "--project", str(project))
    won = opps[(pd.to_datetime(opps.created_at) >= first) & (opps.stage == "won") & (opps.source == "sales")]
    t, cpu = time.perf_counter(), _children_cpu()
    r = cli("train", "--project", str(project))
    return {"accounts": args.accounts, "days_loaded": args.days, "won_sales_deals_loaded": int(len(won)),
            "settings": r["settings"], "folds": len(r["folds"]), "headline": r["headline"], "auc": r["auc"],
            "auc_interval_90": r["intervals_90"]["auc"], "buyers": r["buyers"], "fold_aucs": r["fold_aucs"],
            "few_buyers_warning": r["few_buyers"], "train_seconds": round(time.perf_counter() - t, 1),
            "train_cpu_seconds": round(_children_cpu() - cpu, 1), "load_average": _load()}


def choice(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    from threadpoolctl import threadpool_limits

    from leadlight.config import load_config
    from leadlight.scoring.models import pipeline
    from leadlight.scoring.models.train import Candidate, candidates, out_of_fold
    from leadlight.storage.engine import open_engine
    from leadlight.storage.project import Project

    _, project = generated(root, args.accounts, args.days, args.seed)
    yml = project / "leadlight.yml"
    yml.write_text(yml.read_text().replace("snapshot_every: auto", "snapshot_every: month"))
    caught: dict[str, Any] = {}

    def catch(frame, spec, folds, config, progress=None, **_):  # stop once the training set is built
        caught.update(frame=frame, columns=list(spec.columns), folds=folds)
        raise StopIteration

    proj = Project(project)
    config = load_config(proj)
    engine = open_engine(proj, config)
    pipeline.train_models, train_models = catch, pipeline.train_models
    try:
        pipeline.build_and_train(engine, config)
    except StopIteration:
        pass
    finally:
        pipeline.train_models = train_models
        engine.close()
    runs: dict[str, list] = {"before": [], "now": []}
    options = {"before": [Candidate("lightgbm", "medium"), Candidate("logistic")],
               "now": candidates(["lightgbm", "logistic"])}
    with threadpool_limits(limits=1):
        for _ in range(args.repeat):
            for name, tried in options.items():
                t, cpu = time.perf_counter(), _own_cpu()
                out_of_fold(caught["frame"], caught["folds"], tried, caught["columns"])
                runs[name].append((round(time.perf_counter() - t, 1), round(_own_cpu() - cpu, 1)))
    return {"rows": len(caught["frame"]), "features": len(caught["columns"]), "folds": len(caught["folds"]),
            **{f"{k}_candidates": [c.label for c in v] for k, v in options.items()},
            **{f"{k}_wall_cpu_seconds": v for k, v in runs.items()},
            **{f"added_{what}_seconds_median": round(float(np.median([r[i] for r in runs["now"]])
                                                           - np.median([r[i] for r in runs["before"]])), 1)
               for i, what in enumerate(("wall", "cpu"))},
            "load_average": _load()}


def _own_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _load() -> list[float]:
    import os

    return [round(x, 2) for x in os.getloadavg()]


def baseline(frame, folds, columns) -> dict[str, Any]:
    """Tuned HistGradientBoosting on the same folds: the best grid point's pooled out-of-fold AUC."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from leadlight import metrics

    X = frame[columns].copy()
    categorical = [c for c in columns if str(X[c].dtype) == "category"]
    for c in categorical:
        X[c] = X[c].cat.codes.replace(-1, np.nan)
    best = None
    for params in GRID:
        p = np.full(len(frame), np.nan)
        for fold in folds:
            train = frame.as_of.isin(fold.train).to_numpy()
            test = frame.as_of.isin(fold.test).to_numpy()
            if frame.label[train].nunique() < 2 or not test.any():  # as Leadlight's folds skip them
                continue
            model = HistGradientBoostingClassifier(categorical_features=[columns.index(c) for c in categorical] or None,
                                                   random_state=0, **params)
            p[test] = model.fit(X[train], frame.label[train]).predict_proba(X[test])[:, 1]
        seen = ~np.isnan(p)
        a = metrics.auc(frame.label.to_numpy()[seen], p[seen])
        if a is not None and (best is None or a > best["auc"]):
            best = {"auc": round(a, 4), "params": params, "p": p}
    return best or {}


def paired(frame, oot, hgb_p) -> dict[str, Any]:
    """Both AUCs on the rows both scored, with 90% intervals, and the interval of their difference (accounts
    resampled together, so the two models are judged on the very same draws)."""
    from leadlight import metrics

    ours = oot.set_index(["account_id", "as_of"]).probability
    rows = frame.assign(hgb=hgb_p).dropna(subset=["hgb"]).join(ours, on=["account_id", "as_of"])
    rows = rows.dropna(subset=["probability"])
    y, groups = rows.label.to_numpy(), rows.account_id.to_numpy()
    a, b = rows.probability.to_numpy(), rows.hgb.to_numpy()
    both = np.column_stack([a, b])

    def one(i):
        return lambda yy, s: metrics.auc(yy, s[:, i]) if len(np.unique(yy)) == 2 else None

    def gap(yy, s):
        return None if len(np.unique(yy)) < 2 else metrics.auc(yy, s[:, 0]) - metrics.auc(yy, s[:, 1])

    interval = [metrics.bootstrap_interval(y, both, groups, f) for f in (one(0), one(1), gap)]
    return {"rows_compared": len(rows), "buyers_compared": len(set(groups[y == 1])),
            "leadlight_interval_90": _r(interval[0]), "hgb_interval_90": _r(interval[1]),
            "difference_interval_90": _r(interval[2])}


def _uplift(report: dict | None) -> dict | None:
    keys = ("estimated", "reliable", "touched_buyers", "untouched_buyers", "average_effect", "interval_90",
            "overlap_share", "why")
    return None if report is None else {k: report[k] for k in keys if k in report}


def _r(pair):
    return None if pair is None else [round(pair[0], 4), round(pair[1], 4)]


def datasets(args: argparse.Namespace, root: Path) -> list[dict[str, Any]]:
    from leadlight import metrics
    from leadlight.config import load_config
    from leadlight.scoring.models.pipeline import build_and_train
    from leadlight.storage.engine import open_engine
    from leadlight.storage.project import Project

    out = []
    for name in args.only or list(CONVERTERS):
        folder, convert = CONVERTERS[name]
        work = root / name
        files = convert(args.datasets / folder, work / "input")
        project = work / "project"
        project.mkdir(parents=True)
        shutil.copy(EXAMPLES / name / "leadlight.yml", project / "leadlight.yml")
        for kind in KIND_ORDER:
            for path in files.get(kind, []):
                cli("ingest", str(path), "--kind", kind, "--project", str(project))
        proj = Project(project)
        config = load_config(proj)
        engine = open_engine(proj, config)
        try:
            t = time.perf_counter()
            run = build_and_train(engine, config)
            seconds = time.perf_counter() - t
        except Exception as err:  # a refusal is a measured outcome too
            out.append({"dataset": name, "error": str(err)[:300]})
            continue
        finally:
            engine.close()
        oot = run.models.out_of_time
        ours = metrics.auc(oot.label, oot.probability)
        hgb = baseline(run.frame, run.folds, run.models.spec.columns)
        out.append({"dataset": name, "rows": len(run.frame), "rows_out_of_time": len(oot),
                    "buyers_out_of_time": run.models.metrics["buyers"], "leadlight_auc": round(ours, 4),
                    "chosen": run.models.metrics["learner"]["chosen"],
                    "walk_forward_auc": run.models.metrics["learner"]["walk_forward_auc"],
                    "features": len(run.models.spec.columns),
                    "dropped": sorted(run.models.spec.dropped),
                    "hgb_auc": hgb.get("auc"), "hgb_params": hgb.get("params"),
                    **(paired(run.frame, oot, hgb["p"]) if "p" in hgb else {}),
                    "difference": None if hgb.get("auc") is None else round(ours - hgb["auc"], 4),
                    "train_seconds": round(seconds, 1), "uplift": _uplift(run.models.metrics.get("uplift"))})
        print(json.dumps(out[-1]), file=sys.stderr, flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("oracle", "speed", "short", "datasets", "choice"))
    parser.add_argument("--accounts", type=int)
    parser.add_argument("--days", type=int)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--only", nargs="*", choices=sorted(CONVERTERS))
    parser.add_argument("--datasets", type=Path, default=default_datasets())
    parser.add_argument("--against", type=Path, help="speed: another checkout's src folder, timed alternately")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--refusals", type=int, default=3, help="speed: refusals timed one after another")
    args = parser.parse_args(argv)
    defaults = {"oracle": (1000, 150), "speed": (3000, 400), "short": (1500, 56), "datasets": (0, 0),
                "choice": (3000, 400)}[args.what]
    args.accounts = args.accounts or defaults[0]
    args.days = args.days or defaults[1]
    with tempfile.TemporaryDirectory(prefix="leadlight-learn-") as tmp:
        result = {"oracle": oracle, "speed": speed, "short": short, "datasets": datasets, "choice": choice}[args.what](
            args, Path(tmp))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
