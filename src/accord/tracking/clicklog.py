"""A durable local write-ahead log of redirect clicks, with group commit; read back by ``accord.tracking.loader``.

Layout: one directory (``<ACCORD_VAR_DIR>/clicklog`` unless told otherwise) of segment files
``clicks-<pid>-<start ns>.log``, one JSON array per line (``ClickRecord.to_row``). Each process appends to its own
segment, so processes never coordinate; within a process, concurrent requests share each ``fdatasync``:

- ``append(line)`` adds the line to the group gathering for the next sync and waits until that group is on disk;
- the first waiter of a group that finds a sync slot free (``MAX_SYNCS``) leads it: it takes the group, writes it
  with one ``write`` and syncs it with one ``fdatasync``, then wakes its members. Lines arriving meanwhile gather
  in the next group, so under load one disk sync carries many clicks (no timer: a group is whatever arrived while
  the slots were busy, so a lone click is not delayed).

A segment is sealed when its writer lets go of it: the writer holds an exclusive ``flock`` on the open segment, so
a loader that can lock it knows nobody will append to it again (rotation at ``SEGMENT_BYTES``, process exit, crash).
A crash can leave at most a torn last line, which no visitor was redirected for (its sync never finished); readers
skip an incomplete tail and any line that does not parse.
"""

from __future__ import annotations

import asyncio
import contextlib
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
ZERO_AHEAD = 1024 * 1024
# Disk syncs in flight at once per process: a second one starting while the first runs measured 7-13 % more
# redirects/s on this machine's virtio disk than strictly one at a time; four were slower.
MAX_SYNCS = 2
log = logging.getLogger(__name__)


class LogWriteFailed(OSError):
    """The line may not be on disk: the caller must not answer as if the click were recorded."""


def default_directory() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "clicklog"


class _Group:
    """Lines that one disk sync carries, and how it went."""

    __slots__ = ("done", "leader", "lines", "ok")

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.leader = False
        self.done = False
        self.ok = False


class ClickLog:
    """Append-only, group-committed segment writer for one process (re-opens its own segment after a fork)."""

    def __init__(self, directory: Path, segment_bytes: int = SEGMENT_BYTES, max_syncs: int = MAX_SYNCS) -> None:
        self.directory = directory
        self.segment_bytes = segment_bytes
        self.max_syncs = max_syncs
        self._cond = threading.Condition(threading.Lock())
        self._group = _Group()  # gathering lines for the next sync
        self._syncing = 0
        self._io = threading.Lock()  # segment state and the order of writes
        self._fd = -1
        self._size = 0
        self._zeroed = 0  # the segment's zero-filled length (what is written is below _size)
        self._pid = -1
        self.flushes = 0  # disk syncs done, for tests and benchmarks

    def append(self, line: bytes) -> None:
        """Add ``line`` (one record ending in a newline) and return once it is on disk; LogWriteFailed if not."""
        with self._cond:
            group = self._group
            group.lines.append(line)
            while not group.done:
                if group.leader or self._syncing >= self.max_syncs:
                    self._cond.wait()
                    continue
                # Lead: take the group, write and sync it with the lock released so others gather the next one.
                group.leader = True
                self._group = _Group()
                self._syncing += 1
                self._cond.release()
                try:
                    ok = self.commit(group.lines)
                finally:
                    self._cond.acquire()
                    self._syncing -= 1
                    group.ok, group.done = ok, True
                    self.flushes += 1
                    self._cond.notify_all()
            if not group.ok:
                raise LogWriteFailed("the click log could not be written")

    def commit(self, lines: list[bytes]) -> bool:
        """Write ``lines`` in one go and sync them; False (logged) if they may not be on disk."""
        data = b"".join(lines)
        try:
            with self._io:
                if self._pid != os.getpid() or self._fd < 0 or self._size >= self.segment_bytes:
                    self._open_segment()
                end = self._size + len(data)
                if end > self._zeroed:
                    # Zeros written ahead (synced with this group): later groups overwrite allocated blocks, so
                    # their fdatasync flushes data only — an append would also commit the file's new size to the
                    # journal each time, which measured 5-10x slower at p90 on a busy disk (PostgreSQL zero-fills
                    # its WAL segments for the same reason).
                    ahead = max(ZERO_AHEAD, end - self._zeroed)
                    _write_all(self._fd, bytes(ahead), self._zeroed)
                    self._zeroed += ahead
                _write_all(self._fd, data, self._size)
                self._size = end
                # Its own descriptor: a rotation may close the segment's meanwhile; the flock (and so the
                # segment's "open" state for the loader) lasts until the last sync on it ends.
                fd = os.dup(self._fd)
            try:
                os.fdatasync(fd)
            finally:
                os.close(fd)
            return True
        except OSError:
            log.exception("the click log could not be written in %s", self.directory)
            with self._io:
                self._close_segment()  # start a fresh segment next time rather than append after a torn line
            return False

    def _open_segment(self) -> None:
        if self._pid == os.getpid():
            self._close_segment()
        else:
            self._fd = -1  # inherited from the parent: its segment and lock are not ours
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"clicks-{os.getpid()}-{time.time_ns()}{SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o640)
        fcntl.flock(fd, fcntl.LOCK_EX)
        # The new directory entry must survive a crash too, or a synced segment could vanish with it.
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self._fd, self._size, self._zeroed, self._pid = fd, 0, 0, os.getpid()

    def _close_segment(self) -> None:
        if self._fd >= 0 and self._pid == os.getpid():
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)  # the unused zeros (a crash leaves them: readers stop at them)
            os.close(self._fd)  # also releases the flock: the segment is sealed
        self._fd = -1

    def close(self) -> None:
        with self._cond:
            while self._syncing:
                self._cond.wait()
            with self._io:
                self._close_segment()


