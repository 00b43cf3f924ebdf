"""leadlight.yml's signals: section is strict and says what is wrong."""

from __future__ import annotations

import pytest

from leadlight.config import parse_config
from leadlight.errors import ConfigError


@pytest.mark.parametrize(
    "entry, message",
    [
        ("{name: a, kind: count, window: 7x}", "'7x' is not a window"),
        ("{name: a, kind: distinct_users, level: user}", "supports level: account"),
        ("{name: a, kind: count, where: [{property: seats, op: gt, value: many}]}", "op gt needs a number"),
        ("{name: a, kind: count, where: [{property: plan, op: in, value: pro}]}", "needs a non-empty list"),
        ("{name: a, kind: velocity, window: 7d, baseline: 10d}", "whole number of windows"),
        ("{name: a, kind: first_days, within: 36h}", "must be whole days"),
        ("{name: a, kind: ratio, numerator: b, denominator: c}", "refers to 'b'"),
        ("{name: Bad-Name, kind: count}", "signals[0].name"),
        ("{name: a, kind: counts}", "'counts' is not a kind; allowed: count"),
        ("{name: a, kind: count, windw: 7d}", "unknown key 'windw'"),
    ],
)
def test_bad_signal_is_named_with_its_line(entry, message):
    with pytest.raises(ConfigError) as err:
        parse_config(f"version: 1\nsignals:\n  - {entry}\n")
    assert message in str(err.value)
    assert "leadlight.yml:3" in str(err.value) or "leadlight.yml:2: signals" in str(err.value)


def test_where_mapping_becomes_filters():
    spec = parse_config("signals:\n  - {name: a, kind: count, where: {plan: pro, tier: [1, 2]}}\n").signals[0]
    assert [(f.property, f.op, f.value) for f in spec.filters] == [("plan", "eq", "pro"), ("tier", "in", [1, 2])]


def test_duplicate_names_are_refused():
    with pytest.raises(ConfigError, match="used twice"):
        parse_config("signals:\n  - {name: a, kind: count}\n  - {name: a, kind: recency}\n")
