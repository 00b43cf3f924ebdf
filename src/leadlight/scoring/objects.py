"""Stored score rows -> the account and lead objects of the public contract (CONTRACT.md)."""

from __future__ import annotations

from typing import Any

from leadlight.timeutil import iso


def account_object(row: dict[str, Any]) -> dict[str, Any]:
    """``{account_id, name, domain, score, probability, fit, intent, quadrant, pqa, reasons, champion,
    decision_makers, play}``; ``play`` is null until playbooks exist."""
    return {
        "account_id": row["account_id"],
        "name": row.get("name"),
        "domain": row.get("domain"),
        "score": row.get("score"),
        "probability": row.get("probability"),
        "fit": row.get("fit"),
        "intent": row.get("intent"),
        "quadrant": row.get("quadrant"),
        "pqa": bool(row.get("pqa")),
        "reasons": row.get("reasons") or [],
        "champion": row.get("champion"),
        "decision_makers": row.get("decision_makers") or [],
        "play": None,
    }


def lead_object(row: dict[str, Any]) -> dict[str, Any]:
    """The contract's lead object plus ``link`` (how the person joined the account), ``flags`` and
    ``persona`` (seniority and department read from the title)."""
    return {
        "user_id": row["user_id"],
        "email": row.get("email"),
        "title": row.get("title"),
        "account_id": row.get("account_id"),
        "score": row.get("score"),
        "pql": bool(row.get("pql")),
        "disqualifiers": row.get("disqualifiers") or [],
        "reasons": row.get("reasons") or [],
        "link": {"method": row.get("link_method"), "account_id": row.get("link_account_id")},
        "flags": row.get("flags") or {},
        "persona": {"seniority": row.get("seniority"), "department": row.get("department")},
    }


def account_detail(row: dict[str, Any], users: list[dict[str, Any]], history: list[dict[str, Any]]) -> dict[str, Any]:
    """``explain``: the account object with its ``users`` (lead objects) and everything behind the score."""
    return {
        **account_object(row),
        "users": [lead_object(u) for u in users],
        "as_of": iso(row.get("as_of")),
        "fit_score": row.get("fit_score"),
        "intent_score": row.get("intent_score"),
        "fit_reasons": row.get("fit_reasons") or [],
        "intent_reasons": row.get("intent_reasons") or [],
        "model_reasons": row.get("model_reasons") or [],
        "people": row.get("people"),
        "pql_users": row.get("pql_users"),
        "triggers_fired": row.get("triggers_fired"),
        "definition_hash": row.get("definition_hash"),
        "leadlight_version": row.get("leadlight_version"),
        "history": [{**h, "as_of": iso(h["as_of"])} for h in history],
    }
