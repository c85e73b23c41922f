from datetime import timedelta

from accord.core.scheduler import periodic
from accord.reputation import services


@periodic("reputation.mark_missed", every=timedelta(minutes=5))
def mark_missed() -> int:
    """Commitments whose due time passed unresolved become missed (and their owner is told)."""
    return len(services.mark_missed())


@periodic("reputation.refresh_tiers", every=timedelta(hours=24))
def refresh_tiers() -> int:
    """Recompute creator tiers (new contracts get the new tier's benefits; existing ones keep theirs)."""
    from accord.reputation import tiers

    return tiers.refresh_all()
