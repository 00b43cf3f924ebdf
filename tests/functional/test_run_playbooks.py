"""`leadlight run`: once per change, nothing lost - retries, parking, cooldowns, a crash between send and record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from leadlight.destinations.base import DeliveryFailed, Sent
from leadlight.storage import Project
from leadlight.tasks.feedback import mark
from leadlight.tasks.outbox import outbox
from leadlight.tasks.run import run
from tests.cli import cli, generated_project

PLAYBOOKS = """
playbooks:
  - name: hot_account
    trigger: {kind: enters, state: pqa}
    message:
      text: "{{ account.name }}: {{ reasons[0].text if reasons else 'hot' }}"
    actions: [{destination: slack}, {destination: webhook}]
caps: {per_account: 1, period: 7d, cooldown: 30d}
"""


class Recorder:
    """A destination that keeps what it was given; ``fail`` makes it raise instead."""

    idempotent = True

    def __init__(self, name: str, fail: DeliveryFailed | None = None) -> None:
        self.name, self.fail, self.got = name, fail, []

    def deliver(self, delivery):
        if self.fail is not None:
            raise self.fail
        self.got.append(delivery)
        return Sent(remote_id=f"{self.name}-{len(self.got)}")

    def close(self):
        pass


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    data, project = generated_project(root, None, accounts=80, days=90, seed=11)
    config = project / "leadlight.yml"
    text = config.read_text()
    config.write_text(text[: text.index("\nplaybooks:")] + PLAYBOOKS)
    return project


def fresh(company, tmp_path) -> Project:
    """A copy of the generated project, so each test starts with an empty outbox."""
    subprocess.run(["cp", "-r", str(company), str(tmp_path / "p")], check=True)
    return Project(tmp_path / "p")


def test_one_action_per_newly_qualified_account_and_none_on_a_second_run(company, tmp_path):
    project = fresh(company, tmp_path)
    slack, hook = Recorder("slack"), Recorder("webhook")
    first = run(project, destinations={"slack": slack, "webhook": hook})
    pqas = {a["account_id"] for a in cli("accounts", "--project", str(project.root)) if a["pqa"]}
    assert pqas and {d.account.account_id for d in slack.got} == pqas
    assert len(slack.got) == len(pqas) == len(hook.got) and first["fired"] == len(pqas)
    assert all(a["status"] == "sent" for a in first["actions"])
    delivery = slack.got[0]
    assert delivery.key == f"hot_account/{delivery.account.account_id}/v1/slack"
    assert delivery.account.play.name == "hot_account" and delivery.message.text.startswith(delivery.account.name)
    second = run(project, destinations={"slack": slack, "webhook": hook})
    assert second["fired"] == 0 and second["actions"] == [] and len(slack.got) == len(pqas)
    shown = {a["account_id"]: a["play"] for a in cli("accounts", "--project", str(project.root))}
    assert {a for a, p in shown.items() if p} == pqas  # the list shows each account's play and its words
    assert shown[delivery.account.account_id]["message"] == delivery.message.text


def test_dry_run_sends_and_stores_nothing(company, tmp_path):
    project = fresh(company, tmp_path)
    preview = cli("run", "--dry-run", "--project", str(project.root))
    assert preview["dry_run"] is True and preview["actions"]
    assert {a["status"] for a in preview["actions"]} == {"dry_run"}
    assert outbox(project)["actions"] == []
    slack = Recorder("slack")
    run(project, destinations={"slack": slack, "webhook": Recorder("webhook")})
    assert len(slack.got) == len({a["account_id"] for a in preview["actions"]})


def test_failures_retry_with_backoff_then_park_and_can_be_retried_or_dropped(company, tmp_path):
    project = fresh(company, tmp_path)
    busy = Recorder("slack", DeliveryFailed("429 Too Many Requests", retryable=True, retry_after=120))
    gone = Recorder("webhook", DeliveryFailed("404 Not Found: no such hook", retryable=False))
    result = run(project, destinations={"slack": busy, "webhook": gone})
    by_dest = {(a["destination"], a["status"]) for a in result["actions"]}
    assert by_dest == {("slack", "retrying"), ("webhook", "parked")}
    assert all(a["error"] == "404 Not Found: no such hook" for a in result["actions"] if a["destination"] == "webhook")
    assert {a["destination"] for a in result["parked"]} == {"webhook"}
    retrying = [a for a in result["actions"] if a["status"] == "retrying"]
    assert all(a["next_attempt_at"] > a["created_at"] for a in retrying)  # not before Retry-After
    assert outbox(project, "retry")["retried"] == len(result["parked"])
    fixed = Recorder("webhook")
    run(project, destinations={"slack": busy, "webhook": fixed})
    assert len(fixed.got) == len(result["parked"])  # the parked ones went out; nothing was lost
    assert outbox(project, "drop")["dropped"] == 0


def test_a_rep_marking_an_account_holds_its_actions_back(company, tmp_path):
    project = fresh(company, tmp_path)
    preview = cli("run", "--dry-run", "--project", str(project.root))
    target = preview["actions"][0]["account_id"]
    mark(project, target, "snooze", snooze="14d")
    slack = Recorder("slack")
    result = run(project, destinations={"slack": slack, "webhook": Recorder("webhook")})
    held = [a for a in result["actions"] if a["account_id"] == target]
    assert held and all(a["status"] == "skipped" and a["error"].startswith("cooldown: snoozed until") for a in held)
    assert target not in {d.account.account_id for d in slack.got}


def test_a_broken_template_parks_the_action_with_the_playbook_and_field(company, tmp_path):
    project = fresh(company, tmp_path)
    config = project.config_path
    config.write_text(config.read_text().replace("{{ account.name }}", "{{ account.nmae }}"))
    result = run(project, destinations={"slack": Recorder("slack"), "webhook": Recorder("webhook")})
    assert result["actions"] and {a["status"] for a in result["actions"]} == {"parked"}
    assert "playbook 'hot_account': message.text" in result["actions"][0]["error"]


def test_a_template_syntax_error_is_a_config_error_with_its_line(company, tmp_path):
    project = fresh(company, tmp_path)
    config = project.config_path
    config.write_text(config.read_text().replace("{{ account.name }}", "{{ account.name }"))
    error = cli("run", "--project", str(project.root), code=2)
    assert "hot_account" in error["message"] and "leadlight.yml:" in error["message"]


KILLER = """
import os, signal, sys
from leadlight.destinations.base import Sent
from leadlight.storage import Project
from leadlight.tasks.run import run

