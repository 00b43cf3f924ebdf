"""Scored rows -> the rows a snapshot stores: people (persona, gates, reasons) and accounts (champion,
decision makers, reasons, status), in Python over plain values.

Values arrive column by column (``records``: an Arrow table or a pandas frame as
``explain.plain`` values); rows are dicts because the reasons read a row by
name. Sentences are written once per (signal, value) (``explain.say``), so the
cost is a few dict operations per row, not a template per reason.
"""

from __future__ import annotations

from typing import Any

from leadlight.scoring import explain, people
from leadlight.scoring.flags import PERSON_FLAGS
from leadlight.scoring.status import NOT_TO_CALL

# Who is never put forward as champion or decision maker (an account-level disqualifier, like a
# self-serve purchase, does not change who the people are).
NOT_A_CONTACT = ("personal_email", "disposable_email", "student", "internal")
ACTIVITY, ADMIN, INVITES = "ll_people_activity", "ll_people_admin", "ll_people_invites"


def records(table: Any) -> list[dict[str, Any]]:
    """The rows of an Arrow table as dicts of ``explain.plain`` values, converted column by column."""
    import pyarrow as pa

    columns = []
    for name in table.column_names:
        column = table.column(name)
        values, kind = column.to_pylist(), column.type
        if pa.types.is_floating(kind):
            values = [None if v is None else explain.plain_float(v) for v in values]
        elif not (pa.types.is_integer(kind) or pa.types.is_boolean(kind) or pa.types.is_string(kind)
                  or pa.types.is_large_string(kind)):
            values = [explain.plain(v) for v in values]
        columns.append(values)
    names = list(table.column_names)
    return [dict(zip(names, row)) for row in zip(*columns)] if columns else [{} for _ in range(table.num_rows)]


def gate_name(item: Any) -> str:
    return item if isinstance(item, str) else item.describe()


def user_rows(users: list[dict[str, Any]], scoring: Any, specs: dict[str, Any], activity: str) -> list[dict]:
    """One stored person row per scored user."""
    required = [(f"req_{i}", f"requires {gate_name(g)}") for i, g in enumerate(scoring.pql.required)]
    disqualifiers = [(f"disq_{i}", gate_name(g)) for i, g in enumerate(scoring.pql.disqualifiers)]
    # people share a few combinations of flags and gates: one object each, so it is also encoded once
    seen_gates: dict[tuple, list] = {}
    seen_flags: dict[tuple, dict] = {}
    out = []
    for u in users:
        gates = tuple(name for key, name in disqualifiers if u.get(key)) + tuple(
            name for key, name in required if not u.get(key))
        hits = seen_gates.get(gates)
        if hits is None:
            hits = seen_gates[gates] = list(gates)
        key = tuple(bool(u.get(f)) for f in PERSON_FLAGS)
        flags = seen_flags.get(key)
        if flags is None:
            flags = seen_flags[key] = dict(zip(PERSON_FLAGS, key))
        persona = people.parse_title(u.get("title"))
        out.append({
            "user_id": u["user_id"], "account_id": u.get("account_id"), "email": u.get("email"),
            "title": u.get("title"), "seniority": persona.seniority, "department": persona.department,
            "score": u.get("score") or 0.0, "points": u.get("points") or 0.0, "pql": bool(u.get("pql")),
            "disqualifiers": hits, "flags": flags,
            "link_method": u.get("link_method"), "link_account_id": u.get("link_account_id"),
            "activity": float(u.get(activity) or 0.0),
            "reasons": explain.top(explain.person_reasons(u, scoring.pql, specs), scoring.reasons),
            "_admin": (u.get(ADMIN) or 0) > 0, "_inviter": (u.get(INVITES) or 0) > 0,
            "_excluded": any(u.get(f) for f in NOT_A_CONTACT),
        })
    return out


def account_rows(accounts: list[dict], users: list[dict], info: dict[str, dict], scoring: Any, specs: dict,
                 status: dict[str, str]) -> list[dict]:
    """One stored account row per scored account: its people's champion and decision makers, its reasons."""
    members: dict[str, list[dict]] = {}
    for u in users:
        if u["account_id"] is not None:
            # only what the champion and decision-maker choices read (a copy of the whole row cost more than them)
            members.setdefault(u["account_id"], []).append(
                {"user_id": u["user_id"], "email": u["email"], "title": u["title"], "activity": u["activity"],
                 "admin": u["_admin"], "inviter": u["_inviter"], "excluded": u["_excluded"]})
    own = [n for n, s in specs.items() if getattr(s, "level", "account") == "account" and not n.startswith("ll_")]
    out = []
    for a in accounts:
        crew = members.get(a["account_id"], [])
        champ = people.champion(crew)
        makers = people.decision_makers(crew, scoring.people.decision_makers)
        known = info.get(a["account_id"], {})
        standing = status.get(a["account_id"], "prospect")
        out.append({
            "account_id": a["account_id"], "name": known.get("name"), "domain": known.get("domain"),
            "status": standing, "owner": known.get("owner") or known.get("owner_email"),
            "owner_email": known.get("owner_email"), "employees": known.get("employees"),
            "industry": known.get("industry"), "country": known.get("country"), "plan": known.get("plan"),
            "score": a["score"], "points": a["points"], "probability": None,
            "fit": a["fit"], "fit_score": a["fit_score"], "intent": a["intent"], "intent_score": a["intent_score"],
            "quadrant": a["quadrant"], "priority": a["priority"], "people": a["people"],
            # Never send a rep to an account that already bought from sales or that sales already works.
            "pqa": bool(a["pqa"]) and standing not in NOT_TO_CALL,
            "pql_users": a["pql_users"], "triggers_fired": a["triggers_fired"],
            "reasons": explain.top(explain.account_reasons(a, scoring.pqa, specs), scoring.reasons),
            "fit_reasons": explain.top(explain.axis_reasons(a, scoring.fit, "fit", specs), scoring.reasons),
            "intent_reasons": explain.top(explain.axis_reasons(a, scoring.intent, "intent", specs), scoring.reasons),
            "model_reasons": None,
            # every account signal's value as scored, for `explain --signals` and exports
            "signals": {n: a.get(n) for n in own if n in a},
            "champion": people.person(champ) if champ else None,
            "decision_makers": [people.person(p) for p in makers],
        })
    return out
