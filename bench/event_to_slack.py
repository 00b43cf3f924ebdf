"""Event to rep: from an SDK's ``track()`` to the Slack webhook receiving the post, through a real ``leadlight serve``.

    python bench/event_to_slack.py [--accounts 2500] [--days 120] [--trials 30] [--run-every 10s] [--keep DIR]
    python bench/event_to_slack.py --project DIR/project        # reuse a project this bench built (--keep DIR)
    python bench/event_to_slack.py --small                      # CI size: 200 accounts, 30 days, 5 trials

Builds a generated company (2,500 accounts over 120 days is about 1M events) ending yesterday, adds one
playbook, ``bench_ping`` (an account that sends a ``Bench Ping`` event: Slack), and runs it once. Then starts
``leadlight serve --run-every SPAN`` as a user would (a subprocess on 127.0.0.1, the Slack webhook pointed at
a local stand-in, tests/fakes/slack.py) and, ``--trials`` times, spaced by a random pause, calls the unmodified
``segment-analytics-python`` client's ``track()`` with its default settings (an async queue that uploads every
0.5 s) for a person of an account that has not been pinged yet, timing until the stand-in receives the post
that names that account. Meanwhile it reads serve's ``/healthz`` to see when the collector acknowledged the
event and when the drain had it in DuckDB, so each trial's time splits into SDK upload, drain, and run
(waiting for the loop + re-score + delivery). Prints one JSON document: p50 / p95 / max, the split, the load
average and serve's CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])}

from tests.collector_server import WRITE_KEY, free_port  # noqa: E402
from tests.fakes.slack import SlackWebhook  # noqa: E402

PLAYBOOK = """
playbooks:
  - name: bench_ping
    trigger: {kind: conditions, all: [{signal: bench_pings, op: ">=", value: 1}]}
    audience: [prospect, open_deal, self_serve_customer, customer]
    message:
      text: "bench {{ account.account_id }}: {{ signals.bench_pings }} ping(s)"
    actions: [{destination: slack}]
caps: {per_account: 100, period: 1d, per_channel: 100000}
"""
SIGNAL = "  - {name: bench_pings, kind: count, event: Bench Ping, label: bench pings}\n"


def leadlight(*args: str, env: dict | None = None) -> dict:
    done = subprocess.run([sys.executable, "-m", "leadlight", *args], env=env or ENV, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"leadlight {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout) if "--json" in args else {}


def build(root: Path, accounts: int, days: int) -> Path:
    """A generated company ending today, loaded into ``root/project`` with the bench playbook; returns it."""
    data, project = root / "data", root / "project"
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%d")  # history ends before now
    made = leadlight("generate", "--out", str(data), "--accounts", str(accounts), "--days", str(days), "--end", yesterday,
                     "--json")
    print(f"generated {made['accounts']} accounts, {made['events']} events", file=sys.stderr, flush=True)
    leadlight("init", str(project), "--json")
    configure(project)
    for name, kind in (("accounts.csv", "accounts"), ("users.csv", "users"), ("opportunities.csv", "opportunities"),
                       ("events.ndjson.gz", "events")):
        leadlight("ingest", str(data / name), "--kind", kind, "--project", str(project), "--json")
    return project


def configure(project: Path) -> None:
    """The template's leadlight.yml with the ``bench_pings`` signal and the ``bench_ping`` playbook only."""
    config = project / "leadlight.yml"
    text = config.read_text()
    text = text[: text.index("\nplaybooks:")] + PLAYBOOK
    config.write_text(text if SIGNAL in text else text.replace("signals:\n", "signals:\n" + SIGNAL, 1))


