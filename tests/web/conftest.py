"""A scored throwaway project and a real `leadlight serve` on 127.0.0.1 for the web tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from leadlight.storage import Project
from leadlight.storage.database import connect, hold
from leadlight.storage.snapshots import ACCOUNT_ORDER
from tests.cli import cli, generated_project

ROOT = Path(__file__).resolve().parents[2]
MESSAGE = "Hi {name} — saw your team invite 4 people & hit the plan limit. Worth a 15-min call on <scale> pricing?"


def scored_project(root: Path) -> Path:
    """A generated company (60 accounts, 120 days), scored; its best account gets a playbook message
    (as a playbook run would store it) so the page has something to copy."""
    _, project = generated_project(root, None, accounts=60, days=120, seed=5)
    cli("score", "--project", str(project))
    con = connect(Project(project))
    try:
        best = con.execute(f"SELECT account_id, name FROM account_scores ORDER BY {ACCOUNT_ORDER} LIMIT 1").fetchall()[0]
        play = {"name": "call-now", "message": MESSAGE.format(name=best[1]), "pain_point": "outgrowing the free plan",
                "talk_track": "lead with seats and admin controls", "team": "AE"}
        con.execute("UPDATE account_scores SET play = ? WHERE account_id = ?", [json.dumps(play), best[0]]).fetchall()
    finally:
        con.close()
    return project


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(project: Path, *extra: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`leadlight serve` in a subprocess on a free loopback port; yields its base URL, stops it after."""
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="leadlight-serve-", suffix=".log", delete=False)
    environment = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", **(env or {})}
    process = subprocess.Popen([sys.executable, "-c", "from leadlight.cli.app import main; main()", "serve",
                                "--project", str(project), "--port", str(port), *extra],
                               env=environment, stdout=log, stderr=log, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"serve exited with {process.returncode}: {Path(log.name).read_text()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("serve did not start within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        Path(log.name).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Path:
    """Shared by the in-process tests (they mark different accounts); browser tests make their own."""
    return scored_project(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def held(project):
    """The project's file held by this process for the module, as `serve` holds it: every connection in the
    process (pages, tasks, the test's own writes) is a cursor of one connection."""
    with hold(Project(project)):
        yield project
