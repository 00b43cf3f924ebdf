"""Input headers -> Leadlight's column names, and the file-level checks on them.

A header is first normalised (``"Close Date"`` -> ``close_date``, ``userId`` ->
``user_id``, ``context.groupId`` -> ``context_group_id``). Then, per input
kind, a column the file does not have by its own name is found:

1. by ``ingest.columns.<kind>`` in leadlight.yml (``{opportunity_id: "Opportunity ID"}``);
2. else by a common spelling (``SYNONYMS``): a Salesforce or HubSpot export,
   an analytics tool's ``event_name`` / ``time``.

What was renamed is reported. ``check_columns`` refuses a whole file, once,
when it lacks a column its kind needs or looks like another kind of input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from leadlight.errors import InputError

# Normalised spellings that mean a canonical column, per kind (the canonical name itself always does).
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "events": {
        "user_id": ("userid", "user", "distinct_id", "person_id", "uid"),
        "event": ("event_name", "event_type", "action", "name"),
        "timestamp": ("time", "ts", "event_time", "occurred_at", "created_at", "datetime", "date", "event_timestamp"),
        "account_id": ("group_id", "company_id", "organization_id", "org_id", "workspace_id", "context_group_id"),
        "message_id": ("messageid", "event_id", "insert_id", "id"),
        "properties": ("props", "event_properties"),
    },
    "accounts": {
        "account_id": ("id", "company_id", "organization_id", "org_id", "group_id", "record_id", "accountid"),
        "domain": ("website", "company_domain", "domain_name", "company_domain_name", "url"),
        "name": ("account_name", "company_name", "company", "organization_name"),
        "employees": ("employee_count", "number_of_employees", "num_employees", "employees_count", "headcount"),
        "industry": ("sector",),
        "country": ("billing_country", "country_region", "country_code"),
        "plan": ("plan_name", "tier", "pricing_plan"),
    },
    "users": {
        "user_id": ("id", "userid", "contact_id", "person_id", "record_id"),
        "email": ("email_address", "e_mail", "mail"),
        "title": ("job_title", "jobtitle", "role"),
        "account_id": ("company_id", "group_id", "organization_id", "org_id", "workspace_id"),
        "created_at": ("created_date", "create_date", "createdate", "signed_up_at", "signup_date", "signed_up"),
        "email_confirmed": ("email_verified", "verified", "confirmed"),
    },
    "opportunities": {
        "opportunity_id": ("id", "opp_id", "deal_id", "record_id", "opportunityid"),
        "account_id": ("company_id", "associated_company_id", "accountid", "organization_id"),
        "domain": ("website", "company_domain", "company_domain_name"),
        "created_at": ("created_date", "create_date", "createdate", "opened_at", "created"),
        "closed_at": ("close_date", "closed_date", "closedate", "date_closed"),
        "stage": ("stage_name", "deal_stage", "dealstage", "status", "opportunity_stage"),
        "amount": ("value", "deal_amount", "opportunity_amount", "amount_usd", "arr"),
        "source": ("deal_source", "channel", "sales_motion"),
        "probability": ("probability_percent", "probability_pct", "hs_deal_stage_probability", "deal_probability"),
    },
}

# What a kind cannot load without (any one tuple member will do).
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "events": (("user_id",), ("event",), ("timestamp",)),
    "accounts": (("account_id",),),
    "users": (("user_id",),),
    "opportunities": (("opportunity_id",), ("account_id", "domain"), ("created_at",), ("stage",)),
}
# What makes a file recognisably one kind (used to name the kind a mixed-up file looks like).
_SIGNATURE: dict[str, tuple[str, ...]] = {
    "events": ("event", "timestamp"),
    "users": ("user_id",),
    "opportunities": ("opportunity_id", "stage"),
    "accounts": ("account_id",),
}
# A kind whose signature is present in a file loaded as the key kind means the file is that other kind.
_MISTAKEN_FOR = {
    "accounts": ("events", "opportunities", "users"),
    "users": ("events", "opportunities"),
    "opportunities": ("events", "users"),
    "events": (),
}


def column_name(header: str) -> str:
    """A header as a column name: ``"Account ID"`` -> ``account_id``, ``userId`` -> ``user_id``."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", header.strip())
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    return re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()


