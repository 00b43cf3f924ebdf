"""``leadlight serve``: the web UI for reps and RevOps and its REST API."""

from __future__ import annotations

import logging
import signal
import sys
from typing import Annotated, Optional

import typer

from leadlight.cli.options import ProjectOpt
from leadlight.cli.output import run, stderr


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Act")
    def serve(
        host: Annotated[str, typer.Option("--host", help="Address to bind. Anything but loopback needs credentials "
                                          "(LEADLIGHT_UI_PASSWORD, LEADLIGHT_API_TOKEN).")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8000,
        run_every: Annotated[Optional[str], typer.Option("--run-every", metavar="SPAN", help="Also run the playbooks "
                             "every SPAN (e.g. 10s, 5m): new events reach reps without another process.",
                             show_default=False)] = None,
        project: ProjectOpt = None,
    ) -> None:
        """Serve the web UI (account list, fit x intent map, account pages, definition report, model card), its JSON
        twins under /api (bearer token) and the Segment-compatible event collector under /v1 (write key:
        LEADLIGHT_WRITE_KEY). Owns the project's data file while it runs; stop with Ctrl-C.

        Example: `LEADLIGHT_API_TOKEN=... leadlight serve --port 8000`
        """
        run(False, lambda: _serve(project, host, port, run_every), lambda _: None)


def _serve(project_dir, host: str, port: int, run_every: str | None) -> None:
    import uvicorn

    from leadlight.storage import Project
    from leadlight.tasks.collect import Collector
    from leadlight.tasks.serve import owning, serve_settings
    from leadlight.web import create_app

    project = Project.locate(project_dir)
    settings = serve_settings(project, host)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    web_log = logging.getLogger("leadlight.web")
    web_log.addHandler(handler)
    web_log.setLevel(logging.INFO)
    with owning(project, f"leadlight serve --port {port}", url):
        stderr.print(f"Leadlight serves {project.root} at [bold]{url}[/] "
                     f"(UI sign-in {'required' if settings.sign_in else 'off: loopback only'}; "
                     f"{len(settings.api_tokens)} API token{'s' if len(settings.api_tokens) != 1 else ''}). "
                     "Ctrl-C stops it.", highlight=False, soft_wrap=True)
        # uvicorn re-raises the stop signal after its graceful shutdown: turn it into an exit, so the project's
        # file and owner.json are released on the way out
        signal.signal(signal.SIGTERM, _exit)
        app = create_app(project, settings, collector=Collector(project), run_every=run_every)
        config = uvicorn.Config(app, host=host, port=port, access_log=False,
                                log_level="warning", proxy_headers=True, server_header=False)
        uvicorn.Server(config).run()


def _exit(signum: int, _frame: object) -> None:
    raise SystemExit(0)
