"""Spans of what the collector's process did, for finding what makes slow requests slow (diagnosis only).

With ``LEADLIGHT_COLLECTOR_TIMING=1`` the collector records, on the ``time.monotonic()`` clock its replies'
``x-leadlight-timing`` header uses: each step of every drain, each garbage collection, and every moment a
watcher woke up late — one on the event loop (the loop was busy or could not get the GIL or a CPU) and one in
a plain thread (the GIL or a CPU was held by someone else). ``bench/collector.py`` reads them back from
``/healthz?trace=SINCE`` and matches them against its slowest requests. Disabled, ``span`` costs nothing.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections import deque
from contextlib import contextmanager, nullcontext
from typing import Iterator

WATCH_SECONDS = 0.005  # the event loop's watcher
THREAD_WATCH_SECONDS = 0.02  # the thread's: it takes the GIL each time, so less often
LATE_SECONDS = 0.010  # a watcher waking this much later than asked records a stall


class Spans:
    """A bounded record of ``(name, start, end)`` on ``time.monotonic()``."""

    def __init__(self, enabled: bool, size: int = 50_000) -> None:
        self.enabled = enabled
        self._spans: deque[tuple[str, float, float]] = deque(maxlen=size)
        self._gc_started = 0.0
        self._stop = threading.Event()

    def span(self, name: str):
        """A context manager recording how long its block took (a no-op when disabled)."""
        return self._timed(name) if self.enabled else nullcontext()

    @contextmanager
    def _timed(self, name: str) -> Iterator[None]:
        start = time.monotonic()
        try:
            yield
        finally:
            self._spans.append((name, start, time.monotonic()))

    def add(self, name: str, start: float, end: float) -> None:
        if self.enabled:
            self._spans.append((name, start, end))

    def since(self, moment: float) -> list[tuple[str, float, float]]:
        """Every span that ended after ``moment``."""
        return [s for s in list(self._spans) if s[2] >= moment]

    def start(self) -> None:
        """Record garbage collections and start the thread watcher (when enabled)."""
        if not self.enabled:
            return
        gc.callbacks.append(self._on_gc)
        threading.Thread(target=self._watch_thread, name="leadlight-trace-watch", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    async def watch_loop(self) -> None:
        """Run on the event loop: record each time it comes back late from a short sleep."""
        while not self._stop.is_set():
            asked = time.monotonic()
            await asyncio.sleep(WATCH_SECONDS)
            woke = time.monotonic()
            if woke - asked - WATCH_SECONDS > LATE_SECONDS:
                self._spans.append(("stall.event_loop", asked + WATCH_SECONDS, woke))

    def _watch_thread(self) -> None:
        while not self._stop.is_set():
            asked = time.monotonic()
            time.sleep(THREAD_WATCH_SECONDS)
            woke = time.monotonic()
            if woke - asked - THREAD_WATCH_SECONDS > LATE_SECONDS:
                self._spans.append(("stall.thread", asked + THREAD_WATCH_SECONDS, woke))

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_started = time.monotonic()
        else:
            self._spans.append((f"gc.gen{info.get('generation')}", self._gc_started, time.monotonic()))
