"""Who owns the project's DuckDB file: long-running processes say so in ``.leadlight/owner.json``.

``serve`` and ``run --every`` write ``{pid, command, url, started_at}`` when they
start and remove it when they stop; a stale file (its PID gone) is ignored.
Other commands read it to tell the user which process holds the project and how
to reach it, instead of a lock error.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from leadlight.storage.project import Project
from leadlight.timeutil import iso, utcnow


def _path(project: Project) -> Path:
    return project.data_dir / "owner.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read(project: Project, pid: int | None = None) -> dict[str, Any] | None:
    """The announced owner, if it is still running (and is ``pid`` when given)."""
    try:
        found = json.loads(_path(project).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or not _alive(int(found.get("pid", -1))):
        return None
    if pid is not None and int(found["pid"]) != pid:
        return None
    return found


def describe(project: Project, pid: int) -> str:
    """``leadlight serve --port 8000`` (or the process's command line) for a PID."""
    who = read(project, pid)
    if who is not None:
        return str(who.get("command"))
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        text = " ".join(a.decode(errors="replace") for a in args if a)
        return f"`{text[:120]}`" if text else f"process {pid}"
    except OSError:
        return f"process {pid}"


@contextmanager
def announce(project: Project, command: str, url: str | None = None) -> Iterator[None]:
    """Say this process owns ``project`` while the block runs."""
    project.ensure_dirs()
    path = _path(project)
    path.write_text(json.dumps({"pid": os.getpid(), "command": command, "url": url, "started_at": iso(utcnow())}))
    try:
        yield
    finally:
        current = read(project)
        if current is None or int(current.get("pid", -1)) == os.getpid():
            path.unlink(missing_ok=True)


def say_waiting(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
