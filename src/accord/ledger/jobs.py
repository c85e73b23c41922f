from datetime import timedelta

from accord.core.scheduler import periodic
from accord.ledger import services


@periodic("ledger.expire_holds", every=timedelta(minutes=5))
def expire_holds() -> int:
    """Pending holds past their expiry release their reservation."""
    return services.expire_holds()
