"""Move redirect clicks from the click log (``accord.tracking.clicklog``) into the database, in batches.

``accord tracking load-clicks`` runs this next to the web server (``accord serve`` starts it). Each pass walks the
segments oldest first, reads complete lines past the segment's recorded offset, and stores them
``BATCH`` at a time through ``clickstore.store_clicks`` (one transaction a batch: bot, burst, counted once per
visitor and hour, flags, rollups), then records the new offset. Exactly once, without a distributed transaction:

- a crash after the commit and before the offset is saved re-reads those lines next time, and ``store_clicks`` skips
  click ids the database has;
- a crash before the commit loses nothing, the lines are still in the segment;
- a sealed segment (its writer let go) that is loaded to its end is deleted, its offset file after it.

One loader at a time per log directory (an exclusive ``flock`` on ``loader.lock``); a second one waits for it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from django.db import close_old_connections

from accord.tracking import clicklog
from accord.tracking.clickstore import ClickRecord, store_clicks

BATCH = 5_000
log = logging.getLogger(__name__)


@contextmanager
def exclusive(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / "loader.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def parse(lines: list[bytes], segment: Path) -> list[ClickRecord]:
    out = []
    for line in lines:
        try:
            out.append(ClickRecord.from_row(orjson.loads(line)))
        except (ValueError, TypeError) as exc:
            log.warning("skipping an unreadable click-log line in %s: %s", segment.name, exc)
    return out


def load_once(directory: Path | None = None, batch: int = BATCH) -> int:
    """One pass over every segment; returns how many clicks it stored."""
    directory = directory or clicklog.default_directory()
    stored = 0
    for segment in clicklog.segments(directory):
        sealed = clicklog.is_sealed(segment)  # before reading: a sealed segment read to its end is complete
        offset = clicklog.loaded_offset(segment)
        for chunk in clicklog.read_chunks(segment, offset, batch):
            stored += len(store_clicks(parse(chunk.lines, segment)))
            clicklog.save_offset(segment, chunk.end)
            offset = chunk.end
        if sealed:
            # A torn tail (its writer died mid-write) never got its redirect; it is dropped with the segment.
            segment.unlink(missing_ok=True)
            clicklog.offset_path(segment).unlink(missing_ok=True)
    return stored


def follow(
    directory: Path | None = None,
    interval: float = 0.1,
    stop: Callable[[], bool] | None = None,
    on_pass: Callable[[int], None] | None = None,
) -> None:
    """Load, sleep ``interval``, repeat (holding the loader lock) until ``stop`` says so."""
    directory = directory or clicklog.default_directory()
    with exclusive(directory):
        while stop is None or not stop():
            started = time.monotonic()
            close_old_connections()
            try:
                stored = load_once(directory)
            except Exception:  # the database may be away for a while; the clicks wait in the log
                log.exception("loading clicks failed; retrying")
                close_old_connections()
                stored = -1
            if on_pass is not None:
                on_pass(stored)
            time.sleep(max(interval - (time.monotonic() - started), 0.0))
