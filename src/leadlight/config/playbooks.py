"""The ``playbooks:``, ``routing:`` and ``teams:`` sections: what Leadlight does when an account changes.

A playbook = trigger + audience + message + actions + caps; routing picks the team::

    playbooks:
      - name: hot_account
        trigger: {kind: enters, state: pqa}
        message:
          pain_point: Their team is outgrowing the free plan
          value_proposition: Team plan with SSO and admin controls
          talk_track: "{{ champion.email }} invited {{ signals.invites_14d }} teammates ..."
          text: "{{ account.name }} is ready for a conversation: {{ reasons[0].text }}"
        actions: [{destination: slack}, {destination: webhook}]
        caps: {per_account: 1, period: 7d}

    routing:
      - {when: [{field: employees, op: ">=", value: 500}], team: ae}
      - {when: [{field: status, op: "==", value: self_serve_customer}], team: cs}
      - {team: sdr}
    teams:
      sdr: {members: [alice@example.com, bob@example.com]}

Triggers fire on *entering* a state, never on staying in it: once per change.
Message fields are sandboxed Jinja2 templates filled with the account object
(``account``), its ``reasons``, ``champion``, ``decision_makers``, ``people``,
``signals`` (the account's signal values), ``rep`` (the routed person) and ``team``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, model_validator

from leadlight.config.base import Strict
from leadlight.config.scoring import Condition, Op, Scalar

STATUSES = ("prospect", "open_deal", "customer", "self_serve_customer")
Status = Literal["prospect", "open_deal", "customer", "self_serve_customer"]
QuadrantName = Literal["high_fit_high_intent", "high_fit_low_intent", "low_fit_high_intent", "low_fit_low_intent"]


class EntersTrigger(Strict):
    """Fires when an account becomes a PQA, gets its first PQL, or enters a quadrant."""

    kind: Literal["enters"]
    state: Literal["pqa", "pql", "quadrant"] = Field(description="pqa, pql (the account has a PQL) or quadrant.")
    quadrant: QuadrantName | None = Field(None, description="With state: quadrant, which one.")

    @model_validator(mode="after")
    def _quadrant_named(self) -> "EntersTrigger":
        if (self.state == "quadrant") != (self.quadrant is not None):
            raise ValueError("state: quadrant needs quadrant: <name> (and only it)")
        return self


class ConditionsTrigger(Strict):
    """Fires when all conditions start to hold: a signal crossing a threshold, a green light (a happy, growing
    account), a red light (going quiet, paywall hits, a stalled activation). Conditions read the account's
    signals and its fields (score, probability, people, pql_users, triggers_fired, employees, plan, ...)."""

    kind: Literal["conditions"]
    all: list[Condition] = Field(min_length=1, description="Every one must hold: {signal, op, value}.")
    light: Literal["green", "red"] | None = Field(None, description="How reps should read it: green (growing) or "
                                                  "red (at risk).")


class TriggersFired(Strict):
    """Fires when the k-of-N buying-signal trigger (scoring.pqa.triggers) fires: k or more of its signals hold."""

    kind: Literal["k_of_n"]
    k: int | None = Field(None, ge=1, description="Default: the k of scoring.pqa.triggers.")


class ManyPqls(Strict):
    """Fires when more than ``min`` people in one account became PQLs within ``within``: a research task listing
    the account's decision makers already in the product and the senior roles missing from it."""

    kind: Literal["many_pqls"]
    min: int = Field(3, ge=1, description="More than this many new PQLs...")
    within: str = Field("14d", description="...within this span (e.g. 14d).")


Trigger = Annotated[Union[EntersTrigger, ConditionsTrigger, TriggersFired, ManyPqls], Field(discriminator="kind")]


class Variant(Strict):
    """Different words for a persona (the champion's department / seniority) or a vertical (industry)."""

    department: list[str] | None = None
    seniority: list[str] | None = None
    industry: list[str] | None = None
    text: str | None = None
    subject: str | None = None
    talk_track: str | None = None


class MessageConfig(Strict):
    """Signal -> pain point -> value proposition -> talk track; every field is a Jinja2 template."""

    subject: str | None = None
    text: str = Field("{{ account.name or account.account_id }}: {{ reasons[0].text if reasons else 'worth a look' }}",
                      description="The message reps receive (Slack, sequences, webhooks).")
    pain_point: str | None = None
    value_proposition: str | None = None
    talk_track: str | None = None
    variants: list[Variant] = Field(default_factory=list, description="First matching variant overrides the words.")


class Action(Strict):
    destination: Literal["slack", "webhook", "outreach", "salesloft", "hubspot", "salesforce", "csv", "console"]
    options: dict[str, Any] = Field(default_factory=dict, description="The destination's own settings for this "
                                    "action, e.g. {sequence_id: 42} for outreach.")


class Caps(Strict):
    per_account: int = Field(1, ge=1, description="At most this many alerts for one account per period, across playbooks.")
    per_person: int = Field(2, ge=1, description="At most this many sequence enrolments of one person per period.")
    per_channel: int = Field(200, ge=1, description="At most this many actions per destination per day.")
    period: str = Field("7d", description="The span per_account and per_person count over.")
    cooldown: str = Field("30d", description="After a rep marks an account done, no playbook fires for it this long.")


class Playbook(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str | None = None
    trigger: Trigger
    audience: list[Status] = Field(default_factory=lambda: ["prospect", "self_serve_customer"],
                                   description="Account statuses it acts on; an expansion playbook names customer.")
    message: MessageConfig = Field(default_factory=MessageConfig)
    actions: list[Action] = Field(default_factory=lambda: [Action(destination="slack")])
    team: str | None = Field(None, description="Send to this team; default: the routing rules decide.")
    enabled: bool = True

    @model_validator(mode="after")
    def _templates_parse(self) -> "Playbook":
        from jinja2 import TemplateSyntaxError
        from jinja2.sandbox import SandboxedEnvironment

        env = SandboxedEnvironment()
        m = self.message
        fields = {"subject": m.subject, "text": m.text, "pain_point": m.pain_point,
                  "value_proposition": m.value_proposition, "talk_track": m.talk_track}
        for i, v in enumerate(m.variants):
            fields.update({f"variants[{i}].text": v.text, f"variants[{i}].subject": v.subject,
                           f"variants[{i}].talk_track": v.talk_track})
        for where, text in fields.items():
            if text is None:
                continue
            try:
                env.parse(text)
            except TemplateSyntaxError as err:
                raise ValueError(f"playbook {self.name!r}: message.{where}, template line {err.lineno}: "
                                 f"{err.message}") from None
        return self


class FieldCondition(Strict):
    """A test on an account field: employees, plan, country, industry, status, owner, quadrant, score, ..."""

    field: str
    op: Op = ">="
    value: Scalar | list[Scalar] | None = None


class Route(Strict):
    when: list[FieldCondition] = Field(default_factory=list, description="All must hold; empty matches every account.")
    team: str


class Team(Strict):
    members: list[str] = Field(default_factory=list, description="Reps, in round-robin order (emails or Slack ids).")
    use_owner: bool = Field(True, description="An account with an owner in the accounts file goes to its owner.")
    nurture: bool = Field(False, description="A self-serve nurture team: no rep is assigned.")
