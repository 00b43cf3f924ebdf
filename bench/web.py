"""Web benchmark: list page and account page latency of a real `leadlight serve` on a big synthetic project.

    python bench/web.py [--accounts 50000] [--people 500000] [--snapshots 3] [--events 2000000] [--requests 200]

Synthetic rows go straight into ``account_scores`` / ``user_scores`` (three stored
snapshots by default, so history has points), ``identities`` and ``events`` (for
the account page's timeline). Then ``leadlight serve`` starts in a child process
on a free loopback port and is asked, one request at a time, for list pages
(first page, a quadrant, a search, a deep page, owner + status filters) and
account pages (random accounts), then each account's recent-signals fragment (htmx loads it after the
page). Prints one JSON document: p50 / p95 / max in
milliseconds per page kind, the sizes, and the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from leadlight.storage import Project  # noqa: E402
from leadlight.storage.database import connect  # noqa: E402

QUADRANTS = ["high_fit_high_intent", "high_fit_low_intent", "low_fit_high_intent", "low_fit_low_intent"]
QUADRANT_LIST = "[" + ", ".join(f"'{q}'" for q in QUADRANTS) + "]"


def fill(project: Project, accounts: int, people: int, snapshots: int, events: int) -> None:
    """Synthetic snapshots, identities and events, written with SQL (seconds, not minutes)."""
    con = connect(project)
    try:
        con.execute("SET preserve_insertion_order = false").fetchall()
        reason = ("'[{\"signal\": \"triggers\", \"value\": ' || (i % 5) || ', \"contribution\": 20.0, \"text\": \"' || "
                  "(i % 5) || ' of 5 buying signals: teammates invited, pricing page views\"}, {\"signal\": "
                  "\"active_users_14d\", \"value\": ' || (i % 9) || ', \"contribution\": -5.0, \"text\": \"' || "
                  "(i % 9) || ' active users in the last 14 days\"}]'")
        for s in range(snapshots):
            as_of = f"TIMESTAMP '2026-10-01' + INTERVAL {s * 7} DAY"
            con.execute(f"""
                INSERT INTO account_scores BY NAME
                SELECT {as_of} AS as_of, 'acc_' || lpad(i::VARCHAR, 6, '0') AS account_id,
                  'Company ' || i AS name, 'company' || i || '.example' AS domain,
                  (hash(i * 31 + {s}) % 101)::DOUBLE AS score, (hash(i * 31 + {s}) % 101)::DOUBLE AS points,
                  (hash(i * 17 + {s}) % 1000) / 1000.0 AS probability,
                  CASE WHEN i % 3 = 0 THEN 'high' ELSE 'low' END AS fit, (i % 100)::DOUBLE AS fit_score,
                  CASE WHEN i % 4 = 0 THEN 'high' ELSE 'low' END AS intent, (i % 90)::DOUBLE AS intent_score,
                  {QUADRANT_LIST}[1 + (i % 4)] AS quadrant, i % 4 AS priority,
                  i % 4 = 0 AS pqa, 10 AS people, i % 5 AS pql_users, i % 5 AS triggers_fired,
                  {reason} AS reasons, '[]' AS fit_reasons, '[]' AS intent_reasons, '[]' AS model_reasons,
                  '{{"user_id": "u' || (i * 10) || '", "email": "p' || (i * 10) || '@company' || i ||
                    '.example", "title": "VP Engineering"}}' AS champion, '[]' AS decision_makers,
                  'def' AS definition_hash, 'bench' AS leadlight_version, now()::TIMESTAMP AS scored_at,
                  CASE WHEN i % 20 = 0 THEN 'customer' ELSE 'prospect' END AS status,
                  'rep' || (i % 12) AS owner, NULL AS owner_email,
                  CASE WHEN i % 7 = 0 THEN '{{"name": "call-now", "message": "Hi"}}' END AS play
                FROM range({accounts}) AS t(i)""").fetchall()
            con.execute(f"""
                INSERT INTO user_scores BY NAME
                SELECT {as_of} AS as_of, 'u' || j AS user_id, 'acc_' || lpad((j // 10)::VARCHAR, 6, '0') AS account_id,
                  'p' || j || '@company' || (j // 10) || '.example' AS email, 'Engineer' AS title,
                  'individual' AS seniority, 'engineering' AS department, (hash(j + {s}) % 101)::DOUBLE AS score,
                  0.0 AS points, j % 9 = 0 AS pql, '[]' AS disqualifiers, '{{}}' AS flags, 'domain' AS link_method,
                  'acc_' || lpad((j // 10)::VARCHAR, 6, '0') AS link_account_id, 1.0 AS activity,
                  '[{{"signal": "active_days_14d", "value": 3, "contribution": 10, "text": "active on 3 days"}}]' AS reasons,
                  'def' AS definition_hash, 'bench' AS leadlight_version, now()::TIMESTAMP AS scored_at
                FROM range({min(people, accounts * 10)}) AS t(j)""").fetchall()
        con.execute(f"""
            INSERT INTO identities (user_id, account_id, method, is_personal, is_disposable, is_student)
            SELECT 'u' || j, 'acc_' || lpad((j // 10)::VARCHAR, 6, '0'), 'domain', false, false, false
            FROM range({people}) AS t(j)""").fetchall()
        con.execute(f"""
            INSERT INTO events (message_id, type, user_id, event, timestamp)
            SELECT 'm' || k, 'track', 'u' || (hash(k) % {people}), ['Document Created', 'Comment Added',
              'Teammate Invited', 'Pricing Viewed'][1 + (k % 4)],
              TIMESTAMP '2026-07-01' + to_seconds((k * 9504000 // {max(events, 1)})::BIGINT)
            FROM range({events}) AS t(k)""").fetchall()
    finally:
        con.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(client: httpx.Client, urls: list[str], headers: dict | None = None) -> list[float]:
    out = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        out.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}: {response.text[:200]}")
    return out


def summary(ms: list[float]) -> dict:
    ordered = sorted(ms)
    return {"requests": len(ms), "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[max(0, int(0.95 * len(ordered)) - 1)], 1), "max_ms": round(ordered[-1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--snapshots", type=int, default=3)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="leadlight-web-bench-") as tmp:
        project = Project(Path(tmp))
        (project.root / "leadlight.yml").write_text("version: 1\nname: bench\n")
        started = time.perf_counter()
        fill(project, args.accounts, args.people, args.snapshots, args.events)
        fill_seconds = time.perf_counter() - started
        port = free_port()
        env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
        server = subprocess.Popen([sys.executable, "-c", "from leadlight.cli.app import main; main()", "serve",
                                   "--project", tmp, "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=30) as client:
                for _ in range(300):
                    try:
                        if client.get("/healthz").status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.1)
                pages = args.accounts // 50
                list_urls = ["/", f"/?quadrant={QUADRANTS[0]}", "/?q=company 123", f"/?page={pages // 2}",
                             "/?owner=rep3&status=prospect", "/?play=call-now", "/?show=all&page=3"]
                account_urls = [f"/accounts/acc_{rng.randrange(args.accounts):06d}" for _ in range(args.requests)]
                timed(client, list_urls + account_urls[:10])  # warm-up: first queries, template compilation
                lists = timed(client, [list_urls[i % len(list_urls)] for i in range(args.requests)])
                accounts = timed(client, account_urls)
                signals = timed(client, [f"{u}/signals" for u in account_urls], {"HX-Request": "true"})
                api = timed(client, ["/healthz"] * 20)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(json.dumps({
        "accounts": args.accounts, "people": args.people, "snapshots": args.snapshots, "events": args.events,
        "fill_seconds": round(fill_seconds, 1), "list_page": summary(lists), "account_page": summary(accounts),
        "account_recent_signals_fragment": summary(signals),
        "healthz": summary(api), "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
        "targets_ms": {"list_page_p95": 150, "account_page_p95": 100},
    }, indent=2))


if __name__ == "__main__":
    main()
