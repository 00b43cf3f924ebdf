"""``leadlight sync DEST``: write the latest snapshot's accounts and PQL people to a CRM, diff-based.

Each account (and each PQL person with an email, plus anyone sent before so a
lost PQL flag is written too) becomes a ``CrmRecord``. A record whose
fingerprint equals the one the destination last confirmed is not sent; the
rest go in batches of the destination's size. After each batch, confirmed
records get their fingerprint and failed ones their reason, in one
transaction, so a crash loses at most one batch's bookkeeping (and re-sending
is an upsert). ``--dry-run`` shows the records on the console and stores
nothing; ``--full`` sends everything; ``--setup`` (HubSpot) creates the
properties first.
"""

from __future__ import annotations

import os
from typing import Mapping

from leadlight.config.loader import load_config
from leadlight.destinations.base import DeliveryFailed
from leadlight.destinations.console import ConsoleDestination
from leadlight.destinations.records import (KINDS, CrmRecord, CrmTarget, Kind, RecordResult, account_record,
                                           person_record)
from leadlight.destinations.registry import SYNC_NAMES, sync_target
from leadlight.errors import UsageError
from leadlight.progress import SILENT, Progress
from leadlight.storage import crm_sync
from leadlight.storage.database import connect
from leadlight.storage.project import Project
from leadlight.storage.snapshots import SnapshotReader
from leadlight.timeutil import iso, utcnow

MAX_ERRORS = 50
PLURAL = {"account": "accounts", "person": "people"}


def records(read: SnapshotReader, destination: str, kind: Kind) -> list[CrmRecord]:
    """The latest snapshot as records: every account; PQL people with an email, and people sent before."""
    at = read.resolve()
    if kind == "account":
        return [account_record(a) for a in read.accounts(at)]
    sent_people = set(crm_sync.confirmed(read.con, destination, "person"))
    people = [lead for lead in read.leads(at) if (lead.pql and lead.email) or lead.user_id in sent_people]
    return [person_record(p, iso(at)) for p in people]


def sync(project: Project, destination: str, *, dry_run: bool = False, setup: bool = False, full: bool = False,
         only: Kind | None = None, progress: Progress = SILENT, env: Mapping[str, str] | None = None,
         target: CrmTarget | None = None) -> dict:
    """Sync and report ``{destination, created, updated, unchanged, failed, errors, ...}``."""
    if destination not in SYNC_NAMES:
        raise UsageError(f"cannot sync to {destination!r}", hint=f"use one of: {', '.join(SYNC_NAMES)}")
    if setup and destination != "hubspot":
        raise UsageError("--setup is for hubspot", hint="Salesforce fields are created in Setup > Object Manager")
    if only is not None and only not in KINDS:
        raise UsageError(f"--only {only!r}", hint=f"use one of: {', '.join(KINDS)}")
    config = load_config(project).destinations
    env = os.environ if env is None else env
    if target is None:
        target = ConsoleDestination(destination) if dry_run else sync_target(destination, config, root=project.root,
                                                                             env=env)
    report = {"destination": destination, "dry_run": dry_run, "as_of": None, "created": 0, "updated": 0,
              "unchanged": 0, "failed": 0, "errors": [], "objects": {}, "setup": []}
    con = connect(project, read_only=dry_run)
    try:
        if setup and not dry_run:
            report["setup"] = target.setup()  # type: ignore[attr-defined]
        read = SnapshotReader(con)
        report["as_of"] = iso(read.resolve())
        plan = {}
        for kind in KINDS if only is None else (only,):
            wanted, stored = records(read, destination, kind), crm_sync.confirmed(con, destination, kind)
            same = {r.key for r in wanted if stored.get(r.key) == r.fingerprint}
            # a full export (CSV) writes every record; the others get only what changed (or all, with --full)
            to_send = wanted if full or getattr(target, "full_export", False) else [r for r in wanted
                                                                                     if r.key not in same]
            plan[kind] = (to_send, crm_sync.ever_confirmed(con, destination, kind), set() if full else same,
                          len(wanted) - len(to_send))
        with progress.step(f"Syncing to {destination}", total=sum(len(p[0]) for p in plan.values())) as step:
            for kind, (to_send, known, same, not_sent) in plan.items():
                counts = send(con, target, destination, kind, to_send, known, same, dry_run, report["errors"], step)
                counts["unchanged"] += not_sent
                if to_send:
                    progress.log(f"{destination}: {PLURAL[kind]} sent {len(to_send):,}, failed {counts['failed']:,}, "
                                 f"unchanged {counts['unchanged']:,}")
                report["objects"][kind] = counts
                for key in ("created", "updated", "unchanged", "failed"):
                    report[key] += counts[key]
    finally:
        con.close()
        target.close()
    report["calls"] = getattr(getattr(target, "http", None), "calls", None)
    return report


def send(con, target: CrmTarget, destination: str, kind: Kind, changed: list[CrmRecord], known: set[str],
         same: set[str], dry_run: bool, errors: list[dict], step) -> dict[str, int]:
    """Send ``changed`` in batches; record each batch's outcome (records in ``same`` count as unchanged). A batch
    that fails as a whole stops the rest (they count as failed and go again next time)."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    stop: str | None = None
    for start in range(0, len(changed), target.batch_size):
        batch = changed[start:start + target.batch_size]
        if stop is None:
            try:
                results = target.upsert(kind, batch, known)
            except DeliveryFailed as failed:
                stop = failed.message
                results = [RecordResult(r.key, False, error=failed.message) for r in batch]
        else:
            results = [RecordResult(r.key, False, error=f"not sent: an earlier batch failed ({stop})") for r in batch]
        by_key = {r.key: r for r in batch}
        good = [(r.key, by_key[r.key].fingerprint, r.remote_id) for r in results if r.ok]
        bad = [(r.key, r.error or "failed") for r in results if not r.ok]
        if not dry_run:
            at = utcnow()
            con.begin()
            crm_sync.confirm(con, destination, kind, good, at)
            crm_sync.fail(con, destination, kind, bad, at)
            con.commit()
        for result in results:
            if not result.ok:
                counts["failed"] += 1
            elif result.key in same:
                counts["unchanged"] += 1
            elif result.created if result.created is not None else result.key not in known:
                counts["created"] += 1
            else:
                counts["updated"] += 1
        errors.extend({"object": kind, "key": k, "error": e} for k, e in bad[:max(0, MAX_ERRORS - len(errors))])
        step.advance(len(batch))
    return counts
