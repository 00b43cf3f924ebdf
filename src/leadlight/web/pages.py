"""The pages reps and RevOps use: account list, fit x intent map, account page, definition report, model card."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from leadlight.errors import LeadlightError
from leadlight.tasks import feedback, model_card, report, snapshots, timeline, worklist
from leadlight.web import charts
from leadlight.web.render import QUADRANT_LONG, page
from leadlight.web.security import check_csrf, project_of, signed_in

PAGE_SIZE = 50
LEADERS = ("c_level", "vp", "head", "director")
INFLUENCERS = ("manager", "senior")
MARK_WORDS = {"done": "Marked done: it leaves the list for 30 days.", "snooze": "Not now: hidden until {until}.",
              "bad_lead": "Marked a bad lead: it leaves the list for good."}


class SignInRequired(Exception):
    """A page asked for without a session while sign-in is required."""


def ui_access(request: Request) -> None:
    if not signed_in(request):
        raise SignInRequired()


router = APIRouter(dependencies=[Depends(ui_access)], include_in_schema=False)


@router.get("/")
def account_list(request: Request, quadrant: str = "", status: str = "", owner: str = "", play: str = "",
                 q: str = Query("", max_length=200), show: str = "", page_no: int = Query(1, alias="page", ge=1,
                                                                                         le=100_000)) -> Response:
    filters = {"quadrant": quadrant, "status": status, "owner": owner, "play": play, "q": q, "show": show}
    data = worklist.work_list(project_of(request), quadrant=quadrant or None, status=status or None,
                              owner=owner or None, play=play or None, search=q.strip() or None,
                              show_marked=show == "all", limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    pages = max(1, -(-data["total"] // PAGE_SIZE))
    query = {k: v for k, v in filters.items() if v}
    context = {"data": data, "filters": filters, "page_no": page_no, "pages": pages, "quadrants": QUADRANT_LONG,
               "link": lambda n: "/?" + urlencode({**query, "page": n}), "offset": (page_no - 1) * PAGE_SIZE}
    template = "_rows.html" if request.headers.get("hx-request") and request.headers.get("hx-target") == "rows" \
        else "list.html"
    return page(request, template, context)


@router.get("/map")
def quadrant_map(request: Request) -> Response:
    data = worklist.quadrant_map(project_of(request))
    history, why = _quadrant_history(request)
    return page(request, "map.html", {"data": data, "history": history, "history_note": why,
                                      "cells": _cells(data["dots"])})


@router.get("/accounts/{account_id}")
def account_page(request: Request, account_id: str, marked: str = "", until: str = "") -> Response:
    project = project_of(request)
    detail = snapshots.explain_account(project, account_id)
    if detail.account_id != account_id:
        return RedirectResponse(f"/accounts/{detail.account_id}", status_code=303)
    notice = MARK_WORDS.get(marked, "").format(until=until[:10]) if marked else ""
    return page(request, "account.html", {
        "a": detail, "people": _people(detail), "actions": timeline.actions_taken(project, detail.account_id),
        "marks": worklist.account_marks(project, detail.account_id), "notice": notice,
        "positive": [r for r in detail.reasons if r.contribution >= 0],
        "negative": [r for r in detail.reasons if r.contribution < 0]})


@router.get("/accounts/{account_id}/signals")
def recent_signals(request: Request, account_id: str) -> Response:
    """The account's recent activity: a fragment for the account page (htmx loads it after the page), or a page."""
    signals = timeline.recent_signals(project_of(request), account_id)
    fragment = bool(request.headers.get("hx-request"))
    return page(request, "_signals.html" if fragment else "signals.html", {"signals": signals,
                                                                          "account_id": account_id})


