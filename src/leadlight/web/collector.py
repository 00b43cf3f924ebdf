"""The Segment HTTP tracking API on ``leadlight serve``: ``POST /v1/batch``, ``/v1/track``, ``/v1/identify``, ...

What the official clients (segment-analytics-python, analytics-python,
rudder-sdk-python) rely on, and this honours:

- the write key is the HTTP Basic username (with or without the trailing
  colon and a password), or ``writeKey`` in the JSON body;
- bodies may be ``Content-Encoding: gzip``;
- **only a 200 counts as success** (anything else is retried and would
  duplicate), so 200 is sent only once the messages are fsynced to the
  collector log; its body is ``{"success": true}``;
- a 4xx is given up only when its JSON body has ``code`` and ``message``, so
  every error here has both (plus ``error`` and ``hint``, the house error shape).

Errors: 400 malformed (``index`` of the first bad message; the good messages of
the batch are kept and ``accepted`` says how many), 401 wrong or missing key,
413 over 500 KB a batch or 32 KB a message, 429 / 503 with ``Retry-After``
when the log or the disk cannot keep up.
"""

from __future__ import annotations

import base64
import binascii
import time
import zlib
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from leadlight.tasks.collect import (MAX_BATCH_BYTES, MAX_MESSAGE_BYTES, Collector, LogBusy, LogUnavailable, PayloadError,
                                     parse_body)

if TYPE_CHECKING:
    from leadlight.storage.project import Project

ENDPOINTS = ("track", "identify", "group", "page", "screen", "alias")
_OK = b'{"success":true}'
_HINTS = {
    400: "fix the message named by `index`; the other messages of the batch were kept",
    401: "send a write key from collector.write_keys (or LEADLIGHT_WRITE_KEY) as the HTTP Basic username",
    413: f"send at most {MAX_MESSAGE_BYTES >> 10} KB a message and {MAX_BATCH_BYTES >> 10} KB a batch",
    429: "retry after the number of seconds in Retry-After",
    503: "retry after the number of seconds in Retry-After",
}
_RETRY_AFTER = {429: "1", 503: "5"}


def _error(status: int, code: str, message: str, **extra: Any) -> Response:
    body = {"code": code, "message": message, "error": code, "hint": _HINTS.get(status), **extra}
    headers = {"Retry-After": _RETRY_AFTER[status]} if status in _RETRY_AFTER else None
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def _basic_username(header: str | None) -> str | None:
    if not header or not header[:6].lower() == "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.split(":", 1)[0] or None


def _read_body(raw: bytes, encoding: str | None, limit: int) -> bytes:
    if encoding and encoding.strip().lower() == "gzip":
        inflate = zlib.decompressobj(wbits=31)
        try:
            body = inflate.decompress(raw, limit + 1)
        except zlib.error as err:
            raise PayloadError("invalid_gzip", f"the body is not valid gzip: {err}") from None
    elif encoding and encoding.strip().lower() not in ("identity", ""):
        raise PayloadError("unsupported_encoding", f"Content-Encoding {encoding!r} is not supported; use gzip")
    else:
        body = raw
    if len(body) > limit:
        raise PayloadError("payload_too_large", f"the body is over {limit >> 10} KB", status=413)
    return body


async def _receive(collector: Collector, request: Request, kind: str | None) -> Response:
    if collector.timing:
        return await _timed(collector, request, kind)
    return await _answer(collector, request, kind)


async def _timed(collector: Collector, request: Request, kind: str | None) -> Response:
    """``_answer``, with an ``x-leadlight-timing`` header: the ``time.monotonic()`` moments the handler started,
    its checks ended, the log write holding its lines started and was fsynced, and the handler ended."""
    started = time.monotonic()
    moments: list[float] = []
    response = await _answer(collector, request, kind, moments)
    moments = moments or [started] * 3
    response.headers["x-leadlight-timing"] = " ".join(f"{t:.6f}" for t in (started, *moments, time.monotonic()))
    return response


