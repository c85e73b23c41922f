from datetime import timedelta

from accord.core.scheduler import periodic
from accord.reputation import services


@periodic("reputation.mark_missed", every=timedelta(minutes=5))
def mark_missed() -> int:
    """Commitments whose due time passed unresolved become missed (and their owner is told)."""
    return len(services.mark_missed())
