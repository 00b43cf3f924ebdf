"""``ratio``: one signal divided by another, e.g. exports per active user. Null when the denominator is 0."""

from __future__ import annotations

from typing import Any

import ibis

from leadlight.config.signals import RatioSignal
from leadlight.signals.words import number

Params = RatioSignal
FILL: Any = None


def derive(spec: RatioSignal, frame: ibis.Table) -> ibis.Value:
    """The ratio from two columns already in ``frame`` (computed after the signals it names)."""
    num = frame[spec.numerator].cast("float64")
    den = frame[spec.denominator].cast("float64")
    return (den.isnull() | (den == 0)).ifelse(ibis.null("float64"), num / den)


def sentence(spec: RatioSignal, value: Any) -> str:
    what = spec.label or f"{spec.numerator} per {spec.denominator}"
    if value is None or value != value:
        return f"{what}: not defined yet (no {spec.denominator})"
    return f"{number(value)} {what}"
