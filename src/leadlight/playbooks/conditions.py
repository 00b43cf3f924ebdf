"""A condition ``{op, value}`` tested on one Python value (a signal value or an account field).

Same meaning as scoring's rules: a null value makes every op false except ``missing``;
text compares case-insensitively with text, numbers with numbers.
"""

from __future__ import annotations

import operator
from typing import Any

_COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
            "==": operator.eq, "!=": operator.ne}


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "false"):
            return low == "true"
        try:
            return float(low)
        except ValueError:
            return low
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return value


def holds(op: str, actual: Any, expected: Any = None) -> bool:
    if op == "missing":
        return actual is None
    if op == "exists":
        return actual is not None
    if actual is None:
        return False
    a = _norm(actual)
    if op in ("in", "not_in"):
        found = a in [_norm(v) for v in expected]
        return found if op == "in" else not found
    e = _norm(expected)
    if isinstance(a, bool) or isinstance(e, bool):
        if op not in ("==", "!="):
            return False
        return (a == e) if op == "==" else (a != e)
    if type(a) is not type(e):
        return op == "!="
    return bool(_COMPARE[op](a, e))
