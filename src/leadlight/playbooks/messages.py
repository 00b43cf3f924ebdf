"""A playbook's words, filled in: sandboxed Jinja2 over the account object, its people and signals.

Text for Slack and sequences is rendered as plain text; ``html=True`` escapes
every value (emails, web pages). A template that fails names the playbook,
the field and the template line (``MessageError``), and the outbox parks that
action with the message instead of sending broken words.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from leadlight.config.playbooks import MessageConfig, Variant
from leadlight.contract import LeadObject
from leadlight.contract import Message
from leadlight.playbooks.triggers import Subject

_TEXT = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True)
_HTML = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True, trim_blocks=True, lstrip_blocks=True)


class MessageError(Exception):
    """A template that could not be filled for one account (user-code error: names playbook, field, line)."""


@lru_cache(maxsize=512)
def _compiled(template: str, html: bool) -> Template:
    """Templates compile once per process: compiling costs far more than filling."""
    return (_HTML if html else _TEXT).from_string(template)


def context(subject: Subject, *, playbook: str, trigger: str, team: str | None, rep: str | None) -> dict[str, Any]:
    a = subject.account
    return {
        "account": a.model_dump(mode="json"), "reasons": [r.model_dump() for r in a.reasons],
        "champion": a.champion.model_dump() if a.champion else None,
        "decision_makers": [d.model_dump() for d in a.decision_makers],
        "people": [p.model_dump(mode="json") for p in subject.people],
        "signals": dict(subject.signals), "facts": dict(subject.facts),
        "playbook": playbook, "trigger": trigger, "team": team, "rep": rep,
    }


def _persona(subject: Subject) -> LeadObject | None:
    champ = subject.account.champion
    if champ is None:
        return None
    return next((p for p in subject.people if p.user_id == champ.user_id), None)


def variant_for(config: MessageConfig, subject: Subject) -> Variant | None:
    """The first variant whose persona (the champion's department / seniority) and vertical match."""
    persona = _persona(subject)
    department = persona.persona.department if persona else None
    seniority = persona.persona.seniority if persona else None
    industry = str(subject.facts.get("industry") or "").lower() or None
    for v in config.variants:
        if v.department is not None and department not in v.department:
            continue
        if v.seniority is not None and seniority not in v.seniority:
            continue
        if v.industry is not None and industry not in [i.lower() for i in v.industry]:
            continue
        return v
    return None


def render(config: MessageConfig, values: dict[str, Any], subject: Subject, *, playbook: str,
           html: bool = False) -> Message:
    """Fill the playbook's message for one account."""
    variant = variant_for(config, subject)
    fields = {"subject": config.subject, "text": config.text, "pain_point": config.pain_point,
              "value_proposition": config.value_proposition, "talk_track": config.talk_track}
    if variant is not None:
        fields.update({k: getattr(variant, k) for k in ("text", "subject", "talk_track") if getattr(variant, k)})
    out = {}
    for name, template in fields.items():
        if template is None:
            out[name] = None
            continue
        try:
            out[name] = _compiled(template, html).render(values).strip()
        except UndefinedError as err:
            raise MessageError(f"playbook {playbook!r}: message.{name}: {err.message}") from None
        except TemplateError as err:
            line = getattr(err, "lineno", None)
            raise MessageError(f"playbook {playbook!r}: message.{name}"
                               + (f", template line {line}" if line else "") + f": {err}") from None
    return Message(**out)
