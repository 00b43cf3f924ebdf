"""``leadlight run``: score what changed, match playbooks, write the outbox in the snapshot's transaction, deliver.

One run: (1) score as of the latest data; (2) in ONE transaction store the
snapshot, the playbook state and an outbox row per action of every playbook
that fired (entering a state, never staying in it); (3) deliver every due
row - this run's and earlier ones waiting for a retry - marking each sent,
retrying or parked. A crash before (2) commits leaves nothing half done; a
crash between a send and its mark re-sends with the same key next run (so
idempotent destinations see it once; Slack, which has no idempotency key, at
most once more). ``--dry-run`` writes nothing and routes every action to the
console. ``--every`` repeats until SIGTERM/SIGINT, finishing the item in flight.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections import deque
from datetime import datetime
from queue import Empty, Queue
from typing import Any, Callable, Mapping

from leadlight.config import load_config
from leadlight.contract import Delivery
from leadlight.destinations.base import DeliveryFailed, Destination, NotConfigured
from leadlight.destinations.console import ConsoleDestination
from leadlight.destinations.registry import build
from leadlight.errors import LeadlightError
from leadlight.playbooks import state as playbook_state
from leadlight.playbooks.actions import Planner
from leadlight.playbooks.matching import match
from leadlight.playbooks.outbox import Outbox, public
from leadlight.playbooks.subjects import subjects
from leadlight.progress import SILENT, Progress
from leadlight.scoring.snapshot import Snapshot, score_snapshot
from leadlight.storage.database import connect
from leadlight.storage.project import Project
from leadlight.tasks.derived import open_current_engine, refresh_identity
from leadlight.tasks.feedback import cooldowns
from leadlight.tasks.score import as_of_option, reusable_snapshot, write_with_inputs
from leadlight.timeutil import iso, parse_window, utcnow

Resolver = Callable[[str], "Destination | str"]


def run(project: Project, *, dry_run: bool = False, as_of: str | None = None, progress: Progress = SILENT,
        destinations: Mapping[str, Destination] | None = None, stop: threading.Event | None = None,
        now: Callable[[], datetime] = utcnow) -> dict:
    """One run; returns ``{"as_of", "dry_run", "fired", "actions": [...], "parked": [...]}``."""
    config = load_config(project)
    at = as_of_option(as_of)
    asked = str(as_of).strip() if at is not None else None
    refresh_identity(project, config)  # first: the fingerprint of what this run scores from must be the final one
    digest, unchanged = reusable_snapshot(project, config, at, asked)
    if unchanged is not None and not dry_run:
        # Nothing the last run scored from has changed, so no playbook can enter a new state: only deliver
        # what is due (retries). A re-run with nothing new costs a lookup, not a re-score.
        con = connect(project)
        try:
            delivered = deliver(Outbox(con), _resolver(config, project, destinations), now, stop)
            actions = [public(r) for r in Outbox(con).rows_for(delivered)]
            parked = [public(r) for r in Outbox(con).list(status="parked", limit=50)]
        finally:
            con.close()
        return {"as_of": unchanged["as_of"], "dry_run": False, "fired": 0, "rescored": False, "actions": actions,
                "parked": parked}
    engine = open_current_engine(project, config)
    engine.memo["progress"] = progress  # the signals say there when they rebuild their kept history
    try:
        snapshot = score_snapshot(engine, config, at, progress=progress)
        con = engine.connection or connect(project)
        try:
            with progress.step("matching playbooks"):
                rows = _plan(con, config, snapshot, now(), write=not dry_run, inputs=(digest, asked))
            if dry_run:
                actions = [{**_preview(r), "status": "dry_run" if r.status == "pending" else r.status, "error": r.error}
                           for r in rows]
                for r in rows:
                    if r.status == "pending":
                        ConsoleDestination(instead_of=r.destination).deliver(r.delivery)
                return _result(snapshot, True, rows, actions, [])
            resolve = _resolver(config, project, destinations)
            with progress.step("delivering"):
                delivered = deliver(Outbox(con), resolve, now, stop)
            parked = [public(r) for r in Outbox(con).list(status="parked", limit=50)]
            actions = [public(r) for r in Outbox(con).rows_for({r.key for r in rows} | delivered)]
            return _result(snapshot, False, rows, actions, parked)
        finally:
            if engine.connection is None:
                con.close()
    finally:
        engine.close()


def _plan(con: Any, config: Any, snapshot: Snapshot, at: datetime, *, write: bool,
          inputs: tuple[str | None, str | None] = (None, None)) -> list:
    """Match playbooks and decide the outbox rows; with ``write``, store everything in one transaction."""
    outbox = Outbox(con)
    before = playbook_state.load(con)
    found = subjects(snapshot.accounts, snapshot.users, _earlier_pqls(con, config, snapshot.as_of))
    triggers = config.scoring.pqa.triggers
    hits, after = match(config.playbooks, found, before, triggers.k if triggers else None)
    planner = Planner(config, outbox, at, cooldowns(con, at, parse_window(config.caps.cooldown)))
    rows = [row for hit in hits for row in planner.rows(hit, snapshot.as_of)]
    _attach_plays(con, snapshot, rows, after)
    if write:
        con.begin()
        try:
            write_with_inputs(con, snapshot, (inputs[0], {"asked": inputs[1], "warnings": []}))
            playbook_state.save(con, before, after, snapshot.as_of)
            outbox.add(rows, at)
            con.commit()
        except BaseException:
            con.rollback()
            raise
    return rows


def _attach_plays(con: Any, snapshot: Snapshot, rows: list, after: Any) -> None:
    """The snapshot's ``play``: the playbook that fired for the account now, else the one still holding since an
    earlier run (its words as they were written then), so the list and the account page show what to say."""
    plays = {}
    for row in rows:
        if row.delivery.account.play is not None:
            plays.setdefault(row.account_id, row.delivery.account.play.model_dump())
    holding = {(playbook, account) for (playbook, account), (active, _) in after.items() if active}
    earlier = con.execute(
        "SELECT account_id, play FROM account_scores WHERE play IS NOT NULL AND as_of = "
        "(SELECT max(as_of) FROM account_scores WHERE as_of < ?)", [snapshot.as_of]).fetchall()
    for account, text in earlier:
        play = json.loads(text)
        if account not in plays and (play.get("name"), account) in holding:
            plays[account] = play
    snapshot.accounts["play"] = [json.dumps(plays[a]) if a in plays else None for a in snapshot.accounts.account_id]


def _earlier_pqls(con: Any, config: Any, as_of: datetime) -> set[str] | None:
    spans = [parse_window(p.trigger.within) for p in config.playbooks if p.trigger.kind == "many_pqls"]
    if not spans:
        return None
    start = as_of - max(spans)
    found = con.execute("SELECT max(as_of) FROM account_scores WHERE as_of <= ?", [start]).fetchall()[0][0]
    if found is None:
        return None
    return {r[0] for r in con.execute("SELECT user_id FROM user_scores WHERE as_of = ? AND pql", [found]).fetchall()}


def deliver(outbox: Outbox, resolve: Resolver, now: Callable[[], datetime],
            stop: threading.Event | None = None) -> set[str]:
    """Deliver every due row; returns the keys tried. Stops between items when ``stop`` is set.

    Each destination gets its own workers (``concurrency`` of its class, default 1: its rate limiter, Retry-After
    and find-or-create calls stay in order), so a Slack webhook's one message a second never holds up a webhook;
    the outcomes are recorded by this thread in small transactions (at most ``MARK_EVERY`` seconds or
    ``MARK_ROWS`` rows apart), so a crash re-sends at most what was sent in that span."""
    tried: set[str] = set()
    while True:  # in pages, until nothing is due: a retried row waits for its next attempt, never loops here
        page = [row for row in outbox.due(now()) if row["key"] not in tried]
        if not page or (stop is not None and stop.is_set()):
            return tried
        tried |= _deliver_page(outbox, page, resolve, now, stop)


MARK_ROWS, MARK_EVERY = 200, 0.5


def _deliver_page(outbox: Outbox, page: list[dict], resolve: Resolver, now: Callable[[], datetime],
                  stop: threading.Event | None) -> set[str]:
    by_target: dict[str, deque] = {}
    for row in page:
        by_target.setdefault(row["destination"], deque()).append(row)
    outcomes: Queue = Queue()

    def work(rows: deque) -> None:
        while not (stop is not None and stop.is_set()):
            try:
                row = rows.popleft()
            except IndexError:
                return
            outcomes.put((row["key"], _attempt(row, resolve)))

    workers = [threading.Thread(target=work, args=(rows,), name=f"leadlight-deliver-{name}", daemon=True)
               for name, rows in by_target.items()
               for _ in range(max(1, min(len(rows), int(getattr(resolve(name), "concurrency", 1)))))]
    for worker in workers:
        worker.start()
    done: list[tuple[str, tuple]] = []
    marked_at = time.monotonic()
    while any(w.is_alive() for w in workers) or not outcomes.empty():
        try:
            done.append(outcomes.get(timeout=0.05))
        except Empty:
            pass
        if len(done) >= MARK_ROWS or (done and time.monotonic() - marked_at >= MARK_EVERY):
            _record(outbox, done, now())
            done, marked_at = [], time.monotonic()
    _record(outbox, done, now())
    return {row["key"] for row in page} - {row["key"] for rows in by_target.values() for row in rows}


def _attempt(row: dict, resolve: Resolver) -> tuple:
    """Send one row; its outcome for ``_record`` (no database work: this runs in a destination's worker)."""
    target = resolve(row["destination"])
    if isinstance(target, str):
        return ("skipped", target)
    try:
        sent = target.deliver(Delivery.model_validate_json(row["payload"]))
    except DeliveryFailed as err:
        return ("failed", err.message, err.retryable, err.retry_after)
    except Exception as err:  # a destination's own bug must not lose the row: park it with the error
        return ("failed", f"{type(err).__name__}: {err}", False, None)
    return ("sent", sent.remote_id)


def _record(outbox: Outbox, outcomes: list[tuple[str, tuple]], at: datetime) -> None:
    """Mark what was tried, in one transaction."""
    if not outcomes:
        return
    outbox.con.begin()
    try:
        for key, outcome in outcomes:
            if outcome[0] == "sent":
                outbox.mark_sent(key, at, outcome[1])
            elif outcome[0] == "skipped":
                outbox.mark_skipped(key, at, outcome[1])
            else:
                outbox.mark_failed(key, at, outcome[1], retryable=outcome[2], retry_after=outcome[3])
        outbox.con.commit()
    except BaseException:
        outbox.con.rollback()
        raise


def _resolver(config: Any, project: Project, given: Mapping[str, Destination] | None) -> Resolver:
    """Destinations by name, built once per run; one not configured becomes the reason its actions are skipped."""
    built: dict[str, Any] = dict(given or {})

    def resolve(name: str) -> Destination | str:
        if name not in built:
            try:
                built[name] = build(name, config.destinations, root=project.root)
            except NotConfigured as missing:
                built[name] = missing.reason
        return built[name]

    return resolve


def _preview(row: Any) -> dict:
    return {"key": row.key, "playbook": row.playbook, "destination": row.destination, "account_id": row.account_id,
            "trigger": row.trigger, "team": row.team, "rep": row.rep, "message": row.delivery.message.text}


def _result(snapshot: Snapshot, dry_run: bool, rows: list, actions: list, parked: list) -> dict:
    return {"as_of": iso(snapshot.as_of), "dry_run": dry_run, "fired": len({(r.playbook, r.account_id) for r in rows}),
            "rescored": True, "actions": actions, "parked": parked}


def run_every(project: Project, every: str, *, progress: Progress = SILENT, stop: threading.Event | None = None,
              on_result: Callable[[dict], None] | None = None, wake: threading.Event | None = None,
              **options: Any) -> dict:
    """Run again every ``every`` until ``stop`` is set (by default: until SIGTERM or SIGINT); the item in flight is
    finished, nothing is lost. A failed run is reported through ``on_result`` as ``{"error": ...}`` and retried
    next period (``serve --run-every`` must keep serving). ``wake`` starts the next run before the period is over
    (serve's collector sets it when its drain loaded new events, so they reach a rep without waiting for the
    period); whoever sets ``stop`` must set ``wake`` too."""
    period = parse_window(every).total_seconds()
    own_signals = stop is None
    stop = stop or threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)} \
        if own_signals else {}
    runs = 0
    try:
        while not stop.is_set():
            started = time.monotonic()
            if wake is not None:
                wake.clear()  # events drained from now on start the next run as soon as this one ends
            try:
                result = run(project, progress=progress, stop=stop, **options)
            except LeadlightError as err:
                if own_signals and runs == 0:
                    raise  # a first run that cannot work (bad config, no data) is the user's to fix now
                result = {"error": err.to_dict()}
            runs += 1
            if on_result is not None:
                on_result(result)
            (wake or stop).wait(max(0.0, period - (time.monotonic() - started)))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return {"runs": runs, "stopped": True}
