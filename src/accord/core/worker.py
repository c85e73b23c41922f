"""``accord worker``: the task queue worker (django-tasks-db) plus the periodic scheduler in one process."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections
from django.utils.crypto import get_random_string

from accord.core import scheduler

logger = logging.getLogger("accord.worker")


def _schedule_forever(stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            scheduler.run_due()
        except Exception:
            logger.exception("scheduler pass failed")
        finally:
            close_old_connections()
        stop.wait(interval)


def run_worker(interval: float = 1.0, scheduler_interval: float = 5.0) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    stop = threading.Event()
    thread = threading.Thread(
        target=_schedule_forever, args=(stop, scheduler_interval), daemon=True, name="accord-scheduler"
    )
    thread.start()
    worker = Worker(
        queue_names=["default"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(16),
        excluded_queue_names=[],
    )
    worker.configure_signals()
    try:
        worker.run()
    finally:
        stop.set()
        thread.join(timeout=5)
