"""The public objects of Leadlight: one typed contract for the CLI's ``--json``, the web API and playbook payloads.

These are the shapes of ``CONTRACT.md``. Scoring writes snapshots; the read API
(``leadlight.storage.snapshots``) turns stored rows into these objects; every
consumer (CLI, web app, playbooks, destinations) reads them and never imports
scoring. ``schema_version`` changes when a field changes meaning or goes away
(adding a field does not bump it).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

Quadrant = Literal["high_fit_high_intent", "high_fit_low_intent", "low_fit_high_intent", "low_fit_low_intent"]
Status = Literal["prospect", "open_deal", "customer", "self_serve_customer"]
STATUSES: tuple[str, ...] = ("prospect", "open_deal", "customer", "self_serve_customer")
Motion = Literal["sales", "self_serve", "nurture"]


class _Object(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Reason(_Object):
    """One contribution to a score, in a rep's words; ``signal`` names the signal it comes from."""

    signal: str
    value: Any = None
    contribution: float
    text: str


class Person(_Object):
    """A champion or decision maker."""

    user_id: str | None
    email: str | None = None
    title: str | None = None


class Play(_Object):
    """The playbook an account matched and its filled-in message."""

    name: str
    message: str | None = None
    pain_point: str | None = None
    talk_track: str | None = None
    team: str | None = None


class AccountObject(_Object):
    """An account as reps see it: score, why, who to talk to, what to say."""

    schema_version: int = SCHEMA_VERSION
    account_id: str
    name: str | None = None
    domain: str | None = None
    score: float | None = Field(None, description="0-100")
    probability: float | None = Field(None, description="0-1, calibrated; null before a model is trained")
    fit: Literal["high", "low"] | None = None
    intent: Literal["high", "low"] | None = None
    quadrant: Quadrant | None = None
    pqa: bool = False
    reasons: list[Reason] = []
    champion: Person | None = None
    decision_makers: list[Person] = []
    play: Play | None = None
    status: Status = "prospect"
    owner: str | None = None
    motion: Motion | None = None
    motion_reason: str | None = Field(None, description="why this motion, in a rep's words")
    expected_value: float | None = None
    self_serve_probability: float | None = Field(None, description="0-1: P(upgrading without sales)")
    deal_size: float | None = Field(None, description="predicted deal size, from won amounts and firmographics")
    uplift: float | None = Field(None, description="P(buy | sales touch) - P(buy | no touch), -1 to 1")
    uplift_reliable: bool | None = Field(None, description="whether the uplift estimate steers the motion")
    employees: int | None = None
    industry: str | None = None
    country: str | None = None
    plan: str | None = None
    as_of: str | None = None


class Link(_Object):
    method: str | None = None
    account_id: str | None = None


class Persona(_Object):
    seniority: str | None = None
    department: str | None = None


class LeadObject(_Object):
    """A person as reps see them."""

    schema_version: int = SCHEMA_VERSION
    user_id: str
    email: str | None = None
    title: str | None = None
    account_id: str | None = None
    account_name: str | None = None
    score: float | None = None
    pql: bool = False
    disqualifiers: list[str] = []
    reasons: list[Reason] = []
    link: Link = Link()
    flags: dict[str, bool] = {}
    persona: Persona = Persona()


class HistoryPoint(_Object):
    as_of: str
    score: float | None = None
    pqa: bool | None = None
    quadrant: str | None = None
    probability: float | None = None
    definition_hash: str | None = None


class AccountDetail(AccountObject):
    """``explain``: the account object with its people and everything behind the score."""

    users: list[LeadObject] = []
    fit_score: float | None = None
    intent_score: float | None = None
    fit_reasons: list[Reason] = []
    intent_reasons: list[Reason] = []
    model_reasons: list[Reason] = []
    people: int | None = None
    pql_users: int | None = None
    triggers_fired: int | None = None
    definition_hash: str | None = None
    leadlight_version: str | None = None
    history: list[HistoryPoint] = []
    signals: dict[str, Any] | None = Field(None, description="Every account signal's value at as_of "
                                           "(`explain --signals`); null when not asked for or not stored")


class Message(_Object):
    """A playbook's filled-in words: signal -> pain point -> value proposition -> talk track."""

    subject: str | None = None
    text: str
    pain_point: str | None = None
    value_proposition: str | None = None
    talk_track: str | None = None


class Delivery(_Object):
    """One action to deliver: which playbook fired, for which account, with what words, to whom."""

    key: str  # idempotency key: (playbook, entity, state version); the same on every retry
    playbook: str
    trigger: str
    account: AccountObject
    people: list[LeadObject] = []  # whom the action is about (e.g. prospects to enrol in a sequence)
    message: Message
    team: str | None = None
    rep: str | None = None  # who the routing picked (the owner, or round robin in the team)
    owner: str | None = None
    account_url: str | None = None  # the account's page when LEADLIGHT_BASE_URL is set
    options: dict[str, Any] = {}  # the playbook action's own settings (a sequence id, a channel, ...)
