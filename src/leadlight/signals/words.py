"""Small pieces of English shared by the kinds' sentence templates."""

from __future__ import annotations

import math
from typing import Any

from leadlight.timeutil import parse_window

_UNITS = {86400 * 7: "week", 86400: "day", 3600: "hour"}


def window_phrase(window: str | None) -> str:
    """``"14d"`` -> ``"in the last 14 days"``; ``None`` -> ``"so far"``."""
    if window is None:
        return "so far"
    seconds = int(parse_window(window).total_seconds())
    for size, unit in _UNITS.items():
        if seconds % size == 0:
            n = seconds // size
            if unit == "week" and window.strip().endswith("d"):
                continue  # keep "14d" as "14 days", the way it was written
            return f"in the last {unit}" if n == 1 else f"in the last {n} {unit}s"
    return f"in the last {seconds // 3600} hours"


def span_phrase(window: str) -> str:
    """``"7d"`` -> ``"7 days"``; ``"1d"`` -> ``"1 day"``."""
    span = window_phrase(window).removeprefix("in the last ")
    return span if span[0].isdigit() else f"1 {span}"


def number(value: Any) -> str:
    """7 -> '7'; 2.5 -> '2.5'; 0.3333 -> '0.33'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no"
    v = float(value)
    if v.is_integer():
        return str(int(v))
    return f"{v:.2f}".rstrip("0").rstrip(".") if abs(v) < 10 else f"{v:.1f}".rstrip("0").rstrip(".")


def plural(noun: str, value: Any) -> str:
    """'user' -> 'users' unless the value is exactly 1."""
    try:
        one = float(value) == 1
    except (TypeError, ValueError):
        one = False
    return noun if one else noun + "s"


def event_words(events: tuple[str, ...] | None) -> str:
    """The events a signal names, as a rep would read them."""
    if not events:
        return "any activity"
    return " or ".join(events)


_LINKS = {"in", "on", "of", "per", "for", "with", "from", "by", "at", "to"}
_IRREGULAR = {"people": "person", "children": "child"}


def counted(label: str, value: Any) -> str:
    """A plural label read after a count: ``1 teammates invited`` -> ``1 teammate invited``.

    The plural noun is the word before a participle or a preposition (``teammates invited``,
    ``users in``), else the last word (``pricing page views``).
    """
    try:
        one = float(value) == 1
    except (TypeError, ValueError):
        one = False
    if not one:
        return label
    parts = label.split(" ")
    at = len(parts) - 1
    for i, word in enumerate(parts[:-1]):
        after = parts[i + 1].lower()
        if after.endswith("ed") or after in _LINKS:
            at = i
            break
    parts[at] = _singular(parts[at])
    return " ".join(parts)


def _singular(word: str) -> str:
    low = word.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low.endswith("ies") and len(low) > 4:
        return word[:-3] + "y"
    if low.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if low.endswith("s") and not low.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
