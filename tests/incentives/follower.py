"""Run the real ``accord incentives follow`` loop for exactly one pass, without its periodic sweep (which would mark
every contract dirty and hide whether a change marked its own collaboration)."""

from __future__ import annotations

from accord.incentives import services


def follow_once() -> None:
    passes = iter([False, True])
    services.follow(interval=0.0, stop=lambda: next(passes), sweep_every=float("inf"))
