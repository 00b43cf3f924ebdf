"""``leadlight serve``: who may use the web app (settings from ``serve:`` and the environment), and owning the file.

``serve`` owns the project's DuckDB file while it runs (``storage.database.hold``):
every page and API call reads through cursors of that one connection, so a page
sees a committed snapshot or the one before it, never half of one. Other
``leadlight`` commands are told that serve holds the project, and where.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from leadlight.config import load_config
from leadlight.errors import UsageError
from leadlight.progress import StepTimes
from leadlight.storage import owner
from leadlight.storage.database import hold
from leadlight.storage.project import Project

log = logging.getLogger("leadlight.web")
TOKEN_ENV = "LEADLIGHT_API_TOKEN"
PASSWORD_ENV = "LEADLIGHT_UI_PASSWORD"


@dataclass(frozen=True)
class ServeSettings:
    """What the web app needs to know about access; built by ``serve_settings`` (tests build their own)."""

    api_tokens: tuple[str, ...] = ()
    ui_password: str | None = None
    sign_in: bool = False
    secure_cookies: bool = False
    max_request_bytes: int = 512 * 1024
    session_seconds: int = 12 * 3600
    session_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    project_name: str = "Leadlight"

    @property
    def sign_in_secrets(self) -> tuple[str, ...]:
        """What the sign-in form accepts: the UI password, and any API token."""
        return tuple(s for s in (self.ui_password, *self.api_tokens) if s)


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_settings(project: Project, host: str = "127.0.0.1") -> ServeSettings:
    """Settings for serving ``project`` on ``host``; refuses a non-loopback host without credentials."""
    config = load_config(project)
    serve = config.serve
    tokens = [t for t in serve.api_tokens if t]
    if os.environ.get(TOKEN_ENV):
        tokens.append(os.environ[TOKEN_ENV])
    password = os.environ.get(PASSWORD_ENV) or serve.ui_password or None
    loopback = is_loopback(host)
    sign_in = serve.sign_in == "always" or not loopback
    if not loopback and not (password or tokens):
        raise UsageError(
            f"refusing to serve on {host} without credentials: anyone who can reach it would see your accounts",
            hint=f"set {PASSWORD_ENV} (UI sign-in) and {TOKEN_ENV} (API bearer token) in the environment, or "
            "serve.ui_password / serve.api_tokens in leadlight.yml (use ${ENV} for secrets); "
            "or bind to 127.0.0.1",
        )
    if sign_in and not (password or tokens):
        raise UsageError("serve.sign_in is 'always' but no password or token is set",
                         hint=f"set {PASSWORD_ENV} or {TOKEN_ENV}")
    return ServeSettings(
        api_tokens=tuple(tokens), ui_password=password, sign_in=sign_in,
        secure_cookies=serve.secure_cookies == "always", max_request_bytes=serve.max_request_kb * 1024,
        session_seconds=serve.session_hours * 3600, project_name=config.name,
    )


@contextmanager
def owning(project: Project, command: str, url: str) -> Iterator[None]:
    """Hold the project's DuckDB file and tell other processes who holds it, for the life of the block."""
    with hold(project), owner.announce(project, command, url):
        yield


@contextmanager
def background_runs(project: Project, every: str, wake: threading.Event | None = None) -> Iterator[None]:
    """``leadlight run`` every ``every`` in a thread of the serving process, for the life of the block; also as soon
    as ``wake`` is set (the collector sets it when its drain loaded new events)."""
    from leadlight.tasks.run import run_every

    stop = threading.Event()
    wake = wake or threading.Event()
    steps = StepTimes()
    worker = threading.Thread(target=run_every, args=(project, every), name="leadlight-run-every", daemon=True,
                              kwargs={"stop": stop, "wake": wake, "progress": steps,
                                      "on_result": lambda result: _log_run(result, steps)})
    worker.start()
    try:
        yield
    finally:
        stop.set()
        wake.set()
        worker.join()


def _log_run(result: dict, steps: StepTimes) -> None:
    took = steps.take()
    if "error" in result:
        log.warning("run failed (retried next period): %s", result["error"]["message"])
    else:
        statuses = Counter(a["status"] for a in result["actions"])
        log.info("run as of %s: %d playbook hit(s); %s%s", result["as_of"], result["fired"],
                 ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) or "no actions",
                 f" ({took})" if took else "")
