"""Rep-readable words for the terminal: plurals, one number format, flags and quadrants as words."""

from __future__ import annotations

from typing import Any

from leadlight.cli.output import u

_IRREGULAR = {"person": "people", "opportunity": "opportunities", "was": "were", "is": "are", "has": "have"}


def plural(n: int | float, noun: str) -> str:
    """``plural(1, "teammate")`` -> ``"1 teammate"``; ``plural(3, "person")`` -> ``"3 people"``."""
    word = noun if n == 1 else _IRREGULAR.get(noun, noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s"))
    return f"{number(n)} {word}"


def number(value: Any, digits: int = 1) -> str:
    """One format for every number: thousands separated, at most one decimal, no trailing ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    rounded = round(float(value), digits)
    return f"{rounded:,.0f}" if rounded.is_integer() else f"{rounded:,.{digits}f}"


def words(name: str | None) -> str:
    """An identifier as words: ``personal_email`` -> ``personal email``, ``high_fit_high_intent`` -> ..."""
    return (name or "").replace("_", " ").strip()


def domain_words(domain: str | None) -> str:
    """A domain as a rep reads it, even when the accounts file held a URL: ``https://www.Acme.com/`` -> ``acme.com``."""
    from leadlight.tasks.snapshots import as_domain  # the same rule `explain` matches domains by

    return as_domain(domain or "")


def as_of_words(as_of: str | None) -> str:
    """``2026-11-01T00:00:00Z`` -> ``2026-10-31 (end of day, UTC)``; other moments as given."""
    if not as_of:
        return "unknown"
    if as_of.endswith("T00:00:00Z"):
        from datetime import date, timedelta

        day = date.fromisoformat(as_of[:10]) - timedelta(days=1)
        return f"{day.isoformat()} (end of day, UTC)"
    return as_of.replace("T", " ").replace("Z", " UTC")


def as_of_flag(as_of: str | None) -> str:
    """The ``--as-of`` value that reads this snapshot again (a bare date when it is the end of a day)."""
    if not as_of:
        return ""
    if as_of.endswith("T00:00:00Z"):
        return as_of_words(as_of).split(" ")[0]
    return as_of


def reasons_text(reasons: list[dict], positives: int = 3, negatives: int = 2) -> str:
    """Up to ``positives`` reasons for and ``negatives`` against, one a line, ready for Rich."""
    up = [r for r in reasons if r["contribution"] >= 0][:positives]
    down = [r for r in reasons if r["contribution"] < 0][:negatives]
    return "\n".join([f"+ {u(r['text'])}" for r in up] + [f"[red]- {u(r['text'])}[/]" for r in down])


_STATS = {"count": "how many", "users": "people doing", "days": "active days with"}


def feature_words(feature: str) -> str:
    """A model feature's name as a phrase: ``ev__plan_limit_reached__count_28d`` -> ``plan limit reached events,
    last 28 days``; ``people__new_7d`` -> ``new people, last 7 days``; a signal name -> its words."""
    parts = feature.split("__")
    if len(parts) == 3 and parts[0] == "ev":
        what = "any events" if parts[1] in ("any", "_any") else f"{words(parts[1])} events"
        stat = parts[2]
        if stat == "days_since":
            return f"days since the last of {what}"
        if stat == "trend":
            return f"{what}: last week against the 3 weeks before"
        kind, _, window = stat.partition("_")
        return f"{_STATS.get(kind, words(kind))} {what}, last {window.removesuffix('d')} days"
    if len(parts) == 2 and parts[0] == "people":
        name = parts[1]
        for suffix in ("_7d", "_28d"):
            if name.endswith(suffix):
                return f"{words(name.removesuffix(suffix))} people, last {suffix[1:-1]} days"
        return {"velocity": "new people: last week against the 4 weeks before"}.get(name, f"people: {words(name)}")
    return words(feature)
