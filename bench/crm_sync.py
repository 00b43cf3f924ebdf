"""CRM sync at scale against the local fakes of HubSpot and Salesforce: calls made and seconds taken.

    python bench/crm_sync.py [--accounts 10000] [--json-out FILE]

Writes a synthetic snapshot of N accounts into a throwaway project (through the
storage API, so scoring time is not in the figures), then, per CRM: a first
sync (every account created), a sync after every score changed (every account
updated) and a sync with nothing changed (no calls). Prints what it measured.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leadlight.tasks.sync import sync  # noqa: E402
from tests.fakes import hubspot as hubspot_fake, salesforce as salesforce_fake  # noqa: E402
from tests.fakes.samples import scored_project  # noqa: E402


def upsert_calls(fake) -> int:
    return sum(1 for r in fake.server.requests if "/batch/upsert" in r.path or "/composite/sobjects/" in r.path)


def measure(root: Path, n: int, name: str, fake, env: dict) -> list[dict]:
    project = scored_project(root, n)
    rows = []
    for step, shift, as_of in (("first sync", 0.0, "2026-11-30"), ("all scores changed", 0.5, "2026-12-01"),
                               ("nothing changed", None, None)):
        if shift:
            scored_project(root, n, score_shift=shift, as_of=as_of)
        before = upsert_calls(fake)
        started = time.perf_counter()
        report = sync(project, name, setup=(name == "hubspot" and step == "first sync"), env=env, only="account")
        seconds = time.perf_counter() - started
        rows.append({"destination": name, "step": step, "accounts": n, "created": report["created"],
                     "updated": report["updated"], "unchanged": report["unchanged"], "failed": report["failed"],
                     "calls": upsert_calls(fake) - before, "seconds": round(seconds, 2)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        hub = hubspot_fake.HubSpot()
        with hub.server:
            rows += measure(Path(tmp) / "hubspot", args.accounts, "hubspot", hub, {
                "HUBSPOT_ACCESS_TOKEN": hubspot_fake.TOKEN, "HUBSPOT_BASE_URL": hub.server.url})
        sf = salesforce_fake.Salesforce()
        with sf.server:
            rows += measure(Path(tmp) / "salesforce", args.accounts, "salesforce", sf, {
                "SALESFORCE_INSTANCE_URL": sf.server.url, "SALESFORCE_ACCESS_TOKEN": salesforce_fake.TOKEN})
    print(f"{'destination':<11} {'step':<19} {'accounts':>8} {'created':>8} {'updated':>8} {'unchanged':>9} "
          f"{'failed':>6} {'calls':>5} {'seconds':>7}")
    for r in rows:
        print(f"{r['destination']:<11} {r['step']:<19} {r['accounts']:>8,} {r['created']:>8,} {r['updated']:>8,} "
              f"{r['unchanged']:>9,} {r['failed']:>6,} {r['calls']:>5} {r['seconds']:>7.2f}")
    document = {"rows": rows}
    print(json.dumps(document))
    if args.json_out:
        args.json_out.write_text(json.dumps(document, indent=2))


if __name__ == "__main__":
    main()
