"""Signal declarations: the ``signals:`` list of ``leadlight.yml``.

Each entry picks its implementation with ``kind:``; the code that computes a
kind lives in ``leadlight.signals.<kind>``. Example::

    signals:
      - name: teammates_invited_14d
        kind: count
        event: Teammate Invited
        window: 14d
        label: teammates invited
      - name: pro_exports_28d
        kind: count
        event: Export Run
        where: {plan: pro}            # or a list of {property, op, value}
        window: 28d
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, Field, model_validator

from leadlight.config.base import Strict
from leadlight.timeutil import parse_window

Scalar = Union[str, int, float, bool]
Level = Literal["account", "user"]
_NAME = r"^[a-z][a-z0-9_]*$"
_PROPERTY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$")


def _check_window(value: str | int) -> str:
    parse_window(value)  # raises ValueError with a message that says how to write one
    return f"{value}d" if isinstance(value, int) else str(value).strip()


Window = Annotated[Union[str, int], AfterValidator(_check_window)]


class PropertyFilter(Strict):
    """One condition on an event property: ``{property: plan, op: in, value: [pro, team]}``."""

    property: str = Field(description="Property name in the event's properties; dots reach nested keys (context.plan).")
    op: Literal["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "exists"] = Field(
        "eq", description="eq/ne compare as text; gt/gte/lt/lte as numbers; in/not_in take a list; exists takes no value."
    )
    value: Scalar | list[Scalar] | None = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> "PropertyFilter":
        if not _PROPERTY.match(self.property):
            raise ValueError(f"property {self.property!r} must be a name like plan or context.plan")
        if self.op == "exists":
            if self.value is not None:
                raise ValueError("op exists takes no value")
        elif self.op in ("in", "not_in"):
            if not isinstance(self.value, list) or not self.value:
                raise ValueError(f"op {self.op} needs a non-empty list value, e.g. value: [pro, team]")
        elif self.op in ("gt", "gte", "lt", "lte"):
            if isinstance(self.value, bool) or not isinstance(self.value, (int, float)):
                raise ValueError(f"op {self.op} needs a number value")
        elif self.value is None or isinstance(self.value, list):
            raise ValueError(f"op {self.op} needs a single value; use op: in for a list")
        return self


Where = Union[dict[str, Union[Scalar, list[Scalar]]], list[PropertyFilter]]


class SignalBase(Strict):
    name: str = Field(pattern=_NAME, description="Unique snake_case name; it becomes a column and is used by rules.")
    level: Level = Field("account", description="Compute per account or per user.")
    label: str | None = Field(None, description="Words for a rep, e.g. 'teammates invited' (first_days: what they did, "
        "e.g. 'invited a teammate'); defaults from the event.")
    description: str | None = None

    # Kinds that only make sense at one level narrow this.
    _levels: tuple[str, ...] = ("account", "user")

    @model_validator(mode="after")
    def _level_supported(self) -> "SignalBase":
        if self.level not in self._levels:
            raise ValueError(f"kind {getattr(self, 'kind', '?')} supports level: {' or '.join(self._levels)}")
        return self


class EventSignal(SignalBase):
    """A signal over events: which ones (names and property filters)."""

    event: str | list[str] | None = Field(None, description="Event or page name(s); omit for any track or page event.")
    where: Where | None = Field(None, description="Property filters: {plan: pro} or [{property, op, value}].")

    @property
    def events(self) -> tuple[str, ...] | None:
        if self.event is None:
            return None
        return (self.event,) if isinstance(self.event, str) else tuple(self.event)

    @property
    def filters(self) -> tuple[PropertyFilter, ...]:
        if not self.where:
            return ()
        if isinstance(self.where, dict):
            return tuple(
                PropertyFilter(property=k, op="in" if isinstance(v, list) else "eq", value=v)
                for k, v in self.where.items()
            )
        return tuple(self.where)

    @model_validator(mode="after")
    def _filters_valid(self) -> "EventSignal":
        self.filters  # builds PropertyFilter from the mapping form, raising its messages
        if isinstance(self.event, list) and not self.event:
            raise ValueError("event: give at least one event name, or omit it for any event")
        return self


class Windowed(EventSignal):
    window: Window | None = Field(None, description="Look back this far before as_of (7d, 12h, 2w); omit for all history.")

    @property
    def window_td(self) -> timedelta | None:
        return None if self.window is None else parse_window(self.window)


class CountSignal(Windowed):
    """How many matching events in the window."""

    kind: Literal["count"]


class DistinctUsersSignal(Windowed):
    """How many different users of the account did a matching event in the window."""

    kind: Literal["distinct_users"]
    _levels = ("account",)


class ActiveDaysSignal(Windowed):
    """On how many different days (UTC) a matching event happened in the window."""

    kind: Literal["active_days"]


class RecencySignal(EventSignal):
    """Whole days since the last matching event before as_of; null when there never was one."""

    kind: Literal["recency"]


class VelocitySignal(EventSignal):
    """The last ``window`` compared with the average ``window``-long stretch of the ``baseline`` before it."""

    kind: Literal["velocity"]
    measure: Literal["new_users", "active_users", "events"] = Field(
        "new_users", description="new_users: users whose first event in the account falls in the window."
    )
    window: Window = Field("7d", description="The recent stretch.")
    baseline: Window = Field("28d", description="The stretch right before it, averaged per window length.")
    compare: Literal["difference", "ratio"] = Field(
        "difference", description="difference: recent minus baseline average; ratio: recent / baseline average."
    )

    @property
    def window_td(self) -> timedelta:
        return parse_window(self.window)

    @property
    def baseline_td(self) -> timedelta:
        return parse_window(self.baseline)

    @model_validator(mode="after")
    def _user_level_measure(self) -> "VelocitySignal":
        if self.level == "user" and self.measure != "events":
            raise ValueError("at level user, velocity supports only measure: events")
        if self.baseline_td % self.window_td:
            raise ValueError(f"baseline {self.baseline} must be a whole number of windows ({self.window}), e.g. 28d for 7d")
        return self


class BreadthSignal(Windowed):
    """How many different features (event names, optionally from ``events:``) were used in the window."""

    kind: Literal["breadth"]
    event: str | list[str] | None = Field(None, description="Count only these event names; omit for all.")


class FirstDaysSignal(EventSignal):
    """Did a matching event happen within ``within`` of the user's sign-up (the activation moment)."""

    kind: Literal["first_days"]
    within: Window = Field("7d", description="Whole days after sign-up, e.g. 7d.")
    measure: Literal["count", "share"] = Field(
        "count", description="At account level: how many users activated, or their share of the account's users."
    )

    @property
    def within_td(self) -> timedelta:
        return parse_window(self.within)

    @model_validator(mode="after")
    def _whole_days(self) -> "FirstDaysSignal":
        if self.within_td % timedelta(days=1):
            raise ValueError(f"within: {self.within} must be whole days, e.g. 7d or 1w")
        return self


