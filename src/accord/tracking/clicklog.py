"""A durable local write-ahead log of redirect clicks, with group commit; read back by ``accord.tracking.loader``.

Layout: one directory (``<ACCORD_VAR_DIR>/clicklog`` unless told otherwise) of segment files
``clicks-<pid>-<start ns>.log``, one JSON array per line (``ClickRecord.to_row``). Each process appends to its own
segment, so processes never coordinate; within a process, concurrent requests share each ``fdatasync``:

- ``append(line)`` adds the line to a buffer and waits until a flush covering it has reached the disk;
- the first waiter that finds no flush running becomes the leader: it takes the whole buffer, writes it with one
  ``write`` and one ``fdatasync``, then wakes everyone it covered. Lines arriving meanwhile gather for the next
  flush, so under load one disk sync carries many clicks (no timer: the batch is whatever arrived while the
  previous sync ran, so a lone click is not delayed).

A segment is sealed when its writer lets go of it: the writer holds an exclusive ``flock`` on the open segment, so
a loader that can lock it knows nobody will append to it again (rotation at ``SEGMENT_BYTES``, process exit, crash).
A crash can leave at most a torn last line, which no visitor was redirected for (its sync never finished); readers
skip an incomplete tail and any line that does not parse.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SEGMENT_BYTES = 64 * 1024 * 1024
SUFFIX = ".log"
log = logging.getLogger(__name__)


class LogWriteFailed(OSError):
    """The line may not be on disk: the caller must not answer as if the click were recorded."""


def default_directory() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "clicklog"


class ClickLog:
    """Append-only, group-committed segment writer for one process (re-opens its own segment after a fork)."""

    def __init__(self, directory: Path, segment_bytes: int = SEGMENT_BYTES) -> None:
        self.directory = directory
        self.segment_bytes = segment_bytes
        self._cond = threading.Condition(threading.Lock())
        self._buffer: list[bytes] = []
        self._appended = 0  # sequence number of the last line buffered
        self._durable = 0  # every line up to this sequence number is on disk (or failed, see _failed)
        self._failed: list[tuple[int, int]] = []  # (first, last) sequence numbers of flushes that failed
        self._flushing = False
        self._fd = -1
        self._size = 0
        self._pid = -1
        self.flushes = 0  # disk syncs done, for tests and benchmarks

    def append(self, line: bytes) -> None:
        """Buffer ``line`` (one record ending in a newline) and return once it is on disk; LogWriteFailed if not."""
        with self._cond:
            self._buffer.append(line)
            self._appended += 1
            mine = self._appended
            while self._durable < mine:
                if self._flushing:
                    self._cond.wait()
                    continue
                self._flush_locked()
            if any(first <= mine <= last for first, last in self._failed):
                raise LogWriteFailed("the click log could not be written")

    def _flush_locked(self) -> None:
        """Leader: write and sync the whole buffer with the lock released, so others can buffer meanwhile."""
        data = b"".join(self._buffer)
        self._buffer.clear()
        first, last = self._durable + 1, self._appended
        self._flushing = True
        self._cond.release()
        ok = False
        try:
            self._write(data)
            ok = True
        except OSError:
            log.exception("the click log could not be written in %s", self.directory)
        finally:
            self._cond.acquire()
            self._flushing = False
            self._durable = last
            if not ok:
                self._failed = [*self._failed[-15:], (first, last)]
            self.flushes += 1
            self._cond.notify_all()

    def _write(self, data: bytes) -> None:
        try:
            if self._pid != os.getpid() or self._fd < 0 or self._size >= self.segment_bytes:
                self._open_segment()
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            os.fdatasync(self._fd)
            self._size += len(data)
        except OSError:
            # Start a fresh segment next time rather than append after a half-written line.
            self._close_segment()
            raise

    def _open_segment(self) -> None:
        if self._pid == os.getpid():
            self._close_segment()
        else:
            self._fd = -1  # inherited from the parent: its segment and lock are not ours
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"clicks-{os.getpid()}-{time.time_ns()}{SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o640)
        fcntl.flock(fd, fcntl.LOCK_EX)
        # The new directory entry must survive a crash too, or a synced segment could vanish with it.
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self._fd, self._size, self._pid = fd, 0, os.getpid()

    def _close_segment(self) -> None:
        if self._fd >= 0 and self._pid == os.getpid():
            os.close(self._fd)  # also releases the flock: the segment is sealed
        self._fd = -1

    def close(self) -> None:
        with self._cond:
            while self._flushing:
                self._cond.wait()
            self._close_segment()


# --- reading ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    lines: list[bytes]
    end: int  # offset just past the last complete line read


def segments(directory: Path) -> list[Path]:
    """Segments in the order they were started (by start time, then pid)."""
    if not directory.is_dir():
        return []

    def started(p: Path) -> tuple[int, str]:
        parts = p.stem.split("-")
        return (int(parts[-1]) if parts[-1].isdigit() else 0, p.name)

    return sorted(directory.glob(f"clicks-*{SUFFIX}"), key=started)


def is_sealed(path: Path) -> bool:
    """True when no writer holds the segment (so nothing will be appended to it any more)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def read_chunks(path: Path, offset: int, max_lines: int) -> Iterator[Chunk]:
    """Complete lines from ``offset`` on, ``max_lines`` at a time (an unfinished last line is left for later)."""
    with path.open("rb") as f:
        f.seek(offset)
        data = f.read()
    end = data.rfind(b"\n") + 1
    lines = data[:end].splitlines()
    position = offset
    for start in range(0, len(lines), max_lines):
        part = lines[start : start + max_lines]
        position += sum(len(line) + 1 for line in part)
        yield Chunk([line for line in part if line], position)


def offset_path(segment: Path) -> Path:
    return segment.with_name(segment.name + ".offset")


def loaded_offset(segment: Path) -> int:
    try:
        return int(offset_path(segment).read_text().strip() or 0)
    except FileNotFoundError:
        return 0


def save_offset(segment: Path, offset: int) -> None:
    """Atomically record how far the segment is loaded (after the load committed; a crash in between re-reads
    lines the database already has, which the loader skips by click id)."""
    target = offset_path(segment)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(str(offset))
    os.replace(tmp, target)
