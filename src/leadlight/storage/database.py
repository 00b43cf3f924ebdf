"""The project's DuckDB file: open it (waiting briefly for its owner), migrate it to the current schema.

DuckDB lets one process open a file for writing and then no other process may
open it at all, not even read-only. So every opening goes through ``connect``:
when another process holds the file it waits up to ``LEADLIGHT_LOCK_WAIT``
seconds (default 30), saying so once, then raises ``ProjectBusy`` naming the
process, and what to do, instead of DuckDB's lock error. Long-running owners
(``serve``, ``run --every``) announce themselves in ``.leadlight/owner.json``
(see ``storage.owner``) so the message can point at them.
"""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

try:  # DuckDB's engine, which the ``duckdb`` package re-exports; see ``connect``'s ``relations``
    import _duckdb as engine
except ImportError:  # a DuckDB whose engine has another name: the package, relation layer and all
    import duckdb as engine

from leadlight.errors import NotReady, ProjectBusy
from leadlight.storage import owner
from leadlight.storage.migrations import migrate
from leadlight.storage.project import Project

if TYPE_CHECKING:
    import duckdb

_HELD_BY = re.compile(r"Conflicting lock is held in (?P<exe>.*?) \(PID (?P<pid>\d+)\)")
DEFAULT_WAIT = 30.0


_HELD: dict[Path, duckdb.DuckDBPyConnection] = {}


@contextmanager
def hold(project: Project) -> Iterator[duckdb.DuckDBPyConnection]:
    """Own the project's file for the life of this process's block (``serve``, ``run --every``).

    While held, every ``connect`` in this process (any thread) gets a cursor of the one connection: its own
    transaction context over the same database, so tasks run unchanged and other processes are told who owns it.
    """
    if project.database_path in _HELD:  # already owned by an outer block of this process
        yield _HELD[project.database_path]
        return
    con = connect(project)
    _HELD[project.database_path] = con
    try:
        yield con
    finally:
        _HELD.pop(project.database_path, None)
        con.close()


# UTC everywhere; and no DuckDB progress bar: it prints on stdout once a query runs 2 s (a busy machine), which
# broke `--json` (exactly one JSON document on stdout).
SESSION = "SET TimeZone = 'UTC'; SET enable_progress_bar = false"


def connect(project: Project, *, read_only: bool = False, wait: float | None = None,
            on_wait: Callable[[str], None] | None = None, relations: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the project's DuckDB file; a writable one is migrated to the current schema first.

    ``relations=False``: the caller only runs SQL and fetches rows (``execute``, ``fetchall``, ``description``),
    so the ``duckdb`` package, whose import puts the relation API (``sql``, ``table``, ``df``...) on every
    connection, is not imported here: a fresh process reading five rows spends a sixth of its time importing it.
    The connection is the same object either way; importing ``duckdb`` later adds the API to it."""
    if relations:
        import duckdb  # noqa: F401 - its import adds the relation API to DuckDB's connections
    held = _HELD.get(project.database_path)
    if held is not None:
        cursor = held.cursor()
        cursor.execute(SESSION).fetchall()
        return cursor
    if read_only and not project.database_path.exists():
        raise NotReady(f"{project.root} has no data yet", hint="load some with `leadlight ingest`")
    project.ensure_dirs()
    con = _open(project, read_only, _wait_seconds(wait), on_wait)
    con.execute(SESSION).fetchall()
    if not read_only:
        migrate(con)
    return con


def _wait_seconds(wait: float | None) -> float:
    if wait is not None:
        return wait
    try:
        return float(os.environ.get("LEADLIGHT_LOCK_WAIT", DEFAULT_WAIT))
    except ValueError:
        return DEFAULT_WAIT


def _open(project: Project, read_only: bool, wait: float, on_wait: Callable[[str], None] | None):
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            return engine.connect(str(project.database_path), read_only=read_only)
        except engine.IOException as err:
            held = _HELD_BY.search(str(err))
            if held is None:
                raise
            pid = int(held["pid"])
            if time.monotonic() >= deadline:
                raise busy(project, pid) from None
            if not told:
                (on_wait or owner.say_waiting)(f"waiting for {owner.describe(project, pid)} to finish with the project...")
                told = True
            time.sleep(0.2)


def busy(project: Project, pid: int) -> ProjectBusy:
    """The error for a project whose DuckDB file another process holds."""
    who = owner.read(project, pid)
    hint = "wait for it to finish and run the command again, or stop it"
    if who is not None and who.get("url"):
        hint = (f"it serves this project at {who['url']}: read through its API (/api/accounts), send events to its "
                f"collector (/v1/batch), or stop it (kill {pid}) and run the command again")
    elif who is not None:
        hint = f"it owns this project while it runs: stop it (kill {pid}, or Ctrl-C where it runs) and run the command again"
    return ProjectBusy(f"Leadlight is running as PID {pid} ({owner.describe(project, pid)}) and holds {project.database_path}",
                       hint=hint)


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
