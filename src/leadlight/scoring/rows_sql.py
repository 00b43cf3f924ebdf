"""The stored snapshot rows built set-wise in DuckDB: the same rows as ``scoring.rows`` (which stays the way
on engines without a DuckDB connection, and the reference the tests compare against).

People's persona, champion, decision makers, gates and flags, accounts' names, status and signals are SQL
over the scored tables (titles are parsed in Python once per distinct title); reasons are terms
(``reasons_sql``: sentences written once per distinct value). ``snapshot_sql`` runs them.
"""

from __future__ import annotations

import json
from typing import Any

from leadlight.scoring import explain, people
from leadlight.scoring.flags import PERSON_FLAGS
from leadlight.scoring.reasons_sql import (Term, as_json, ident, number, plain_number, points, reason_lists,
                                           rule_term, said, temp_table, text)
from leadlight.scoring.rows import ACTIVITY, ADMIN, INVITES, NOT_A_CONTACT, gate_name
from leadlight.scoring.status import NOT_TO_CALL


def person_terms(pql: Any, specs: dict) -> list[Term]:
    """A person's reasons (``explain.person_reasons``) as terms."""
    scale = explain.pql_scale(pql)
    terms = [rule_term(0, rule, f"pql_rule_{i}", scale, specs) for i, rule in enumerate(pql.rules)]
    if pql.decay is not None:
        raw = "(0.0" + "".join(f" + {points(ident(f'pql_rule_{i}'))}" for i in range(len(pql.rules))) + ")"
        decay = f"coalesce({plain_number(ident('decay'))}, 1.0)"
        signal = pql.decay.signal  # what decay took: one negative reason
        terms.append(Term(0, signal, f"{raw} <> 0 AND {decay} < 1", f"(-{raw}) * (1 - {decay}) * {number(scale)}",
                          ident(signal), said(specs, signal),
                          (*(f"pql_rule_{i}" for i in range(len(pql.rules))), "decay", signal)))
    return terms


def account_terms(scoring: Any, specs: dict) -> list[Term]:
    """An account's reasons, fit reasons and intent reasons (groups 0, 1, 2) as terms."""
    pqa, scale = scoring.pqa, explain.pqa_scale(scoring.pqa)
    rolled = points(ident("pqa_rollup"))
    terms = [Term(0, explain.rollup_name(pqa), f"{rolled} <> 0", f"{rolled} * {number(scale)}", ident("rollup_value"),
                  lambda v: (explain.plain(v), explain.rollup_text(pqa, explain.plain(v))),
                  ("pqa_rollup", "rollup_value"))]
    terms += [rule_term(0, rule, f"pqa_rule_{i}", scale, specs) for i, rule in enumerate(pqa.rules)]
    trig = pqa.triggers
    if trig is not None and (trig.points or trig.qualifies):
        bits = " || ".join(f"(CASE WHEN {ident(f'trig_{i}')} THEN '1' ELSE '0' END)" for i in range(len(trig.of)))

        def fired(key: str) -> tuple[int, str]:
            hits = [b == "1" for b in key]
            return sum(hits), explain.trigger_text(pqa, hits, specs)

        terms.append(Term(0, "triggers", f"coalesce({ident('trigger_on')}, false)",
                          f"{points(ident('pqa_trigger'))} * {number(scale)}", f"('' || {bits})", fired,
                          (*(f"trig_{i}" for i in range(len(trig.of))), "trigger_on", "pqa_trigger")))
    for group, name in ((1, "fit"), (2, "intent")):
        axis = getattr(scoring, name)
        terms += [rule_term(group, rule, f"{name}_rule_{i}", explain.axis_scale(axis), specs)
                  for i, rule in enumerate(axis.rules)]
    return terms


def personas(con: Any, users: str) -> None:
    """The temp table ``_ll_personas``: seniority, department and decision-maker rank per distinct title of
    ``users`` (a table or a parenthesised query)."""
    titles = [r[0] for r in con.execute(f"SELECT DISTINCT title FROM {users}").fetchall()]
    found = [people.parse_title(t) for t in titles]
    temp_table(con, "_ll_personas", {
        "title": ("VARCHAR", titles), "seniority": ("VARCHAR", [p.seniority for p in found]),
        "department": ("VARCHAR", [p.department for p in found]),
        "dm_rank": ("INTEGER", [people.SENIORITIES.index(p.seniority) if p.decision_maker else None for p in found])})


