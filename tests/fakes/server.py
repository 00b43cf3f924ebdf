"""A small threaded HTTP server for fakes: a handler function, the requests that arrived, scripted failures."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


Answer = tuple[int, dict[str, str], Any]  # status, headers, body (bytes, str, or JSON-able)


@dataclass
class FakeServer:
    """Serves ``handle(request) -> (status, headers, body)``; ``fail_next`` queues canned answers first."""

    handle: Callable[[Request], Answer]
    requests: list[Request] = field(default_factory=list)
    scripted: list[Answer] = field(default_factory=list)

    def fail_next(self, status: int, times: int = 1, headers: dict[str, str] | None = None, body: Any = "") -> None:
        self.scripted.extend([(status, headers or {}, body)] * times)

    def __enter__(self) -> "FakeServer":
        fake = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                parts = urlsplit(self.path)
                request = Request(self.command, parts.path, parse_qs(parts.query),
                                  {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                with lock:
                    fake.requests.append(request)
                    scripted = fake.scripted.pop(0) if fake.scripted else None
                try:
                    status, headers, body = scripted or fake.handle(request)
                except Exception as err:  # a bug in a fake shows as a 500 with its message
                    status, headers, body = 500, {}, f"fake failed: {err!r}"
                if not isinstance(body, (bytes, str)):
                    body, headers = json.dumps(body), {"content-type": "application/json", **headers}
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


def bearer(request: Request, token: str) -> bool:
    return request.headers.get("authorization") == f"Bearer {token}"
