"""Signing in to the UI (when required) with the operator's password or an API token; signing out."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from leadlight.web.render import page
from leadlight.web.security import SESSION_COOKIE, check_csrf, cookie_options, known, new_session, settings_of

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    """Only paths on this site (no //host, no scheme): an open redirect would help phishing."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.get("/signin")
def signin_form(request: Request, next: str = "/", failed: int = 0) -> Response:
    return page(request, "signin.html", {"next": _safe_next(next), "failed": bool(failed)})


@router.post("/signin", dependencies=[Depends(check_csrf)])
def signin(request: Request, secret: str = Form(..., max_length=500), next: str = Form("/")) -> Response:
    settings = settings_of(request)
    if not known(secret, settings.sign_in_secrets):
        time.sleep(0.5)  # slows guessing
        return RedirectResponse(f"/signin?failed=1&next={_safe_next(next)}", status_code=303)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, new_session(settings), max_age=settings.session_seconds,
                        **cookie_options(request))
    return response


@router.post("/signout", dependencies=[Depends(check_csrf)])
def signout(request: Request) -> Response:
    response = RedirectResponse("/signin" if settings_of(request).sign_in else "/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