PEOPLE_COLUMNS = ("user_id", "account_id", "email", "title", "seniority", "department", "score", "points", "pql",
                  "disqualifiers", "flags", "link_method", "link_account_id", "activity", "account_name")


def inputs(table: str, names: list[str]) -> str:
    """``table``'s columns ``names`` as ``_ll_in<n>`` (kept beside the stored columns, whose names a signal's may
    share)."""
    return "".join(f", {table}.{ident(c)} AS _ll_in{n}" for n, c in enumerate(names))


def with_inputs(table: str, names: list[str]) -> str:
    """A query over ``table`` (``inputs`` kept) giving back the read columns their names, keyed by ``_ll_row``."""
    named = "".join(f", _ll_in{n} AS {ident(c)}" for n, c in enumerate(names))
    return f"(SELECT rowid AS _ll_row{named} FROM {table})"


def user_rows(users: str, kinds: dict[str, str], scoring: Any, specs: dict, activity: str, read: list[str]) -> str:
    """SQL of the stored people columns (``PEOPLE_COLUMNS``: ``rows.user_columns`` and the account's name) plus
    the champion choice's private columns and the columns the reasons read (``inputs``)."""
    pql = scoring.pql
    gates = [(f"disq_{i}", gate_name(g), True) for i, g in enumerate(pql.disqualifiers)] + [
        (f"req_{i}", f"requires {gate_name(g)}", False) for i, g in enumerate(pql.required)]
    has = kinds.__contains__

    def flag(name: str) -> str:
        return f"coalesce(u.{ident(name)}, false)" if has(name) else "false"

    def num(name: str) -> str:
        if not has(name):
            return "NULL"
        return plain_number(f"u.{ident(name)}") if kinds[name] in ("DOUBLE", "FLOAT") else f"u.{ident(name)}"

    # JSON text written by one concat per person (json_object, to_json or a chain of || cost several times more)
    held = [f"CASE WHEN {flag(key)} = {str(hit).lower()} THEN {text(_json(name))} END" for key, name, hit in gates]
    disqualifiers = f"'[' || concat_ws(',', {', '.join(held)}) || ']'" if held else "'[]'"
    flags = "concat(" + ", ".join(f"{text(('{' if n == 0 else ',') + _json(f) + ':')}, "
                                  f"CASE WHEN {flag(f)} THEN 'true' ELSE 'false' END"
                                  for n, f in enumerate(PERSON_FLAGS)) + ", '}')"
    contact = " OR ".join(flag(f) for f in NOT_A_CONTACT)
    column = {c: f"u.{ident(c)}" if has(c) else "NULL" for c in ("user_id", "account_id", "email", "title",
                                                                 "link_method", "link_account_id")}
    return (f"SELECT {column['user_id']} AS user_id, {column['account_id']} AS account_id, "
            f"{column['email']} AS email, {column['title']} AS title, p.seniority, p.department, "
            f"coalesce({num('score')}, 0.0) AS score, coalesce({num('points')}, 0.0) AS points, "
            f"{flag('pql')} AS pql, {disqualifiers} AS disqualifiers, {flags} AS flags, "
            f"{column['link_method']} AS link_method, {column['link_account_id']} AS link_account_id, "
            f"CAST(coalesce({num(activity)}, 0) AS DOUBLE) AS activity, i.name AS account_name, "
            f"coalesce({num(ADMIN)}, 0) > 0 AS _admin, coalesce({num(INVITES)}, 0) > 0 AS _inviter, "
            f"({contact}) AS _excluded, p.dm_rank AS _dm_rank{inputs('u', read)} "
            f"FROM {users} u LEFT JOIN _ll_personas p ON p.title IS NOT DISTINCT FROM u.title "
            f"LEFT JOIN _ll_info i ON i.account_id = u.account_id")


