"""Fast read commands: ``accounts --limit 5``, ``leads --limit 5``, ``explain ID`` and ``--help`` on a large snapshot.

    python bench/read.py [--accounts 50000] [--repeat 5] [--keep DIR] [--against SRC] [--bytecode both]

Scores a small generated company (300 accounts, 60 days), then stores a snapshot of ``--accounts`` accounts
through the real write path (``storage.snapshots.write_snapshot``): the scored rows repeated under new ids,
each account with its people. Then times each command in a fresh process, as a user runs it (``--repeat``
times; the median and the best), printing wall and CPU seconds and the load average (other work on the
machine slows the wall time, hardly the CPU seconds). The target: ``accounts --limit 5`` under 0.3 s.
``--against SRC`` (another checkout's ``src``, e.g. ``/work/main/src``) times the same commands from those sources
too, interleaved run by run, and prints the ratio. ``--bytecode``: ``compiled`` runs every module from bytecode
compiled beforehand, as ``pip install`` leaves a package; ``source`` compiles Leadlight's own modules at every
start, as a checkout runs when no ``.pyc`` may be written (``PYTHONDONTWRITEBYTECODE``), whatever ``__pycache__``
the checkouts hold (bytecode is read from a folder of the bench's own); ``both`` (default) times each.
``floor`` prints what no read command can go below on this machine: a bare interpreter, the imports of DuckDB's
engine and typer, and opening the file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])}


def environment(src: Path, bytecode: Path, *, write: bool = False) -> dict[str, str]:
    """Variables that run Leadlight from ``src`` with every module's bytecode read from the ``bytecode`` folder
    (``write``: compiled into it when missing, as a ``pip install`` does once)."""
    env = {**ENV, "PYTHONPATH": os.pathsep.join([str(src), str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "PYTHONPYCACHEPREFIX": str(bytecode), "PYTHONDONTWRITEBYTECODE": "1"}
    if write:
        del env["PYTHONDONTWRITEBYTECODE"]
    return env


def python(*argv: str, env: dict[str, str] = ENV) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run ``python ARGV`` in a fresh process: its wall and CPU seconds, and how it ended."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run([sys.executable, *argv], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, done


def leadlight(*args: str, env: dict[str, str] = ENV) -> tuple[float, float, str]:
    """Run ``leadlight ARGS`` in a fresh process (the console script's entry point); wall and CPU seconds, stdout."""
    wall, cpu, done = python("-c", "from leadlight.cli.app import main; main()", *args, env=env)
    if done.returncode:
        sys.exit(f"leadlight {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return wall, cpu, done.stdout


def python_cpu(code: str, repeat: int) -> float:
    """The least CPU seconds of ``repeat`` fresh interpreters running ``code``: what a command cannot go below."""
    runs = [python("-c", code) for _ in range(repeat)]
    failed = next((done for _, _, done in runs if done.returncode), None)
    if failed is not None:
        sys.exit(f"python -c {code!r} failed:\n{failed.stderr[-2000:]}")
    return round(min(cpu for _, cpu, _ in runs), 3)


def floor(project: Path, repeat: int) -> dict:
    """Where a read command's time goes before it does anything of its own: the interpreter, then the imports
    it cannot do without (DuckDB's engine to read the file, typer for the command line), then opening the file.
    The duckdb package's Python layer and pydantic are shown for scale: a read command imports neither."""
    database = project / ".leadlight" / "leadlight.duckdb"
    return {
        "bytecode_cache_written": not sys.flags.dont_write_bytecode,
        "cpu_best": {
            "python -c pass": python_cpu("pass", repeat),
            "import _duckdb (DuckDB's engine)": python_cpu("import _duckdb", repeat),
            "import _duckdb, typer": python_cpu("import _duckdb, typer", repeat),
            "... and open the file read-only": python_cpu(
                f"import _duckdb, typer; _duckdb.connect({str(database)!r}, read_only=True)", repeat),
            "not needed: import duckdb": python_cpu("import duckdb", repeat),
            "not needed: import pydantic": python_cpu("import pydantic; from pydantic import BaseModel", repeat),
        },
    }


def grow(project: Path, accounts: int) -> dict:
    """Store a snapshot of ``accounts`` accounts (the scored ones repeated under new ids) as the latest one."""
    import pandas as pd

    from leadlight.storage import Project
    from leadlight.storage.database import connect
    from leadlight.storage.snapshots import write_snapshot

    con = connect(Project(project))
    try:
        ((at,),) = con.execute("SELECT max(as_of) FROM account_scores").fetchall()
        base = con.execute("SELECT * FROM account_scores WHERE as_of = ?", [at]).df()
        people = con.execute("SELECT * FROM user_scores WHERE as_of = ?", [at]).df()
        copies = -(-accounts // len(base))
        frames, user_frames = [], []
        for k in range(copies):
            a, u = base.copy(), people.copy()
            a["account_id"] = a["account_id"] + f"-{k}"
            u["account_id"] = u["account_id"] + f"-{k}"
            u["user_id"] = u["user_id"] + f"-{k}"
            frames.append(a)
            user_frames.append(u)
        grown = pd.concat(frames, ignore_index=True).head(accounts)
        users = pd.concat(user_frames, ignore_index=True)
        users = users[users.account_id.isin(set(grown.account_id)) | users.account_id.isna()]
        later = at + timedelta(days=1)  # a newer snapshot: what the commands read by default
        grown["as_of"], users["as_of"] = later, later
        con.begin()
        write_snapshot(con, later, grown, users)
        con.commit()
        return {"accounts": len(grown), "users": len(users), "as_of": str(later)}
    finally:
        con.close()


def variants(against: Path | None, bytecode: str, tmp: Path) -> dict[str, tuple[Path, Path]]:
    """The ways to run each command: these sources (and ``against``'s), each from source and/or compiled
    bytecode; a way is (sources, bytecode folder). Both ways read the dependencies' bytecode; "source" compiles
    Leadlight's own modules at every start (its folder loses them after the warm-up run: ``prepare``)."""
    sources = {"this": ROOT / "src", **({"against": against.resolve()} if against else {})}
    modes = ["source", "compiled"] if bytecode == "both" else [bytecode]
    return {f"{name} {mode}": (src, tmp / f"bytecode-{mode}") for mode in modes for name, src in sources.items()}


def prepare(ways: dict[str, tuple[Path, Path]], commands: dict[str, tuple[str, ...]]) -> dict[str, set[str]]:
    """Run every command once every way (untimed), compiling the bytecode; then drop Leadlight's own from the
    "source" ways' folders. Returns each command's outputs (one, when every way prints the same)."""
    outputs: dict[str, set[str]] = {name: set() for name in commands}
    for src, bytecode in ways.values():
        for name, command in commands.items():
            outputs[name].add(leadlight(*command, env=environment(src, bytecode, write=True))[2])
    for way, (src, bytecode) in ways.items():
        if way.endswith(" source"):
            shutil.rmtree(bytecode / src.relative_to(src.anchor) / "leadlight", ignore_errors=True)
    return outputs


def summary(runs: list[tuple[float, float]]) -> dict[str, float]:
    return {"wall_median": round(statistics.median(w for w, _ in runs), 3),
            "wall_best": round(min(w for w, _ in runs), 3), "cpu_median": round(statistics.median(c for _, c in runs), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the project in this folder and keep it; reuse it if it "
                                                  "is already there (then --accounts is what it holds)")
    parser.add_argument("--against", type=Path, help="another checkout's src folder to time side by side")
    parser.add_argument("--bytecode", choices=("source", "compiled", "both"), default="both")
    args = parser.parse_args()
    out: dict = {"load_average_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="leadlight-bench-read-") as tmp:
        data, project = Path(tmp) / "data", (args.keep or Path(tmp)) / "p"
        if project.exists():
            out["snapshot"] = {"reused": str(project)}
        else:
            leadlight("generate", "--out", str(data), "--accounts", "300", "--days", "60", "--json")
            leadlight("init", str(project), "--json")
            for name, kind in (("accounts.csv", "accounts"), ("users.csv", "users"),
                               ("opportunities.csv", "opportunities"), ("events.ndjson.gz", "events")):
                leadlight("ingest", str(data / name), "--kind", kind, "--project", str(project), "--json")
            leadlight("score", "--project", str(project), "--json")
            out["snapshot"] = grow(project, args.accounts)
        p = ["--project", str(project)]
        first = json.loads(leadlight("accounts", "--limit", "1", *p, "--json")[2])[0]["account_id"]
        commands = {"accounts --limit 5 --json": ("accounts", "--limit", "5", *p, "--json"),
                    "accounts --limit 5": ("accounts", "--limit", "5", *p),
                    "leads --limit 5 --json": ("leads", "--limit", "5", *p, "--json"),
                    f"explain {first} --json": ("explain", first, *p, "--json"),
                    "--help": ("--help",)}
        ways = variants(args.against, args.bytecode, Path(tmp))
        outputs = prepare(ways, commands)
        times = {name: {way: [] for way in ways} for name in commands}
        for _ in range(args.repeat):  # interleaved: a burst of load on the machine touches every command alike
            for name, command in commands.items():
                for way, (src, bytecode) in ways.items():
                    times[name][way].append(leadlight(*command, env=environment(src, bytecode))[:2])
        out["floor"] = floor(project, args.repeat)
    out["commands"] = {name: {way: summary(runs) for way, runs in by_way.items()} for name, by_way in times.items()}
    if args.against:
        out["same_output_as_against"] = {name: len(texts) == 1 for name, texts in outputs.items()}
        for figure in ("wall_median", "cpu_median"):
            out[f"{figure}_ratio_this_to_against"] = {
                name: {mode: round(by_way[f"this {mode}"][figure] / by_way[f"against {mode}"][figure], 2)
                       for mode in ("source", "compiled") if f"this {mode}" in by_way}
                for name, by_way in out["commands"].items()}
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
