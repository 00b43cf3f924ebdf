"""Reasons: the top positive and negative contributions to a score, each in its signal's sentence.

A contribution is in score points (0-100 scale): the rule's points x 100 /
the section's maximum, so the reasons of a score add up to it (before it is
clamped to 0-100). Reasons are built in Python over scored rows.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from leadlight.config.scoring import AxisConfig, PqaConfig, PqlConfig
from leadlight.scoring import rules
from leadlight.signals import sentence

Reason = dict[str, Any]


def plain(value: Any) -> Any:
    """A JSON-ready Python value: numpy scalars unwrapped, NaN / NA -> None, whole floats -> int."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:  # the common cases, answered first
        return value
    if kind is float:
        return plain_float(value)
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    try:
        if value != value or value is _pandas_na():
            return None
    except (TypeError, ValueError):
        return None
    if isinstance(value, float):
        return plain_float(value)
    return value


def plain_float(value: float) -> float | int | None:
    """``plain`` for a Python float: NaN and infinities -> None, whole -> int, else rounded to 4 places."""
    if value != value or math.isinf(value):
        return None
    return int(value) if value.is_integer() else round(value, 4)


def _pandas_na() -> Any:
    global _NA
    if _NA is None:
        import pandas

        _NA = pandas.NA
    return _NA


_NA: Any = None


def say(specs: Mapping[str, Any], signal: str, value: Any) -> str:
    """``value`` of ``signal`` in its sentence; a sentence depends only on the spec and the value, and thousands
    of people share a few values, so each is written once (per spec object: a new definition writes anew)."""
    spec = specs.get(signal)
    if spec is None:
        return f"{signal.replace('_', ' ')}: {value}"
    try:
        key = (signal, type(value), value)
        found = _SAID.get(key)
    except TypeError:  # an unhashable value: not worth remembering
        return sentence(spec, value)
    if found is not None and found[0] is spec:
        return found[1]
    if len(_SAID) > 100_000:
        _SAID.clear()
    text = sentence(spec, value)
    _SAID[key] = (spec, text)
    return text


_SAID: dict[tuple, tuple[Any, str]] = {}


def _label(specs: Mapping[str, Any], signal: str) -> str:
    spec = specs.get(signal)
    return (getattr(spec, "label", None) or signal).replace("_", " ")


def reason(signal: str, value: Any, contribution: float, text: str) -> Reason:
    return {"signal": signal, "value": plain(value), "contribution": round(float(contribution), 1), "text": text}


def top(reasons: Sequence[Reason], positives: int = 3, negatives: int = 2) -> list[Reason]:
    """Up to ``positives`` reasons for the score, then the ``negatives`` most negative contributions.

    Reasons worth no points come first (a k-of-N trigger that qualifies on its own: why the account is
    a PQA), then the largest positive contributions."""
    if not reasons:  # most people: nothing to sort
        return []
    flat = [r for r in reasons if r["contribution"] == 0]
    up = sorted((r for r in reasons if r["contribution"] > 0), key=lambda r: (-r["contribution"], r["signal"]))
    down = sorted((r for r in reasons if r["contribution"] < 0), key=lambda r: (r["contribution"], r["signal"]))
    return (flat + up)[:positives] + down[:negatives]


def _scale(maximum: float) -> float:
    return 100.0 / maximum if maximum > 0 else 0.0


def pql_scale(config: PqlConfig) -> float:
    """Score points per rule point of a person's score."""
    return _scale(rules.max_points(config.rules, override=config.max_points))


def pqa_scale(config: PqaConfig) -> float:
    """Score points per rule point of an account's PQA score (the roll-up and trigger count towards 100)."""
    trig = config.triggers
    extra = config.rollup.points + (max(trig.points, 0.0) if trig else 0.0)
    return _scale(rules.max_points(config.rules, extra=extra, override=config.max_points))


def axis_scale(config: AxisConfig) -> float:
    """Score points per rule point of the fit (or intent) score."""
    return _scale(rules.max_points(config.rules, override=config.max_points))


