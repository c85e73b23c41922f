"""Background tasks (django-tasks): a payout run started from the operator's page, run by ``accord worker``."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from accord.payouts import services


@task()
def run_payouts(currency: str, run_date: str, started_by: str) -> int:
    """Take the run as far as it goes (safe to repeat: every step is keyed); returns the run's id."""
    return services.run_payouts(currency, date.fromisoformat(run_date), started_by=started_by).pk
