from datetime import timedelta

from accord.core.scheduler import periodic
from accord.escrow import services


@periodic("escrow.unlock_accruals", every=timedelta(minutes=5))
def unlock_accruals() -> int:
    """Commission whose lock window has ended moves from creator pending to payable."""
    return services.unlock_matured()