async def _answer(collector: Collector, request: Request, kind: str | None, moments: list[float] | None = None) -> Response:
    limit = MAX_BATCH_BYTES if kind is None else MAX_MESSAGE_BYTES
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        return _error(413, "payload_too_large", f"the body is over {limit >> 10} KB")
    try:
        payload = parse_body(_read_body(await request.body(), request.headers.get("content-encoding"), limit))
    except PayloadError as err:
        return _error(err.status, err.code, err.message)
    key = _basic_username(request.headers.get("authorization"))
    source = collector.source(key)
    if source is None:
        body_key = payload.get("writeKey")
        source = collector.source(body_key if isinstance(body_key, str) else None)
    if source is None:
        return _error(401, "invalid_write_key", "missing or unknown write key" if collector.keys else
                      "no write key is configured: set LEADLIGHT_WRITE_KEY or collector.write_keys")
    try:
        accepted = collector.accept(payload, kind, source)
    except PayloadError as err:
        return _error(err.status, err.code, err.message)
    if accepted.lines:
        checked = time.monotonic()
        try:
            flushed = await collector.append_async(accepted.data)
        except LogBusy as err:
            return _error(429, "too_many_requests", f"the collector log is behind: {err}")
        except LogUnavailable as err:
            return _error(503, "unavailable", str(err))
        if moments is not None:
            moments.extend((checked, *flushed))
    problem = accepted.problem
    if problem is not None:
        return _error(problem.status, problem.code, problem.message, index=problem.index,
                      accepted=len(accepted.lines), rejected=accepted.rejected)
    return Response(_OK, status_code=200, media_type="application/json")


def collector_router(collector: Collector) -> APIRouter:
    """The ``/v1/*`` routes over ``collector`` (whose ``running()`` block the app's lifespan must hold).

    They are plain Starlette routes: FastAPI's per-request dependency and validation machinery cost more than
    the rest of a one-event request, and the body is checked here anyway.
    """
    router = APIRouter()
    router.add_route("/v1/batch", _endpoint(collector, None), methods=["POST"], name="collect_batch")
    for kind in ENDPOINTS:
        router.add_route(f"/v1/{kind}", _endpoint(collector, kind), methods=["POST"], name=f"collect_{kind}")
    return router


def _endpoint(collector: Collector, kind: str | None):
    async def endpoint(request: Request) -> Response:
        return await _receive(collector, request, kind)

    return endpoint


def create_collector_app(project: Project, collector: Collector | None = None) -> FastAPI:
    """A FastAPI app with only the collector and ``/healthz``: it owns the project's DuckDB file while it runs."""
    collector = collector or Collector(project)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        with collector.owning("leadlight collector"), collector.serving():
            yield

    app = FastAPI(title="Leadlight collector", lifespan=lifespan)
    app.include_router(collector_router(collector))

    @app.get("/healthz")
    async def healthz(trace: float | None = None) -> dict:
        health = {"ok": True, "collector": collector.stats()}
        if trace is not None:  # LEADLIGHT_COLLECTOR_TIMING=1: the spans that ended after that moment
            health["trace"] = collector.spans.since(trace)
        return health

    return app


def main(argv: list[str] | None = None) -> None:
    """``python -m leadlight.web.collector PROJECT [--host H] [--port P]``: the collector alone, until ``leadlight
    serve`` mounts it (tests and ``bench/collector.py`` run it this way)."""
    import argparse

    import uvicorn

    from leadlight.tasks.collect import locate_project

    parser = argparse.ArgumentParser(prog="python -m leadlight.web.collector")
    parser.add_argument("project", nargs="?")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    uvicorn.run(create_collector_app(locate_project(args.project)), host=args.host, port=args.port,
                log_level="warning", access_log=False, lifespan="on")


if __name__ == "__main__":
    main()
