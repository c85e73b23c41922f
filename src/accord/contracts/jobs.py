"""Periodic contract jobs, run by ``accord worker``: auto-approval after the review window, overdue deadlines,
lapsed offers. Each is an idempotent service, safe to run again after a crash."""

from __future__ import annotations

from datetime import timedelta

from accord.contracts import services
from accord.core.scheduler import periodic


@periodic("contracts.auto_approve", every=timedelta(minutes=15))
def auto_approve() -> object:
    return services.auto_approve_due()


@periodic("contracts.flag_overdue", every=timedelta(hours=1))
def flag_overdue() -> object:
    return services.flag_overdue()


@periodic("contracts.expire_offers", every=timedelta(minutes=15))
def expire_offers() -> object:
    return services.expire_offers()