@router.get("/accounts/{account_id}/history.svg")
def history_chart(request: Request, account_id: str) -> Response:
    detail = snapshots.explain_account(project_of(request), account_id)
    points = [p.model_dump() for p in detail.history]
    return Response(charts.history(points), media_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=60"})


@router.post("/accounts/{account_id}/mark", dependencies=[Depends(check_csrf)])
def mark(request: Request, account_id: str, action: str = Form(...), snooze_days: int = Form(14, ge=1, le=365),
         reason: str = Form("", max_length=500)) -> Response:
    result = feedback.mark(project_of(request), account_id, action, snooze=f"{snooze_days}d",
                           reason=reason.strip() or None)
    target = f"/accounts/{account_id}?" + urlencode({"marked": action, "until": result.get("until") or ""})
    return RedirectResponse(target, status_code=303)


@router.get("/report")
def definition_report(request: Request) -> Response:
    try:
        data = report.definition_report(project_of(request))
    except LeadlightError as err:
        if err.http_status >= 500:
            raise
        return page(request, "report.html", {"problem": err.to_dict(), "defs": [], "plan": None,
                                             "playbooks": report.playbook_activity(project_of(request)),
                                             "feedback": report.feedback_summary(project_of(request))})
    defs = [_with_charts(d) for d in data["backtest"]["definitions"]]
    return page(request, "report.html", {"bt": data["backtest"], "defs": defs, "playbooks": data["playbooks"],
                                         "plan": data["plan"], "feedback": data["feedback"], "problem": None})


@router.get("/model")
def model(request: Request) -> Response:
    return page(request, "model.html", {"card": model_card.model_card(project_of(request))})


def _with_charts(entry: dict[str, Any]) -> dict[str, Any]:
    deciles = entry.get("by_decile") or []
    drawn: dict[str, str] = {}
    if deciles and sum(d["conversions"] for d in deciles):
        drawn["band"] = charts.conversion_by_band(deciles)
        drawn["lift"] = charts.lift(deciles)
        drawn["gains"] = charts.gains(deciles, entry.get("share_flagged"), entry.get("share_conversions_flagged"))
        if entry["name"] != "rules":  # rule scores are points, not probabilities: nothing to calibrate
            drawn["calibration"] = charts.calibration(deciles)
    if entry.get("by_quadrant"):
        drawn["quadrant"] = charts.by_quadrant(entry["by_quadrant"], QUADRANT_LONG)
    return {**entry, "charts": drawn}


def _quadrant_history(request: Request) -> tuple[dict[str, dict], str | None]:
    """Historical conversion per quadrant, from the cached backtest of the rule definition (the report computes
    it: replaying history can take minutes on a big project, so the map never starts it)."""
    bt = report.cached_backtest(project_of(request))
    if bt is None:
        return {}, "open the definition report once: it replays history, and this column fills in"
    rules = next((d for d in bt["definitions"] if d["name"] == "rules"), None)
    return {r["quadrant"]: r for r in (rules or {}).get("by_quadrant", [])}, None


def _cells(dots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dots placed inside their quadrant's cell (fit across, intent up), spread by their rank within it: scores
    take few distinct values, so ranks (ties spread by a hash of the id) keep dots from piling up on one line."""
    size, pad, label = 260, 12, 30
    origin = {"low_fit_high_intent": (0, 0, label, pad), "high_fit_high_intent": (size, 0, label, pad),
              "low_fit_low_intent": (0, size, pad, label), "high_fit_low_intent": (size, size, pad, label)}
    placed = []
    for quadrant, (ox, oy, top, bottom) in origin.items():
        mine = [d for d in dots if d["quadrant"] == quadrant]
        across = _ranks(mine, "fit")
        up = _ranks(mine, "intent")
        for d in mine:
            x = ox + pad + across[d["account_id"]] * (size - 2 * pad)
            y = oy + size - bottom - up[d["account_id"]] * (size - top - bottom)
            placed.append({**d, "x": round(x, 1), "y": round(y, 1)})
    return placed


def _ranks(dots: list[dict[str, Any]], key: str) -> dict[str, float]:
    def tie(account_id: str) -> str:  # a stable spread for equal scores, different on each axis
        return hashlib.blake2s(f"{key}:{account_id}".encode(), digest_size=4).hexdigest()

    order = sorted(dots, key=lambda d: (d[key] or 0, tie(d["account_id"])))
    n = len(order)
    return {d["account_id"]: (0.5 if n == 1 else i / (n - 1)) for i, d in enumerate(order)}


def _people(detail: Any) -> list[dict[str, Any]]:
    champion = detail.champion.user_id if detail.champion else None
    deciders = {p.user_id for p in detail.decision_makers}
    out = []
    for lead in detail.users:
        badges = []
        if lead.user_id == champion:
            badges.append("champion")
        if lead.user_id in deciders or lead.persona.seniority in LEADERS:
            badges.append("decision maker")
        elif lead.persona.seniority in INFLUENCERS:
            badges.append("influencer")
        out.append({"lead": lead, "badges": badges})
    return out

