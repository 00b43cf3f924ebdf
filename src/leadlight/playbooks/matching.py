"""Which playbooks fire: a trigger fires when it starts to hold for an account (entering, not staying).

``PlaybookState`` remembers, per (playbook, account), whether the trigger held
at the last evaluation and how many times it was entered (the *state version*
in the outbox key). An account outside a playbook's audience (e.g. a customer
for a prospect playbook) does not hold. The same function serves ``run`` (state
in the DuckDB file) and ``plan`` (state in memory, replayed over history).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from leadlight.config.playbooks import Playbook
from leadlight.playbooks.triggers import Subject, describe, holds_for

State = dict[tuple[str, str], tuple[bool, int]]  # (playbook, account_id) -> (active, version)


@dataclass
class Hit:
    playbook: Playbook
    subject: Subject
    version: int
    trigger: str


def match(playbooks: Iterable[Playbook], subjects: Iterable[Subject], state: State,
          default_k: int | None = None) -> tuple[list[Hit], State]:
    """The hits (entering transitions) and the state after them; ``state`` is not changed."""
    playbooks = [p for p in playbooks if p.enabled]
    after: State = dict(state)
    hits: list[Hit] = []
    for subject in subjects:
        account_id = subject.account.account_id
        for playbook in playbooks:
            now = subject.account.status in playbook.audience and holds_for(
                playbook.trigger, subject, playbook.name, default_k)
            was, version = state.get((playbook.name, account_id), (False, 0))
            if now and not was:
                version += 1
                hits.append(Hit(playbook, subject, version, describe(playbook.trigger)))
            if now != was or (playbook.name, account_id) in state:
                after[(playbook.name, account_id)] = (now, version)
    return hits, after
