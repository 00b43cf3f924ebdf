"""kill -9 the collector at random moments under concurrent load: every acknowledged event lands exactly once."""

from __future__ import annotations

import random
import threading
import time
import uuid
from pathlib import Path

import duckdb
import httpx
import pytest

from tests import collector_server
from tests.cli import cli
from tests.collector_server import WRITE_KEY

pytestmark = pytest.mark.slow


def batch(size: int) -> dict:
    return {"batch": [{"type": "track", "userId": f"u{i}", "event": "Chart Shared", "messageId": str(uuid.uuid4()),
                       "timestamp": "2026-01-05T10:00:00Z"} for i in range(size)]}


def test_kill_9_under_load_loses_no_acknowledged_event_and_doubles_none(tmp_path: Path):
    cli("init", str(tmp_path / "p"))
    project = tmp_path / "p"
    rng = random.Random(7)
    acknowledged: set[str] = set()
    unsent = [batch(rng.randint(1, 60)) for _ in range(400)]
    lock = threading.Lock()
    server = collector_server.start(project)

    def client(url_of) -> None:
        with httpx.Client(timeout=5) as http:
            while True:
                with lock:
                    if not unsent:
                        return
                    body = unsent.pop()
                try:
                    ok = http.post(url_of() + "/v1/batch", json=body, auth=(WRITE_KEY, "")).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    if ok:
                        acknowledged.update(m["messageId"] for m in body["batch"])
                    else:
                        unsent.insert(0, body)  # like the SDKs: anything but a 200 is sent again
                if not ok:
                    time.sleep(0.05)

    current = {"server": server}
    threads = [threading.Thread(target=client, args=(lambda: current["server"].url,)) for _ in range(8)]
    for t in threads:
        t.start()
    for _ in range(4):
        time.sleep(rng.uniform(0.3, 1.5))
        current["server"].kill()
        current["server"] = collector_server.start(project, port=current["server"].port)
    for t in threads:
        t.join(120)
    current["server"].stop(timeout=120)
    assert not unsent
    con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"), read_only=True)
    rows = con.execute("SELECT message_id, count(*) FROM events GROUP BY message_id").fetchall()
    con.close()
    assert {r[0] for r in rows} == acknowledged
    assert max(r[1] for r in rows) == 1
