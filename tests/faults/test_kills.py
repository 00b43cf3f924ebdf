"""`kill -9` at random moments of `score` and `run`: after a rerun the project equals a clean run.

The moments are random but seeded (a hypothesis-free sweep of delays), so a failure names the delay that broke it.
A killed command may leave nothing or everything of its transaction, never a part: the snapshot, the playbook
state and the outbox rows are written together.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.cli import cli, generated_project

PLAYBOOK = """
playbooks:
  - name: hot_account
    trigger: {kind: enters, state: pqa}
    message: {text: "{{ account.name }}"}
    actions: [{destination: csv}]
caps: {per_account: 1, period: 7d, per_channel: 100000, cooldown: 30d}
"""
AS_OF = "2026-10-15"


def state(project: Path) -> dict[str, list[tuple]]:
    """What a clean run leaves: the snapshot's scores, the playbook state and the outbox (without timestamps)."""
    con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"), read_only=True)
    try:
        return {
            "accounts": con.execute("SELECT as_of, account_id, score, pqa, quadrant, status FROM account_scores "
                                    "ORDER BY ALL").fetchall(),
            "users": con.execute("SELECT as_of, user_id, score, pql FROM user_scores ORDER BY ALL").fetchall(),
            "state": con.execute("SELECT playbook, account_id, active, version FROM playbook_state ORDER BY ALL")
            .fetchall(),
            "outbox": con.execute("SELECT key, status FROM outbox ORDER BY ALL").fetchall(),
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("kills")
    _, project = generated_project(root, None, accounts=60, days=90, seed=4)
    text = (project / "leadlight.yml").read_text()
    (project / "leadlight.yml").write_text(text[: text.index("\nplaybooks:")] + PLAYBOOK)
    return project


def copy(base: Path, to: Path) -> Path:
    shutil.copytree(base, to)
    return to


def command(project: Path, name: str) -> list[str]:
    return [sys.executable, "-m", "leadlight", name, "--as-of", AS_OF, "--project", str(project)]


def kill_after(args: list[str], delay: float) -> int | None:
    """Start the command, SIGKILL it after ``delay`` seconds (if still running); its return code."""
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    time.sleep(delay)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    return process.wait()


@pytest.mark.parametrize("name", ["score", "run"])
def test_a_command_killed_at_random_moments_then_rerun_equals_a_clean_run(base, tmp_path, name):
    clean = copy(base, tmp_path / "clean")
    cli(name, "--as-of", AS_OF, "--project", str(clean))
    expected = state(clean)
    assert expected["accounts"] and (name == "score" or expected["outbox"])
    started = time.monotonic()
    subprocess.run(command(copy(base, tmp_path / "timing"), name), check=True, capture_output=True)
    took = time.monotonic() - started
    rng = random.Random(f"{name}-kills")
    killed_any = False
    for i, fraction in enumerate(sorted(rng.uniform(0.3, 1.0) for _ in range(3))):
        project = copy(base, tmp_path / f"killed{i}")
        code = kill_after(command(project, name), took * fraction)
        killed_any |= code == -signal.SIGKILL
        cli(name, "--as-of", AS_OF, "--project", str(project))
        got = state(project)
        assert got == expected, f"killed after {took * fraction:.2f} s of {took:.2f} s"
    assert killed_any, "no kill landed while the command ran: the test measured nothing"


def model_state(project: Path) -> dict:
    """The active model as a clean train leaves it: what was chosen and how it scored (its id and time left out)."""
    found = cli("status", "--project", str(project))["model"]
    return {k: v for k, v in (found or {}).items() if k not in ("model_id", "trained_at", "age_days")}


@pytest.mark.slow
def test_train_killed_at_random_moments_then_rerun_equals_a_clean_train(tmp_path):
    _, base = generated_project(tmp_path / "base", None, accounts=300, days=240, seed=12)
    clean = copy(base, tmp_path / "clean")
    started = time.monotonic()
    cli("train", "--project", str(clean))
    took = time.monotonic() - started
    expected = model_state(clean)
    assert expected, "the clean train produced no model: the test measured nothing"
    rng = random.Random("train-kills")
    killed_any = False
    for i, fraction in enumerate(sorted(rng.uniform(0.2, 0.95) for _ in range(3))):
        project = copy(base, tmp_path / f"killed{i}")
        args = [sys.executable, "-m", "leadlight", "train", "--project", str(project)]
        killed_any |= kill_after(args, took * fraction) == -signal.SIGKILL
        assert model_state(project) in ({}, expected)  # no model, or a whole one: never half of one
        cli("train", "--project", str(project))
        assert model_state(project) == expected, f"killed after {took * fraction:.1f} s of {took:.1f} s"
    assert killed_any, "no kill landed while train ran"
