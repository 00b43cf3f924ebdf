"""Does a playbook's trigger hold for an account right now? (Firing is entering: see ``matching``.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from leadlight.config.playbooks import ConditionsTrigger, EntersTrigger, ManyPqls, TriggersFired
from leadlight.contract import AccountObject, LeadObject
from leadlight.errors import ConfigError
from leadlight.playbooks.conditions import holds

# Account fields a condition may read besides the account's signals.
ACCOUNT_FIELDS = ("score", "probability", "pqa", "quadrant", "status", "owner", "fit", "intent", "expected_value",
                  "employees", "industry", "country", "plan", "people", "pql_users", "triggers_fired")


@dataclass
class Subject:
    """One account as playbooks see it: the contract object, its people, and its signal values."""

    account: AccountObject
    people: list[LeadObject] = field(default_factory=list)
    signals: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)  # people, pql_users, triggers_fired, firmographics
    new_pqls: int = 0  # people who became PQLs within the many_pqls span
    any_pql: bool | None = None  # whether one of its people is a PQL (None: read it from ``people``)

    def value(self, name: str, playbook: str) -> Any:
        if name in self.signals:
            return self.signals[name]
        if name in self.facts:
            return self.facts[name]
        if name in AccountObject.model_fields:
            return getattr(self.account, name)
        raise ConfigError(f"playbook {playbook!r} reads {name!r}, which is neither a signal nor an account field",
                          hint=f"use a signal declared under signals:, or one of: {', '.join(ACCOUNT_FIELDS)}")


def holds_for(trigger: Any, subject: Subject, playbook: str, default_k: int | None) -> bool:
    a = subject.account
    if isinstance(trigger, EntersTrigger):
        if trigger.state == "pqa":
            return a.pqa
        if trigger.state == "pql":
            return subject.any_pql if subject.any_pql is not None else any(p.pql for p in subject.people)
        return a.quadrant == trigger.quadrant
    if isinstance(trigger, ConditionsTrigger):
        return all(holds(c.op, subject.value(c.signal, playbook), c.value) for c in trigger.all)
    if isinstance(trigger, TriggersFired):
        k = trigger.k or default_k
        if k is None:
            raise ConfigError(f"playbook {playbook!r}: kind k_of_n needs k, or scoring.pqa.triggers to take it from")
        return (subject.facts.get("triggers_fired") or 0) >= k
    if isinstance(trigger, ManyPqls):
        return subject.new_pqls > trigger.min
    raise TypeError(f"unknown trigger {type(trigger).__name__}")


def describe(trigger: Any) -> str:
    """The trigger in a rep's words, for messages and the plan report."""
    if isinstance(trigger, EntersTrigger):
        return {"pqa": "became a product-qualified account", "pql": "has its first product-qualified lead"}.get(
            trigger.state, f"entered {str(trigger.quadrant).replace('_', ' ')}")
    if isinstance(trigger, ConditionsTrigger):
        words = " and ".join(c.describe() for c in trigger.all)
        return {"green": f"green light: {words}", "red": f"red light: {words}"}.get(trigger.light or "", words)
    if isinstance(trigger, TriggersFired):
        return f"{trigger.k or 'k'} or more buying signals fired"
    if isinstance(trigger, ManyPqls):
        return f"more than {trigger.min} people became product-qualified leads within {trigger.within}"
    return type(trigger).__name__