def people_to_ping(project: Path, n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` (user id, account id) pairs, one per account never pinged before (read before serve owns the file)."""
    con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"), read_only=True)
    try:
        pinged = {r[0] for r in con.execute(
            "SELECT DISTINCT account_id FROM playbook_state WHERE playbook = 'bench_ping' AND version > 0").fetchall()} \
            if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'playbook_state'"
                           ).fetchall()[0][0] else set()
        rows = con.execute("SELECT account_id, min(user_id) FROM users WHERE account_id IS NOT NULL "
                           "GROUP BY account_id ORDER BY account_id").fetchall()
    finally:
        con.close()
    fresh = [(user, account) for account, user in rows if account not in pinged]
    random.Random(seed).shuffle(fresh)
    if len(fresh) < n:
        sys.exit(f"only {len(fresh)} accounts were never pinged: build a new project or ask for fewer trials")
    return fresh[:n]


def health(url: str) -> dict | None:
    try:
        reply = httpx.get(url + "/healthz", timeout=2)
        return reply.json() if reply.status_code == 200 else None
    except httpx.HTTPError:
        return None


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    sys.exit(f"timed out after {timeout:.0f} s waiting for {what}")


def trial(client, url: str, hook: SlackWebhook, user: str, account: str, timeout: float) -> dict:
    """One ``track()``; seconds from it to the collector's 200, to the drain's load, and to the Slack post."""
    before = health(url)["collector"]
    posts = len(hook.posts)
    started = time.monotonic()
    client.track(user_id=user, event="Bench Ping", properties={"bench": True})
    marks: dict[str, float] = {}
    while time.monotonic() - started < timeout:
        now = time.monotonic()
        found = [t for p, t in zip(hook.posts[posts:], hook.times[posts:]) if f"bench {account}:" in json.dumps(p)]
        if found:
            marks["posted"] = found[0] - started
            break
        if "loaded" not in marks:
            seen = health(url)["collector"]
            if "acknowledged" not in marks and seen["log"]["appends"] > before["log"]["appends"]:
                marks["acknowledged"] = now - started
            if seen["drain"]["read"] > before["drain"]["read"]:
                marks.setdefault("acknowledged", now - started)
                marks["loaded"] = now - started
        time.sleep(0.02)
    return marks


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict:
    if not values:
        return {}
    return {"p50": round(statistics.median(values), 2), "p95": round(quantile(values, 0.95), 2),
            "max": round(max(values), 2), "mean": round(statistics.fmean(values), 2)}


def serve_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def runs_logged(log: Path) -> list[str]:
    return [line.strip() for line in log.read_text().splitlines() if "run as of" in line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2500)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--run-every", default="10s", help="serve's --run-every (the loop's longest wait)")
    parser.add_argument("--pause", type=float, default=6.0, help="longest random pause between trials, seconds")
    parser.add_argument("--project", type=Path, help="reuse a project this bench built (copied, never changed)")
    parser.add_argument("--keep", type=Path, help="build the project under this folder and keep it")
    parser.add_argument("--small", action="store_true", help="CI size: 200 accounts, 30 days, 5 trials")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.small:
        args.accounts, args.days, args.trials, args.pause = 200, 30, 5, 3.0
    from segment.analytics.client import Client

    out: dict = {"load_average_before": os.getloadavg(), "run_every": args.run_every, "trials": args.trials}
    tmp = Path(tempfile.mkdtemp(prefix="leadlight-bench-e2s-"))
    try:
        if args.project:
            project = tmp / "project"
            shutil.copytree(args.project, project)
            configure(project)
        else:
            project = build(args.keep or tmp, args.accounts, args.days)
            if args.keep:
                shutil.copytree(project, tmp / "project")
                project = tmp / "project"
        con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"), read_only=True)
        out["events"] = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
        out["accounts"] = con.execute("SELECT count(*) FROM accounts").fetchall()[0][0]
        con.close()
        hook = SlackWebhook()
        with hook.server:
            env = {**ENV, "SLACK_WEBHOOK_URL": hook.url, "LEADLIGHT_WRITE_KEY": WRITE_KEY}
            began = time.perf_counter()
            leadlight("run", "--project", str(project), "--json", env=env)  # what history fires, before serve
            out["first_run_seconds"] = round(time.perf_counter() - began, 1)
            people = people_to_ping(project, args.trials, args.seed)
            out.update(measure(args, project, env, hook, people, Client))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


def measure(args, project: Path, env: dict, hook: SlackWebhook, people: list[tuple[str, str]], Client) -> dict:
    """Start serve, run the trials, stop serve; the figures."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = project.parent / "serve.log"
    with log.open("w") as err:
        serve = subprocess.Popen([sys.executable, "-m", "leadlight", "serve", "--port", str(port), "--run-every",
                                  args.run_every, "--project", str(project)], env=env, stdout=subprocess.DEVNULL,
                                 stderr=err)
    trials: list[dict] = []
    try:
        wait_for(lambda: health(url), 120, "serve to start")
        wait_for(lambda: runs_logged(log), 120, "serve's first run")
        client = Client(write_key=WRITE_KEY, host=url)  # the SDK's defaults: async, uploads every 0.5 s
        cpu_before = serve_cpu(serve.pid)
        rng = random.Random(args.seed)
        for i, (user, account) in enumerate(people):
            time.sleep(rng.uniform(1.0, args.pause))  # the event lands anywhere in the loop's period
            marks = trial(client, url, hook, user, account, timeout=120)
            trials.append(marks)
            print(f"trial {i + 1}/{len(people)}: {json.dumps({k: round(v, 2) for k, v in marks.items()})}",
                  file=sys.stderr, flush=True)
        cpu = serve_cpu(serve.pid) - cpu_before
        client.shutdown()
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(120)
        except subprocess.TimeoutExpired:
            serve.kill()
    posted = [t["posted"] for t in trials if "posted" in t]
    split = {"sdk_upload_to_200": summary([t["acknowledged"] for t in trials if "acknowledged" in t]),
             "drain_to_duckdb": summary([t["loaded"] - t["acknowledged"] for t in trials if "loaded" in t]),
             "run_wait_rescore_deliver": summary([t["posted"] - t["loaded"] for t in trials
                                                  if "loaded" in t and "posted" in t])}
    runs = runs_logged(log)
    return {"track_to_slack_seconds": summary(posted), "delivered": len(posted), "lost": len(trials) - len(posted),
            "split_seconds": split, "serve_cpu_seconds_during_trials": round(cpu, 1),
            "serve_runs": len(runs), "serve_last_runs": [re.sub(r"^\S+ \S+ ", "", r) for r in runs[-3:]]}


if __name__ == "__main__":
    main()
