"""Which team (and rep) gets an account: routing rules, first match wins; round robin inside a team.

An account with an owner in the accounts file goes to its owner when the team
says ``use_owner`` (the default). Round robin is deterministic and durable: the
outbox counts what each team was given, so a restart continues the rotation.
"""

from __future__ import annotations

from dataclasses import dataclass

from leadlight.config.playbooks import Route, Team
from leadlight.playbooks.conditions import holds
from leadlight.playbooks.triggers import Subject


@dataclass(frozen=True)
class Assignment:
    team: str | None
    rep: str | None
    why: str


def route(subject: Subject, routes: list[Route], teams: dict[str, Team], given: dict[str, int],
          *, team: str | None = None, playbook: str = "") -> Assignment:
    """The team and rep for one account; ``given`` counts assignments per team so far (updated here)."""
    why = f"playbook {playbook} names team {team}" if team else ""
    if team is None:
        for i, rule in enumerate(routes):
            if all(holds(c.op, subject.value(c.field, playbook), c.value) for c in rule.when):
                team, why = rule.team, (f"routing rule {i + 1}" if rule.when else "the default route")
                break
    if team is None:
        return Assignment(None, subject.account.owner, "no routing rule matched")
    settings = teams.get(team, Team())
    if settings.nurture:
        return Assignment(team, None, f"{why}: self-serve nurture")
    if settings.use_owner and subject.account.owner:
        return Assignment(team, subject.account.owner, f"{why}: the account's owner")
    if not settings.members:
        return Assignment(team, None, why)
    n = given.get(team, 0)
    given[team] = n + 1
    return Assignment(team, settings.members[n % len(settings.members)], f"{why}: round robin")