class AsyncClickLog:
    """The same group commit for an asyncio server (``accord.asgi``): requests await, sync threads write.

    ``append`` parks the line with a future of the running loop; ``syncers`` threads (``MAX_SYNCS``) each take
    everything parked so far, ``ClickLog.commit`` it, and settle its futures with one ``call_soon_threadsafe`` per
    loop — so neither a thread per request nor a wake-up per request, which is what the WSGI thread pool pays for.
    """

    def __init__(self, log: ClickLog, syncers: int = MAX_SYNCS) -> None:
        self.log = log
        self.syncers = syncers
        self._cond = threading.Condition(threading.Lock())
        self._parked: list[tuple[bytes, asyncio.Future[bool]]] = []
        self._pid = -1  # threads do not survive a fork: started again in the child on its first append
        self._closing = False
        self._threads: list[threading.Thread] = []
        self.flushes = 0

    async def append(self, line: bytes) -> None:
        """Return once ``line`` (one record ending in a newline) is on disk; LogWriteFailed if not."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        with self._cond:
            if self._pid != os.getpid():
                self._start()
            self._parked.append((line, future))
            self._cond.notify()
        if not await future:
            raise LogWriteFailed("the click log could not be written")

    def _start(self) -> None:
        self._pid, self._parked, self._closing = os.getpid(), [], False
        self._threads = [
            threading.Thread(target=self._sync_loop, name="clicklog-sync", daemon=True) for _ in range(self.syncers)
        ]
        for thread in self._threads:
            thread.start()

    def _sync_loop(self) -> None:
        while True:
            with self._cond:
                while not self._parked and not self._closing:
                    self._cond.wait()
                if not self._parked:
                    return
                batch, self._parked = self._parked, []
            ok = self.log.commit([line for line, _ in batch])
            by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[bool]]] = {}
            for _, future in batch:
                by_loop.setdefault(future.get_loop(), []).append(future)
            with self._cond:
                self.flushes += 1
            for loop, futures in by_loop.items():
                with contextlib.suppress(RuntimeError):  # that loop is closed: nobody is waiting any more
                    loop.call_soon_threadsafe(_settle, futures, ok)

    def close(self) -> None:
        """Sync what is parked, stop the threads and seal the segment."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join()
        self.log.close()


def _write_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _settle(futures: list[asyncio.Future[bool]], ok: bool) -> None:
    for future in futures:
        if not future.done():  # a request cancelled meanwhile (client gone) has no one to tell
            future.set_result(ok)


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
