"""The ``scoring:`` section of ``leadlight.yml``: PQL (people), PQA (accounts), fit and intent.

Every rule is a *condition* on a signal (declared under ``signals:``) and the
points it adds when it holds::

    {signal: invites_14d, op: ">=", value: 3, points: 20}

People can also be judged on built-in *flags* that need no signal:
``personal_email``, ``disposable_email``, ``student``, ``unconfirmed_email``,
``sales_persona`` (the title reads as a sales rep: a customer's Account
Executive too, so it is not a default disqualifier), ``internal`` (the
vendor's own staff: ``identity.internal_domains``, and sales titles when
``identity.sales_titles_are_internal``), ``bought_self_serve`` (the
account won a self-serve opportunity before as_of), and their positives
``work_email`` and ``confirmed_email``.

Scores are 0-100: ``100 * clamp(points, 0, max) / max`` where ``max`` is the
sum of the positive points a section can give (all positive rules, the PQA
roll-up and trigger points), or ``max_points`` when set. Points after decay.
"""

from __future__ import annotations

from typing import Literal, Union, get_args

from pydantic import Field, model_validator

from leadlight.config.base import Strict

Flag = Literal[
    "personal_email",
    "disposable_email",
    "student",
    "unconfirmed_email",
    "sales_persona",
    "internal",
    "bought_self_serve",
    "work_email",
    "confirmed_email",
]
FLAGS: tuple[str, ...] = get_args(Flag)
# Columns scoring adds beside the signals (besides FLAGS): a rule may read them, a signal may not be named so.
SCORING_COLUMNS = frozenset({
    "user_id", "account_id", "email", "title", "link_method", "link_account_id", "decay", "points", "score",
    "qualified", "disqualified", "pql", "people", "pql_users", "best_score", "mean_score", "rollup_value",
    "pqa_rollup", "triggers_fired", "pqa_trigger", "trigger_on", "pqa", "fit", "fit_score", "intent",
    "intent_score", "quadrant", "priority",
})
Op = Literal[">=", ">", "<=", "<", "==", "!=", "in", "not_in", "exists", "missing"]
Scalar = Union[bool, int, float, str]


class Condition(Strict):
    """A test on one signal's value: ``{signal: invites_14d, op: ">=", value: 3}``.

    A null value (no data, never happened) makes every op false except ``missing``.
    """

    signal: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Name of a signal declared under signals:.")
    op: Op = Field(">=", description=">=, >, <=, <, ==, != compare; in / not_in take a list; exists / missing take no value.")
    value: Scalar | list[Scalar] | None = Field(None, description="What to compare with.")
    label: str | None = Field(None, description="Words for a rep when this condition disqualifies or triggers.")

    @model_validator(mode="after")
    def _value_fits_op(self) -> "Condition":
        if self.op in ("exists", "missing"):
            if self.value is not None:
                raise ValueError(f"op {self.op} takes no value")
        elif self.op in ("in", "not_in"):
            if not isinstance(self.value, list) or not self.value:
                raise ValueError(f"op {self.op} needs a non-empty list value, e.g. value: [pro, team]")
        elif self.value is None or isinstance(self.value, list):
            raise ValueError(f"op {self.op!r} needs a single value (use op: in for a list)")
        return self

    def describe(self) -> str:
        if self.label:
            return self.label
        if self.op in ("exists", "missing"):
            return f"{self.signal} {self.op}"
        return f"{self.signal} {self.op} {self.value}"


class Rule(Condition):
    """A condition worth ``points`` when it holds (negative points push a score down)."""

    points: float = Field(description="Points added when the condition holds; negative to subtract.")


Gate = Union[Flag, Condition]


class Decay(Strict):
    """Fade a person's points with time since their last activity (``signal``: a recency signal in days)."""

    kind: Literal["half_life", "linear"] = Field(
        "half_life", description="half_life: points x 0.5^(days/N); linear: points x max(0, 1 - days/N)."
    )
    days: float = Field(gt=0, description="N: the half-life, or the days until points reach 0.")
    signal: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="A recency signal (whole days since last activity).")


class PqlConfig(Strict):
    """Product-qualified lead: one person."""

    rules: list[Rule] = Field(default_factory=list, description="Points per condition on user (or account) signals.")
    required: list[Gate] = Field(
        default_factory=list, description="All must hold to be a PQL: flags (work_email, confirmed_email) or conditions."
    )
    disqualifiers: list[Gate] = Field(
        default_factory=lambda: ["personal_email", "disposable_email", "student", "internal", "bought_self_serve"],
        description="Any one makes a person not a PQL: flags or conditions (e.g. a count of Unsubscribed > 0).",
    )
    decay: Decay | None = Field(None, description="Fade points with inactivity; omit for no decay.")
    threshold: float = Field(50, ge=0, le=100, description="A person is a PQL at this score (0-100) or more.")
    max_points: float | None = Field(None, gt=0, description="Points that make a score of 100; default: all positive rules.")


