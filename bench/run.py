"""One `leadlight run` at scale: score, match every playbook, write the outbox, deliver over HTTP.

    python bench/run.py [--accounts 10000] [--days 36] [--keep DIR]

Generates a company (10,000 accounts and 36 days give about 1M events and 67,000 people), loads it, and
times two runs of the template's playbooks, every action sent to a local Standard Webhooks receiver on
127.0.0.1: the first run (every account that qualifies fires) and a second run with nothing new (nothing
fires). Prints what it measured; no figure is assumed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leadlight.demo import INPUT_FILES  # noqa: E402
from leadlight.storage import Project  # noqa: E402
from leadlight.tasks.generate import generate  # noqa: E402
from leadlight.tasks.ingest import ingest  # noqa: E402
from leadlight.tasks.init import init_project  # noqa: E402
from leadlight.tasks.run import run  # noqa: E402
from tests.fakes.webhook import WebhookReceiver  # noqa: E402


def timed(label: str, work) -> tuple[dict, float]:
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f} s", flush=True)
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=36)
    parser.add_argument("--keep", type=Path, help="build the project here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="leadlight-bench-run-"))
    data, folder = root / "data", root / "project"
    made, _ = timed("generate", lambda: generate(data, accounts=args.accounts, days=args.days, seed=7))
    init_project(folder)
    config = folder / "leadlight.yml"
    # every action to the signed webhook: Slack's one-message-a-second limit would time Slack, not Leadlight
    config.write_text(re.sub(r"destination: (slack|webhook)", "destination: webhook", config.read_text())
                      .replace("caps: {per_account: 1, period: 7d, per_channel: 200, cooldown: 30d}",
                               "caps: {per_account: 1, period: 7d, per_channel: 100000, cooldown: 30d}"))
    project = Project(folder)
    for name, kind in INPUT_FILES:
        if name.startswith("events"):
            continue
        ingest(project, [data / name], kind)
    events = data / "events.ndjson.gz"
    receiver = WebhookReceiver()
    with receiver.server:
        os.environ["LEADLIGHT_WEBHOOK_URL"] = receiver.url
        os.environ["LEADLIGHT_WEBHOOK_SECRET"] = receiver.secret
        timed("ingest events", lambda: ingest(project, [events], "events"))
        first, first_s = timed("run 1 (first: every qualifying account fires)", lambda: run(project))
        second, second_s = timed("run 2 (nothing new)", lambda: run(project))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "accounts": made["accounts"], "users": made["users"], "events": made["events"],
        "first_run_seconds": round(first_s, 1), "first_run_actions": len(first["actions"]),
        "first_run_sent": sum(a["status"] == "sent" for a in first["actions"]),
        "webhook_posts": len(receiver.ids), "webhook_signatures_rejected": receiver.rejected,
        "second_run_seconds": round(second_s, 1), "second_run_actions": len(second["actions"]),
        "peak_rss_mb": round(peak_mb),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
