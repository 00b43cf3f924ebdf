"""Small contract objects for destination tests: an account, its PQL people, a delivery."""

from __future__ import annotations

from leadlight.contract import AccountObject, LeadObject, Person, Reason
from leadlight.destinations.base import Delivery, Message


def account(account_id: str = "acme", **changes) -> AccountObject:
    base = dict(
        account_id=account_id, name=f"{account_id.title()} Inc", domain=f"{account_id}.io", score=87.4,
        probability=0.62, fit="high", intent="high", quadrant="high_fit_high_intent", pqa=True,
        reasons=[Reason(signal="seats", value=12, contribution=20, text="12 active seats, up from 4 in 28 days"),
                 Reason(signal="invites", value=9, contribution=12, text="9 teammates invited this month"),
                 Reason(signal="billing", value=3, contribution=8, text="Visited the billing page 3 times")],
        champion=Person(user_id="u1", email=f"dana@{account_id}.io", title="VP Engineering"),
        status="prospect", owner="U024BE7LH", as_of="2026-11-30T00:00:00")
    return AccountObject(**(base | changes))


def lead(user_id: str = "u1", account_id: str = "acme", **changes) -> LeadObject:
    base = dict(user_id=user_id, email=f"{user_id}@{account_id}.io", title="Engineer", account_id=account_id,
                account_name=f"{account_id.title()} Inc", score=71.0, pql=True,
                reasons=[Reason(signal="active_days", value=9, contribution=10, text="Active 9 of the last 14 days")])
    return LeadObject(**(base | changes))


def delivery(key: str = "expansion:acme:1", **changes) -> Delivery:
    base = dict(
        key=key, playbook="expansion", trigger="entered high_fit_high_intent", account=account(),
        message=Message(subject="Your team is growing", text="Hi Dana, I noticed your team went from 4 to 12 seats.\n"
                        "Want a hand rolling it out to the rest of engineering?"),
        team="AE", account_url="https://leadlight.example.com/accounts/acme")
    return Delivery(**(base | changes))


def scored_project(root, accounts: int, pqls_per_account: int = 0, *, score_shift: float = 0.0,
                   as_of: str = "2026-11-30"):
    """A project whose DuckDB file holds one synthetic snapshot of ``accounts`` accounts (and PQL people), written
    through the storage API; for sync tests and benchmarks that need many accounts without scoring them."""
    from pathlib import Path

    from leadlight.storage.database import connect
    from leadlight.storage.project import Project
    from leadlight.storage.snapshots import to_frame, write_snapshot
    from leadlight.timeutil import parse_as_of, utcnow

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "leadlight.yml").exists():
        (root / "leadlight.yml").write_text("version: 1\nname: synthetic\n")
    at, now = parse_as_of(as_of), utcnow()
    stamp = {"as_of": at, "definition_hash": "synthetic", "leadlight_version": "bench", "scored_at": now}
    rows, people = [], []
    for i in range(accounts):
        a = account(f"acct{i:06d}", score=round((i * 37 % 100) + score_shift, 1), probability=None if i % 5 else 0.4)
        rows.append(a.model_dump(mode="json", exclude={"schema_version", "as_of"})
                    | stamp | {"priority": 0, "reasons": [r.model_dump() for r in a.reasons]})
        for j in range(pqls_per_account):
            p = lead(f"u{i:06d}_{j}", a.account_id)
            people.append(p.model_dump(mode="json", exclude={"schema_version", "link", "persona"}) | stamp)
    project = Project(root)
    con = connect(project)
    try:
        con.begin()
        write_snapshot(con, at, to_frame(rows), to_frame(people) if people else to_frame([{"user_id": None}]).iloc[0:0])
        con.commit()
    finally:
        con.close()
    return project
