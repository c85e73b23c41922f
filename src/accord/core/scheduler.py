"""Periodic jobs (payout runs, auto-approvals, unlocks, deadlines) run by ``accord worker``.

Each app lists its jobs in ``<app>/jobs.py`` with ``@periodic``. A job's next run time lives in the database and is
claimed under a row lock, so several workers never run the same job twice for one slot. Jobs must themselves be
idempotent services: a crash after the claim only delays the work to the next slot.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.db import transaction

from accord.core import clock
from accord.core.models import ScheduledJob

logger = logging.getLogger("accord.scheduler")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    func: Callable[[], object]


REGISTRY: dict[str, PeriodicJob] = {}


def periodic(name: str, every: timedelta) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def register(func: Callable[[], object]) -> Callable[[], object]:
        REGISTRY[name] = PeriodicJob(name, every, func)
        return func

    return register


def discover() -> dict[str, PeriodicJob]:
    for config in apps.get_app_configs():
        if config.name.startswith("accord."):
            try:
                importlib.import_module(f"{config.name}.jobs")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.jobs":
                    raise
    return REGISTRY


def _claim(job: PeriodicJob) -> bool:
    now = clock.now()
    with transaction.atomic():
        row, _ = ScheduledJob.objects.select_for_update().get_or_create(name=job.name, defaults={"next_run_at": now})
        if row.next_run_at > now:
            return False
        row.next_run_at = now + job.every
        row.last_started_at = now
        row.save(update_fields=["next_run_at", "last_started_at"])
    return True


def run_due() -> list[str]:
    """Run every job whose slot has come; return the names run. One failing job does not stop the others."""
    ran = []
    for job in discover().values():
        if not _claim(job):
            continue
        try:
            job.func()
        except Exception:
            logger.exception("periodic job %s failed", job.name)
            ScheduledJob.objects.filter(name=job.name).update(last_error_at=clock.now())
        else:
            ScheduledJob.objects.filter(name=job.name).update(last_finished_at=clock.now())
        ran.append(job.name)
    return ran
