"""Sentences a rep reads, written out literally."""

from __future__ import annotations

import pytest

from leadlight.config.signals import FirstDaysSignal
from leadlight.signals import sentence
from tests.unit.signals import fixtures

SPECS = {s.name: s for s in fixtures.signals()}


@pytest.mark.parametrize(
    "name, value, text",
    [
        ("invites_14d", 7, "7 teammates invited in the last 14 days"),
        ("pro_events", 1, "1 any activity event so far"),
        ("users_7d", 4, "4 active users in the last 7 days"),
        ("exporters", 1, "1 user did Export Run in the last 28 days"),
        ("active_days_28d", 12, "active on 12 days in the last 28 days"),
        ("last_seen", 3, "last active 3 days ago"),
        ("last_seen", None, "no activity yet"),
        ("last_export", 1, "last Export Run yesterday"),
        ("new_users_7d", 4.75, "+4.75 new users in the last 7 days vs the average 7 days of the 28 days before"),
        ("active_users_trend", 2.0, "2x the usual active users in the last 7 days (vs the average 7 days of the 14 days before)"),
        ("features_28d", 8, "8 different features used in the last 28 days"),
        ("invited_first_week", True, "Teammate Invited within 7 days of sign-up"),
        ("invited_first_week", False, "not yet Teammate Invited within 7 days of sign-up"),
        ("activated_users", 3, "3 users did Teammate Invited within 7 days of sign-up"),
        ("activated_share", 0.6, "60% of users did Teammate Invited within 7 days of sign-up"),
        ("invites_per_user", 0.5, "0.5 invites_14d per users_7d"),
        ("employees", 1200, "employees: 1200"),
        ("industry", None, "industry: unknown"),
    ],
)
def test_sentence(name, value, text):
    assert sentence(SPECS[name], value) == text


@pytest.mark.parametrize(
    ("level", "measure", "value", "text"),
    [
        ("user", "share", True, "invited a teammate within 7 days of sign-up"),
        ("user", "share", False, "not yet invited a teammate within 7 days of sign-up"),
        ("account", "share", 0.4, "40% of users invited a teammate within 7 days of sign-up"),
        ("account", "share", None, "no users yet (invited a teammate within 7 days of sign-up)"),
        ("account", "count", 1, "1 user invited a teammate within 7 days of sign-up"),
    ],
)
def test_first_days_label_says_what_they_did(level, measure, value, text):
    spec = FirstDaysSignal(name="x", kind="first_days", level=level, measure=measure, event="Teammate Invited",
                           within="7d", label="invited a teammate")
    assert sentence(spec, value) == text
