"""Server-rendered pages: one Jinja2 environment (autoescaped), the filters templates use, and ``page``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from leadlight import __version__
from leadlight.web.security import CSRF_FIELD, csrf_token, settings_of

HERE = Path(__file__).parent
QUADRANT_WORDS = {
    "high_fit_high_intent": "Call now", "low_fit_high_intent": "Self-serve / nurture",
    "high_fit_low_intent": "Warm up", "low_fit_low_intent": "Not now",
}
QUADRANT_LONG = {
    "high_fit_high_intent": "High fit, high intent", "high_fit_low_intent": "High fit, low intent",
    "low_fit_high_intent": "Low fit, high intent", "low_fit_low_intent": "Low fit, low intent",
}
STATUS_WORDS = {"prospect": "Prospect", "open_deal": "Open deal", "customer": "Customer",
                "self_serve_customer": "Self-serve customer"}


def _pct(value: Any, digits: int = 0) -> str:
    return "—" if value is None else f"{float(value) * 100:.{digits}f}%"


def _num(value: Any, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{float(value):,.{digits}f}"


def _money(value: Any) -> str:
    return "—" if value is None else f"${float(value):,.0f}"


def _day(value: Any) -> str:
    return "—" if not value else str(value)[:10]


environment = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html", "svg"]),
                          trim_blocks=True, lstrip_blocks=True)
environment.filters.update(pct=_pct, num=_num, money=_money, day=_day,
                           quadrant=lambda q: QUADRANT_LONG.get(q or "", q or "—"),
                           play_word=lambda q: QUADRANT_WORDS.get(q or "", ""),
                           status=lambda s: STATUS_WORDS.get(s or "", s or "—"))


def page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render ``template`` with what every page needs (CSRF token, sign-in state, project name)."""
    settings = settings_of(request)
    html = environment.get_template(template).render(
        request=request, csrf=csrf_token(request), csrf_field=CSRF_FIELD, version=__version__,
        project_name=settings.project_name, sign_in=settings.sign_in, path=request.url.path, **context)
    return HTMLResponse(html, status_code=status)