class RatioSignal(SignalBase):
    """One signal divided by another (both by name, same level); null when the denominator is 0."""

    kind: Literal["ratio"]
    numerator: str = Field(pattern=_NAME)
    denominator: str = Field(pattern=_NAME)


class AttributeSignal(SignalBase):
    """A column of the accounts (or users) table: employees, industry, plan, ... (current values)."""

    kind: Literal["attribute"]
    column: str = Field(description="Column of accounts (level account) or users (level user).")


Signal = Annotated[
    Union[
        CountSignal,
        DistinctUsersSignal,
        ActiveDaysSignal,
        RecencySignal,
        VelocitySignal,
        BreadthSignal,
        FirstDaysSignal,
        RatioSignal,
        AttributeSignal,
    ],
    Field(discriminator="kind"),
]


def check_signal_set(signals: list[Any]) -> list[Any]:
    """Names are unique; a ratio names two non-ratio signals of its own level."""
    by_name: dict[str, Any] = {}
    for s in signals:
        if s.name in by_name:
            raise ValueError(f"signal name {s.name!r} is used twice; names must be unique")
        by_name[s.name] = s
    for s in signals:
        if isinstance(s, RatioSignal):
            for part in (s.numerator, s.denominator):
                other = by_name.get(part)
                if other is None:
                    raise ValueError(f"ratio {s.name!r} refers to {part!r}, which is not a signal defined here")
                if isinstance(other, (RatioSignal, AttributeSignal)):
                    raise ValueError(f"ratio {s.name!r}: {part!r} is a {other.kind}; use counting signals")
                if other.level != s.level:
                    raise ValueError(f"ratio {s.name!r} is level {s.level} but {part!r} is level {other.level}")
    return signals


SignalList = Annotated[list[Signal], AfterValidator(check_signal_set)]
