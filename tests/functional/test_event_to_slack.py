"""Event to rep: an SDK's track() reaches `leadlight serve`'s collector, the run loop inside serve fires the
playbook, and the Slack webhook receives the post - one process owning the project's file throughout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pandas as pd
import pytest

from tests.cli import cli, generated_project
from tests.collector_server import WRITE_KEY, free_port
from tests.fakes.slack import slack_webhook  # noqa: F401  (fixture)

CONFIG_TAIL = """
playbooks:
  - name: pricing_interest
    trigger: {kind: conditions, all: [{signal: pricing_views_14d, op: ">=", value: 3}]}
    message:
      text: "{{ account.name }} viewed pricing {{ signals.pricing_views_14d }} times in 14 days."
    actions: [{destination: slack}]
caps: {per_account: 5, period: 1d, per_channel: 1000}
"""


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def test_a_tracked_event_reaches_slack_through_serve(tmp_path, slack_webhook):  # noqa: F811
    from segment.analytics.client import Client

    data, project = generated_project(tmp_path, None, accounts=40, days=60, seed=8)
    config = project / "leadlight.yml"
    text = config.read_text()
    config.write_text(text[: text.index("\nplaybooks:")] + CONFIG_TAIL)
    cli("score", "--project", str(project))
    users = pd.read_csv(data / "users.csv")
    prospects = [a for a in cli("accounts", "--project", str(project))
                 if a["status"] == "prospect" and (users.account_id == a["account_id"]).any()]
    target = next(a for a in prospects  # nobody there viewed pricing lately: only our events can fire it
                  if not cli("explain", a["account_id"], "--signals", "--project", str(project))["signals"].get(
                      "pricing_views_14d"))
    user_id = users.loc[users.account_id == target["account_id"], "user_id"].iloc[0]

    port = free_port()
    env = {**os.environ, "SLACK_WEBHOOK_URL": slack_webhook.url, "LEADLIGHT_WRITE_KEY": WRITE_KEY,
           "PYTHONPATH": os.pathsep.join(sys.path)}
    serve = subprocess.Popen([sys.executable, "-m", "leadlight", "serve", "--port", str(port),
                              "--run-every", "1s", "--project", str(project)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _healthy(url), 60, "serve to start")
        time.sleep(3)  # the first runs: whatever already qualifies fires now
        before = len(slack_webhook.posts)
        client = Client(write_key=WRITE_KEY, host=url, upload_interval=0.05, sync_mode=True)
        sent = time.monotonic()
        for _ in range(3):
            client.track(user_id=str(user_id), event="Pricing", properties={"plan": "team"})
        client.flush()
        name = target["name"] or target["account_id"]
        wait_for(lambda: any(name in str(p) for p in slack_webhook.posts[before:]), 90, f"a Slack post about {name}")
        took = time.monotonic() - sent
        print(f"track() to Slack: {took:.1f} s")
        posts = [p for p in slack_webhook.posts[before:] if name in str(p)]
        assert len(posts) == 1 and "viewed pricing 3 times" in str(posts[0])
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(60)
        except subprocess.TimeoutExpired:
            serve.kill()
            pytest.fail("serve did not stop within 60 s of SIGTERM")
    assert serve.returncode in (0, -signal.SIGTERM), serve.stderr.read()[-2000:]
    actions = cli("outbox", "--project", str(project))["actions"]
    assert any(a["account_id"] == target["account_id"] and a["status"] == "sent" for a in actions)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