def person_reasons(row: Mapping[str, Any], config: PqlConfig, specs: Mapping[str, Any]) -> list[Reason]:
    """Every non-zero contribution to a person's PQL score: each rule's full points, then what decay took.

    Rules count before decay and decay is one reason of its own, so the contributions add up to the
    score (before clamping): 60 points decayed by 80% read +60 and -48, making 12.
    """
    scale = pql_scale(config)
    decay = row.get("decay")
    decay = 1.0 if decay is None else float(decay)
    out, raw = [], 0.0
    for i, rule in enumerate(config.rules):
        got = float(row.get(f"pql_rule_{i}") or 0.0)
        raw += got
        if got:
            value = row.get(rule.signal)
            out.append(reason(rule.signal, value, got * scale, say(specs, rule.signal, value)))
    if config.decay is not None and raw and decay < 1:
        s = config.decay.signal
        out.append(reason(s, row.get(s), -raw * (1 - decay) * scale, say(specs, s, row.get(s))))
    return out


def account_reasons(row: Mapping[str, Any], config: PqaConfig, specs: Mapping[str, Any]) -> list[Reason]:
    """Every non-zero contribution to an account's PQA score: roll-up, rules, k-of-N trigger."""
    trig = config.triggers
    scale = pqa_scale(config)
    out = []
    rolled = float(row.get("pqa_rollup") or 0.0)
    if rolled:
        value = row.get("rollup_value")
        out.append(reason(rollup_name(config), value, rolled * scale, rollup_text(config, value)))
    for i, rule in enumerate(config.rules):
        got = float(row.get(f"pqa_rule_{i}") or 0.0)
        if got:
            out.append(reason(rule.signal, row.get(rule.signal), got * scale, say(specs, rule.signal, row.get(rule.signal))))
    if trig is not None and row.get("trigger_on") and (trig.points or trig.qualifies):
        fired = [bool(row.get(f"trig_{i}")) for i in range(len(trig.of))]
        out.append(reason("triggers", sum(fired), float(row.get("pqa_trigger") or 0.0) * scale,
                          trigger_text(config, fired, specs)))
    return out


def rollup_name(config: PqaConfig) -> str:
    """The name the roll-up's reason goes by."""
    return {"pql_count": "pql_users", "max": "best_person_score"}.get(config.rollup.method, "mean_person_score")


def rollup_text(config: PqaConfig, value: Any) -> str:
    """The roll-up's reason in words, for its value (the PQL count, or the best or mean person score)."""
    if config.rollup.method == "pql_count":
        n = int(value or 0)
        return f"{n} {'person is a' if n == 1 else 'people are'} product-qualified lead{'' if n == 1 else 's'}"
    if config.rollup.method == "max":
        # "top lead", not "most engaged person": that is the champion, who may be someone else.
        return f"its top lead scores {plain(value)} of 100"
    return f"its people score {plain(value)} of 100 on average as leads"


def trigger_text(config: PqaConfig, fired: Sequence[bool], specs: Mapping[str, Any]) -> str:
    """The k-of-N trigger's reason in words; ``fired``: whether each of its conditions holds."""
    trig = config.triggers
    words = ", ".join(c.label or _label(specs, c.signal) for c, hit in zip(trig.of, fired) if hit)
    text = f"{sum(fired)} of {len(trig.of)} buying signals: {words}"
    return text + (f" ({trig.k} or more make a PQA)" if trig.qualifies else "")


def axis_reasons(row: Mapping[str, Any], config: AxisConfig, name: str, specs: Mapping[str, Any]) -> list[Reason]:
    """Contributions to the fit (or intent) score, in its own 0-100 scale."""
    scale = axis_scale(config)
    out = []
    for i, rule in enumerate(config.rules):
        got = float(row.get(f"{name}_rule_{i}") or 0.0)
        if got:
            out.append(reason(rule.signal, row.get(rule.signal), got * scale, say(specs, rule.signal, row.get(rule.signal))))
    return out
