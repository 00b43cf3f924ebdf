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
