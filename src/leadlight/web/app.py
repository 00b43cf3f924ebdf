"""``create_app(project, settings)``: the FastAPI app behind ``leadlight serve``.

Pages (``pages``), their JSON twins (``api``, bearer token), sign-in, static
files shipped in the package (htmx, CSS, a little JS: nothing from a CDN), one
error shape (``errors``) and the guard middleware (``security``). Other routers
(the event collector under ``/v1``) are added with ``app.include_router(...)``.
"""

from __future__ import annotations

from contextlib import ExitStack, asynccontextmanager
from typing import TYPE_CHECKING, AsyncIterator
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from leadlight import __version__
from leadlight.tasks.collect import Collector
from leadlight.tasks.serve import ServeSettings, background_runs
from leadlight.web import api, errors, pages, signin
from leadlight.web.collector import collector_router
from leadlight.web.render import HERE
from leadlight.web.security import Guard

if TYPE_CHECKING:
    from leadlight.storage.project import Project


def create_app(project: "Project", settings: ServeSettings | None = None, *, collector: Collector | None = None,
               run_every: str | None = None) -> FastAPI:
    """The web app for ``project``; ``settings`` say who may use it (default: loopback, no tokens).

    With a ``collector`` the Segment-compatible routes (``/v1/*``) take events and its drain loads them; with
    ``run_every`` the playbooks run in the background every that span (``leadlight run`` inside serve), so an
    event reaches a rep without another process fighting for the project's file. Serve it inside
    ``tasks.serve.owning`` (as ``leadlight serve`` does): then every request reads through a cursor of the one
    connection that holds the project's file.
    """

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        with ExitStack() as stack:
            if collector is not None:
                stack.enter_context(collector.running())
            if run_every:
                stack.enter_context(background_runs(project, run_every,
                                                    wake=collector.new_events if collector is not None else None))
            if collector is not None:
                stack.enter_context(collector.serving())
            yield

    app = FastAPI(title="Leadlight", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Accounts and people to talk to now, and why. Every page has a JSON twin under /api.")
    app.state.project = project
    app.state.settings = settings or ServeSettings()
    errors.install(app)

    @app.exception_handler(pages.SignInRequired)
    async def to_signin(request: Request, _: Exception) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)

    @app.get("/healthz", tags=["health"], summary="Liveness")
    def healthz(trace: float | None = None) -> dict:
        health = {"status": "ok", "version": __version__}
        if collector is not None:
            health["collector"] = collector.stats()  # what the log took and the drain loaded
            if trace is not None:  # LEADLIGHT_COLLECTOR_TIMING=1: the spans that ended after that moment
                health["trace"] = collector.spans.since(trace)
        return health

    app.include_router(api.router)
    if collector is not None:
        app.include_router(collector_router(collector))
    app.include_router(signin.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(Guard, settings=app.state.settings)
    return app
