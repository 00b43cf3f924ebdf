"""A live collector on 127.0.0.1 for tests and the benchmark: ``python -m leadlight.web.collector`` in a subprocess."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

WRITE_KEY = "test-write-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# uvicorn re-raises SIGTERM once it has shut down; a handler turning it into SystemExit lets the profile be written.
_PROFILED = """
import cProfile, signal, sys
from leadlight.web.collector import main
def stop(*_):
    raise SystemExit(0)
signal.signal(signal.SIGTERM, stop)
profile = cProfile.Profile()
profile.enable()
try:
    main({args!r})
finally:
    profile.disable()
    profile.dump_stats({out!r})
"""


@dataclass
class Server:
    project: Path
    port: int
    process: subprocess.Popen
    log: Path

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health(self) -> dict:
        return httpx.get(self.url + "/healthz", timeout=5).json()

    def stop(self, timeout: float = 30) -> None:
        """Stop gracefully (SIGTERM): the collector drains what it acknowledged before exiting."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout)
        self.log.unlink(missing_ok=True)

    def kill(self) -> None:
        """``kill -9``: no chance to flush or drain."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.log.unlink(missing_ok=True)


def start(project: Path, *, write_key: str = WRITE_KEY, env: dict[str, str] | None = None,
          port: int | None = None, profile: Path | None = None, serve: bool = False, src: Path | None = None) -> Server:
    """Start the collector for ``project`` and wait until it answers ``/healthz``.

    ``serve``: run the whole ``leadlight serve`` (web app and collector) instead of the collector alone.
    ``profile``: run it under cProfile, writing the profile there when it stops.
    ``src``: run the leadlight package of another source tree (a benchmark comparing against another branch).
    """
    port = port or free_port()
    environ = {**os.environ, "LEADLIGHT_WRITE_KEY": write_key, **(env or {})}
    environ["PYTHONPATH"] = os.pathsep.join([str(src or Path(__file__).resolve().parents[1] / "src"),
                                             environ.get("PYTHONPATH", "")])
    args = [str(project), "--port", str(port)]
    if serve:
        command = ["-c", "from leadlight.cli.app import main; main()", "serve", "--project", *args]
    elif profile:
        command = ["-c", _PROFILED.format(args=args, out=str(profile))]
    else:
        command = ["-m", "leadlight.web.collector", *args]
    # stderr to a file, never a pipe nobody reads: serve logs a line per request, and a full pipe would block it
    log = tempfile.NamedTemporaryFile(prefix="leadlight-collector-", suffix=".log", delete=False)
    process = subprocess.Popen([sys.executable, *command], env=environ, stdout=subprocess.DEVNULL, stderr=log)
    log.close()
    server = Server(project, port, process, Path(log.name))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the collector exited: {server.stderr()}")
        try:
            server.health()
            return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the collector did not start within 60 s")
