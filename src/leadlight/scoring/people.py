"""People in an account: seniority and department from free-text titles, the champion, decision makers.

Titles are typed by people ("VP Eng", "Head of Design", "Sr. Product Mgr",
"Founder & CEO"), so parsing is by word patterns, most senior match first.
``SALES_REP`` is also used in Ibis (``scoring.flags``) so the ``sales_persona``
flag and :func:`parse_title` agree on every engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

SENIORITIES = ("c_level", "vp", "head", "director", "manager", "senior", "individual", "student", "unknown")
DECISION_MAKERS = ("c_level", "vp", "head", "director")

# Plain-regex syntax only (no lookarounds): the same patterns run on RE2 (DuckDB) and Java (Spark).
_W = r"(^|[^a-z])"
_E = r"([^a-z]|$)"


def _words(*alternatives: str) -> str:
    return _W + "(" + "|".join(alternatives) + ")" + _E


_SENIORITY = (
    ("c_level", _words(r"c[a-z]{1,2}o", r"chief", r"founder", r"co-founder", r"cofounder", r"president")),
    ("vp", _words(r"s?e?vp", r"vice[ -]president", r"v\.p\.")),
    ("head", _words(r"head")),
    ("director", _words(r"director", r"dir\.?")),
    ("manager", _words(r"manager", r"mgr\.?", r"lead", r"supervisor", r"team lead")),
    ("student", _words(r"student", r"intern", r"phd", r"undergrad", r"graduate student")),
    ("senior", _words(r"senior", r"sr\.?", r"staff", r"principal")),
)
_CLEVEL_DEPARTMENT = {
    "cto": "engineering", "cio": "it", "ciso": "it", "cfo": "finance", "cmo": "marketing", "cpo": "product",
    "coo": "operations", "cro": "sales", "cdo": "data", "ceo": "executive", "cso": "sales",
}
_DEPARTMENT = (
    ("sales", _words(r"sales", r"account executive", r"account manager", r"sdr", r"bdr", r"ae",
                     r"business development", r"customer success", r"solutions? engineer", r"revenue", r"csm")),
    ("design", _words(r"design", r"designer", r"ux", r"ui", r"creative")),
    ("data", _words(r"data", r"analytics", r"analyst", r"bi", r"machine learning", r"ml", r"scientist")),
    ("it", _words(r"it", r"security", r"systems", r"sysadmin", r"infrastructure", r"admin", r"administrator",
                  r"information technology", r"helpdesk")),
    ("engineering", _words(r"eng", r"engineer", r"engineering", r"developer", r"dev", r"software", r"technology",
                           r"technical", r"devops", r"sre", r"frontend", r"backend", r"programmer", r"architect", r"qa")),
    ("product", _words(r"product", r"pm")),
    ("marketing", _words(r"marketing", r"growth", r"content", r"brand", r"seo", r"communications", r"pr")),
    ("finance", _words(r"finance", r"financial", r"accounting", r"accountant", r"controller", r"procurement",
                       r"purchasing")),
    ("hr", _words(r"hr", r"people", r"talent", r"recruiter", r"recruiting", r"human resources")),
    ("operations", _words(r"operations", r"ops", r"project manager", r"program manager", r"office")),
)
_EXECUTIVE = _words(r"ceo", r"founder", r"co-founder", r"cofounder", r"president", r"managing director",
                    r"general manager")

# A sales rep persona: a sales title below director. Used as a disqualifier (they sell; they don't buy).
SALES_REP = _DEPARTMENT[0][1]
LEADERSHIP = _words(r"c[a-z]{1,2}o", r"chief", r"founder", r"co-founder", r"cofounder", r"president",
                    r"s?e?vp", r"vice[ -]president", r"head", r"director")


@dataclass(frozen=True)
class Persona:
    seniority: str
    department: str

    @property
    def decision_maker(self) -> bool:
        return self.seniority in DECISION_MAKERS


def normalise(title: str | None) -> str:
    text = re.sub(r"\s+", " ", (title or "").strip().lower())
    return re.sub(r"vice[ -]president", "vp", text)  # else "president" would read as c-level


@lru_cache(maxsize=65536)  # titles repeat across people; a Persona is immutable
def parse_title(title: str | None) -> Persona:
    """``"VP Eng"`` -> Persona('vp', 'engineering'); ``"Founder & CEO"`` -> ('c_level', 'executive')."""
    text = normalise(title)
    if not text:
        return Persona("unknown", "other")
    seniority = next((level for level, pattern in _SENIORITY if re.search(pattern, text)), "individual")
    if seniority == "c_level":
        m = re.search(_W + r"(c[a-z]{1,2}o)" + _E, text)
        if m and m.group(2) in _CLEVEL_DEPARTMENT and not re.search(r"chief|founder", text):
            return Persona(seniority, _CLEVEL_DEPARTMENT[m.group(2)])
    if re.search(_EXECUTIVE, text):
        return Persona(seniority if seniority != "individual" else "c_level", "executive")
    department = next((dept for dept, pattern in _DEPARTMENT if re.search(pattern, text)), "other")
    if seniority == "c_level" and department == "other":
        department = "executive"
    return Persona(seniority, department)


def is_sales_rep(title: str | None) -> bool:
    """A sales (or customer success) title below director: the same test as the ``sales_persona`` flag."""
    text = normalise(title)
    return bool(re.search(SALES_REP, text)) and not re.search(LEADERSHIP, text)


_RANK = {s: i for i, s in enumerate(SENIORITIES)}


def person(row: dict[str, Any]) -> dict[str, Any]:
    """The ``{user_id, email, title}`` shape the contract uses for champion and decision makers."""
    return {"user_id": row.get("user_id"), "email": row.get("email"), "title": row.get("title")}


def champion(people: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The top person by weighted activity; admins and inviters first.

    Each person is a dict with ``user_id``, ``activity`` (weighted activity),
    ``admin`` and ``inviter`` (bools); people flagged ``excluded`` (personal
    email, sales rep, ...) are passed over unless nobody else is active.
    Ties break on user_id so the choice is stable.
    """
    candidates = [p for p in people if (p.get("activity") or 0) > 0]
    if not candidates:
        return None
    preferred = [p for p in candidates if not p.get("excluded")] or candidates
    return min(
        preferred,
        key=lambda p: (not (p.get("admin") or p.get("inviter")), -(p.get("activity") or 0), str(p.get("user_id"))),
    )


def decision_makers(people: Iterable[dict[str, Any]], limit: int = 3) -> list[dict[str, Any]]:
    """People whose title reads c-level, VP, head or director; most senior first, then most active."""
    found = []
    for p in people:
        persona = parse_title(p.get("title"))
        if persona.decision_maker and not p.get("excluded"):
            found.append((_RANK[persona.seniority], -(p.get("activity") or 0), str(p.get("user_id")), p))
    return [p for *_, p in sorted(found, key=lambda t: t[:3])][:limit]
