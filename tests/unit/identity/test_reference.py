"""The SQL resolution agrees with a slow, obvious Python reading of the rules on random tiny worlds."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from leadlight.config.project import IdentityConfig
from leadlight.identity import resolve
from leadlight.identity.domains import DomainRules, parent_domains
from leadlight.storage import Project, connect

ACCOUNT_DOMAINS = ["acme.com", "acme.com", "globex.com", "eng.acme.com", "gmail.com", "ox.ac.uk", None]
EMAIL_DOMAINS = ["acme.com", "eng.acme.com", "sales.acme.com", "globex.com", "gmail.com", "mailinator.com", "ox.ac.uk", "x.io"]
START = datetime(2024, 3, 1)


def random_world(rng: random.Random) -> dict:
    accounts = [(f"A{i}", rng.choice(ACCOUNT_DOMAINS)) for i in range(rng.randint(0, 5))]
    users = []
    for i in range(rng.randint(0, 6)):
        email = rng.choice([None, f"p{i}@{rng.choice(EMAIL_DOMAINS)}"])
        users.append((f"u{i}", email, rng.choice([None, None, "A1", "B7"]), rng.choice([None, True, False])))
    events = []
    for _ in range(rng.randint(0, 25)):
        user = rng.choice([None, "u0", "u1", "u2", "u6", "u7"])
        anon = rng.choice([None, "v0", "v1", "v2"]) if user else rng.choice(["v0", "v1", "v2", "v3"])
        kind = rng.choice(["group", "track", "identify", "page"])
        group = rng.choice([None, "A0", "A1", "A2", "W9"]) if kind in ("group", "track") else None
        events.append((kind, user, anon, START + timedelta(hours=rng.randint(0, 6)), group))
    return {"accounts": accounts, "users": users, "events": events}


def reference(world: dict, rules: DomainRules) -> dict[str, tuple[str | None, str | None]]:
    first: dict[str, tuple[datetime, str]] = {}
    for _, user, anon, ts, _ in world["events"]:
        if user and anon:
            first[anon] = min(first.get(anon, (ts, user)), (ts, user))
    alias = {anon: user for anon, (_, user) in first.items()}

    activity: dict[tuple[str, str], list] = {}
    seen = set()
    for kind, user, anon, ts, group in world["events"]:
        who = user or alias.get(anon)
        if who:
            seen.add(who)
        if who and group:
            row = activity.setdefault((who, group), [0, 0, ts])
            row[0] += kind == "group"
            row[1] += 1
            row[2] = max(row[2], ts)
    group_link: dict[str, str] = {}
    for user in {u for u, _ in activity}:
        options = [(g, *activity[(u, g)]) for u, g in activity if u == user]
        best = sorted(options, key=lambda o: (-o[1], -o[2], -o[3].timestamp(), o[0]))[0]
        group_link[user] = best[0]

    members = {}
    for account in group_link.values():
        members[account] = members.get(account, 0) + 1
    owners: dict[str, str] = {}
    for account_id, domain in sorted(world["accounts"], key=lambda a: (-members.get(a[0], 0), a[0])):
        if domain:
            owners.setdefault(domain, account_id)

    result = {}
    listed = {u[0]: u for u in world["users"]}
    for user in seen | set(listed):
        _, email, account_id, confirmed = listed.get(user, (user, None, None, None))
        if user in group_link:
            result[user] = (group_link[user], "group")
        elif account_id:
            result[user] = (account_id, "users_file")
        else:
            result[user] = (None, None)
            if email and confirmed is not False:
                domain = email.split("@")[1]
                c = rules.classify(domain)
                if not (c.personal or c.disposable or c.student):
                    for parent in parent_domains(domain):
                        if parent in owners:
                            result[user] = (owners[parent], "domain")
                            break
    return result


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    con = connect(Project(tmp_path_factory.mktemp("reference")))
    yield con
    con.close()


@pytest.mark.parametrize("seed", range(40))
def test_sql_matches_reference(con, seed):
    world = random_world(random.Random(seed))
    for table in ("accounts", "users", "events"):
        con.execute(f"DELETE FROM {table}")
    if world["accounts"]:
        con.executemany("INSERT INTO accounts (account_id, domain) VALUES (?, ?)", world["accounts"])
    if world["users"]:
        con.executemany("INSERT INTO users (user_id, email, account_id, email_confirmed) VALUES (?, ?, ?, ?)", world["users"])
    for n, (kind, user, anon, ts, group) in enumerate(world["events"]):
        con.execute(
            "INSERT INTO events (message_id, type, user_id, anonymous_id, timestamp, group_id) VALUES (?, ?, ?, ?, ?, ?)",
            [f"m{n}", kind, user, anon, ts, group],
        )
    resolve(con)
    got = {u: (a, m) for u, a, m in con.execute("SELECT user_id, account_id, method FROM identities").fetchall()}
    assert got == reference(world, DomainRules.from_config(IdentityConfig()))
