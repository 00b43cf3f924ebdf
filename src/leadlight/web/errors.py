"""One error shape everywhere: ``{"error", "message", "hint"}`` with the error's HTTP status.

Leadlight's own errors use their ``to_dict()`` and ``http_status``; unknown routes,
wrong methods, malformed parameters and unexpected failures are mapped onto the
same shape. Pages asked for by a browser (``Accept: text/html``, outside
``/api``) get the same fields as an HTML page.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from leadlight.errors import AccessDenied, InvalidRequest, LeadlightError, NotFound, UsageError
from leadlight.web.security import EMAIL

log = logging.getLogger("leadlight.web")
GENERIC = {404: NotFound, 401: AccessDenied, 405: UsageError, 400: UsageError, 413: UsageError}


def error_response(err: LeadlightError, path: str, wants_html: bool = False, request: Request | None = None) -> Response:
    body = err.to_dict()
    if wants_html and request is not None and not path.startswith("/api"):
        from leadlight.web.render import page

        return page(request, "error.html", {"err": body, "status": err.http_status}, status=err.http_status)
    return JSONResponse(body, status_code=err.http_status)


def _html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def install(app: FastAPI) -> None:
    """Register the handlers that keep every error in the one shape."""

    @app.exception_handler(LeadlightError)
    async def leadlight_error(request: Request, err: LeadlightError) -> Response:
        return error_response(err, request.url.path, _html(request), request)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        kind = GENERIC.get(exc.status_code, LeadlightError)
        message = f"no page at {request.url.path}" if exc.status_code == 404 else str(exc.detail)
        hint = "see /openapi.json for the API, or / for the app" if exc.status_code in (404, 405) else None
        err = kind(message, hint=hint)
        err.http_status = exc.status_code
        return error_response(err, request.url.path, _html(request), request)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors())
        err = InvalidRequest(problems or "invalid request", hint="see /openapi.json for the parameters")
        return error_response(err, request.url.path, _html(request), request)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, EMAIL.sub("<email>", request.url.path))
        err = LeadlightError("something went wrong on the server", hint="the server log has the details")
        return error_response(err, request.url.path, _html(request), request)
