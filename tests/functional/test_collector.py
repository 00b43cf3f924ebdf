"""The event collector on a live server: the real SDKs, durability, the error replies, gzip, many clients."""

from __future__ import annotations

import gzip
import json
import subprocess
import textwrap
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import httpx
import pytest

from tests import collector_server
from tests.cli import cli
from tests.collector_server import WRITE_KEY

LEGACY_PYTHON = Path(__file__).resolve().parents[2] / ".venvs" / "legacy" / "bin" / "python"
KINDS = ("track", "identify", "group", "page", "screen")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    cli("init", str(tmp_path / "p"))
    return tmp_path / "p"


@pytest.fixture
def server(project: Path):
    running = collector_server.start(project)
    yield running
    running.kill()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """One server for the tests that only read replies."""
    root = tmp_path_factory.mktemp("shared")
    cli("init", str(root / "p"))
    running = collector_server.start(root / "p")
    yield running
    running.kill()


@pytest.fixture
def serve(project: Path):
    """The whole ``leadlight serve``: web app and collector in one process owning the project."""
    running = collector_server.start(project, serve=True)
    yield running
    running.kill()


def alive(pid: int, wait: float = 10) -> bool:
    """Whether process ``pid`` still runs (a zombie does not) after up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return False
        except OSError:
            return False
        time.sleep(0.1)
    return True


def stored(project: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def batch(n: int, **extra) -> dict:
    """``n`` track messages, each with its own messageId and ``properties.n``."""
    return {"batch": [{"type": "track", "userId": f"u{i % 7}", "event": "Report Exported",
                       "messageId": str(uuid.uuid4()), "properties": {"n": i},
                       "timestamp": "2026-01-05T10:00:00Z"} for i in range(n)], **extra}


def post(server, path: str, body, *, key: str | None = WRITE_KEY, **kwargs) -> httpx.Response:
    return httpx.post(server.url + path, json=body, auth=(key, "") if key else None, timeout=30, **kwargs)


def send_with_sdk(client, n: int) -> None:
    for i in range(n):
        client.track(user_id=f"user-{i % 5}", event="Dashboard Viewed", properties={"n": i})
    client.identify(user_id="user-1", traits={"email": "ana@acme.com"})
    client.group(user_id="user-1", group_id="acme", traits={"name": "Acme"})
    client.page(user_id="user-1", name="Pricing")
    client.screen(user_id="user-1", name="Home")
    client.flush()
    client.join()


def assert_exactly_once(project: Path, n: int) -> None:
    tracks = stored(project, "SELECT count(*), count(DISTINCT json_extract(properties, '$.n')), count(DISTINCT message_id) "
                             "FROM events WHERE event = 'Dashboard Viewed'")
    assert tracks == [(n, n, n)]
    types = dict(stored(project, "SELECT type, count(*) FROM events GROUP BY type"))
    assert types == {"track": n, "identify": 1, "group": 1, "page": 1, "screen": 1}


def test_segment_sdk_delivers_every_event_exactly_once(project, serve):
    from segment.analytics.client import Client

    errors: list = []
    send_with_sdk(Client(write_key=WRITE_KEY, host=serve.url, upload_interval=0.05, upload_size=37,
                         on_error=lambda e, batch: errors.append(e)), 300)
    serve.stop()  # a graceful stop drains everything acknowledged
    assert errors == []
    assert_exactly_once(project, 300)


def test_rudderstack_sdk_gzip_delivers_every_event_exactly_once(project, serve):
    from rudderstack.analytics.client import Client

    errors = []
    send_with_sdk(Client(write_key=WRITE_KEY, host=serve.url, upload_interval=0.05, upload_size=41, gzip=True,
                         on_error=lambda e, batch: errors.append(e)), 300)
    serve.stop()
    assert errors == []
    assert_exactly_once(project, 300)


@pytest.mark.skipif(not LEGACY_PYTHON.exists(), reason="legacy analytics-python venv missing (see docs/readme/live.md)")
def test_legacy_analytics_python_delivers_every_event_exactly_once(project, serve):
    script = textwrap.dedent(f"""
        import sys
        from analytics.client import Client
        errors = []
        client = Client(write_key={WRITE_KEY!r}, host={serve.url!r}, upload_interval=0.05, upload_size=29,
                        on_error=lambda e, batch: errors.append(e))
        for i in range(300):
            client.track(user_id="user-%d" % (i % 5), event="Dashboard Viewed", properties={{"n": i}})
        client.identify(user_id="user-1", traits={{"email": "ana@acme.com"}})
        client.group(user_id="user-1", group_id="acme", traits={{"name": "Acme"}})
        client.page(user_id="user-1", name="Pricing")
        client.screen(user_id="user-1", name="Home")
        client.flush()
        client.join()
        sys.exit(1 if errors else 0)
    """)
    subprocess.run([str(LEGACY_PYTHON), "-c", script], check=True, timeout=120)
    serve.stop()
    assert_exactly_once(project, 300)


def test_drains_in_the_background_while_running(project, server):
    assert post(server, "/v1/batch", batch(40)).status_code == 200
    deadline = time.monotonic() + 30
    while server.health()["collector"]["drain"]["loaded"] < 40:
        assert time.monotonic() < deadline, server.health()
        time.sleep(0.2)
    assert server.health()["collector"]["log"]["segments_waiting"] == 0


def test_kill_9_right_after_a_200_loses_nothing_and_doubles_nothing(project, server):
    sent = [batch(50) for _ in range(6)]
    for body in sent:
        assert post(server, "/v1/batch", body).status_code == 200
    worker = server.health()["collector"]["drain"]["worker_pid"]
    server.kill()  # no drain, no flush: only what the 200s promised is on disk
    again = collector_server.start(project)
    try:
        assert post(again, "/v1/batch", sent[0]).status_code == 200  # a client retry after the crash
    finally:
        again.stop()
    assert worker is not None and not alive(worker)  # the drain worker did not outlive its server
    ids = {m["messageId"] for body in sent for m in body["batch"]}
    rows = stored(project, "SELECT message_id, count(*) FROM events GROUP BY message_id")
    assert {r[0] for r in rows} == ids
    assert {r[1] for r in rows} == {1}


def test_a_bad_message_is_named_and_the_good_ones_of_its_batch_are_kept(project, server):
    body = batch(5)
    body["batch"][2] = {"type": "track", "userId": "u1", "messageId": "no-event"}
    body["batch"][4]["type"] = "purchase"
    reply = post(server, "/v1/batch", body)
    assert reply.status_code == 400
    assert reply.json()["code"] == "invalid_message" and "track call without event" in reply.json()["message"]
    assert (reply.json()["index"], reply.json()["accepted"], reply.json()["rejected"]) == (2, 3, 2)
    server.stop()
    assert stored(project, "SELECT count(*) FROM events") == [(3,)]


@pytest.mark.parametrize("content, status, code", [
    (b"{not json", 400, "invalid_json"),
    (b"[1, 2]", 400, "invalid_json"),
    (b'{"batch": {"type": "track"}}', 400, "invalid_batch"),
])
def test_malformed_bodies_get_400_with_code_and_message(shared_server, content, status, code):
    reply = httpx.post(shared_server.url + "/v1/batch", content=content, auth=(WRITE_KEY, ""))
    assert reply.status_code == status
    assert reply.json()["code"] == code and reply.json()["message"]


def test_oversize_message_and_batch_get_413(project, server):
    huge = {"type": "track", "userId": "u", "event": "E", "properties": {"blob": "x" * (33 << 10)}}
    assert post(server, "/v1/track", huge).status_code == 413
    body = batch(3)
    body["batch"].insert(1, huge)
    reply = post(server, "/v1/batch", body)
    assert reply.status_code == 413 and reply.json()["index"] == 1 and reply.json()["accepted"] == 3
    big = {"batch": [{"type": "track", "userId": "u", "event": "E", "properties": {"blob": "x" * (30 << 10)}}] * 20}
    reply = post(server, "/v1/batch", big)
    assert reply.status_code == 413 and reply.json()["code"] == "payload_too_large"
    server.stop()
    assert stored(project, "SELECT count(*) FROM events") == [(3,)]


def test_write_key_ways_and_wrong_keys(shared_server):
    server = shared_server
    message = {"userId": "u1", "event": "E"}
    assert post(server, "/v1/track", message, key=None).status_code == 401
    assert post(server, "/v1/track", message, key="not-the-key").status_code == 401
    assert post(server, "/v1/track", {**message, "writeKey": "nope"}, key=None).json()["code"] == "invalid_write_key"
    assert post(server, "/v1/track", {**message, "writeKey": WRITE_KEY}, key=None).status_code == 200
    assert httpx.post(server.url + "/v1/track", json=message, auth=(WRITE_KEY, "secret")).status_code == 200
    import base64
    bare = base64.b64encode(WRITE_KEY.encode()).decode()  # username without the colon
    reply = httpx.post(server.url + "/v1/track", json=message, headers={"Authorization": f"Basic {bare}"})
    assert reply.status_code == 200 and reply.json() == {"success": True}


def test_gzip_batch_context_merge_nulls_and_alias(project, server):
    body = batch(4, context={"groupId": "acme", "library": {"name": "test"}})
    body["batch"][0]["context"] = {"groupId": "globex"}
    body["batch"][1]["userId"] = None
    body["batch"][1]["anonymousId"] = "anon-9"
    body["batch"].append({"type": "alias", "previousId": "anon-9", "userId": "u1", "timestamp": "2026-01-05T10:00:00Z"})
    content = gzip.compress(json.dumps(body).encode())
    reply = httpx.post(server.url + "/v1/batch", content=content, auth=(WRITE_KEY, ""),
                       headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert reply.status_code == 200, reply.text
    broken = httpx.post(server.url + "/v1/batch", content=b"\x1f\x8bnot gzip", auth=(WRITE_KEY, ""),
                        headers={"Content-Encoding": "gzip"})
    assert broken.status_code == 400 and broken.json()["code"] == "invalid_gzip"
    server.stop()
    rows = stored(project, "SELECT json_extract_string(properties, '$.n'), user_id, anonymous_id, group_id FROM events "
                           "WHERE type = 'track' ORDER BY 1")
    assert rows == [("0", "u0", None, "globex"), ("1", None, "anon-9", "acme"), ("2", "u2", None, "acme"),
                    ("3", "u3", None, "acme")]
    assert stored(project, "SELECT user_id, anonymous_id FROM events WHERE type = 'identify'") == [("u1", "anon-9")]


def test_full_disk_gets_503_with_retry_after(project):
    (project / "leadlight.yml").write_text((project / "leadlight.yml").read_text()
                                           + "\ncollector:\n  min_free_mb: 1000000000\n")
    server = collector_server.start(project)
    try:
        reply = post(server, "/v1/batch", batch(2))
        assert reply.status_code == 503 and reply.headers["Retry-After"] == "5" and reply.json()["message"]
    finally:
        server.kill()


def test_many_clients_at_once(project, server):
    bodies = [batch(25) for _ in range(120)]
    with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=24)) as client, ThreadPoolExecutor(24) as pool:
        statuses = list(pool.map(lambda b: client.post(server.url + "/v1/batch", json=b, auth=(WRITE_KEY, "")).status_code,
                                 bodies))
    assert statuses == [200] * len(bodies)
    log = server.health()["collector"]["log"]
    assert log["appends"] == len(bodies)
    server.stop()
    ids = {m["messageId"] for b in bodies for m in b["batch"]}
    assert stored(project, "SELECT count(*), count(DISTINCT message_id) FROM events") == [(len(ids), len(ids))]
