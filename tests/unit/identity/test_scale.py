"""A million users resolve in seconds: the work stays set-based in DuckDB."""

import time

import pytest

from leadlight.identity import resolve
from leadlight.storage import Project, connect


@pytest.mark.slow
def test_a_million_users_and_ten_million_events(tmp_path):
    users, accounts, events = 1_000_000, 100_000, 10_000_000
    con = connect(Project(tmp_path))
    con.execute(f"INSERT INTO accounts (account_id, domain) SELECT 'A' || i, 'co' || i || '.com' FROM range({accounts}) t(i)")
    con.execute(
        f"""INSERT INTO users (user_id, email)
            SELECT 'u' || i, CASE WHEN i % 5 = 0 THEN 'p' || i || '@gmail.com'
                                  ELSE 'w' || i || '@co' || (i % {accounts}) || '.com' END
            FROM range({users}) t(i)"""
    )
    con.execute(
        f"""INSERT INTO events (message_id, type, user_id, anonymous_id, timestamp, group_id)
            SELECT 'm' || i, CASE WHEN i % 50 = 0 THEN 'group' ELSE 'track' END,
                   CASE WHEN i % 13 = 0 THEN NULL ELSE 'u' || (hash(i) % {users}) END,
                   CASE WHEN i % 3 = 0 THEN 'v' || (hash(i * 7) % {users}) END,
                   TIMESTAMP '2024-01-01' + to_seconds((hash(i * 3) % 10000000)::BIGINT),
                   CASE WHEN i % 50 = 0 THEN 'A' || (hash(i) % {accounts}) END
            FROM range({events}) t(i)"""
    )
    started = time.perf_counter()
    counts = resolve(con)
    seconds = time.perf_counter() - started
    assert counts["users"] == users
    assert counts["personal"] == users // 5
    assert counts["by_method"]["domain"] > 0 and counts["by_method"]["group"] > 0
    assert seconds < 60, f"resolve took {seconds:.1f} s"