class Rollup(Strict):
    """How an account's people feed its PQA score."""

    method: Literal["max", "mean", "pql_count"] = Field(
        "max", description="max / mean: the best / average person's PQL score (0-100); pql_count: how many PQLs."
    )
    points: float = Field(30, ge=0, description="Points when the roll-up is full (score 100, or `cap` PQLs).")
    cap: int = Field(3, ge=1, description="pql_count: this many PQLs give all the points.")


class Triggers(Strict):
    """k-of-N: "2 or more of these 10 signals fired"."""

    k: int = Field(ge=1, description="How many conditions must hold.")
    of: list[Condition] = Field(min_length=1, description="The N conditions.")
    points: float = Field(0, description="Points added when k or more hold.")
    qualifies: bool = Field(False, description="When true, k or more make the account a PQA whatever its score.")

    @model_validator(mode="after")
    def _k_within_n(self) -> "Triggers":
        if self.k > len(self.of):
            raise ValueError(f"k is {self.k} but only {len(self.of)} conditions are listed in of:")
        return self


class PqaConfig(Strict):
    """Product-qualified account: its people rolled up plus account signals."""

    rollup: Rollup = Field(default_factory=Rollup)
    rules: list[Rule] = Field(default_factory=list, description="Points per condition on account signals.")
    triggers: Triggers | None = Field(None, description="k-of-N trigger.")
    threshold: float = Field(50, ge=0, le=100, description="An account is a PQA at this score (0-100) or more.")
    max_points: float | None = Field(None, gt=0, description="Points that make a score of 100; default: all positive points.")


class AxisConfig(Strict):
    """Fit (firmographics) or intent (product signals): rules, and the score that counts as high."""

    rules: list[Rule] = Field(default_factory=list, description="Points per condition on account signals.")
    threshold: float = Field(50, ge=0, le=100, description="High at this score (0-100) or more.")
    max_points: float | None = Field(None, gt=0, description="Points that make a score of 100; default: all positive rules.")


class PeopleConfig(Strict):
    """Who to talk to in an account: the champion and the decision makers."""

    activity: str | None = Field(
        None, description="User signal measuring activity (e.g. events_28d); default: all events in the last 28 days."
    )
    admin_events: list[str] = Field(
        default_factory=list,
        description="Events or pages that mark an admin; admins (and inviters) come first for champion. "
        "Default: none (the champion is the most active person).",
    )
    invite_events: list[str] = Field(default_factory=list, description="Events that mark an inviter; default: none.")
    decision_makers: int = Field(3, ge=0, description="How many decision makers to list per account.")


class ScoringConfig(Strict):
    """How people and accounts are scored. Fit with no rules is high for everyone; intent with no
    rules is the PQA score itself."""

    pql: PqlConfig = Field(default_factory=PqlConfig)
    pqa: PqaConfig = Field(default_factory=PqaConfig)
    fit: AxisConfig = Field(default_factory=AxisConfig)
    intent: AxisConfig = Field(default_factory=AxisConfig)
    people: PeopleConfig = Field(default_factory=PeopleConfig)
    reasons: int = Field(3, ge=0, le=10, description="How many top positive reasons to show (plus up to 2 negative).")

    def signal_refs(self) -> list[tuple[str, str]]:
        """(where, signal name) for every signal a rule names, for checking against signals:."""
        refs: list[tuple[str, str]] = []
        for i, r in enumerate(self.pql.rules):
            refs.append((f"scoring.pql.rules[{i}]", r.signal))
        for section in ("required", "disqualifiers"):
            for i, g in enumerate(getattr(self.pql, section)):
                if isinstance(g, Condition):
                    refs.append((f"scoring.pql.{section}[{i}]", g.signal))
        if self.pql.decay:
            refs.append(("scoring.pql.decay", self.pql.decay.signal))
        for i, r in enumerate(self.pqa.rules):
            refs.append((f"scoring.pqa.rules[{i}]", r.signal))
        if self.pqa.triggers:
            for i, c in enumerate(self.pqa.triggers.of):
                refs.append((f"scoring.pqa.triggers.of[{i}]", c.signal))
        for axis in ("fit", "intent"):
            for i, r in enumerate(getattr(self, axis).rules):
                refs.append((f"scoring.{axis}.rules[{i}]", r.signal))
        if self.people.activity:
            refs.append(("scoring.people.activity", self.people.activity))
        return refs