# Spellings too common to say which kind a file is (an accounts file has an "id" and a "name" too).
_GENERIC = frozenset({"id", "record_id", "name", "date", "time", "ts", "status", "value", "user", "created_at", "created"})


def map_columns(headers: Sequence[str], kind: str, configured: Mapping[str, str] | None = None, *,
                generic: bool = True) -> tuple[list[str], list[tuple[str, str]]]:
    """The column name for each header, and the ``(header, name)`` pairs that are not the header as written.

    ``generic=False`` leaves out spellings such as ``id`` that fit every kind.
    Raises ``InputError`` when two headers end up with one name.
    """
    names = [column_name(h) or f"column_{i + 1}" for i, h in enumerate(headers)]
    taken = set(names)
    for canonical, header in (configured or {}).items():
        wanted = column_name(header)
        if canonical not in taken and wanted in names:
            names[names.index(wanted)] = canonical
            taken.add(canonical)
    for canonical, spellings in SYNONYMS.get(kind, {}).items():
        if canonical in taken:
            continue
        found = next((names.index(s) for s in spellings if s in names and (generic or s not in _GENERIC)), None)
        if found is not None and names[found] not in (configured or {}):
            names[found] = canonical
            taken.add(canonical)
    seen: dict[str, str] = {}
    for header, name in zip(headers, names):
        if name in seen:
            raise InputError(f"columns {seen[name]!r} and {header!r} both read as {name}",
                             hint="rename or drop one of them, or map the one you mean in ingest.columns of leadlight.yml")
        seen[name] = header
    renamed = [(h, n) for h, n in zip(headers, names) if h != n]
    return names, renamed


def _telltales(headers: Sequence[str], kind: str) -> set[str]:
    """Which of ``kind``'s telltale columns the headers have, by name or a spelling specific enough to count."""
    try:
        names, _ = map_columns(headers, kind, generic=False)
    except InputError:
        return set()
    return set(_SIGNATURE[kind]) & set(names)


def _looks_like(headers: Sequence[str], kind: str) -> bool:
    return len(_telltales(headers, kind)) == len(_SIGNATURE[kind])


def check_columns(path: str, kind: str, headers: Sequence[str], names: Sequence[str]) -> None:
    """Refuse the whole file when it is another kind of input or lacks a column ``kind`` needs."""
    shown = ", ".join(headers[:12]) + (", ..." if len(headers) > 12 else "")
    for other in _MISTAKEN_FOR[kind]:
        if _looks_like(headers, other):
            raise InputError(
                f"{path}: this looks like a {other} file (it has columns {shown}), not {kind}; nothing was loaded",
                hint=f"load it with --kind {other}")
    missing = [" or ".join(group) for group in REQUIRED[kind] if not any(c in names for c in group)]
    if missing:
        # Another kind is named only when the file has none of this kind's telltale columns (an
        # opportunities file without a stage column is still an opportunities file).
        guess = None if _telltales(headers, kind) else next(
            (k for k in _SIGNATURE if k != kind and _looks_like(headers, k)), None)
        example = REQUIRED[kind][[" or ".join(g) for g in REQUIRED[kind]].index(missing[0])][0]
        hint = (f"load it with --kind {guess}" if guess else
                f"rename the columns, or map them in leadlight.yml: ingest: {{columns: {{{kind}: "
                f"{{{example}: \"<your column>\"}}}}}}")
        raise InputError(f"{path}: this file has columns {shown}; {kind} need {', '.join(missing)}; nothing was loaded",
                         hint=hint)
