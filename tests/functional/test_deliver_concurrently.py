"""Delivery: each destination from its own workers (a slow, one-at-a-time Slack never holds up the webhook),
every row tried once and recorded; a failure is recorded as a retry, not lost."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from leadlight.destinations.base import DeliveryFailed, Sent
from leadlight.playbooks.outbox import Outbox, OutboxRow
from leadlight.storage import Project
from leadlight.storage.database import connect
from leadlight.tasks.init import init_project
from leadlight.tasks.run import deliver
from tests.fakes import samples

NOW = datetime(2026, 11, 30, 12, 0)


class Fake:
    def __init__(self, concurrency: int, seconds: float, fail: set[str] = frozenset()) -> None:
        self.concurrency, self.seconds, self.fail = concurrency, seconds, fail
        self.lock = threading.Lock()
        self.flying = self.most = 0
        self.keys: list[str] = []
        self.finished_at = 0.0

    def deliver(self, delivery):
        with self.lock:
            self.flying += 1
            self.most = max(self.most, self.flying)
        time.sleep(self.seconds)
        with self.lock:
            self.flying -= 1
            self.keys.append(delivery.key)
            self.finished_at = time.monotonic()
        if delivery.key in self.fail:
            raise DeliveryFailed("answered HTTP 503", retryable=True, retry_after=30)
        return Sent(remote_id=delivery.key)


def test_destinations_deliver_side_by_side_each_row_once(tmp_path):
    init_project(tmp_path / "p")
    con = connect(Project(tmp_path / "p"))
    try:
        outbox = Outbox(con)
        rows = [OutboxRow(key=f"{dest}-{i}", playbook="p", trigger="t", destination=dest, account_id=f"a{i}",
                          as_of=NOW, delivery=samples.delivery(key=f"{dest}-{i}"))
                for dest, n in (("slack", 5), ("webhook", 40)) for i in range(n)]
        outbox.add(rows, NOW)
        slack, webhook = Fake(1, 0.2), Fake(8, 0.02, fail={"webhook-3"})
        tried = deliver(outbox, {"slack": slack, "webhook": webhook}.__getitem__, lambda: NOW)
        assert tried == {r.key for r in rows}
        assert sorted(slack.keys) == sorted(f"slack-{i}" for i in range(5)) and slack.most == 1
        assert sorted(webhook.keys) == sorted(f"webhook-{i}" for i in range(40)) and 1 < webhook.most <= 8
        assert webhook.finished_at < slack.finished_at  # it did not wait behind the one-at-a-time destination
        status = dict(con.execute("SELECT key, status FROM outbox").fetchall())
        assert status.pop("webhook-3") == "retrying"
        assert set(status.values()) == {"sent"}
    finally:
        con.close()
