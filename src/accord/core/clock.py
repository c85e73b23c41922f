"""The one source of time. Tests move it with ``frozen``/``advance``; production reads the system clock (UTC)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

_lock = threading.Lock()
_fixed: datetime | None = None


def now() -> datetime:
    fixed = _fixed
    return fixed if fixed is not None else datetime.now(UTC)


def today() -> date:
    return now().date()


def set_now(moment: datetime | None) -> None:
    """Pin the clock at ``moment`` (aware) or, with None, return to the system clock."""
    global _fixed
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the clock only holds timezone-aware datetimes")
    with _lock:
        _fixed = moment.astimezone(UTC) if moment is not None else None


def advance(delta: timedelta) -> datetime:
    """Move a pinned clock forward (pins it at the current time first)."""
    with _lock:
        global _fixed
        _fixed = (_fixed or datetime.now(UTC)) + delta
        return _fixed


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    previous = _fixed
    set_now(moment)
    try:
        yield
    finally:
        set_now(previous)
