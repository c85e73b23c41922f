"""Accrual jobs for ``accord worker``: the change feed every second (``accord incentives follow`` runs it every
~0.1 s for sub-second accruals), and a sweep every minute for what the id feed cannot see."""

from datetime import timedelta

from accord.core.scheduler import periodic
from accord.incentives import services


@periodic("incentives.accrue", every=timedelta(seconds=1))
def accrue() -> int:
    """Mark collaborations with new facts dirty and book their differences."""
    return len(services.run_once())


@periodic("incentives.sweep", every=timedelta(minutes=1))
def sweep() -> int:
    """Re-evaluate every accruing collaboration (cleared flags, approved milestones and hours, late commits)."""
    marked = services.sweep()
    services.process_dirty(limit=10_000)
    return marked
