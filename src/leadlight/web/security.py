"""Who may use the app: API bearer tokens, UI sign-in sessions, CSRF tokens, request size limits, quiet logs.

- ``/api``: ``Authorization: Bearer <token>``, compared in constant time with every configured token.
- UI: when ``settings.sign_in`` (serve bound beyond loopback, or asked for), a signed session cookie
  (HttpOnly, SameSite=Lax, Secure over HTTPS) from ``/signin``.
- Every POST from a page carries the CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``) that
  matches the ``ll_csrf`` cookie (double submit), compared in constant time.
- Bodies over ``max_request_bytes`` are refused with 413 before they are read.
- The access log names method, path (never the query string, which may hold a searched email; an email in the
  path is masked) and status.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import time
from typing import Any

from fastapi import Request

from leadlight.errors import AccessDenied, CsrfFailed, RequestTooLarge
from leadlight.tasks.serve import ServeSettings

SESSION_COOKIE = "ll_session"
CSRF_COOKIE = "ll_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
log = logging.getLogger("leadlight.web")
EMAIL = re.compile(r"[^/@]+@[^/]+")  # an id that is an email stays out of the log


def settings_of(request: Request) -> ServeSettings:
    return request.app.state.settings


def project_of(request: Request) -> Any:
    """The project the app serves."""
    return request.app.state.project


def require_token(request: Request) -> None:
    """FastAPI dependency for ``/api``: a known bearer token, or 401."""
    settings = settings_of(request)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise AccessDenied("this API needs `Authorization: Bearer <token>`",
                           hint="send a token from LEADLIGHT_API_TOKEN or serve.api_tokens in leadlight.yml")
    if not settings.api_tokens:
        raise AccessDenied("no API token is configured on this server",
                           hint="start serve with LEADLIGHT_API_TOKEN set (or serve.api_tokens in leadlight.yml)")
    if not known(given.strip(), settings.api_tokens):
        raise AccessDenied("that API token is not valid", hint="check LEADLIGHT_API_TOKEN on the server")


def known(given: str, secrets_: tuple[str, ...]) -> bool:
    """Constant-time membership: every candidate is compared, whatever matches first."""
    found = False
    for candidate in secrets_:
        found |= hmac.compare_digest(given.encode(), candidate.encode())
    return found


def _sign(key: bytes, payload: str) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, payload.encode(), hashlib.sha256).digest()).decode().rstrip("=")


def new_session(settings: ServeSettings, now: float | None = None) -> str:
    payload = f"{int((now or time.time()) + settings.session_seconds)}.{secrets.token_urlsafe(12)}"
    return f"{payload}.{_sign(settings.session_key, payload)}"


def signed_in(request: Request) -> bool:
    """Whether the UI may be shown: sign-in not required, or a valid, unexpired session cookie."""
    settings = settings_of(request)
    if not settings.sign_in:
        return True
    cookie = request.cookies.get(SESSION_COOKIE, "")
    payload, _, signature = cookie.rpartition(".")
    if not payload or not hmac.compare_digest(signature, _sign(settings.session_key, payload)):
        return False
    expires = payload.split(".", 1)[0]
    return expires.isdigit() and int(expires) > time.time()


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def cookie_options(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "lax", "secure": settings_of(request).secure_cookies or is_https(request),
            "path": "/"}


def csrf_token(request: Request) -> str:
    """The page's CSRF token: the browser's ``ll_csrf`` cookie, or a new one the response will set."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) < 20:
        token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return token


async def check_csrf(request: Request) -> None:
    """FastAPI dependency for the UI's POSTs."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    given = request.headers.get(CSRF_HEADER, "")
    if not given:
        form = await request.form()
        given = str(form.get(CSRF_FIELD, ""))
    if not cookie or not given or not hmac.compare_digest(cookie.encode(), given.encode()):
        raise CsrfFailed("this form has expired or did not come from this page",
                         hint="reload the page and try again (cookies must be enabled)")


class Guard:
    """ASGI middleware: request size limit, security headers, the CSRF cookie, a quiet access log."""

    def __init__(self, app: Any, settings: ServeSettings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.settings.max_request_bytes
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"0")
        if length.isdigit() and int(length) > limit:
            return await _refuse(scope, receive, send, limit)
        seen = 0

        async def limited_receive() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise RequestTooLarge(f"request body over {limit // 1024} KB", hint="send less at once")
            return message

        started, status = time.perf_counter(), 0
        scope.setdefault("state", {})

        async def send_with_headers(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                extra = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                         (b"referrer-policy", b"same-origin"),
                         (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; "
                          b"style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'")]
                state = scope.get("state") or {}
                if state.get("new_csrf"):
                    secure = "; Secure" if self.settings.secure_cookies or scope.get("scheme") == "https" else ""
                    extra.append((b"set-cookie", f"{CSRF_COOKIE}={state['new_csrf']}; Path=/; HttpOnly; "
                                                 f"SameSite=Lax{secure}".encode()))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        finally:
            # the collector's successes (thousands a second) are counted in /healthz, not logged a line each
            if status != 200 or not scope.get("path", "").startswith("/v1/"):
                log.info("%s %s %s %.0fms", scope.get("method"), EMAIL.sub("<email>", scope.get("path", "")), status,
                         (time.perf_counter() - started) * 1000)


async def _refuse(scope: dict, receive: Any, send: Any, limit: int) -> None:
    from leadlight.web.errors import error_response

    err = RequestTooLarge(f"request body over {limit // 1024} KB", hint="send less at once")
    await error_response(err, scope.get("path", "")).__call__(scope, receive, send)
