"""From hits to outbox rows: routing, words, caps and the rep's cooldowns, decided once, when the row is written."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from leadlight.contract import Delivery, Message, Play
from leadlight.playbooks.matching import Hit
from leadlight.playbooks.messages import MessageError, context, render
from leadlight.playbooks.outbox import Outbox, OutboxRow
from leadlight.playbooks.routing import route
from leadlight.timeutil import parse_window

SEQUENCES = ("outreach", "salesloft")


def account_url(account_id: str) -> str | None:
    base = os.environ.get("LEADLIGHT_BASE_URL", "").strip().rstrip("/")
    return f"{base}/accounts/{account_id}" if base else None


class Planner:
    """Turns hits into outbox rows for one run, honouring caps across this run and earlier ones."""

    def __init__(self, config: Any, outbox: Outbox, now: datetime, cooldowns: dict[str, str]) -> None:
        self.config, self.outbox, self.now, self.cooldowns = config, outbox, now, cooldowns
        caps = config.caps
        self.period = parse_window(caps.period)
        self.given = outbox.given_per_team()
        # what earlier runs already sent, counted once; this run's rows are added as they are planned
        self._counts = outbox.cap_counts(now - self.period, now - timedelta(days=1))

    def rows(self, hit: Hit, as_of: datetime) -> list[OutboxRow]:
        pb, subject = hit.playbook, hit.subject
        account = subject.account
        assignment = route(subject, self.config.routing, self.config.teams, self.given, team=pb.team, playbook=pb.name)
        values = context(subject, playbook=pb.name, trigger=hit.trigger, team=assignment.team, rep=assignment.rep)
        error = None
        try:
            message = render(pb.message, values, subject, playbook=pb.name)
        except MessageError as err:
            message, error = render_fallback(account), str(err)
        play = Play(name=pb.name, message=message.text, pain_point=message.pain_point, talk_track=message.talk_track,
                    team=assignment.team)
        champion = account.champion.user_id if account.champion else None
        people = [p for p in subject.people if p.user_id == champion or p.pql][:10]
        out = []
        held = error or self._account_held_back(account.account_id)
        for i, action in enumerate(pb.actions):
            key = f"{pb.name}/{account.account_id}/v{hit.version}/{action.destination}" + (f"/{i}" if i else "")
            delivery = Delivery(
                key=key, playbook=pb.name, trigger=hit.trigger, account=account.model_copy(update={"play": play}),
                people=people, message=message, team=assignment.team, rep=assignment.rep, owner=account.owner,
                account_url=account_url(account.account_id), options=action.options)
            person = champion if action.destination in SEQUENCES else None
            row = OutboxRow(key=key, playbook=pb.name, trigger=hit.trigger, destination=action.destination,
                            account_id=account.account_id, as_of=as_of, delivery=delivery, person_id=person,
                            team=assignment.team, rep=assignment.rep)
            reason = held or self._channel_held_back(action.destination, person)
            if reason:
                row.status = "parked" if error else "skipped"
                row.error = reason
            else:
                self._count(("channel", action.destination), *([("person", person)] if person else []))
            out.append(row)
        if not held:
            self._count(("account", account.account_id))
        return out

    def _account_held_back(self, account_id: str) -> str | None:
        """A rep's cooldown, or the per-account cap (alerts from any playbook within the period)."""
        if account_id in self.cooldowns:
            return f"cooldown: {self.cooldowns[account_id]}"
        caps = self.config.caps
        if self._counts.get(("account", account_id), 0) >= caps.per_account:
            return f"capped: {caps.per_account} alert(s) per account every {caps.period}"
        return None

    def _channel_held_back(self, destination: str, person: str | None) -> str | None:
        caps = self.config.caps
        if self._counts.get(("channel", destination), 0) >= caps.per_channel:
            return f"capped: {caps.per_channel} actions a day to {destination}"
        if person is not None:
            if self._counts.get(("person", person), 0) >= caps.per_person:
                return f"capped: {caps.per_person} enrolments per person every {caps.period}"
        return None

    def _count(self, *keys: tuple[str, str]) -> None:
        for key in keys:
            self._counts[key] = self._counts.get(key, 0) + 1


def render_fallback(account: Any) -> Message:
    return Message(text=f"{account.name or account.account_id}: (the playbook's message could not be filled)")