class SendThenDie:
    idempotent = True
    def deliver(self, delivery):
        with open(sys.argv[2], "a") as f:
            f.write(delivery.key + "\\n")
        os.kill(os.getpid(), signal.SIGKILL)  # after the send, before the outbox records it
    def close(self):
        pass

run(Project.locate(sys.argv[1]), destinations={"slack": SendThenDie(), "webhook": SendThenDie()})
"""


def test_kill_9_between_send_and_record_re_sends_with_the_same_key(company, tmp_path):
    project = fresh(company, tmp_path)
    received = tmp_path / "received.txt"
    script = tmp_path / "killer.py"
    script.write_text(textwrap.dedent(KILLER))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2] / "src"), *sys.path])}
    done = subprocess.run([sys.executable, str(script), str(project.root), str(received)], env=env)
    assert done.returncode == -signal.SIGKILL
    first_key = received.read_text().split()[0]
    rows = {a["key"]: a for a in outbox(project)["actions"]}
    assert rows[first_key]["status"] == "pending"  # the row survived the crash: committed with the snapshot
    slack, hook = Recorder("slack"), Recorder("webhook")
    run(project, destinations={"slack": slack, "webhook": hook})
    again = [d.key for d in slack.got + hook.got]
    assert again.count(first_key) == 1  # re-sent once, with the same idempotency key
    assert all(a["status"] == "sent" for a in outbox(project)["actions"])
    assert len(again) == len(rows)  # nothing lost


def test_plan_replays_playbooks_over_history(company, tmp_path):
    project = fresh(company, tmp_path)
    report = cli("plan", "--every", "14d", "--project", str(project.root))
    assert report["moments"] >= 6
    (entry,) = report["playbooks"]
    assert {"name", "alerts_per_week", "triggered", "triggered_conversion_rate", "untriggered_conversion_rate",
            "missed_buyers"} <= set(entry)
    weeks = report["moments"] * 2
    assert entry["alerts"] > 0 and abs(entry["alerts_per_week"] - entry["alerts"] / weeks) < 0.1 + entry["alerts"] / 50
    assert entry["triggered"] <= entry["alerts"]
    assert all(0 <= entry[k] <= 1 for k in ("triggered_conversion_rate", "untriggered_conversion_rate")
               if entry[k] is not None)
    assert outbox(project)["actions"] == []  # a replay acts on nothing
    from leadlight.tasks.report import playbook_activity

    (shown,) = [p for p in playbook_activity(project) if p["playbook"] == "hot_account"]
    assert shown["replay"] == entry  # the web report shows the last replay beside the outbox counts


def test_signed_webhooks_over_http_once_per_newly_qualified_account(company, tmp_path, monkeypatch):
    from tests.fakes.webhook import WebhookReceiver

    project = fresh(company, tmp_path)
    config = project.config_path
    config.write_text(config.read_text().replace("[{destination: slack}, {destination: webhook}]",
                                                 "[{destination: webhook}]"))
    receiver = WebhookReceiver()
    with receiver.server:
        monkeypatch.setenv("LEADLIGHT_WEBHOOK_URL", receiver.url)
        monkeypatch.setenv("LEADLIGHT_WEBHOOK_SECRET", receiver.secret)
        first = cli("run", "--project", str(project.root))
        again = cli("run", "--project", str(project.root))
    pqas = {a["account_id"] for a in cli("accounts", "--project", str(project.root)) if a["pqa"]}
    assert receiver.rejected == 0  # every signature verified by the Standard Webhooks library
    assert sorted(e["data"]["account"]["account_id"] for e in receiver.events) == sorted(pqas)
    assert len(receiver.ids) == len(pqas) and {a["status"] for a in first["actions"]} == {"sent"}
    assert again["actions"] == []


def test_the_init_template_has_a_working_example_of_every_trigger_type(tmp_path):
    _, project = generated_project(tmp_path, None, accounts=150, days=120, seed=3)
    preview = cli("run", "--dry-run", "--project", str(project))
    fired = {a["playbook"] for a in preview["actions"]}
    assert fired == {"hot_account", "buying_signals", "pricing_interest", "growing_team", "going_quiet",
                     "paywall_pressure", "stalled_activation", "buying_committee"}


def test_run_every_loops_and_stops_cleanly_on_sigterm(company, tmp_path):
    project = fresh(company, tmp_path)
    loop = subprocess.Popen([sys.executable, "-m", "leadlight", "run", "--every", "1s", "--json",
                             "--project", str(project.root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        first = json.loads(_next_document(loop.stdout))
        second = json.loads(_next_document(loop.stdout))
    finally:
        loop.send_signal(signal.SIGTERM)
        out, err = loop.communicate(timeout=120)
    assert loop.returncode == 0, err[-2000:]
    assert first["actions"] and second["actions"] == []  # the second pass found nothing new to act on
    assert {a["status"] for a in first["actions"]} == {"skipped"}  # slack/webhook not configured here
    assert owner_file(project).exists() is False  # the loop said it owned the project, and said when it stopped


def owner_file(project: Project) -> Path:
    return project.data_dir / "owner.json"


def _next_document(stream) -> str:
    """One pretty-printed JSON document from a stream of them (each ends with a closing brace at column 0)."""
    lines = []
    for line in stream:
        lines.append(line)
        if line.rstrip() == "}":
            return "".join(lines)
    raise AssertionError("the loop stopped before printing a result")
