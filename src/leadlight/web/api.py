"""The JSON twins of the pages under ``/api``, in the shapes of CONTRACT.md; every call needs a bearer token."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from leadlight.contract import AccountDetail, AccountObject, LeadObject
from leadlight.tasks import feedback, model_card, report, snapshots, timeline, worklist
from leadlight.web.security import project_of, require_token

router = APIRouter(prefix="/api", dependencies=[Depends(require_token)], tags=["api"])


class Mark(BaseModel):
    """A rep's decision: done, not now (``snooze`` like ``14d``), or a bad lead (with a ``reason``)."""

    action: Literal["done", "snooze", "bad_lead"]
    snooze: str | None = Field(None, max_length=16)
    reason: str | None = Field(None, max_length=500)
    by_whom: str | None = Field(None, max_length=200)


@router.get("/accounts", response_model=list[AccountObject], summary="Accounts by priority")
def accounts(request: Request, response: Response, quadrant: str | None = None, status: str | None = None,
             owner: str | None = None, play: str | None = None, search: str | None = Query(None, max_length=200),
             limit: int | None = Query(None, ge=1, le=100_000), offset: int = Query(0, ge=0),
             show_marked: bool = True) -> list[AccountObject]:
    """The account list (all of it unless ``limit``), as ``leadlight accounts --json``; ``X-Total-Count`` says how
    many match. ``show_marked=false`` hides accounts reps put aside (done, not now, bad lead)."""
    page = worklist.work_list(project_of(request), quadrant=quadrant, status=status, owner=owner, play=play,
                              search=search, show_marked=show_marked, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(page["total"])
    return page["accounts"]


@router.get("/accounts/{account_id}", response_model=AccountDetail, summary="One account in full")
def account(request: Request, account_id: str) -> AccountDetail:
    return snapshots.explain_account(project_of(request), account_id)


@router.get("/accounts/{account_id}/timeline", summary="Recent signals, grouped by day")
def account_timeline(request: Request, account_id: str, days: int = Query(14, ge=1, le=365)) -> dict:
    return timeline.recent_signals(project_of(request), account_id, days=days)


@router.get("/accounts/{account_id}/actions", summary="Actions already taken (the outbox)")
def account_actions(request: Request, account_id: str) -> list[dict]:
    return timeline.actions_taken(project_of(request), account_id)


@router.get("/accounts/{account_id}/marks", summary="What reps said about the account")
def account_marks(request: Request, account_id: str) -> list[dict]:
    return worklist.account_marks(project_of(request), account_id)


@router.post("/accounts/{account_id}/mark", summary="Mark done, not now, or bad lead")
def mark(request: Request, account_id: str, body: Mark) -> dict:
    return feedback.mark(project_of(request), account_id, body.action, snooze=body.snooze, reason=body.reason,
                         by_whom=body.by_whom)


@router.get("/leads", response_model=list[LeadObject], summary="People by priority")
def leads(request: Request, account_id: str | None = None, limit: int = Query(100, ge=1, le=5000)) -> list[LeadObject]:
    return snapshots.list_leads(project_of(request), account_id, limit=limit)


@router.get("/map", summary="The fit x intent map")
def quadrant_map(request: Request) -> dict:
    return worklist.quadrant_map(project_of(request))


@router.get("/backtest", summary="The backtest document (as `leadlight backtest --json`)")
def backtest(request: Request, refresh: bool = False) -> dict:
    return report.backtest_report(project_of(request), refresh=refresh)


@router.get("/report", summary="The definition report: backtest, playbooks, feedback")
def definition_report(request: Request) -> dict:
    return report.definition_report(project_of(request))


@router.get("/model", summary="The model card")
def model(request: Request) -> dict:
    return model_card.model_card(project_of(request))


@router.get("/snapshots", summary="Stored score snapshots")
def stored_snapshots(request: Request) -> dict:
    return snapshots.list_snapshots(project_of(request))
