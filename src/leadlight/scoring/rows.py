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


def columns(table: Any, names: list[str] | None = None) -> dict[str, list]:
    """Columns of an Arrow table (all, or those of ``names`` it has) as lists of ``explain.plain`` values."""
    import pyarrow as pa

    out = {}
    for name in table.column_names if names is None else [n for n in names if n in table.column_names]:
        column = table.column(name)
        values, kind = column.to_pylist(), column.type
        if pa.types.is_floating(kind):
            values = [None if v is None else explain.plain_float(v) for v in values]
        elif not (pa.types.is_integer(kind) or pa.types.is_boolean(kind) or pa.types.is_string(kind)
                  or pa.types.is_large_string(kind)):
            values = [explain.plain(v) for v in values]
        out[name] = values
    return out


def records(table: Any) -> list[dict[str, Any]]:
    """The rows of an Arrow table as dicts of ``explain.plain`` values, converted column by column."""
    found = columns(table)
    names = list(found)
    return [dict(zip(names, row)) for row in zip(*found.values())] if found else [{} for _ in range(table.num_rows)]


def gate_name(item: Any) -> str:
    return item if isinstance(item, str) else item.describe()


def user_columns(table: Any, scoring: Any, specs: dict[str, Any], activity: str) -> dict[str, list]:
    """The stored people columns of scored users (an Arrow table), plus private ``_admin``, ``_inviter`` and
    ``_excluded`` for the champion choice. Column by column: only reasons, gates and flags need a loop per person,
    and those read only the few columns they need."""
    pql = scoring.pql
    gates = [(f"disq_{i}", gate_name(g), True) for i, g in enumerate(pql.disqualifiers)] + [
        (f"req_{i}", f"requires {gate_name(g)}", False) for i, g in enumerate(pql.required)]
    why = [f"pql_rule_{i}" for i in range(len(pql.rules))] + [r.signal for r in pql.rules] + ["decay"] + (
        [pql.decay.signal] if pql.decay is not None else [])
    wanted = ["user_id", "account_id", "email", "title", "score", "points", "pql", "link_method", "link_account_id",
              activity, ADMIN, INVITES, *PERSON_FLAGS, *(g[0] for g in gates), *why]
    got = columns(table, list(dict.fromkeys(wanted)))
    n = table.num_rows
    col = lambda name: got.get(name) or [None] * n  # noqa: E731
    out: dict[str, list] = {name: col(name) for name in ("user_id", "account_id", "email", "title")}
    personas = [people.parse_title(t) for t in out["title"]]
    out["seniority"] = [p.seniority for p in personas]
    out["department"] = [p.department for p in personas]
    out["score"] = [v or 0.0 for v in col("score")]
    out["points"] = [v or 0.0 for v in col("points")]
    out["pql"] = [bool(v) for v in col("pql")]
    # people share a few combinations of flags and gates: one object each, so each is also encoded once
    out["disqualifiers"] = _shared(zip(*(col(key) for key, _, _ in gates)) if gates else [()] * n,
                                   lambda held: [name for (_, name, hit), v in zip(gates, held) if bool(v) is hit])
    flags = list(zip(*(col(f) for f in PERSON_FLAGS)))
    out["flags"] = _shared(flags, lambda held: {f: bool(v) for f, v in zip(PERSON_FLAGS, held)})
    out["link_method"], out["link_account_id"] = col("link_method"), col("link_account_id")
    out["activity"] = [float(v or 0.0) for v in col(activity)]
    names = list(dict.fromkeys(why))
    out["reasons"] = [explain.top(explain.person_reasons(dict(zip(names, row)), pql, specs), scoring.reasons)
                      for row in zip(*(col(c) for c in names))]
    out["_admin"] = [(v or 0) > 0 for v in col(ADMIN)]
    out["_inviter"] = [(v or 0) > 0 for v in col(INVITES)]
    contact = [PERSON_FLAGS.index(f) for f in NOT_A_CONTACT]
    out["_excluded"] = [any(held[i] for i in contact) for held in flags]
    return out


def _shared(keys: Any, make: Any) -> list:
    """``make(key)`` for each key, one object per distinct key."""
    seen: dict = {}
    out = []
    for key in keys:
        value = seen.get(key)
        if value is None:
            value = seen[key] = make(key)
        out.append(value)
    return out


def account_rows(accounts: list[dict], users: dict[str, list], info: dict[str, dict], scoring: Any, specs: dict,
                 status: dict[str, str]) -> list[dict]:
    """One stored account row per scored account: its people's champion and decision makers, its reasons."""
    members: dict[str, list[dict]] = {}
    keys = ("user_id", "email", "title", "activity", "admin", "inviter", "excluded")
    people_of = zip(users["account_id"], *(users[k] for k in ("user_id", "email", "title", "activity", "_admin",
                                                               "_inviter", "_excluded")))
    for account, *person in people_of:
        if account is not None:  # only what the champion and decision-maker choices read
            members.setdefault(account, []).append(dict(zip(keys, person)))
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
