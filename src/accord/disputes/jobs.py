from datetime import timedelta

from accord.core.scheduler import periodic
from accord.disputes import services


@periodic("disputes.deadlines", every=timedelta(minutes=5))
def enforce_deadlines() -> int:
    """Every dispute deadline (response, proposal, answers, the 30-day limit) and any half-applied outcome."""
    report = services.enforce_deadlines()
    return sum(len(v) for v in vars(report).values())