def _json(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def people_of_accounts(members: str, limit: int) -> str:
    """SQL of ``account_id, champion, decision_makers`` (JSON) from people rows (``user_rows``): one pass grouped
    by account, each choice the least of its ordering key (``arg_min``; decision makers gathered unordered and
    sorted per account by ``list_sort``: an ordered aggregate sorts every person, and cost three times more)."""
    person = "struct_pack(user_id := user_id, email := email, title := title)"
    # the champion: not excluded first, then admins and inviters, then the most active; ties by user id
    champion = (f"arg_min({person}, struct_pack(a := _excluded, b := NOT (_admin OR _inviter), c := -activity, "
                f"d := user_id)) FILTER (WHERE activity > 0)")
    # decision makers: by seniority, then the most active; ties by user id (struct fields compare in order)
    makers = (f"list(struct_pack(r := _dm_rank, a := -activity, u := user_id, p := {person})) "
              f"FILTER (WHERE _dm_rank IS NOT NULL AND NOT _excluded)")
    chosen = f"list_transform(list_sort(makers)[1:{int(limit)}], lambda m: m.p)"
    return (f"SELECT account_id, CAST(to_json(champion) AS VARCHAR) AS champion, CASE WHEN len(makers) > 0 THEN "
            f"CAST(to_json({chosen}) AS VARCHAR) END AS decision_makers FROM (SELECT account_id, "
            f"{champion} AS champion, {makers} AS makers FROM {members} WHERE account_id IS NOT NULL "
            f"GROUP BY account_id) WHERE champion IS NOT NULL OR len(makers) > 0")


ACCOUNT_COLUMNS = ("account_id", "name", "domain", "status", "owner", "owner_email", "employees", "industry",
                   "country", "plan", "score", "points", "fit", "fit_score", "intent", "intent_score", "quadrant",
                   "priority", "people", "pqa", "pql_users", "triggers_fired", "signals", "champion",
                   "decision_makers")


def account_rows(accounts: str, kinds: dict[str, str], specs: dict, extra: set[str], status: str,
                 predicted: bool, read: list[str]) -> str:
    """SQL of the stored account columns but the reasons (``ACCOUNT_COLUMNS``; with ``predicted``, the model's:
    ``PREDICTIONS``) over the scored accounts joined with ``_ll_info`` (``i``), ``status`` (``s``: SQL), people
    (``_ll_snap_people_of``, ``people_of_accounts``) and predictions (``_ll_predictions``), plus the columns the
    reasons read (``inputs``)."""
    def num(name: str) -> str:
        if name not in kinds:
            return "NULL"
        return plain_number(f"a.{ident(name)}") if kinds[name] in ("DOUBLE", "FLOAT") else f"a.{ident(name)}"

    def info(name: str) -> str:
        return f"i.{ident(name)}" if name in extra else "NULL"

    owner, owner_email = info("owner"), info("owner_email")
    own = [n for n, s in specs.items() if getattr(s, "level", "account") == "account" and not n.startswith("ll_")
           and n in kinds]
    signals = ("concat('{', " + ", ',', ".join(f"{text(_json(n) + ':')}, {as_json(f'a.{ident(n)}', kinds[n])}"
                                               for n in own) + ", '}')") if own else "'{}'"
    standing = "coalesce(s.status, 'prospect')"
    plain = {c: num(c) for c in ("score", "points", "fit_score", "intent_score")}
    model = (", p.* EXCLUDE (account_id)", " LEFT JOIN _ll_predictions p ON p.account_id = a.account_id") \
        if predicted else ("", "")
    return (f"SELECT a.account_id, i.name, i.domain, {standing} AS status, "
            f"CASE WHEN {owner} IS NULL OR {owner} = '' THEN {owner_email} ELSE {owner} END AS owner, "
            f"{owner_email} AS owner_email, {info('employees')} AS employees, {info('industry')} AS industry, "
            f"{info('country')} AS country, {info('plan')} AS plan, {plain['score']} AS score, "
            f"{plain['points']} AS points, a.fit, {plain['fit_score']} AS fit_score, a.intent, "
            f"{plain['intent_score']} AS intent_score, a.quadrant, a.priority, a.people, "
            f"coalesce(a.pqa, false) AND {standing} NOT IN ({', '.join(text(s) for s in NOT_TO_CALL)}) AS pqa, "
            f"a.pql_users, a.triggers_fired, {signals} AS signals, m.champion, "
            f"coalesce(m.decision_makers, '[]') AS decision_makers{model[0]}{inputs('a', read)} "
            f"FROM {accounts} a LEFT JOIN _ll_info i ON i.account_id = a.account_id "
            f"LEFT JOIN ({status}) s ON s.account_id = a.account_id "
            f"LEFT JOIN _ll_snap_people_of m ON m.account_id = a.account_id{model[1]}")
