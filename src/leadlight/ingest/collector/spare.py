"""The next log segment, written full of zeros ahead of use, so that acknowledging a request is a data flush only.

Appending to a file changes its size, so each ``fdatasync`` of an append must
commit the filesystem's journal (ext4 and most others) — and in ext4's default
``data=ordered`` mode that commit first writes out every other file's dirty
data waiting in the same journal transaction: here, the DuckDB WAL and
checkpoint writes of the drain. Measured on this machine with such writes in a
second thread, small appends + ``fdatasync`` took p99 20-45 ms, max 105-115 ms;
overwriting blocks already written and flushed took p99 11 ms, max 33-45 ms.
So, as PostgreSQL does with its WAL, a thread writes the next segment full of
zeros (``spare-N.zero``), flushes it and its directory, and renames it to the
segment's name before the writer needs it; the writer then overwrites it in
place, and at the seal cuts it to what it holds.

A raw zero byte never occurs in a log line (JSON escapes control characters),
so reopening the log after a crash cuts a segment at its first zero byte: a
spare never used, or the zeros after the last line. If the spare is not ready
when the writer needs it (a burst, a slow disk), the writer creates the segment
itself as before, and the spare thread leaves that name alone.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

SPARE_GLOB = "spare-*.zero"
ZEROS = bytes(1 << 18)
MIN_BYTES = 1 << 18  # the zeros are written in steps of this (a quarter MB): few more than the lines need


class Spares:
    """Prepares one zero-filled segment at a time in a thread (``want``); the writer ``take``s it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._cond = threading.Condition()
        self._wanted: tuple[Path, int] | None = None
        self._ready: dict[Path, int] = {}  # segment path -> bytes of zeros it holds
        self._preparing: Path | None = None
        self._abandoned: Path | None = None  # the path being prepared when the writer needed it: the writer's now
        self._closing = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        for stale in self.directory.glob(SPARE_GLOB):
            stale.unlink(missing_ok=True)
        self._thread = threading.Thread(target=self._loop, name="leadlight-collector-spare", daemon=True)
        self._thread.start()

    def want(self, path: Path, size: int) -> None:
        """Prepare ``path`` holding ``size`` bytes of zeros (rounded up to ``MIN_BYTES``)."""
        with self._cond:
            self._wanted = (path, max(MIN_BYTES, -(-size // MIN_BYTES) * MIN_BYTES))
            self._cond.notify()

    def take(self, path: Path) -> int:
        """The bytes of zeros ``path`` holds, flushed, name and all; 0 if it is not ready: then it is the caller's
        to create (the thread will not touch that name)."""
        with self._cond:
            zeroed = self._ready.pop(path, 0)
            if not zeroed:
                if self._preparing == path:
                    self._abandoned = path
                if self._wanted and self._wanted[0] == path:
                    self._wanted = None
            return zeroed

    def close(self) -> None:
        """Stop the thread and remove a spare nobody took."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join()
        with self._cond:
            for path in self._ready:
                path.unlink(missing_ok=True)
            self._ready.clear()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._wanted is None and not self._closing:
                    self._cond.wait()
                if self._closing:
                    return
                path, size = self._wanted
                self._wanted, self._preparing = None, path
            self._prepare(path, size)
            with self._cond:
                self._preparing = self._abandoned = None

    def _prepare(self, path: Path, size: int) -> None:
        temp = self.directory / f"spare-{path.stem.split('-')[-1]}.zero"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                for _ in range(size // len(ZEROS)):
                    os.write(fd, ZEROS)
                os.fsync(fd)
            finally:
                os.close(fd)
            with self._cond:
                if self._abandoned == path or self._closing:
                    temp.unlink(missing_ok=True)
                    return
                os.rename(temp, path)
            fsync_directory(self.directory)
            with self._cond:
                if self._abandoned == path:  # taken (and truncated) by the writer meanwhile: it is the writer's now
                    return
                self._ready[path] = size
        except OSError:  # a full disk, say: the writer creates its segments itself, as before
            temp.unlink(missing_ok=True)


def fsync_directory(directory: Path) -> None:
    """Make the directory's entries (a file created, renamed or removed) survive a power cut."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def cut_at_first_zero(path: Path) -> None:
    """Cut ``path`` at its first zero byte (the unused rest of a zero-filled segment), if it has one."""
    with open(path, "r+b") as f:
        offset = 0
        while chunk := f.read(1 << 20):
            at = chunk.find(b"\0")
            if at >= 0:
                f.truncate(offset + at)
                f.flush()
                os.fsync(f.fileno())
                return
            offset += len(chunk)
