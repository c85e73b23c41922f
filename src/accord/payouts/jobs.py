from datetime import timedelta

from accord.core.scheduler import periodic
from accord.payouts import services


@periodic("payouts.run", every=timedelta(hours=1))
def run_payouts() -> int:
    """Today's payout run per currency (idempotent: a finished run is not repeated) and any unfinished earlier run."""
    return len(services.run_all(started_by="scheduler"))
